// dslc --emit=torch / --emit=numpy: a rule as a self-contained Python optimizer (a "port").
//
// The port is generated from the rule's step program (step_program.h), instruction by
// instruction, so it computes what the JIT computes in the same order: each state's update (from
// the state table, state.h), the body, then w -= lr * result. The emitter names no state or slot.
// --emit=torch writes torch.optim.Optimizer subclasses built on torch's foreach ops (any device,
// CUDA included) needing nothing but torch; --emit=numpy writes classes stepping lists of numpy
// arrays. Random symbols (drop*, noise, ep) draw from torch's / numpy's generators, not from nos's
// counter-based hash: such ports agree with the JIT in distribution only, and say so.
#pragma once

#include <string>
#include <vector>

#include "dslc/compile.h"

namespace nos::dslc {

enum class PortKind { Torch, Numpy };

// One Python file holding one class per rule (named from the rule's name, else from its hash).
std::string emit_python_port(const std::vector<Compiled>& rules, PortKind kind);

}  // namespace nos::dslc
