#include "apps/transfer/run_start.h"

namespace nos::transfer {

RunRecord start_record(const PlannedRun& p) {
  RunRecord rec;
  rec.key = p.key;
  rec.rule = p.opt.rule;
  rec.seed = p.seed;
  return rec;
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
