// Progress of a whole study on stderr, through nos's one progress printer (nn/train/progress.h):
// which run of how many, which optimizer and rate, the epoch just finished and its metrics,
// elapsed time and the ETA of the study (from the time per unit of work so far: epochs for
// trained networks, steps under halving, whose runs differ in length, runs for Rosenbrock).
#pragma once

#include <cstdint>
#include <string>

#include "nn/train/progress.h"

namespace nos::transfer {

class StudyProgress {
 public:
  // `total` units named `unit` ("epochs", "steps", "runs") over `runs` runs.
  StudyProgress(int runs, std::int64_t total, const std::string& unit);
  void begin_run(const std::string& what);                            // "adam lr=0.001 rep=0"
  void unit_done(const std::string& status, std::int64_t units = 1);  // prints one line
  void run_done(std::int64_t units_not_run = 0);  // a run that stopped early: its rest leaves the total
  // Halving decides its later rungs as it goes: the runs and units left from here.
  void replan(int runs_left, std::int64_t units_left);
  std::string eta() const { return meter_.timing(); }

 private:
  int runs_, run_ = 0;
  std::string what_;
  nn::Progress meter_;
};

}  // namespace nos::transfer
