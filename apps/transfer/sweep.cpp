#include "apps/transfer/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace nos::transfer {

std::vector<double> log_rates(double lo, double hi, int n) {
  if (!(lo > 0) || !(hi >= lo) || n < 1)
    throw std::invalid_argument(
        fmt::format("bad rate sweep: {} rates from {:g} to {:g} (want 0 < min <= max)", n, lo, hi));
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    const double e = n == 1 ? std::log10(lo) : std::log10(lo) + (std::log10(hi) - std::log10(lo)) * i / (n - 1);
    const double rate = std::strtod(fmt::format("{:.6g}", std::pow(10.0, e)).c_str(), nullptr);
    // min == max (one optimizer pinned to one rate) must not plan the same run n times.
    if (out.empty() || rate != out.back()) out.push_back(rate);
  }
  return out;
}

std::vector<PlannedRun> plan_runs(const TransferConfig& c) {
  if (c.repeats < 1) throw std::invalid_argument("repeats must be at least 1");
  // A range for a name that is not in the study is a typo that would silently use the default.
  for (const auto& [name, range] : c.lr_ranges) {
    const bool known = std::any_of(c.optimizers.begin(), c.optimizers.end(),
                                   [&](const app::OptimizerSpec& o) { return o.name == name; });
    if (!known)
      throw std::invalid_argument(fmt::format("--lr-range names '{}', which is not one of the optimizers", name));
  }
  std::vector<PlannedRun> out;
  for (const app::OptimizerSpec& o : c.optimizers) {
    double lo = c.lr_min, hi = c.lr_max;
    if (const auto it = c.lr_ranges.find(o.name); it != c.lr_ranges.end()) {
      if (it->second.size() != 2) throw std::invalid_argument(fmt::format("rate range of {} needs MIN:MAX", o.name));
      lo = it->second[0];
      hi = it->second[1];
    }
    const std::vector<double> rates = log_rates(lo, hi, c.rates);
    // The paper tunes Adam's eps on Rosenbrock only; elsewhere every rule keeps dslc's 1e-8, but
    // TensorFlow's RMSProp its 1e-10.
    const bool sweep_eps = c.task == "rosenbrock" && o.rule == "adam";
    const std::vector<double> eps = sweep_eps ? c.adam_eps : std::vector<double>{app::rule_eps(o.rule)};
    for (int r = 0; r < c.repeats; ++r)
      for (double e : eps)
        for (double lr : rates) out.push_back({o, {o.name, lr, e, r}, c.seed + static_cast<std::uint64_t>(r)});
  }
  return out;
}

}  // namespace nos::transfer
