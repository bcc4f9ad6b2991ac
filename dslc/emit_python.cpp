#include "dslc/emit_python.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "dslc/print.h"
#include "dslc/step_program.h"
#include "dslc/symbols.h"

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

// Scalar (per-step) arithmetic for torch ports, in Python floats (each result is rounded by _f32).
std::string scalar_op(const Inst& in, const std::string& a, const std::string& b) {
  switch (in.op) {
    case Op::Neg: return "-" + a;
    case Op::Abs: return "abs(" + a + ")";
    case Op::Sign: return "_sign(" + a + ")";
    case Op::Exp: return "_exp(" + a + ")";
    case Op::Log: return "_log(" + a + ")";
    case Op::Sqrt: return "_sqrt(" + a + ")";
    case Op::Clip: return "_clip(" + a + ", " + num(static_cast<float>(in.imm)) + ")";
    case Op::Add: return a + " + " + b;
    case Op::Sub: return a + " - " + b;
    case Op::Mul: return a + " * " + b;
    case Op::Div: return "_div(" + a + ", " + b + ")";
    default: break;
  }
  throw std::logic_error("emit_python: not a scalar op");
}

// Scalar arithmetic for numpy ports, on np.float32 values (float32 results, IEEE under errstate).
std::string numpy_scalar_op(const Inst& in, const std::string& a, const std::string& b) {
  const std::string c = num(static_cast<float>(in.imm));
  switch (in.op) {
    case Op::Neg: return "-" + a;
    case Op::Abs: return "np.abs(" + a + ")";
    case Op::Sign: return "np.sign(" + a + ")";
    case Op::Exp: return "np.exp(" + a + ")";
    case Op::Log: return "np.log(" + a + ")";
    case Op::Sqrt: return "np.sqrt(" + a + ")";
    case Op::Clip: return "np.clip(" + a + ", np.float32(-" + c + "), np.float32(" + c + "))";
    case Op::Add: return a + " + " + b;
    case Op::Sub: return a + " - " + b;
    case Op::Mul: return a + " * " + b;
    case Op::Div: return a + " / " + b;
    default: break;
  }
  throw std::logic_error("emit_python: not a scalar op");
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

const char* kTorchHeader = R"(import math

import torch

)";

const char* kNumpyHeader = R"(import math

import numpy as np

)";

// The per-step block (dslc/params.cpp step_params): each slot's Python expression, in double, from
// the hyperparameters h and the 1-based step (t = float(step), t0 = step - 1, T = total_steps).
// Names come from slot_name(); a new slot without a formula here is a -Wswitch warning.
std::string slot_formula(Slot s) {
  switch (s) {
    case Slot::Lr: return "h['lr']";
    case Slot::Beta1: return "b1";
    case Slot::OneMinusBeta1: return "1.0 - b1";
    case Slot::Beta2: return "b2";
    case Slot::OneMinusBeta2: return "1.0 - b2";
    case Slot::Beta3: return "b3";
    case Slot::OneMinusBeta3: return "1.0 - b3";
    case Slot::Bc1: return "1.0 - math.pow(b1, t)";
    case Slot::Bc2: return "1.0 - math.pow(b2, t)";
    case Slot::Bc3: return "1.0 - math.pow(b3, t)";
    case Slot::Eps: return "h['eps']";
    case Slot::Ld: return "_linear_decay(t0, T)";
    case Slot::Cd: return "_cosine_decay(t0, T)";
    case Slot::Rd: return "_restart_decay(t0, T)";
    case Slot::EpStd: return "math.sqrt(1.0 / math.pow(1.0 + t0, 0.55))";
    case Slot::Mu: return "h['mu']";
    case Slot::LionBeta2: return "h['lion_beta2']";
    case Slot::OneMinusLionBeta2: return "1.0 - h['lion_beta2']";
    case Slot::Beta2Pow: return "math.pow(b2, t)";
    case Slot::Count: break;
  }
  throw std::logic_error("emit_python: bad slot");
}

