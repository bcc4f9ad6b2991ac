// Canonical form: the fixed point of fold, simplify and operand ordering.
#include <utility>

#include "dslc/passes.h"
#include "dslc/print.h"

namespace nos::dslc {

namespace {
// Total order on subtrees: size first (so `g * exp(...)` reads small-to-large), then prefix text,
// which is injective on canonical trees.
bool before(const Ast& x, const Ast& y) {
  const size_t sx = ast_size(x), sy = ast_size(y);
  if (sx != sy) return sx < sy;
  return print_prefix(x) < print_prefix(y);
}
}  // namespace

bool order_operands(Ast& a) {
  bool changed = false;
  for (Ast& c : a.args) changed |= order_operands(c);
  if (symbol(a.sym).commutative && before(a.args[1], a.args[0])) {
    std::swap(a.args[0], a.args[1]);
    changed = true;
  }
  return changed;
}

Ast canonicalize(Ast a) {
  // Each pass either shrinks the tree, moves a negation outward or sorts, so this settles in a
  // few rounds; the bound only guards against a rewrite cycle introduced by a future rule.
  for (int round = 0; round < 100; ++round) {
    bool changed = fold(a);
    changed |= simplify(a);
    changed |= order_operands(a);
    if (!changed) break;
  }
  number_draws(a);
  return a;
}

}  // namespace nos::dslc
