// The whole per-element step of a rule as one straight-line program: what every evaluator runs.
//
// step_program(rule) emits, in order: loads of w and g; each state's prologue in table order
// (state.h), its load of the stored value, its update and its store; the rule's body with its
// state loads replaced by the prologue's values; and w = w - lr * result with its store. Load
// reads memory and Store writes it, so an evaluator needs one switch over the opcodes and no
// knowledge of which state exists: the interpreter (interp.cpp, double), the float reference
// (jit/reference.cpp) and the JIT (jit/codegen.cpp) execute the same instructions in the same order.
#pragma once

#include "dslc/ir.h"

namespace nos::dslc {

struct StepProgram {
  Ir ir;            // ir.program is set
  BufValues value;  // per buffer, the instruction whose value a rule reads (w, g, each state's)
};

// The prologue alone for `state` (closed first): w, g and each state's update and store.
StepProgram prologue_program(StateSet state);

// The full step of `rule` (an IR that verify() accepts, not itself a program).
Ir step_program(const Ir& rule);

// Whether `in` divides by a per-step value (x / bc1: the bias corrections). The float evaluators
// (jit/reference.cpp, the JIT, the generated ports) compute it as x times the float reciprocal of
// that value, computed once per step: about an ulp from the quotient, and it takes vdivps's
// latency off the chain into exp and sqrt, which bounded Adam and the exp(m) rules in cache
// (bench/results-2026-12-07-zen3-jit.md). The double interpreter divides.
inline bool divides_by_param(const Ir& program, const Inst& in) {
  return in.op == Op::Div && program.body[in.b].op == Op::Param;
}

// The buffers a program reads and writes (bit i: Buf i).
struct BufUse {
  uint32_t read = 0, written = 0;
};
BufUse buffer_use(const Ir& program);

}  // namespace nos::dslc