std::string step_params_code() {
  std::string o = R"PY(def _linear_decay(t, T):
    return max(0.0, float(T - min(t, T)) / float(T)) if T else 0.0


def _cosine_decay(t, T):
    return 0.5 * (1.0 + math.cos(math.pi * (2.0 * 0.5 * float(min(t, T)) / float(T)))) if T else 0.0


def _restart_decay(t, T):
    return 0.5 * (1.0 + math.cos(math.pi * (math.fmod(1.0 * float(min(t, T)), float(T)) / float(T)))) if T else 0.0


def _step_params(h, step):
    """The per-step block nos computes once per step on the host (dslc::step_params): every slot
    in double, then rounded to float32 as the JIT's kernel receives it."""
    T, t, t0 = h['total_steps'], float(step), max(step - 1, 0)
    b1, b2, b3 = h['betas'][0], h['betas'][1], h['beta3']
    return {
)PY";
  for (int s = 0; s < kSlotCount; ++s)
    o += "        '" + std::string(slot_name(static_cast<Slot>(s))) + "': _f32(" + slot_formula(static_cast<Slot>(s)) +
         "),\n";
  o += "    }\n\n\n";
  return o;
}

// Torch's scalar helpers: per-step scalar instructions run in Python floats, each rounded to
// float32 (exact for + - * / sqrt: double holds more than twice float's precision), with IEEE
// results instead of Python's exceptions.
const char* kTorchScalars = R"PY(def _f32(a):
    return torch.tensor(a, dtype=torch.float32).item()


def _sign(a):
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


)PY";

// numpy's scalars are np.float32 throughout, so its own arithmetic rounds as the JIT does.
const char* kNumpyScalars = R"PY(_f32 = np.float32


)PY";

// A float32 constant as the JIT holds it.
std::string f32_literal(double v) { return num(static_cast<double>(static_cast<float>(v))); }

// The step program (step_program.h) as Python statements. Every value is either a per-step
// scalar (it reads only constants and slots: computed once per step, before the per-parameter
// code) or a tensor (torch: a list of per-parameter tensors; numpy: one array) living in a
// storage: a buffer (w, g, a state) or a temporary. An instruction overwrites its operand's
// storage in place when nothing reads that operand later, the storage is not g and no Store has
// made it final; Store is then usually a no-op (the value already lives in its buffer) and
// otherwise a copy. This keeps the order of operations, hence the rounding, of the program.
struct StepCode {
  std::string scalars;  // per-step statements
  std::string tensors;  // per-parameter statements
};

struct Storage {
  std::string name;
  int buf = -1;         // the Buf it is, or -1 for a temporary
  bool frozen = false;  // holds a buffer's stored value: never written again
  uint32_t holder = 0;  // the value it holds now
};

