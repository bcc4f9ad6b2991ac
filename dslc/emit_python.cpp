#include "emit_python.h"

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "print.h"
#include "symbols.h"

namespace nos::dslc {

namespace {

// A Python float literal that reads back as the same double.
std::string num(double v) {
  if (v != v) return "math.nan";
  if (v == 1.0 / 0.0) return "math.inf";
  if (v == -1.0 / 0.0) return "-math.inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string class_name(const Compiled& c) {
  std::string out;
  bool up = true;
  for (char ch : c.name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
    up = false;
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(c.hash));
    out = "Rule" + (out.empty() ? std::string(hex) : out);
  }
  return out;
}

const char* slot_expr(Slot s) {
  switch (s) {
    case Slot::Lr: return "P['lr']";
    case Slot::Beta1: return "P['beta1']";
    case Slot::OneMinusBeta1: return "P['one_minus_beta1']";
    case Slot::Beta2: return "P['beta2']";
    case Slot::OneMinusBeta2: return "P['one_minus_beta2']";
    case Slot::Beta3: return "P['beta3']";
    case Slot::OneMinusBeta3: return "P['one_minus_beta3']";
    case Slot::Bc1: return "P['bc1']";
    case Slot::Bc2: return "P['bc2']";
    case Slot::Bc3: return "P['bc3']";
    case Slot::Eps: return "P['eps']";
    case Slot::Ld: return "P['ld']";
    case Slot::Cd: return "P['cd']";
    case Slot::Rd: return "P['rd']";
    case Slot::EpStd: return "P['ep_std']";
    case Slot::Mu: return "P['mu']";
    case Slot::LionBeta2: return "P['lion_beta2']";
    case Slot::OneMinusLionBeta2: return "P['one_minus_lion_beta2']";
    case Slot::Count: break;
  }
  throw std::logic_error("emit_python: bad slot");
}

const char* buf_var(Buf b) {
  switch (b) {
    case Buf::W: return "ws";
    case Buf::G: return "gs";
    case Buf::M: return "ms";
    case Buf::V: return "vs";
    case Buf::Y: return "ys";
    case Buf::K: return "ks";
    case Buf::L: return "lps";  // Lion's interpolation, taken before l decays
  }
  return "?";
}

// Scalar (per-step) arithmetic, in Python floats with IEEE results instead of exceptions.
std::string scalar_op(const Inst& in, const std::string& a, const std::string& b) {
  switch (in.op) {
    case Op::Neg: return "-" + a;
    case Op::Abs: return "abs(" + a + ")";
    case Op::Sign: return "_sign(" + a + ")";
    case Op::Exp: return "_exp(" + a + ")";
    case Op::Log: return "_log(" + a + ")";
    case Op::Sqrt: return "_sqrt(" + a + ")";
    case Op::Clip: return "_clip(" + a + ", " + num(in.imm) + ")";
    case Op::Add: return a + " + " + b;
    case Op::Sub: return a + " - " + b;
    case Op::Mul: return a + " * " + b;
    case Op::Div: return "_div(" + a + ", " + b + ")";
    default: break;
  }
  throw std::logic_error("emit_python: not a scalar op");
}

// Tensor-list ops (torch foreach where torch has one; a list comprehension otherwise). sa/sb: is
// the operand a scalar. Every op makes new tensors: values are never updated in place.
std::string torch_op(const Inst& in, const std::string& a, bool sa, const std::string& b, bool sb) {
  switch (in.op) {
    case Op::Neg: return "torch._foreach_neg(" + a + ")";
    case Op::Abs: return "torch._foreach_abs(" + a + ")";
    case Op::Sign: return "[torch.sign(x) for x in " + a + "]";
    case Op::Exp: return "torch._foreach_exp(" + a + ")";
    case Op::Log: return "torch._foreach_log(" + a + ")";
    case Op::Sqrt: return "torch._foreach_sqrt(" + a + ")";
    case Op::Clip: return "[x.clamp(" + num(-in.imm) + ", " + num(in.imm) + ") for x in " + a + "]";
    case Op::Add: return sa ? "torch._foreach_add(" + b + ", " + a + ")" : "torch._foreach_add(" + a + ", " + b + ")";
    case Op::Mul: return sa ? "torch._foreach_mul(" + b + ", " + a + ")" : "torch._foreach_mul(" + a + ", " + b + ")";
    case Op::Sub:  // s - x == s + (-x) exactly
      return sa ? "torch._foreach_add(torch._foreach_neg(" + b + "), " + a + ")" : "torch._foreach_sub(" + a + ", " + b + ")";
    case Op::Div:
      return sa ? "[torch.full_like(x, " + a + ") / x for x in " + b + "]" : "torch._foreach_div(" + a + ", " + b + ")";
    case Op::Drop:
      return "[torch.where(torch.rand(x.shape, dtype=x.dtype, device=x.device, generator=gen) < " + num(in.imm) +
             ", torch.zeros_like(x), x) for x in " + a + "]";
    default: break;
  }
  throw std::logic_error("emit_python: not a tensor op");
}

std::string numpy_op(const Inst& in, const std::string& a, const std::string& b) {
  switch (in.op) {
    case Op::Neg: return "-" + a;
    case Op::Abs: return "np.abs(" + a + ")";
    case Op::Sign: return "np.sign(" + a + ")";
    case Op::Exp: return "np.exp(" + a + ")";
    case Op::Log: return "np.log(" + a + ")";
    case Op::Sqrt: return "np.sqrt(" + a + ")";
    case Op::Clip: return "np.clip(" + a + ", " + num(-in.imm) + ", " + num(in.imm) + ")";
    case Op::Add: return a + " + " + b;
    case Op::Sub: return a + " - " + b;
    case Op::Mul: return a + " * " + b;
    case Op::Div: return a + " / " + b;
    case Op::Drop:
      return "np.where(rng.random(w.shape, dtype=np.float32) < " + num(in.imm) + ", np.float32(0), " + a + ")";
    default: break;
  }
  throw std::logic_error("emit_python: not an array op");
}

const char* kTorchHeader = R"(import math

import torch

)";

