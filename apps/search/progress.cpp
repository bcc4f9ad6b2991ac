#include "apps/search/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "nn/train/progress.h"

namespace nos::search {

SearchProgress::SearchProgress(std::int64_t budget, bool enabled, int recent)
    : budget_(budget), enabled_(enabled), recent_(static_cast<size_t>(recent)) {}

void SearchProgress::restore(double reward) {
  ++done_;
  best_ = std::max(best_, reward);
  last_.push_back(reward);
  if (last_.size() > recent_) last_.pop_front();
}

void SearchProgress::add(std::int64_t sample, double reward, const std::string& infix, bool cached) {
  restore(reward);
  ++session_;
  if (!enabled_) return;
  const double hours = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() / 3600.0;
  const double rate = hours > 0 ? static_cast<double>(session_) / hours : 0.0;
  const double mean = std::accumulate(last_.begin(), last_.end(), 0.0) / static_cast<double>(last_.size());
  const auto left = std::max<std::int64_t>(0, budget_ - done_);
  const std::string eta = rate > 0 ? nn::format_duration(3600.0 * static_cast<double>(left) / rate) : "?";
  fmt::print(stderr, "nos-search: {}/{} samples | #{} reward {:.4f}{} {} | best {:.4f}, mean of last {} {:.4f} | {:.0f} samples/h, ETA {}\n",
             done_, budget_, sample, reward, cached ? " (cached)" : "", infix, best_, last_.size(), mean, rate, eta);
}

}  // namespace nos::search
