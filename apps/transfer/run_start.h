// What every trained run (convnet, wrn, lstm, linreg, two-moons) starts from: its record, stamped
// with the planned run's key, rule and seed, and the JIT optimizer's options for that run.
#pragma once

#include <cstdint>

#include "apps/transfer/records.h"
#include "apps/transfer/sweep.h"
#include "optim/optimizer.h"

namespace nos::transfer {

// `total_steps`: the whole run's, also when the key stops it early (halving).
RunRecord start_record(const PlannedRun& p, std::int64_t total_steps);

// The steps this run takes: all `total_steps`, or the halving budget in its key. The schedule and
// the decayed rules still see `total_steps`, so a stopped run is a prefix of the whole run.
std::int64_t steps_to_take(const PlannedRun& p, std::int64_t total_steps);

// `lr` is the rate of the first step (the task's schedule may scale the planned rate);
// total_steps lets decayed rules (ld, cd, rd) know the length of the run.
optim::OptimizerOptions run_optimizer_options(const PlannedRun& p, double lr, std::uint64_t total_steps);

}  // namespace nos::transfer
