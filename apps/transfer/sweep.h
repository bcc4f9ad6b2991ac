// The runs of a study: every optimizer at every rate of its log-spaced sweep (and, for Adam on
// Rosenbrock, every eps), for every repeat.
#pragma once

#include <cstdint>
#include <vector>

#include "apps/transfer/config.h"
#include "apps/transfer/records.h"

namespace nos::transfer {

// n rates from lo to hi inclusive, evenly spaced in log10 (n = 1: lo; lo == hi: just lo). Each
// rate is rounded to 6 significant digits so that a rate planned again on resume is the same double.
std::vector<double> log_rates(double lo, double hi, int n);

struct PlannedRun {
  app::OptimizerSpec opt;
  RunKey key;
  std::uint64_t seed = 0;  // initialisation, shuffles, dropout, random rules: config seed + repeat
};

// In order: optimizer, repeat, eps, rate. Throws std::invalid_argument for a bad sweep.
std::vector<PlannedRun> plan_runs(const TransferConfig& c);

}  // namespace nos::transfer
