// Choosing each optimizer's best rate, as Table 1 does: for every (optimizer, rate, eps) the
// repeats are summarised, and the rate whose score (mean over repeats) is best is that
// optimizer's row. A rate at which any repeat diverged is not eligible.
//
// Scores per task:
//   convnet, wrn  best validation accuracy over the epochs (higher is better); the row also has
//                 final validation, final test, and the test accuracy at the best-validation epoch
//   lstm          best validation perplexity (lower), with final train/valid/test perplexity and
//                 the test perplexity at the best-validation epoch
//   rosenbrock    final loss (lower), with the distance of the end point to the optimum (1, 1)
//   linreg        final excess loss f(w) - f* (lower), with the loss and the distance to w*
//   two-moons     as convnet: best validation accuracy
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "apps/transfer/records.h"

namespace nos::transfer {

struct Column {
  std::string name;
  std::function<double(const RunRecord&)> value;
  double scale = 1;   // shown as value * scale (accuracy in %)
  int precision = 2;  // decimals; < 0: %.3g
};

struct TableSpec {
  std::vector<Column> columns;
  int score = 0;  // index of the selection column
  bool higher_better = true;
};

// The columns and selection rule of a task. Throws std::invalid_argument for an unknown task.
TableSpec table_spec(const std::string& task);

// The epoch with the best validation value (the first, if tied); nullopt without epochs.
std::optional<EpochMetrics> best_val_epoch(const RunRecord& r, bool higher_better);

struct Stat {
  double mean = 0, std = 0;  // std: sample standard deviation (n - 1); 0 for one value
  int n = 0;
};
Stat stat_of(const std::vector<double>& xs);

// One (optimizer, lr, eps) over its repeats, at one budget (halving: key.steps).
struct RateSummary {
  RunKey key;  // repeat = 0
  std::string rule;
  std::int64_t total_steps = 0;  // a whole run's steps (0 in records from before halving)
  int runs = 0, diverged = 0;
  std::vector<Stat> values;  // one per column, over the repeats that finished; empty if any diverged
  bool eligible() const { return diverged == 0 && runs > 0; }
};

// Groups `runs` by (optimizer, lr, eps, steps), optimizers in the order of `order` (then any others
// in order of appearance), rates ascending, each rate's budgets ascending with the whole run last.
std::vector<RateSummary> summarize(const std::vector<RunRecord>& runs, const TableSpec& spec,
                                   const std::vector<std::string>& order = {});

struct Selected {
  std::string optimizer;
  std::optional<RateSummary> best;    // nullopt: every rate diverged
  int rates = 0, diverged_rates = 0;  // (lr, eps) pairs: Adam on Rosenbrock sweeps both
  int stopped_rates = 0;              // pairs halving stopped before the whole run (not diverged)
  int lrs = 0;                        // distinct learning rates among them
  double lr_lo = 0, lr_hi = 0;        // the smallest and largest rate run
};

// Per optimizer, the eligible rate with the best score (ties: the smaller rate). With halving,
// each rate counts at the furthest budget it reached and the best is chosen among the rates that
// went furthest: a whole run when the optimizer has one, else (halving over all pairs stopped it)
// the best of its longest stopped runs. A rate that diverged at any budget is not eligible.
std::vector<Selected> select_best(const std::vector<RateSummary>& rates, const TableSpec& spec);

// Budgets in order: a stopped run's steps, the whole run (steps 0) after every stopped one.
std::int64_t budget_rank(std::int64_t steps);

}  // namespace nos::transfer
