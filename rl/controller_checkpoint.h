// The controller's part of a search checkpoint (search/checkpoint.h frames the file): what
// resuming the controller needs, exact to the bit: the search space (checked on load: a
// checkpoint of another space or size is refused), the controller's sizes, its arena (names and
// floats) and the policy-gradient state (baseline, Adam m/v/t, update count).
#pragma once

#include "rl/controller.h"
#include "rl/policy_gradient.h"
#include "search/checkpoint.h"

namespace nos::rl {

// Sections "controller.space", "controller.config", "controller.arena", "pg.state".
void put_controller(search::Checkpoint& c, const Controller& ctrl, const PgState& st);
// Restores weights and state into a controller built for the same space and sizes; throws
// std::runtime_error naming the mismatch (space, hidden/embed, arena layout, Adam sizes).
void get_controller(const search::Checkpoint& c, Controller& ctrl, PgState& st);

}  // namespace nos::rl