const char* kNumpyHeader = R"(import math

import numpy as np

)";

// Shared by both kinds: the per-step scalars (dslc/params.cpp step_params) and IEEE helpers.
const char* kCommon = R"PY(def _sign(a):
    return 1.0 if a > 0 else -1.0 if a < 0 else a


def _exp(a):
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


def _log(a):
    return math.log(a) if a > 0 else -math.inf if a == 0 else math.nan


def _sqrt(a):
    return math.sqrt(a) if a >= 0 else math.nan


def _clip(a, c):
    return c if a > c else -c if a < -c else a


def _div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1.0, b)


def _step_params(h, step):
    """What nos computes once per step (dslc/params.cpp): rates, bias corrections, decays."""
    T, t0 = h['total_steps'], max(step - 1, 0)

    def linear(t):
        return max(0.0, (T - min(t, T)) / T) if T else 0.0

    def cosine(t):
        return 0.5 * (1.0 + math.cos(math.pi * 2.0 * 0.5 * min(t, T) / T)) if T else 0.0

    def restart(t):
        return 0.5 * (1.0 + math.cos(math.pi * (math.fmod(1.0 * min(t, T), T) / T))) if T else 0.0

    b1, b2, b3 = h['betas'][0], h['betas'][1], h['beta3']
    return {
        'lr': h['lr'], 'beta1': b1, 'one_minus_beta1': 1.0 - b1, 'beta2': b2, 'one_minus_beta2': 1.0 - b2,
        'beta3': b3, 'one_minus_beta3': 1.0 - b3, 'bc1': 1.0 - b1 ** step, 'bc2': 1.0 - b2 ** step,
        'bc3': 1.0 - b3 ** step, 'eps': h['eps'], 'ld': linear(t0), 'cd': cosine(t0), 'rd': restart(t0),
        'ep_std': math.sqrt(1.0 / (1.0 + t0) ** 0.55), 'mu': h['mu'], 'lion_beta2': h['lion_beta2'],
        'one_minus_lion_beta2': 1.0 - h['lion_beta2'],
    }


)PY";

struct BodyOut {
  std::string code;    // statements, one per line, without indentation
  bool result_scalar;  // the result is a per-step scalar
  std::string result;
};

