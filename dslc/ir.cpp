#include "dslc/ir.h"

#include <array>

namespace nos::dslc {

namespace {
struct OpInfo {
  std::string_view name;
  int arity;
  bool random;
};
constexpr std::array<OpInfo, kOpCount> kOps = {{
    {"const", 0, false},
    {"load", 0, false},
    {"param", 0, false},
    {"neg", 1, false},
    {"abs", 1, false},
    {"sign", 1, false},
    {"exp", 1, false},
    {"log", 1, false},
    {"sqrt", 1, false},
    {"clip", 1, false},
    {"add", 2, false},
    {"sub", 2, false},
    {"mul", 2, false},
    {"div", 2, false},
    {"normal", 0, true},
    {"drop", 1, true},
    {"store", 1, false},
}};
static_assert(kOps.size() == 17 && kOpCount == 17, "add the new op to kOps");
}  // namespace

int op_arity(Op op) { return kOps[static_cast<size_t>(op)].arity; }
std::string_view op_name(Op op) { return kOps[static_cast<size_t>(op)].name; }
bool op_is_random(Op op) { return kOps[static_cast<size_t>(op)].random; }

std::string verify(const Ir& ir) {
  if (ir.body.empty()) return "empty body";
  for (size_t i = 0; i < ir.body.size(); ++i) {
    const Inst& in = ir.body[i];
    if (static_cast<int>(in.op) >= kOpCount) return "bad opcode at %" + std::to_string(i);
    const int n = op_arity(in.op);
    if ((n >= 1 && in.a >= i) || (n >= 2 && in.b >= i))
      return "%" + std::to_string(i) + " uses a value not defined before it";
    if ((in.op == Op::Load || in.op == Op::Store) && static_cast<int>(in.buf) >= kBufCount)
      return "%" + std::to_string(i) + " names no buffer";
    if (in.op == Op::Store && (!ir.program || in.buf == Buf::G))
      return "%" + std::to_string(i) + (ir.program ? " stores to g" : " stores outside a step program");
    if (in.op == Op::Load && !ir.program && is_state(in.buf) && !(ir.state & state_bit(in.buf)))
      return "%" + std::to_string(i) + " loads state the prologue does not update";
    if (op_is_random(in.op) && in.draw >= ir.draws) return "%" + std::to_string(i) + " uses an undeclared draw slot";
    if (in.op == Op::Param && static_cast<int>(in.slot) >= kSlotCount) return "bad slot";
  }
  if (ir.result >= ir.body.size()) return "result out of range";
  if (ir.state != state_closure(ir.state)) return "state misses a buffer its prologue requires";
  return {};
}

uint32_t IrBuilder::push(const Inst& i) {
  ir.body.push_back(i);
  return static_cast<uint32_t>(ir.body.size() - 1);
}
uint32_t IrBuilder::constant(double v) { return push({.op = Op::Const, .imm = v}); }
uint32_t IrBuilder::load(Buf b) {
  // A load of state is what makes the prologue update it; dead_state removes the bit again when
  // every load is gone.
  if (!ir.program && is_state(b)) ir.state = state_closure(ir.state | state_bit(b));
  return push({.op = Op::Load, .buf = b});
}
uint32_t IrBuilder::param(Slot s) { return push({.op = Op::Param, .slot = s}); }
uint32_t IrBuilder::unary(Op op, uint32_t a) { return push({.op = op, .a = a}); }
uint32_t IrBuilder::binary(Op op, uint32_t a, uint32_t b) { return push({.op = op, .a = a, .b = b}); }
uint32_t IrBuilder::clip(uint32_t a, double limit) { return push({.op = Op::Clip, .a = a, .imm = limit}); }
uint32_t IrBuilder::normal(uint32_t draw) {
  if (draw + 1 > ir.draws) ir.draws = draw + 1;
  return push({.op = Op::Normal, .draw = draw});
}
uint32_t IrBuilder::drop(uint32_t a, double p, uint32_t draw) {
  if (draw + 1 > ir.draws) ir.draws = draw + 1;
  return push({.op = Op::Drop, .a = a, .imm = p, .draw = draw});
}

uint32_t IrBuilder::store(Buf b, uint32_t a) { return push({.op = Op::Store, .buf = b, .a = a}); }

}  // namespace nos::dslc
