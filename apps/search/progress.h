// The progress line on stderr after each evaluation: samples done of the budget, this reward,
// the best and recent mean reward, samples per hour (this session) and the time left at that rate.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

namespace nos::search {

class SearchProgress {
 public:
  SearchProgress(std::int64_t budget, bool enabled, int recent = 50);
  // An evaluation recorded by an earlier session (no line, not counted in the rate).
  void restore(double reward);
  // An evaluation of this session; prints one line.
  void add(std::int64_t sample, double reward, const std::string& infix, bool cached);
  std::int64_t done() const { return done_; }
  double best() const { return best_; }

 private:
  std::int64_t budget_, done_ = 0, session_ = 0;
  bool enabled_;
  size_t recent_;
  double best_ = -1e300;
  std::deque<double> last_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace nos::search