StepCode lower_step(const Ir& prog, PortKind kind) {
  const bool torch = kind == PortKind::Torch;
  const size_t n = prog.body.size();
  // root: the value an instruction is (a Store's is its operand's); last: the last reader of a root.
  std::vector<uint32_t> root(n), last(n, 0);
  for (uint32_t k = 0; k < n; ++k) {
    const Inst& in = prog.body[k];
    const int ar = op_arity(in.op);
    root[k] = in.op == Op::Store ? root[in.a] : k;
    if (ar >= 1) last[root[in.a]] = std::max(last[root[in.a]], k);
    if (ar >= 2) last[root[in.b]] = std::max(last[root[in.b]], k);
  }
  const uint32_t written = buffer_use(prog).written;
  std::vector<bool> scalar(n, false);
  std::vector<std::string> sval(n);  // a scalar's expression
  std::vector<int> at(n, -1);        // a tensor's storage
  std::vector<Storage> st;
  std::array<int, kBufCount> buf_storage;
  buf_storage.fill(-1);
  StepCode out;
  auto emit = [&](const std::string& code) { out.tensors += code + "\n"; };
  auto name = [&](uint32_t v) { return scalar[v] ? sval[v] : st[static_cast<size_t>(at[v])].name; };
  auto writable = [&](uint32_t v, uint32_t k) {
    if (scalar[v]) return false;
    const Storage& s = st[static_cast<size_t>(at[v])];
    return !s.frozen && (s.buf < 0 || ((written >> s.buf) & 1u)) && last[root[v]] <= k;
  };
  auto fresh = [&](uint32_t k, const std::string& expr) {
    st.push_back({"t" + std::to_string(k), -1, false, k});
    at[k] = static_cast<int>(st.size() - 1);
    emit(st.back().name + " = " + expr);
  };
  auto in_place = [&](uint32_t k, uint32_t v, const std::string& code) {
    at[k] = at[v];
    st[static_cast<size_t>(at[v])].holder = k;
    emit(code);
  };
  // "for x in A:\n    stmt(x)": a per-tensor in-place method where torch has no foreach op.
  auto each = [](const std::string& list, const std::string& stmt) { return "for x in " + list + ":\n    " + stmt; };

  for (uint32_t k = 0; k < n; ++k) {
    Inst in = prog.body[k];
    const int ar = op_arity(in.op);
    const bool sa = ar >= 1 && scalar[in.a], sb = ar >= 2 && scalar[in.b];
    std::string A = ar >= 1 ? name(in.a) : "", B = ar >= 2 ? name(in.b) : "";
    if (divides_by_param(prog, in)) {  // times the float reciprocal, as the JIT computes it
      const std::string r = "r" + std::to_string(k);
      out.scalars += r + " = " + (torch ? "_f32(_div(1.0, " + B + "))" : "np.float32(1) / " + B) + "\n";
      in.op = Op::Mul;
      B = r;
    }
    switch (in.op) {
      case Op::Const:
        scalar[k] = true;
        sval[k] = torch ? f32_literal(in.imm) : "np.float32(" + f32_literal(in.imm) + ")";
        continue;
      case Op::Param:
        scalar[k] = true;
        sval[k] = "P['" + std::string(slot_name(in.slot)) + "']";
        continue;
      case Op::Load: {
        const int b = static_cast<int>(in.buf);
        const std::string bn(buf_name(in.buf));
        std::string var = torch ? bn + "s" : bn;
        // ws (torch) and w, g (numpy) are the loop's own variables.
        if (in.buf == Buf::G && torch) emit("gs = [p.grad for p in ws]");
        if (is_state(in.buf))
          emit(torch ? var + " = [self.state[p]['" + bn + "'] for p in ws]" : var + " = self.state['" + bn + "'][i]");
        st.push_back({var, b, false, k});
        at[k] = static_cast<int>(st.size() - 1);
        buf_storage[static_cast<size_t>(b)] = at[k];
        continue;
      }
      case Op::Store: {
        const int b = buf_storage[static_cast<size_t>(in.buf)];
        if (b < 0) throw std::logic_error("emit_python: store to a buffer never loaded");
        Storage& dst = st[static_cast<size_t>(b)];
        if (sa || at[in.a] != b) {
          if (last[root[dst.holder]] > k) throw std::logic_error("emit_python: store over a value still read");
          if (sa) emit(torch ? each(dst.name, "x.fill_(" + A + ")") : dst.name + "[...] = " + A);
          else
            emit(torch ? "for d, x in zip(" + dst.name + ", " + A + "):\n    d.copy_(x)" : dst.name + "[...] = " + A);
        }
        dst.frozen = true;
        scalar[k] = sa, sval[k] = sval[in.a], at[k] = at[in.a];
        continue;
      }
      case Op::Normal:
        fresh(k, torch ? "[torch.randn(w.shape, dtype=w.dtype, device=w.device, generator=gen) for w in ws]"
                       : "rng.standard_normal(w.shape, dtype=np.float32)");
        continue;
      default: break;
    }
    // Per-step scalar arithmetic.
    if ((ar == 1 && sa && in.op != Op::Drop) || (ar == 2 && sa && sb)) {
      scalar[k] = true;
      sval[k] = "s" + std::to_string(k);
      const std::string expr = torch ? scalar_op(in, A, B) : numpy_scalar_op(in, A, B);
      out.scalars += sval[k] + " = " + (torch ? "_f32(" + expr + ")" : expr) + "\n";
      continue;
    }
    if (ar == 1) {
      uint32_t src = in.a;
      if (sa) {  // a dropped per-step scalar: broadcast it first
        fresh(k, torch ? "[torch.full_like(w, " + A + ") for w in ws]" : "np.full(w.shape, " + A + ", np.float32)");
        src = k;
      }
      const std::string X = name(src);
      const bool ip = sa || writable(src, k);
      std::string code;
      if (torch) {
        const std::string lo = f32_literal(-in.imm), hi = f32_literal(in.imm);
        const std::string rand = "torch.rand(x.shape, dtype=x.dtype, device=x.device, generator=gen) < " + num(in.imm);
        switch (in.op) {
          case Op::Neg: code = ip ? "torch._foreach_neg_(" + X + ")" : "torch._foreach_neg(" + X + ")"; break;
          case Op::Abs: code = ip ? "torch._foreach_abs_(" + X + ")" : "torch._foreach_abs(" + X + ")"; break;
          case Op::Exp: code = ip ? "torch._foreach_exp_(" + X + ")" : "torch._foreach_exp(" + X + ")"; break;
          case Op::Log: code = ip ? "torch._foreach_log_(" + X + ")" : "torch._foreach_log(" + X + ")"; break;
          case Op::Sqrt: code = ip ? "torch._foreach_sqrt_(" + X + ")" : "torch._foreach_sqrt(" + X + ")"; break;
          case Op::Sign: code = ip ? each(X, "x.sign_()") : "[torch.sign(x) for x in " + X + "]"; break;
          case Op::Clip:
            code = ip ? each(X, "x.clamp_(" + lo + ", " + hi + ")")
                      : "[x.clamp(" + lo + ", " + hi + ") for x in " + X + "]";
            break;
          case Op::Drop:
            code = ip ? each(X, "x.masked_fill_(" + rand + ", 0.0)")
                      : "[torch.where(" + rand + ", torch.zeros_like(x), x) for x in " + X + "]";
            break;
          default: throw std::logic_error("emit_python: not a unary op");
        }
      } else {
        const std::string lo = "np.float32(" + f32_literal(-in.imm) + ")",
                          hi = "np.float32(" + f32_literal(in.imm) + ")";
        const std::string out_arg = ip ? ", out=" + X + ")" : ")";
        switch (in.op) {
          case Op::Neg: code = "np.negative(" + X + out_arg; break;
          case Op::Abs: code = "np.abs(" + X + out_arg; break;
          case Op::Exp: code = "np.exp(" + X + out_arg; break;
          case Op::Log: code = "np.log(" + X + out_arg; break;
          case Op::Sqrt: code = "np.sqrt(" + X + out_arg; break;
          case Op::Sign: code = "np.sign(" + X + out_arg; break;
          case Op::Clip: code = "np.clip(" + X + ", " + lo + ", " + hi + out_arg; break;
          case Op::Drop: {
            const std::string rand = "rng.random(" + X + ".shape, dtype=np.float32) < " + num(in.imm);
            code = ip ? X + "[" + rand + "] = 0" : "np.where(" + rand + ", np.float32(0), " + X + ")";
            break;
          }
          default: throw std::logic_error("emit_python: not a unary op");
        }
      }
      if (ip) in_place(k, src, code);
      else fresh(k, code);
      continue;
    }
    // Binary, at least one tensor operand. Overwrite a if possible, else b where the op allows.
    const bool commutes = in.op == Op::Add || in.op == Op::Mul;
    const bool ip_a = writable(in.a, k);
    const bool ip_b = !ip_a && writable(in.b, k) && (!torch || commutes || in.op == Op::Sub);
    if (torch) {
      std::string f;
      switch (in.op) {
        case Op::Add: f = "add"; break;
        case Op::Sub: f = "sub"; break;
        case Op::Mul: f = "mul"; break;
        case Op::Div: f = "div"; break;
        default: throw std::logic_error("emit_python: not a binary op");
      }
      if (ip_a) {
        in_place(k, in.a, "torch._foreach_" + f + "_(" + A + ", " + B + ")");
      } else if (ip_b && commutes) {
        in_place(k, in.b, "torch._foreach_" + f + "_(" + B + ", " + A + ")");
      } else if (ip_b) {  // a - b == -b + a exactly
        in_place(k, in.b, "torch._foreach_neg_(" + B + ")\ntorch._foreach_add_(" + B + ", " + A + ")");
      } else if (!sa) {
        fresh(k, "torch._foreach_" + f + "(" + A + ", " + B + ")");
      } else if (commutes) {
        fresh(k, "torch._foreach_" + f + "(" + B + ", " + A + ")");
      } else if (in.op == Op::Sub) {
        fresh(k, "torch._foreach_add(torch._foreach_neg(" + B + "), " + A + ")");
      } else {  // scalar / tensor: torch's s / x is reciprocal(x) * s, not a division
        fresh(k, "[torch.full_like(x, " + A + ").div_(x) for x in " + B + "]");
      }
    } else {
      const char* sym = in.op == Op::Add ? "+" : in.op == Op::Sub ? "-" : in.op == Op::Mul ? "*" : "/";
      const char* uf = in.op == Op::Sub ? "np.subtract" : "np.divide";
      if (ip_a) in_place(k, in.a, A + " " + sym + "= " + B);
      else if (ip_b && commutes) in_place(k, in.b, B + " " + sym + "= " + A);
      else if (ip_b) in_place(k, in.b, std::string(uf) + "(" + A + ", " + B + ", out=" + B + ")");
      else fresh(k, A + " " + sym + " " + B);
    }
  }
  return out;
}

