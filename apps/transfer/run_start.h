// What every trained run (convnet, wrn, lstm) starts from: its record, stamped with the planned
// run's key, rule and seed, and the JIT optimizer's options for that run.
#pragma once

#include <cstdint>

#include "apps/transfer/records.h"
#include "apps/transfer/sweep.h"
#include "optim/optimizer.h"

namespace nos::transfer {

RunRecord start_record(const PlannedRun& p);

// `lr` is the rate of the first step (the task's schedule may scale the planned rate);
// total_steps lets decayed rules (ld, cd, rd) know the length of the run.
optim::OptimizerOptions run_optimizer_options(const PlannedRun& p, double lr, std::uint64_t total_steps);

}  // namespace nos::transfer
