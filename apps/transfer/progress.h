// Progress of a whole study on stderr, through nos's one progress printer (nn/train/progress.h):
// which run of how many, which optimizer and rate, the epoch just finished and its metrics,
// elapsed time and the ETA of the study (from the time per unit of work so far: epochs for
// trained networks, runs for Rosenbrock).
#pragma once

#include <cstdint>
#include <string>

#include "nn/train/progress.h"

namespace nos::transfer {

class StudyProgress {
 public:
  StudyProgress(int runs, std::int64_t units_per_run);
  void begin_run(const std::string& what);        // "adam lr=0.001 rep=0"
  void unit_done(const std::string& status);      // prints one line
  void run_done(std::int64_t units_not_run = 0);  // a run that stopped early: its rest leaves the total
  std::string eta() const { return meter_.timing(); }

 private:
  int runs_, run_ = 0;
  std::string what_;
  nn::Progress meter_;
};

}  // namespace nos::transfer
