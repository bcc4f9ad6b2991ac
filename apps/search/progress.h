// The progress line on stderr after each evaluation, through nos's one progress printer
// (nn/train/progress.h: samples done of the budget, samples per hour of this session, elapsed
// time, ETA). What only a search has is kept here: this sample's reward, the best one and the
// mean of the recent ones.
#pragma once
#include <cstdint>
#include <deque>
#include <string>

#include "nn/train/progress.h"

namespace nos::search {

class SearchProgress {
 public:
  SearchProgress(std::int64_t budget, bool enabled, int recent = 50);
  // An evaluation recorded by an earlier session (no line, not counted in the rate).
  void restore(double reward);
  // An evaluation of this session; prints one line.
  void add(std::int64_t sample, double reward, const std::string& infix, bool cached);
  std::int64_t done() const { return meter_.done(); }
  double best() const { return best_; }

 private:
  void remember(double reward);
  nn::Progress meter_;
  size_t recent_;
  double best_ = -1e300;
  std::deque<double> last_;
};

}  // namespace nos::search
