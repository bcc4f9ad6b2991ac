// A JIT optimizer whose base learning rate can change between steps, state kept.
//
// jit::Optimizer fixes its base rate at construction (its own Schedule then scales it). Zaremba's
// PTB schedule changes the rate per epoch, set from outside; RateSwitch rebuilds the optimizer
// with the new rate and carries the step count and every state buffer over through the
// optimizer's own checkpoint (save/load), so the rule's running averages, bias corrections and
// decays continue exactly. Compiled kernels are cached by the JIT, so a rebuild costs a copy of
// the state.
#pragma once

#include <memory>
#include <string>

#include "jit/optimizer.h"
#include "tensor/param_arena.h"

namespace nos::transfer {

class RateSwitch {
 public:
  // Binds `rule` to the whole arena (which must not grow afterwards).
  RateSwitch(std::string rule, jit::OptimizerOptions options, ParamArena& arena);
  void set_rate(double lr);  // no-op if unchanged
  void step() { opt_->step(); }
  const jit::Optimizer& optimizer() const { return *opt_; }

 private:
  std::string rule_;
  jit::OptimizerOptions options_;
  ParamArena* arena_;
  std::unique_ptr<jit::Optimizer> opt_;
};

}  // namespace nos::transfer
