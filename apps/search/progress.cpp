#include "apps/search/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace nos::search {

SearchProgress::SearchProgress(std::int64_t budget, bool enabled, int recent)
    : meter_("nos-search", enabled, 0.0, "samples"), recent_(static_cast<size_t>(recent)) {
  meter_.set_total(budget);
}

void SearchProgress::remember(double reward) {
  best_ = std::max(best_, reward);
  last_.push_back(reward);
  if (last_.size() > recent_) last_.pop_front();
}

void SearchProgress::restore(double reward) {
  remember(reward);
  meter_.restore();
}

void SearchProgress::add(std::int64_t sample, double reward, const std::string& infix, bool cached) {
  remember(reward);
  const double mean = std::accumulate(last_.begin(), last_.end(), 0.0) / static_cast<double>(last_.size());
  meter_.advance(fmt::format("#{} reward {:.4f}{} {} | best {:.4f}, mean of last {} {:.4f}", sample, reward,
                             cached ? " (cached)" : "", infix, best_, last_.size(), mean));
}

}  // namespace nos::search