// The state a step program keeps (table order).
std::vector<const StateDef*> kept_states(const Ir& prog) {
  const uint32_t read = buffer_use(prog).read;
  std::vector<const StateDef*> out;
  for (const StateDef& d : states())
    if ((read >> static_cast<int>(d.buf)) & 1u) out.push_back(&d);
  return out;
}

std::string init_literal(float v) { return num(static_cast<double>(v)); }

std::string state_doc(const std::vector<const StateDef*>& kept) {
  if (kept.empty()) return "    State: none.\n";
  std::string o = "    State, updated first and in this order:\n";
  for (const StateDef* d : kept)
    o += "      " + std::string(d->update) + "   (starts at " + init_literal(d->init) + ")\n";
  return o;
}

std::string torch_class(const Compiled& c) {
  const Ir prog = step_program(c.ir);
  const std::vector<const StateDef*> kept = kept_states(prog);
  const StepCode code = lower_step(prog, PortKind::Torch);
  const std::string cls = class_name(c);
  std::string o;
  o += "class " + cls + "(torch.optim.Optimizer):\n";
  o += "    \"\"\"" + (c.name.empty() ? std::string("nos rule") : c.name) + ": " + print_infix(c.canonical) + "\n\n";
  o += "    dslc canonical form: " + c.prefix + "\n";
  o += state_doc(kept);
  o += "    Per parameter, as torch.optim does: its own step count; a .grad of None is skipped.\n";
  if (c.info.random)
    o += "    Random: draws come from torch's generator (seeded by `seed` if given), not nos's hash: this port\n"
         "    matches nos's JIT in distribution, not bit for bit.\n";
  if (c.info.needs_total) o += "    Reads ld/cd/rd: total_steps must be given.\n";
  o += "    \"\"\"\n\n";
  o += "    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), beta3=0.999, eps=1e-8, mu=0.9, lion_beta2=0.99,\n"
       "                 total_steps=0, seed=None):\n";
  o += "        if not 0.0 <= lr:\n            raise ValueError(f'invalid learning rate {lr}')\n";
  o += "        for name, b in (('beta1', betas[0]), ('beta2', betas[1]), ('beta3', beta3), ('lion_beta2', "
       "lion_beta2)):\n"
       "            if not 0.0 <= b < 1.0:\n                raise ValueError(f'{name} must lie in [0, 1), got {b}')\n";
  if (c.info.needs_total)
    o += "        if total_steps <= 0:\n            raise ValueError('this rule reads ld/cd/rd: give total_steps')\n";
  o += "        super().__init__(params, dict(lr=lr, betas=tuple(betas), beta3=beta3, eps=eps, mu=mu, "
       "lion_beta2=lion_beta2,\n"
       "                                      total_steps=total_steps))\n";
  o += "        self._seed = seed\n        self._generators = {}\n\n";
  o += "    def _generator(self, device):\n"
       "        if self._seed is None:\n            return None\n"
       "        if device not in self._generators:\n"
       "            self._generators[device] = torch.Generator(device=device).manual_seed(self._seed)\n"
       "        return self._generators[device]\n\n";
  o += "    @torch.no_grad()\n    def step(self, closure=None):\n";
  o += "        loss = None\n        if closure is not None:\n            with torch.enable_grad():\n                "
       "loss = closure()\n";
  o += "        for group in self.param_groups:\n";
  o += "            # Parameters at the same step share one set of per-step scalars: one foreach call each.\n";
  o += "            buckets = {}\n";
  o += "            for p in group['params']:\n                if p.grad is None:\n                    continue\n";
  o += "                if p.grad.is_sparse:\n                    raise RuntimeError('" + cls +
       " does not support sparse gradients')\n";
  o += "                st = self.state[p]\n                if not st:\n                    st['step'] = 0\n";
  for (const StateDef* d : kept)
    o += "                    st['" + std::string(d->name) + "'] = " +
         (d->init == 0.0f ? std::string("torch.zeros_like(p, memory_format=torch.preserve_format)")
                          : "torch.full_like(p, " + init_literal(d->init) + ", memory_format=torch.preserve_format)") +
         "\n";
  o += "                st['step'] += 1\n                buckets.setdefault((st['step'], p.device), []).append(p)\n";
  o += "            for (step, device), ws in buckets.items():\n";
  o += "                P = _step_params(group, step)\n                gen = self._generator(device)\n";
  o += indent(code.scalars, 16);
  o += indent(code.tensors, 16);
  o += "        return loss\n\n\n";
  return o;
}

