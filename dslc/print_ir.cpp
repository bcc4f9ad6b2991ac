#include "dslc/print.h"
#include "dslc/symbols.h"

namespace nos::dslc {

std::string print_ir(const Ir& ir) {
  std::string out = "prologue:";
  if (ir.state == 0) out += " (no state)";
  out += "\n";
  for (const StateDef& d : states())
    if (ir.state & state_bit(d.buf)) out += "  " + std::string(d.update) + "\n";
  out += "body:\n";
  for (size_t i = 0; i < ir.body.size(); ++i) {
    const Inst& in = ir.body[i];
    out += "  %" + std::to_string(i) + " = " + std::string(op_name(in.op));
    switch (in.op) {
      case Op::Const: out += " " + format_number(in.imm); break;
      case Op::Load: out += " " + std::string(buf_name(in.buf)); break;
      case Op::Store: out += " " + std::string(buf_name(in.buf)) + ", %" + std::to_string(in.a); break;
      case Op::Param: out += " " + std::string(slot_name(in.slot)); break;
      case Op::Clip: out += " %" + std::to_string(in.a) + ", " + format_number(in.imm); break;
      case Op::Normal: out += " draw " + std::to_string(in.draw); break;
      case Op::Drop:
        out += " %" + std::to_string(in.a) + ", p=" + format_number(in.imm) + ", draw " + std::to_string(in.draw);
        break;
      default:
        if (op_arity(in.op) >= 1) out += " %" + std::to_string(in.a);
        if (op_arity(in.op) >= 2) out += ", %" + std::to_string(in.b);
    }
    out += "\n";
  }
  out += "update:\n  w = w - lr * %" + std::to_string(ir.result) + "\n";
  return out;
}

}  // namespace nos::dslc
