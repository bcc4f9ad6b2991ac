#include "apps/transfer/run_start.h"

#include <algorithm>

namespace nos::transfer {

RunRecord start_record(const PlannedRun& p, std::int64_t total_steps) {
  RunRecord rec;
  rec.key = p.key;
  rec.rule = p.opt.rule;
  rec.seed = p.seed;
  rec.total_steps = total_steps;
  return rec;
}

std::int64_t steps_to_take(const PlannedRun& p, std::int64_t total_steps) {
  return p.key.steps > 0 ? std::min(p.key.steps, total_steps) : total_steps;
}

optim::OptimizerOptions run_optimizer_options(const PlannedRun& p, double lr, std::uint64_t total_steps) {
  optim::OptimizerOptions o;
  o.hyper.lr = lr;
  o.hyper.eps = p.key.eps;
  o.hyper.beta2 = app::rule_beta2(p.opt.rule);
  o.hyper.total_steps = total_steps;
  o.hyper.seed = p.seed;
  return o;
}

}  // namespace nos::transfer