std::string numpy_class(const Compiled& c) {
  const Ir prog = step_program(c.ir);
  const std::vector<const StateDef*> kept = kept_states(prog);
  const StepCode code = lower_step(prog, PortKind::Numpy);
  const std::string cls = class_name(c);
  std::string o;
  o += "class " + cls + ":\n";
  o += "    \"\"\"" + (c.name.empty() ? std::string("nos rule") : c.name) + ": " + print_infix(c.canonical) + "\n\n";
  o += "    dslc canonical form: " + c.prefix + "\n";
  o += state_doc(kept);
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
       "                raise TypeError('" +
       cls + ": parameters must be float32 numpy arrays')\n";
  if (c.info.needs_total)
    o += "        if total_steps <= 0:\n            raise ValueError('this rule reads ld/cd/rd: give total_steps')\n";
  o += "        self.hyper = dict(lr=lr, betas=tuple(betas), beta3=beta3, eps=eps, mu=mu, lion_beta2=lion_beta2,\n"
       "                          total_steps=total_steps)\n";
  o += "        self.rng = np.random.default_rng(seed)\n        self.steps = 0\n";
  o += "        self.state = {\n";
  for (const StateDef* d : kept)
    o += "            '" + std::string(d->name) + "': [" +
         (d->init == 0.0f ? std::string("np.zeros_like(w)") : "np.full_like(w, " + init_literal(d->init) + ")") +
         " for w in self.params],\n";
  o += "        }\n";
  o += "\n    def step(self, grads):\n";
  o += "        grads = list(grads)\n        if len(grads) != len(self.params):\n"
       "            raise ValueError(f'{len(grads)} gradients for {len(self.params)} parameters')\n";
  o += "        self.steps += 1\n        P = _step_params(self.hyper, self.steps)\n        rng = self.rng\n";
  o += "        with np.errstate(all='ignore'):\n";
  o += indent(code.scalars, 12);
  o += "            for i, (w, g) in enumerate(zip(self.params, grads)):\n";
  o += indent(code.tensors, 16);
  o += "\n\n";
  return o;
}

}  // namespace

