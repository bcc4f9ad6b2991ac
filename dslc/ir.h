// The dslc IR: one update rule as straight-line SSA over per-element double/float operations.
//
// A rule's IR is its body; one step for element i runs
//   1. prologue — the update of each state buffer in `state`, in table order (state.h: the row's
//      `lower` emits it), e.g. m = beta1*m + (1-beta1)*g, with beta and 1-beta read from the
//      per-step block (params.h), so host and kernel agree;
//   2. body — instruction k defines value %k; operands name earlier instructions only;
//      Load reads w, g or the value a rule reads from a state (the updated one); Param reads a
//      slot of the per-step block;
//   3. w = w - lr * %result.
// step_program() (step_program.h) writes all three as one straight-line IR with explicit loads
// and stores: that program is what the interpreter, the float reference and the JIT execute.
// Random instructions carry a draw slot; their bits are rng::bits(seed, step, i, draw).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dslc/params.h"
#include "dslc/state.h"

namespace nos::dslc {

enum class Op : uint8_t {
  Const,  // imm
  Load,   // buf
  Param,  // slot
  Neg,
  Abs,
  Sign,
  Exp,
  Log,
  Sqrt,  // unary on a (Log and Sqrt take the raw argument)
  Clip,  // a clipped to [-imm, imm]; NaN stays NaN
  Add,
  Sub,
  Mul,
  Div,     // binary on a, b (plain IEEE; no epsilon)
  Normal,  // a standard normal from draw slot `draw` (Box-Muller, random.h)
  Drop,    // 0 if the draw falls below rng::drop_threshold(imm), else a
  Store,   // step programs only: writes a to buffer buf (its value is a)
  Count
};
inline constexpr int kOpCount = static_cast<int>(Op::Count);

struct Inst {
  Op op = Op::Const;
  Buf buf = Buf::W;
  Slot slot = Slot::Lr;
  uint32_t a = 0, b = 0;
  double imm = 0;
  uint32_t draw = 0;
  bool operator==(const Inst&) const = default;
};

struct Ir {
  StateSet state = 0;    // state the prologue updates (closed under StateDef::requires_)
  bool program = false;  // a step program: Load reads memory, Store writes it, no prologue
  std::vector<Inst> body;
  uint32_t result = 0;
  uint32_t draws = 0;  // draw slots are 0 .. draws-1
};

int op_arity(Op op);  // operands among a, b
std::string_view op_name(Op op);
bool op_is_random(Op op);

// Checks SSA order, operand counts, result, and that loads of state are covered by the prologue.
// Returns an empty string if the IR is well formed, else what is wrong.
std::string verify(const Ir& ir);

// Appends instructions; used by lowering (through the symbol table) and by passes.
struct IrBuilder {
  Ir& ir;
  uint32_t push(const Inst& i);
  uint32_t constant(double v);
  uint32_t load(Buf b);
  uint32_t param(Slot s);
  uint32_t unary(Op op, uint32_t a);
  uint32_t binary(Op op, uint32_t a, uint32_t b);
  uint32_t clip(uint32_t a, double limit);
  uint32_t normal(uint32_t draw);
  uint32_t drop(uint32_t a, double p, uint32_t draw);
  uint32_t store(Buf b, uint32_t a);
};

}  // namespace nos::dslc