BodyOut lower_body(const Ir& ir, PortKind kind) {
  BodyOut o;
  std::vector<bool> scalar(ir.body.size());
  std::vector<std::string> name(ir.body.size());
  for (size_t k = 0; k < ir.body.size(); ++k) {
    const Inst& in = ir.body[k];
    std::string expr;
    const int arity = op_arity(in.op);
    const bool sa = arity >= 1 && scalar[in.a], sb = arity >= 2 && scalar[in.b];
    const std::string a = arity >= 1 ? name[in.a] : "", b = arity >= 2 ? name[in.b] : "";
    bool is_scalar = false;
    switch (in.op) {
      case Op::Const: expr = num(in.imm), is_scalar = true; break;
      case Op::Param: expr = slot_expr(in.slot), is_scalar = true; break;
      case Op::Load:
        if (kind == PortKind::Torch) {
          expr = buf_var(in.buf);
        } else {
          static const char* kArr[] = {"w", "g", "m", "v", "y", "k", "lp"};
          expr = kArr[static_cast<int>(in.buf)];
        }
        break;
      case Op::Normal:
        expr = kind == PortKind::Torch
                   ? "[torch.randn(w.shape, dtype=w.dtype, device=w.device, generator=gen) for w in ws]"
                   : "rng.standard_normal(w.shape, dtype=np.float32)";
        break;
      case Op::Drop:
        if (sa) {  // a dropped per-step scalar: broadcast it first
          const std::string full = kind == PortKind::Torch ? "[torch.full_like(w, " + a + ") for w in ws]"
                                                           : "np.full(w.shape, " + a + ", np.float32)";
          expr = kind == PortKind::Torch ? torch_op(in, full, false, "", false) : numpy_op(in, full, "");
        } else {
          expr = kind == PortKind::Torch ? torch_op(in, a, false, "", false) : numpy_op(in, a, "");
        }
        break;
      default:
        if ((arity == 1 && sa) || (arity == 2 && sa && sb)) {
          expr = scalar_op(in, a, b), is_scalar = true;
        } else if (kind == PortKind::Torch) {
          expr = torch_op(in, a, sa, b, sb);
        } else {
          // numpy: a scalar operand is made float32, so arrays stay float32 as in the JIT.
          expr = numpy_op(in, sa ? "np.float32(" + a + ")" : a, sb ? "np.float32(" + b + ")" : b);
        }
    }
    scalar[k] = is_scalar;
    name[k] = (is_scalar ? "s" : "t") + std::to_string(k);
    o.code += name[k] + " = " + expr + "\n";
  }
  o.result_scalar = scalar[ir.result];
  o.result = name[ir.result];
  return o;
}

std::string indent(const std::string& code, int spaces) {
  std::string out, pad(static_cast<size_t>(spaces), ' ');
  size_t at = 0;
  while (at < code.size()) {
    const size_t nl = code.find('\n', at);
    out += pad + code.substr(at, nl - at) + "\n";
    at = nl == std::string::npos ? code.size() : nl + 1;
  }
  return out;
}

struct StateUse {
  bool m, v, y, k, l;
};

StateUse state_use(const Ir& ir) {
  return {(ir.state & kStateM) != 0, (ir.state & kStateV) != 0, (ir.state & kStateY) != 0,
          (ir.state & kStateK) != 0, (ir.state & kStateL) != 0};
}

