// Binding an Optimizer to a nos ParamArena: one kernel call per thread over the whole model.
// Take the binding after the model is built (the arena moves its buffers when it grows).
#pragma once

#include "optim/optimizer.h"
#include "tensor/param_arena.h"

namespace nos::optim {

inline void add_arena(Optimizer& opt, ParamArena& arena) {
  opt.add(arena.values(), arena.grads(), static_cast<size_t>(arena.size()));
}

}  // namespace nos::optim
