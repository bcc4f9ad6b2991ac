// The float32 reference: dslc's interpreter (interp.h) transcribed to float, operation for
// operation in the order the JIT emits them, with vecmath.h's exp/log/cos. The generated kernels
// must match it bit for bit; it in turn is checked against the double-precision interpreter.
#pragma once

#include <cstdint>

#include "dslc/ir.h"
#include "jit/kernel.h"

namespace nos::jit {

// Same contract as a KernelFn over [begin, end).
void reference_step(const dslc::Ir& ir, float* w, const float* g, const StateBufs& s, const StepBlock& p,
                    uint64_t index_base, uint64_t begin, uint64_t end);

}  // namespace nos::jit
