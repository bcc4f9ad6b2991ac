#include "apps/transfer/rate_switch.h"

#include <sstream>

#include "jit/arena_optimizer.h"

namespace nos::transfer {

RateSwitch::RateSwitch(std::string rule, jit::OptimizerOptions options, ParamArena& arena)
    : rule_(std::move(rule)), options_(options), arena_(&arena) {
  opt_ = std::make_unique<jit::Optimizer>(rule_, options_);
  jit::add_arena(*opt_, *arena_);
}

void RateSwitch::set_rate(double lr) {
  if (lr == options_.hyper.lr) return;
  std::stringstream state;
  opt_->save(state);
  options_.hyper.lr = lr;
  auto next = std::make_unique<jit::Optimizer>(rule_, options_);
  jit::add_arena(*next, *arena_);
  next->load(state);
  opt_ = std::move(next);
}

}  // namespace nos::transfer
