#include "apps/common/halving.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace nos::app {

std::string validate(const HalvingSpec& s) {
  if (s.eta < 2) return fmt::format("eta {} (keep 1/eta per rung: at least 2)", s.eta);
  if (s.rungs < 1 || s.rungs > 16) return fmt::format("{} rungs (1 to 16)", s.rungs);
  return {};
}

std::vector<std::int64_t> halving_budgets(std::int64_t total, const HalvingSpec& s) {
  if (const std::string why = validate(s); !why.empty()) throw std::invalid_argument("halving: " + why);
  if (total < 1) throw std::invalid_argument(fmt::format("halving: total budget {} (at least 1)", total));
  std::vector<std::int64_t> out;
  for (int r = 0; r < s.rungs; ++r) {
    const double b = static_cast<double>(total) / std::pow(static_cast<double>(s.eta), s.rungs - 1 - r);
    const std::int64_t budget = r + 1 == s.rungs ? total : std::max<std::int64_t>(1, std::llround(b));
    if (out.empty() || budget > out.back()) out.push_back(budget);
  }
  return out;
}

std::size_t halving_keep(std::size_t n, int eta) {
  if (n == 0) return 0;
  const auto e = static_cast<std::size_t>(std::max(eta, 1));
  return std::max<std::size_t>(1, (n + e - 1) / e);
}

std::vector<std::size_t> halving_survivors(std::span<const double> scores, int eta) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (!std::isnan(scores[i])) order.push_back(i);
  // stable_sort keeps the lower index first among equal scores.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  order.resize(std::min(order.size(), halving_keep(scores.size(), eta)));
  std::sort(order.begin(), order.end());
  return order;
}

}  // namespace nos::app
