// Algebraic simplification. Every rewrite here is exact in IEEE arithmetic (up to the sign of a
// zero): the simplified rule computes the same numbers, so simplification can decide identity
// without changing behaviour. Identities that are only true for finite values (x*0 -> 0,
// x-x -> 0) or only up to rounding (associativity) are deliberately absent.
#include <cmath>

#include "dslc/passes.h"

namespace nos::dslc {

namespace {

bool is(const Ast& a, Sym s) { return a.sym == s; }
bool is_zero(const Ast& a) { return a.sym == Sym::Lit && a.value == 0.0 && !std::signbit(a.value); }
bool is_clip(Sym s) { return s == Sym::Clip5 || s == Sym::Clip4 || s == Sym::Clip3; }

// Takes child i out of a (by move) so `a` can be overwritten by it or by a node built from it.
Ast take(Ast& a, size_t i) { return std::move(a.args[i]); }

// One rewrite per line reads as a table of rules.
// clang-format off
bool rewrite_once(Ast& a) {
  const Loc at = a.loc;
  switch (a.sym) {
    case Sym::Id: a = take(a, 0); return true;
    case Sym::Keep: a = take(a, 0); return true;
    case Sym::Neg:
      if (is(a.args[0], Sym::Neg)) { a = take(a.args[0], 0); return true; }
      return false;
    case Sym::Sign: {
      Ast& x = a.args[0];
      if (is(x, Sym::G)) { a = make_leaf(Sym::SignG, at); return true; }
      if (is(x, Sym::M)) { a = make_leaf(Sym::SignM, at); return true; }
      if (is(x, Sym::Sign) || is(x, Sym::SignG) || is(x, Sym::SignM)) { a = take(a, 0); return true; }
      if (is_clip(x.sym)) { x = take(x, 0); return true; }  // clipping keeps the sign and zero
      if (is(x, Sym::Neg)) {                                // sign(-x) = -sign(x)
        Ast inner = take(x, 0);
        a = make_node(Sym::Neg, {make_node(Sym::Sign, {std::move(inner)}, at)}, at);
        return true;
      }
      return false;
    }
    case Sym::Log:
    case Sym::Sqrt:  // both read |x|
      if (is(a.args[0], Sym::Neg)) { a.args[0] = take(a.args[0], 0); return true; }
      return false;
    case Sym::Clip5:
    case Sym::Clip4:
    case Sym::Clip3: {
      Ast& x = a.args[0];
      if (is(x, Sym::Neg)) {  // clip is odd
        Ast inner = take(x, 0);
        a = make_node(Sym::Neg, {make_node(a.sym, {std::move(inner)}, at)}, at);
        return true;
      }
      if (is_clip(x.sym)) {  // nested clips: the tighter one wins
        const Sym tight = symbol(a.sym).param < symbol(x.sym).param ? a.sym : x.sym;
        a = make_node(tight, {take(x, 0)}, at);
        return true;
      }
      return false;
    }
    case Sym::Mul: {
      Ast& x = a.args[0];
      Ast& y = a.args[1];
      if (is(y, Sym::One)) { a = take(a, 0); return true; }
      if (is(x, Sym::One)) { a = take(a, 1); return true; }
      if (is(x, Sym::G) && is(y, Sym::G)) { a = make_leaf(Sym::G2, at); return true; }
      if ((is(x, Sym::G) && is(y, Sym::G2)) || (is(x, Sym::G2) && is(y, Sym::G))) {
        a = make_leaf(Sym::G3, at);  // g*(g*g) == (g*g)*g: a product of the same two doubles
        return true;
      }
      const bool nx = is(x, Sym::Neg), ny = is(y, Sym::Neg);
      if (nx || ny) {  // (-x)*y = -(x*y): rounding is symmetric
        Ast l = nx ? take(x, 0) : std::move(x);
        Ast r = ny ? take(y, 0) : std::move(y);
        Ast prod = make_node(Sym::Mul, {std::move(l), std::move(r)}, at);
        a = (nx && ny) ? std::move(prod) : make_node(Sym::Neg, {std::move(prod)}, at);
        return true;
      }
      return false;
    }
    case Sym::Add: {
      Ast& x = a.args[0];
      Ast& y = a.args[1];
      if (is_zero(y)) { a = take(a, 0); return true; }
      if (is_zero(x)) { a = take(a, 1); return true; }
      if (is(y, Sym::Neg)) { a = make_node(Sym::Sub, {std::move(x), take(y, 0)}, at); return true; }
      if (is(x, Sym::Neg)) { a = make_node(Sym::Sub, {std::move(y), take(x, 0)}, at); return true; }
      if (ast_equal(x, y) && !ast_has_random(x)) {  // x+x = 2*x exactly
        a = make_node(Sym::Mul, {make_leaf(Sym::Two, at), take(a, 0)}, at);
        return true;
      }
      return false;
    }
    case Sym::Sub: {
      Ast& x = a.args[0];
      Ast& y = a.args[1];
      if (is_zero(y)) { a = take(a, 0); return true; }
      if (is(y, Sym::Neg)) { a = make_node(Sym::Add, {std::move(x), take(y, 0)}, at); return true; }
      if (is(x, Sym::Neg)) {  // -x - y = -(x + y)
        a = make_node(Sym::Neg, {make_node(Sym::Add, {take(x, 0), std::move(y)}, at)}, at);
        return true;
      }
      return false;
    }
    case Sym::Div: {
      Ast& x = a.args[0];
      Ast& y = a.args[1];
      // x / (sqrt|v| + eps) with v >= 0 is exactly the adam / rmsprop operand.
      if (is(y, Sym::Sqrt) && is(y.args[0], Sym::V)) {
        if (is(x, Sym::M)) { a = make_leaf(Sym::Adam, at); return true; }
        if (is(x, Sym::G)) { a = make_leaf(Sym::RmsProp, at); return true; }
      }
      return false;
    }
    default: return false;
  }
}
// clang-format on

bool is_const(const Inst& i, double v) { return i.op == Op::Const && i.imm == v; }

}  // namespace

bool simplify(Ast& a) {
  bool changed = false;
  for (Ast& c : a.args) changed |= simplify(c);
  // Bounded: each rewrite shrinks the tree or moves a negation outward.
  for (int k = 0; k < 64 && rewrite_once(a); ++k) {
    changed = true;
    for (Ast& c : a.args) simplify(c);
  }
  return changed;
}

bool simplify(Ir& ir) {
  bool changed = false;
  // Replacing an instruction by an earlier value: rewrite it as that value's copy; CSE then merges.
  auto alias = [&](Inst& in, uint32_t to) {
    in = ir.body[to];
    changed = true;
  };
  for (Inst& in : ir.body) {
    switch (in.op) {
      case Op::Sign: {
        // sign(x / bc) == sign(x) for a bias correction bc in (0, 1]: the quotient cannot
        // underflow to zero or change sign, and overflow keeps the sign.
        const Inst& x = ir.body[in.a];
        if (x.op == Op::Div && ir.body[x.b].op == Op::Param &&
            (ir.body[x.b].slot == Slot::Bc1 || ir.body[x.b].slot == Slot::Bc2 || ir.body[x.b].slot == Slot::Bc3)) {
          in.a = x.a;
          changed = true;
        } else if (x.op == Op::Sign) {
          alias(in, in.a);
        }
        break;
      }
      case Op::Abs:
        if (ir.body[in.a].op == Op::Abs) alias(in, in.a);
        break;
      case Op::Mul:
        if (is_const(ir.body[in.a], 1.0)) alias(in, in.b);
        else if (is_const(ir.body[in.b], 1.0)) alias(in, in.a);
        break;
      default: break;
    }
  }
  return changed;
}

}  // namespace nos::dslc