std::string torch_class(const Compiled& c) {
  const StateUse s = state_use(c.ir);
  const BodyOut body = lower_body(c.ir, PortKind::Torch);
  const std::string cls = class_name(c);
  std::string o;
  o += "class " + cls + "(torch.optim.Optimizer):\n";
  o += "    \"\"\"" + (c.name.empty() ? std::string("nos rule") : c.name) + ": " + print_infix(c.canonical) + "\n\n";
  o += "    dslc canonical form: " + c.prefix + "\n";
  o += "    Per parameter, as torch.optim does: its own step count; a .grad of None is skipped.\n";
  if (c.info.random)
    o += "    Random: draws come from torch's generator (seeded by `seed` if given), not nos's hash: this port\n"
         "    matches nos's JIT in distribution, not bit for bit.\n";
  if (c.info.needs_total) o += "    Reads ld/cd/rd: total_steps must be given.\n";
  o += "    \"\"\"\n\n";
  o += "    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), beta3=0.999, eps=1e-8, mu=0.9, lion_beta2=0.99,\n"
       "                 total_steps=0, seed=None):\n";
  o += "        if not 0.0 <= lr:\n            raise ValueError(f'invalid learning rate {lr}')\n";
  o += "        for name, b in (('beta1', betas[0]), ('beta2', betas[1]), ('beta3', beta3), ('lion_beta2', lion_beta2)):\n"
       "            if not 0.0 <= b < 1.0:\n                raise ValueError(f'{name} must lie in [0, 1), got {b}')\n";
  if (c.info.needs_total)
    o += "        if total_steps <= 0:\n            raise ValueError('this rule reads ld/cd/rd: give total_steps')\n";
  o += "        super().__init__(params, dict(lr=lr, betas=tuple(betas), beta3=beta3, eps=eps, mu=mu, lion_beta2=lion_beta2,\n"
       "                                      total_steps=total_steps))\n";
  o += "        self._seed = seed\n        self._generators = {}\n\n";
  o += "    def _generator(self, device):\n"
       "        if self._seed is None:\n            return None\n"
       "        if device not in self._generators:\n"
       "            self._generators[device] = torch.Generator(device=device).manual_seed(self._seed)\n"
       "        return self._generators[device]\n\n";
  o += "    @torch.no_grad()\n    def step(self, closure=None):\n";
  o += "        loss = None\n        if closure is not None:\n            with torch.enable_grad():\n                loss = closure()\n";
  o += "        for group in self.param_groups:\n";
  o += "            # Parameters at the same step share one set of per-step scalars: one foreach call each.\n";
  o += "            buckets = {}\n";
  o += "            for p in group['params']:\n                if p.grad is None:\n                    continue\n";
  o += "                if p.grad.is_sparse:\n                    raise RuntimeError('" + cls + " does not support sparse gradients')\n";
  o += "                st = self.state[p]\n                if not st:\n                    st['step'] = 0\n";
  for (auto [use, key] : {std::pair{s.m, "m"}, {s.v, "v"}, {s.y, "y"}, {s.k, "k"}, {s.l, "l"}})
    if (use) o += std::string("                    st['") + key + "'] = torch.zeros_like(p, memory_format=torch.preserve_format)\n";
  o += "                st['step'] += 1\n                buckets.setdefault((st['step'], p.device), []).append(p)\n";
  o += "            for (step, device), ws in buckets.items():\n";
  o += "                P = _step_params(group, step)\n                gen = self._generator(device)\n";
  o += "                gs = [p.grad for p in ws]\n";
  if (s.m)
    o += "                ms = [self.state[p]['m'] for p in ws]\n"
         "                torch._foreach_mul_(ms, P['beta1'])\n"
         "                torch._foreach_add_(ms, torch._foreach_mul(gs, P['one_minus_beta1']))\n";
  if (s.v || s.y) o += "                gg = torch._foreach_mul(gs, gs)\n";
  if (s.v)
    o += "                vs = [self.state[p]['v'] for p in ws]\n"
         "                torch._foreach_mul_(vs, P['beta2'])\n"
         "                torch._foreach_add_(vs, torch._foreach_mul(gg, P['one_minus_beta2']))\n";
  if (s.y)
    o += "                ys = [self.state[p]['y'] for p in ws]\n"
         "                torch._foreach_mul_(ys, P['beta3'])\n"
         "                torch._foreach_add_(ys, torch._foreach_mul(torch._foreach_mul(gg, gs), P['one_minus_beta3']))\n";
  if (s.k)
    o += "                ks = [self.state[p]['k'] for p in ws]\n"
         "                torch._foreach_mul_(ks, P['mu'])\n"
         "                torch._foreach_add_(ks, gs)\n";
  if (s.l)
    o += "                ls = [self.state[p]['l'] for p in ws]\n"
         "                lps = torch._foreach_add(torch._foreach_mul(ls, P['beta1']), torch._foreach_mul(gs, P['one_minus_beta1']))\n"
         "                torch._foreach_mul_(ls, P['lion_beta2'])\n"
         "                torch._foreach_add_(ls, torch._foreach_mul(gs, P['one_minus_lion_beta2']))\n";
  o += indent(body.code, 16);
  if (body.result_scalar)
    o += "                torch._foreach_sub_(ws, [torch.full_like(w, P['lr']) * " + body.result + " for w in ws])\n";
  else
    o += "                torch._foreach_sub_(ws, torch._foreach_mul(" + body.result + ", P['lr']))\n";
  o += "        return loss\n\n\n";
  return o;
}

