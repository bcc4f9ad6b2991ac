#include "dslc/lower.h"

namespace nos::dslc {

namespace {
uint32_t emit(IrBuilder& b, const Ast& a) {
  if (a.sym == Sym::Lit) return b.constant(a.value);
  uint32_t x = 0, y = 0;
  if (a.args.size() >= 1) x = emit(b, a.args[0]);
  if (a.args.size() >= 2) y = emit(b, a.args[1]);
  const Symbol& s = symbol(a.sym);
  // Random rows call b.normal/b.drop with this slot, which also extends ir.draws.
  return s.lower(b, s, x, y, a.draw);
}
}  // namespace

Ir lower(const Ast& a) {
  Ir ir;
  IrBuilder b{ir};
  ir.result = emit(b, a);
  // Keep the declared draw count covering every slot of the tree, even slots whose draw is
  // later simplified away, so the slot numbering of the surviving draws is unchanged.
  return ir;
}

}  // namespace nos::dslc
