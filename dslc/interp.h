// The reference interpreter: plain scalar double-precision code, the ground truth for the JIT.
//
// Two evaluators share the same per-step semantics:
//   eval_ast  walks the tree through the symbol table's reference semantics (Symbol::eval);
//   eval_ir   runs the IR, instruction by instruction (what the JIT compiles).
// Tests check them against each other, so a wrong lowering or an inexact pass shows up.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "dslc/ast.h"
#include "dslc/ir.h"
#include "dslc/params.h"
#include "dslc/step_program.h"

namespace nos::dslc {

// Deterministic, element-independent instructions (neg .. div, clip): the value from operand
// values a, b. Shared by the interpreter and IR constant folding.
double eval_op(const Inst& in, double a, double b);

double eval_ir(const Ir& ir, const Element& e, std::vector<double>& scratch);
double eval_ast(const Ast& a, const Element& e);

// Optimizer state in double, one vector per state buffer the rule uses (others stay empty).
struct State {
  std::array<std::vector<double>, kStateCount> buf;
  std::vector<double>& operator[](Buf b) { return buf[static_cast<size_t>(static_cast<int>(b) - kFirstState)]; }
  const std::vector<double>& operator[](Buf b) const {
    return buf[static_cast<size_t>(static_cast<int>(b) - kFirstState)];
  }
};
// Buffers of n elements for `state` (closed first), each at its row's initial value (state.h).
State make_state(StateSet state, size_t n);

// The prologue for element i of `s` (a prologue_program): updates the state in place and returns
// the element a rule then reads (w, g, and each state's value).
Element begin_element(const StepProgram& prologue, const StepParams& p, double w, double g, State& s, size_t i,
                      uint64_t index, std::vector<double>& scratch);

// One step over every element: the rule's step program (step_program.h), i.e. prologue, rule,
// w -= lr * rule. Sizes of w, g and the used state
// buffers must agree (checked; throws std::invalid_argument). Element k of the spans is parameter
// index_base + k: a caller stepping a large arena in chunks passes each chunk's offset so that
// random draws do not depend on the chunking.
void interp_step(const Ir& ir, const StepParams& p, std::span<double> w, std::span<const double> g, State& s,
                 uint64_t index_base = 0);
// The same step through the tree evaluator; `state_bits` is the state the tree reads.
void ast_step(const Ast& a, StateSet state_bits, const StepParams& p, std::span<double> w, std::span<const double> g,
              State& s, uint64_t index_base = 0);

// Runs steps 1..grads.size() from w0 and returns the weights after each step.
std::vector<std::vector<double>> interp_run(const Ir& ir, const Hyper& h, std::vector<double> w0,
                                            const std::vector<std::vector<double>>& grads);

}  // namespace nos::dslc
