#include "dslc/interp.h"

#include <cmath>
#include <stdexcept>

#include "dslc/random.h"
#include "dslc/symbols.h"

namespace nos::dslc {

double eval_op(const Inst& in, double a, double b) {
  switch (in.op) {
    case Op::Neg: return -a;
    case Op::Abs: return std::fabs(a);
    case Op::Sign: return a > 0 ? 1.0 : a < 0 ? -1.0 : a;
    case Op::Exp: return std::exp(a);
    case Op::Log: return std::log(a);
    case Op::Sqrt: return std::sqrt(a);
    case Op::Clip: return a > in.imm ? in.imm : a < -in.imm ? -in.imm : a;
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    case Op::Const: return in.imm;
    case Op::Load:
    case Op::Param:
    case Op::Normal:
    case Op::Drop:
    case Op::Store:
    case Op::Count: break;
  }
  throw std::logic_error("eval_op: not an element-independent instruction");
}

namespace {

// The one executor of the IR in double: a rule's body (loads from an Element) and step programs
// (loads and stores through memory) differ only in `Mem`.
template <class Mem>
double run(const Ir& ir, const StepParams& p, uint64_t index, Mem& mem, std::vector<double>& r) {
  r.resize(ir.body.size());
  for (size_t i = 0; i < ir.body.size(); ++i) {
    const Inst& in = ir.body[i];
    switch (in.op) {
      case Op::Load: r[i] = mem.load(in.buf); break;
      case Op::Store: mem.store(in.buf, r[i] = r[in.a]); break;
      case Op::Param: r[i] = p[in.slot]; break;
      case Op::Normal: r[i] = rng::normal(rng::bits(p.seed, p.step, index, in.draw)); break;
      case Op::Drop: r[i] = rng::dropped(rng::bits(p.seed, p.step, index, in.draw), in.imm) ? 0.0 : r[in.a]; break;
      default: {
        const int n = op_arity(in.op);
        r[i] = eval_op(in, n >= 1 ? r[in.a] : 0.0, n >= 2 ? r[in.b] : 0.0);
      }
    }
  }
  return r[ir.result];
}

struct ElementMem {
  const Element& e;
  double load(Buf b) const { return e[b]; }
  void store(Buf, double) const { throw std::invalid_argument("eval_ir: a rule's body stores nothing"); }
};

// Element i of w, g and the state vectors.
struct ArrayMem {
  double* w;
  double g;
  State& s;
  size_t i;
  double load(Buf b) const { return b == Buf::W ? *w : b == Buf::G ? g : s[b][i]; }
  void store(Buf b, double x) const {
    if (b == Buf::W) *w = x;
    else s[b][i] = x;
  }
};

void check_sizes(StateSet bits, size_t n, size_t g, const State& s) {
  if (g != n) throw std::invalid_argument("interp: w and g differ in length");
  for (int k = 0; k < kStateCount; ++k)
    if ((bits >> k & 1) && s.buf[static_cast<size_t>(k)].size() != n)
      throw std::invalid_argument("interp: state not sized for the rule (use make_state)");
}

}  // namespace

double eval_ir(const Ir& ir, const Element& e, std::vector<double>& r) {
  ElementMem mem{e};
  return run(ir, *e.p, e.index, mem, r);
}

double eval_ast(const Ast& a, const Element& e) {
  EvalArgs args{.e = &e, .draw = a.draw};
  if (a.sym == Sym::Lit) args.x = a.value;
  if (a.args.size() >= 1) args.x = eval_ast(a.args[0], e);
  if (a.args.size() >= 2) args.y = eval_ast(a.args[1], e);
  return symbol(a.sym).eval(args);
}

State make_state(StateSet bits, size_t n) {
  State s;
  bits = state_closure(bits);
  for (const StateDef& d : states())
    if (bits & state_bit(d.buf)) s[d.buf].assign(n, static_cast<double>(d.init));
  return s;
}

Element begin_element(const StepProgram& pro, const StepParams& p, double w, double g, State& s, size_t i,
                      uint64_t index, std::vector<double>& r) {
  ArrayMem mem{&w, g, s, i};
  run(pro.ir, p, index, mem, r);
  Element e{.index = index, .p = &p};
  e[Buf::W] = w;
  e[Buf::G] = g;
  for (const StateDef& d : states())
    if (pro.ir.state & state_bit(d.buf)) e[d.buf] = r[pro.value[static_cast<size_t>(d.buf)]];
  return e;
}

void interp_step(const Ir& ir, const StepParams& p, std::span<double> w, std::span<const double> g, State& s,
                 uint64_t base) {
  check_sizes(ir.state, w.size(), g.size(), s);
  const Ir prog = step_program(ir);
  std::vector<double> r;
  for (size_t i = 0; i < w.size(); ++i) {
    ArrayMem mem{&w[i], g[i], s, i};
    run(prog, p, base + i, mem, r);
  }
}

void ast_step(const Ast& a, StateSet bits, const StepParams& p, std::span<double> w, std::span<const double> g,
              State& s, uint64_t base) {
  bits = state_closure(bits);
  check_sizes(bits, w.size(), g.size(), s);
  const StepProgram pro = prologue_program(bits);
  std::vector<double> r;
  for (size_t i = 0; i < w.size(); ++i) {
    const Element e = begin_element(pro, p, w[i], g[i], s, i, base + i, r);
    w[i] = w[i] - p[Slot::Lr] * eval_ast(a, e);
  }
}

std::vector<std::vector<double>> interp_run(const Ir& ir, const Hyper& h, std::vector<double> w,
                                            const std::vector<std::vector<double>>& grads) {
  State s = make_state(ir.state, w.size());
  std::vector<std::vector<double>> out;
  out.reserve(grads.size());
  for (size_t t = 0; t < grads.size(); ++t) {
    interp_step(ir, step_params(h, t + 1), w, grads[t], s);
    out.push_back(w);
  }
  return out;
}

}  // namespace nos::dslc