std::string numpy_class(const Compiled& c) {
  const StateUse s = state_use(c.ir);
  const BodyOut body = lower_body(c.ir, PortKind::Numpy);
  const std::string cls = class_name(c);
  std::string o;
  o += "class " + cls + ":\n";
  o += "    \"\"\"" + (c.name.empty() ? std::string("nos rule") : c.name) + ": " + print_infix(c.canonical) + "\n\n";
  o += "    dslc canonical form: " + c.prefix + "\n";
  o += "    opt = " + cls + "([w1, w2], lr=1e-3); opt.step([g1, g2]) updates the float32 arrays in place.\n";
  if (c.info.random)
    o += "    Random: draws come from numpy's generator (seeded by `seed`), not nos's hash: this port matches\n"
         "    nos's JIT in distribution, not bit for bit.\n";
  o += "    \"\"\"\n\n";
  o += "    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), beta3=0.999, eps=1e-8, mu=0.9, lion_beta2=0.99,\n"
       "                 total_steps=0, seed=None):\n";
  o += "        self.params = list(params)\n";
  o += "        for w in self.params:\n"
       "            if not isinstance(w, np.ndarray) or w.dtype != np.float32:\n"
       "                raise TypeError('" + cls + ": parameters must be float32 numpy arrays')\n";
  if (c.info.needs_total)
    o += "        if total_steps <= 0:\n            raise ValueError('this rule reads ld/cd/rd: give total_steps')\n";
  o += "        self.hyper = dict(lr=lr, betas=tuple(betas), beta3=beta3, eps=eps, mu=mu, lion_beta2=lion_beta2,\n"
       "                          total_steps=total_steps)\n";
  o += "        self.rng = np.random.default_rng(seed)\n        self.steps = 0\n";
  for (auto [use, key] : {std::pair{s.m, "m"}, {s.v, "v"}, {s.y, "y"}, {s.k, "k"}, {s.l, "l"}})
    if (use) o += std::string("        self.") + key + " = [np.zeros_like(w) for w in self.params]\n";
  o += "\n    def step(self, grads):\n";
  o += "        grads = list(grads)\n        if len(grads) != len(self.params):\n"
       "            raise ValueError(f'{len(grads)} gradients for {len(self.params)} parameters')\n";
  o += "        self.steps += 1\n        P = _step_params(self.hyper, self.steps)\n        rng = self.rng\n";
  o += "        with np.errstate(all='ignore'):\n";
  o += "            for i, (w, g) in enumerate(zip(self.params, grads)):\n";
  std::string pro;
  if (s.m) pro += "m = self.m[i]\nm *= np.float32(P['beta1'])\nm += g * np.float32(P['one_minus_beta1'])\n";
  if (s.v || s.y) pro += "gg = g * g\n";
  if (s.v) pro += "v = self.v[i]\nv *= np.float32(P['beta2'])\nv += gg * np.float32(P['one_minus_beta2'])\n";
  if (s.y) pro += "y = self.y[i]\ny *= np.float32(P['beta3'])\ny += (gg * g) * np.float32(P['one_minus_beta3'])\n";
  if (s.k) pro += "k = self.k[i]\nk *= np.float32(P['mu'])\nk += g\n";
  if (s.l)
    pro += "l = self.l[i]\nlp = l * np.float32(P['beta1']) + g * np.float32(P['one_minus_beta1'])\n"
           "l *= np.float32(P['lion_beta2'])\nl += g * np.float32(P['one_minus_lion_beta2'])\n";
  o += indent(pro + body.code, 16);
  o += "                w -= " + std::string(body.result_scalar ? "np.float32(P['lr'] * " + body.result + ")"
                                                              : body.result + " * np.float32(P['lr'])") + "\n";
  o += "\n\n";
  return o;
}

}  // namespace

std::string emit_python_port(const std::vector<Compiled>& rules, PortKind kind) {
  std::string o = "\"\"\"Generated by nos's dslc --emit=" + std::string(kind == PortKind::Torch ? "torch" : "numpy") +
                  ": " + std::to_string(rules.size()) + (rules.size() == 1 ? " update rule" : " update rules") +
                  " as self-contained Python optimizers\n"
                  "(needing only " + (kind == PortKind::Torch ? "torch" : "numpy") +
                  "). Each step computes, per element, what nos's JIT kernel computes, in the same order:\n"
                  "m = beta1*m + (1-beta1)*g, v = beta2*v + (1-beta2)*g^2, ..., then w -= lr * rule. m, v, y\n"
                  "are stored raw; the rule divides by the bias corrections. Trajectories equal nos's within\n"
                  "float32 rounding (exp and log are the library's, not nos's polynomials).\n\"\"\"\n";
  o += kind == PortKind::Torch ? kTorchHeader : kNumpyHeader;
  o += kCommon;
  std::string all;
  for (const Compiled& c : rules) {
    o += kind == PortKind::Torch ? torch_class(c) : numpy_class(c);
    all += (all.empty() ? "" : ", ") + ("'" + class_name(c) + "'");
  }
  o += "__all__ = [" + all + "]\n";
  return o;
}

}  // namespace nos::dslc
