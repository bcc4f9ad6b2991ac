// Dead-state elimination, and the IR pass pipeline.
#include "dslc/passes.h"

namespace nos::dslc {

bool dead_state(Ir& ir) {
  StateSet used = 0;
  for (const Inst& in : ir.body)
    if (in.op == Op::Load && is_state(in.buf)) used |= state_bit(in.buf);
  used = state_closure(used);
  const bool changed = used != ir.state;
  ir.state = used;
  // Draw slots stay as numbered: the canonical tree fixes them, and renumbering would change
  // which random bits a surviving draw sees.
  return changed;
}

void optimize(Ir& ir) {
  for (int round = 0; round < 20; ++round) {
    bool changed = fold(ir);
    changed |= simplify(ir);
    changed |= cse(ir);
    changed |= dce(ir);
    changed |= dead_state(ir);
    if (!changed) break;
  }
}

}  // namespace nos::dslc
