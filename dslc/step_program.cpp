#include "dslc/step_program.h"

#include <stdexcept>

namespace nos::dslc {

StepProgram prologue_program(StateSet state) {
  StepProgram p;
  p.ir.program = true;
  p.ir.state = state_closure(state);
  p.value.fill(0);
  IrBuilder b{p.ir};
  p.value[static_cast<size_t>(Buf::W)] = b.load(Buf::W);
  p.value[static_cast<size_t>(Buf::G)] = b.load(Buf::G);
  for (const StateDef& d : states()) {
    if (!(p.ir.state & state_bit(d.buf))) continue;
    p.value[static_cast<size_t>(d.buf)] = d.lower(b, p.value, b.load(d.buf));
  }
  p.ir.result = p.value[static_cast<size_t>(Buf::W)];
  return p;
}

Ir step_program(const Ir& rule) {
  if (rule.program) throw std::invalid_argument("step_program: already a step program");
  if (const std::string why = verify(rule); !why.empty()) throw std::invalid_argument("step_program: bad IR: " + why);
  StepProgram p = prologue_program(rule.state);
  Ir& ir = p.ir;
  ir.draws = rule.draws;
  IrBuilder b{ir};
  std::vector<uint32_t> at(rule.body.size());
  for (size_t i = 0; i < rule.body.size(); ++i) {
    Inst in = rule.body[i];
    if (in.op == Op::Load) {
      at[i] = p.value[static_cast<size_t>(in.buf)];
      continue;
    }
    const int n = op_arity(in.op);
    if (n >= 1) in.a = at[in.a];
    if (n >= 2) in.b = at[in.b];
    at[i] = b.push(in);
  }
  const uint32_t step = b.binary(Op::Mul, b.param(Slot::Lr), at[rule.result]);
  ir.result = b.store(Buf::W, b.binary(Op::Sub, p.value[static_cast<size_t>(Buf::W)], step));
  return ir;
}

BufUse buffer_use(const Ir& program) {
  BufUse u;
  for (const Inst& in : program.body) {
    if (in.op == Op::Load) u.read |= 1u << static_cast<int>(in.buf);
    if (in.op == Op::Store) u.written |= 1u << static_cast<int>(in.buf);
  }
  return u;
}

}  // namespace nos::dslc
