// Constant folding, on the AST and on the IR.
#include <cmath>
#include <optional>

#include "dslc/interp.h"
#include "dslc/passes.h"

namespace nos::dslc {

namespace {

std::optional<double> leaf_value(const Ast& a) {
  if (a.sym == Sym::Lit) return a.value;
  if (a.sym == Sym::One || a.sym == Sym::Two) return symbol(a.sym).param;
  return std::nullopt;
}

// A constant as the canonical form writes it: neg(c) for negative values.
std::optional<double> const_value(const Ast& a) {
  if (a.sym == Sym::Neg && a.args.size() == 1)
    if (auto v = leaf_value(a.args[0])) return -*v;
  return leaf_value(a);
}

Ast const_leaf(double v, Loc loc) {
  if (v == 1.0) return make_leaf(Sym::One, loc);
  if (v == 2.0) return make_leaf(Sym::Two, loc);
  return make_lit(v, loc);
}

Ast make_const(double v, Loc loc) {
  if (std::signbit(v)) return make_node(Sym::Neg, {const_leaf(-v, loc)}, loc);
  return const_leaf(v, loc);
}

bool foldable(Sym s) {
  const Symbol& d = symbol(s);
  return d.kind != Kind::Operand && !d.random && s != Sym::Div;
}

}  // namespace

bool fold(Ast& a) {
  bool changed = false;
  for (Ast& c : a.args) changed |= fold(c);
  if (a.sym == Sym::Lit && (a.value == 1.0 || a.value == 2.0)) {
    a = const_leaf(a.value, a.loc);
    return true;
  }
  if (!foldable(a.sym)) return changed;
  if (a.sym == Sym::Neg && leaf_value(a.args[0])) return changed;  // already canonical constant
  double x[2] = {0, 0};
  for (size_t i = 0; i < a.args.size(); ++i) {
    auto v = const_value(a.args[i]);
    if (!v) return changed;
    x[i] = *v;
  }
  const double r = symbol(a.sym).eval(EvalArgs{.x = x[0], .y = x[1]});
  if (!std::isfinite(r)) return changed;  // keep log(0) etc. as written: not a number we can print
  a = make_const(r, a.loc);
  return true;
}

bool fold(Ir& ir) {
  bool changed = false;
  for (Inst& in : ir.body) {
    const int n = op_arity(in.op);
    if (n == 0 || op_is_random(in.op)) continue;
    if (ir.body[in.a].op != Op::Const || (n == 2 && ir.body[in.b].op != Op::Const)) continue;
    const double b = n == 2 ? ir.body[in.b].imm : 0.0;
    const double r = eval_op(in, ir.body[in.a].imm, b);
    in = Inst{.op = Op::Const, .imm = r};
    changed = true;
  }
  return changed;
}

}  // namespace nos::dslc
