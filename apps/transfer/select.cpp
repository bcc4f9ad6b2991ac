#include "apps/transfer/select.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <tuple>

namespace nos::transfer {

std::optional<EpochMetrics> best_val_epoch(const RunRecord& r, bool higher_better) {
  std::optional<EpochMetrics> best;
  for (const auto& e : r.epochs)
    if (!best || (higher_better ? e.val > best->val : e.val < best->val)) best = e;
  return best;
}

TableSpec table_spec(const std::string& task) {
  const auto last = [](double EpochMetrics::*f) {
    return [f](const RunRecord& r) { return r.epochs.empty() ? NAN : r.epochs.back().*f; };
  };
  if (task == "convnet" || task == "wrn" || task == "two-moons") {
    const auto at_best = [](double EpochMetrics::*f) {
      return [f](const RunRecord& r) {
        const auto e = best_val_epoch(r, true);
        return e ? (*e).*f : NAN;
      };
    };
    return {.columns = {{"final val %", last(&EpochMetrics::val), 100},
                        {"final test %", last(&EpochMetrics::test), 100},
                        {"best val %", at_best(&EpochMetrics::val), 100},
                        {"test at best val %", at_best(&EpochMetrics::test), 100},
                        {"best epoch",
                         [](const RunRecord& r) {
                           const auto e = best_val_epoch(r, true);
                           return e ? e->epoch : NAN;
                         },
                         1, 0}},
            .score = 2,
            .higher_better = true};
  }
  if (task == "lstm") {
    const auto at_best = [](double EpochMetrics::*f) {
      return [f](const RunRecord& r) {
        const auto e = best_val_epoch(r, false);
        return e ? (*e).*f : NAN;
      };
    };
    return {.columns = {{"train ppl", last(&EpochMetrics::train)},
                        {"valid ppl", last(&EpochMetrics::val)},
                        {"test ppl", last(&EpochMetrics::test)},
                        {"best valid ppl", at_best(&EpochMetrics::val)},
                        {"test at best valid ppl", at_best(&EpochMetrics::test)}},
            .score = 3,
            .higher_better = false};
  }
  if (task == "rosenbrock") {
    return {.columns = {{"final loss", [](const RunRecord& r) { return r.final_loss; }, 1, -1},
                        {"distance to (1,1)", [](const RunRecord& r) { return std::hypot(r.x - 1, r.y - 1); }, 1, -1},
                        {"x", [](const RunRecord& r) { return r.x; }, 1, 4},
                        {"y", [](const RunRecord& r) { return r.y; }, 1, 4}},
            .score = 0,
            .higher_better = false};
  }
  if (task == "linreg") {
    return {.columns = {{"final excess loss", last(&EpochMetrics::val), 1, -1},
                        {"final loss", last(&EpochMetrics::train), 1, -1},
                        {"distance to w* (rel.)", last(&EpochMetrics::test), 1, -1}},
            .score = 0,
            .higher_better = false};
  }
  throw std::invalid_argument("unknown task '" + task + "' (rosenbrock, linreg, two-moons, convnet, wrn, lstm)");
}

Stat stat_of(const std::vector<double>& xs) {
  Stat s;
  s.n = static_cast<int>(xs.size());
  if (xs.empty()) return s;
  double sum = 0;
  for (double x : xs) sum += x;
  s.mean = sum / s.n;
  if (s.n > 1) {
    double ss = 0;
    for (double x : xs) ss += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(ss / (s.n - 1));
  }
  return s;
}

std::vector<RateSummary> summarize(const std::vector<RunRecord>& runs, const TableSpec& spec,
                                   const std::vector<std::string>& order) {
  std::vector<std::string> names = order;
  for (const auto& r : runs)
    if (std::find(names.begin(), names.end(), r.key.optimizer) == names.end()) names.push_back(r.key.optimizer);
  std::vector<RateSummary> out;
  for (const auto& name : names) {
    // (lr, eps, budget) -> the runs at that rate; std::map keeps rates and budgets ascending.
    std::map<std::tuple<double, double, std::int64_t>, std::vector<const RunRecord*>> groups;
    for (const auto& r : runs)
      if (r.key.optimizer == name) groups[{r.key.lr, r.key.eps, budget_rank(r.key.steps)}].push_back(&r);
    for (const auto& [rate, members] : groups) {
      RateSummary s;
      s.key = {name, std::get<0>(rate), std::get<1>(rate), 0, members.front()->key.steps};
      s.rule = members.front()->rule;
      s.total_steps = members.front()->total_steps;
      s.runs = static_cast<int>(members.size());
      for (const RunRecord* m : members) s.diverged += m->diverged;
      if (s.eligible())
        for (const Column& c : spec.columns) {
          std::vector<double> xs;
          for (const RunRecord* m : members) xs.push_back(c.value(*m));
          s.values.push_back(stat_of(xs));
        }
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::int64_t budget_rank(std::int64_t steps) { return steps > 0 ? steps : INT64_MAX; }

std::vector<Selected> select_best(const std::vector<RateSummary>& rates, const TableSpec& spec) {
  std::vector<Selected> out;
  const auto same_rate = [](const RunKey& a, const RunKey& b) {
    return a.optimizer == b.optimizer && a.lr == b.lr && a.eps == b.eps;
  };
  // Summaries arrive by optimizer, then (lr, eps) ascending, then budget ascending (summarize).
  for (size_t i = 0; i < rates.size();) {
    Selected sel{.optimizer = rates[i].key.optimizer, .lr_lo = rates[i].key.lr, .lr_hi = rates[i].key.lr};
    std::vector<const RateSummary*> furthest;  // each eligible rate at the furthest budget it reached
    double prev_lr = NAN;
    while (i < rates.size() && rates[i].key.optimizer == sel.optimizer) {
      const RateSummary* far = &rates[i];
      bool diverged = false;
      for (; i < rates.size() && same_rate(rates[i].key, far->key); ++i) {
        diverged = diverged || !rates[i].eligible();
        far = &rates[i];
      }
      ++sel.rates;
      if (far->key.lr != prev_lr) ++sel.lrs;  // pairs arrive sorted by lr, then eps
      prev_lr = far->key.lr;
      sel.lr_lo = std::min(sel.lr_lo, far->key.lr);
      sel.lr_hi = std::max(sel.lr_hi, far->key.lr);
      if (diverged) {
        ++sel.diverged_rates;
        continue;
      }
      sel.stopped_rates += far->key.steps > 0;
      if (!std::isnan(far->values[spec.score].mean)) furthest.push_back(far);
    }
    std::int64_t longest = 0;
    for (const RateSummary* f : furthest) longest = std::max(longest, budget_rank(f->key.steps));
    for (const RateSummary* f : furthest) {
      if (budget_rank(f->key.steps) != longest) continue;
      const double v = f->values[spec.score].mean;
      const double cur = sel.best ? sel.best->values[spec.score].mean : NAN;
      // Rates arrive ascending, so a strict comparison keeps the smaller rate on a tie.
      if (!sel.best || (spec.higher_better ? v > cur : v < cur)) sel.best = *f;
    }
    out.push_back(std::move(sel));
  }
  return out;
}

}  // namespace nos::transfer