std::string emit_python_port(const std::vector<Compiled>& rules, PortKind kind) {
  const bool torch = kind == PortKind::Torch;
  std::string o = "\"\"\"Generated by nos's dslc --emit=" + std::string(torch ? "torch" : "numpy") + ": " +
                  std::to_string(rules.size()) + (rules.size() == 1 ? " update rule" : " update rules") +
                  " as self-contained Python optimizers\n"
                  "(needing only " +
                  (torch ? "torch" : "numpy") +
                  "). Each step runs, per element and in float32, the step program nos's JIT kernel runs\n"
                  "(dslc/step_program.h), instruction by instruction: each state's update (the class docstring\n"
                  "lists them), the rule, then w -= lr * rule. State is stored raw; the rule applies the bias\n"
                  "corrections. Trajectories equal nos's within float32 rounding (exp and log are the library's,\n"
                  "not nos's polynomials).\n\"\"\"\n";
  o += torch ? kTorchHeader : kNumpyHeader;
  o += torch ? kTorchScalars : kNumpyScalars;
  o += step_params_code();
  std::string all;
  for (const Compiled& c : rules) {
    o += torch ? torch_class(c) : numpy_class(c);
    all += (all.empty() ? "" : ", ") + ("'" + class_name(c) + "'");
  }
  o += "__all__ = [" + all + "]\n";
  return o;
}

}  // namespace nos::dslc
