#include "dslc/state.h"

#include <bit>

#include "dslc/ir.h"

namespace nos::dslc {

namespace {

// x = decay * old + gain * input, in this order of operations (the JIT and both interpreters
// execute exactly these instructions, so they round alike).
uint32_t ema(IrBuilder& b, uint32_t old, Slot decay, Slot gain, uint32_t input) {
  return b.binary(Op::Add, b.binary(Op::Mul, b.param(decay), old), b.binary(Op::Mul, b.param(gain), input));
}
uint32_t store(IrBuilder& b, Buf buf, uint32_t x) {
  b.store(buf, x);
  return x;
}

uint32_t lower_m(IrBuilder& b, const BufValues& x, uint32_t old) {
  return store(b, Buf::M, ema(b, old, Slot::Beta1, Slot::OneMinusBeta1, x[int(Buf::G)]));
}
uint32_t lower_v(IrBuilder& b, const BufValues& x, uint32_t old) {
  const uint32_t g = x[int(Buf::G)];
  return store(b, Buf::V, ema(b, old, Slot::Beta2, Slot::OneMinusBeta2, b.binary(Op::Mul, g, g)));
}
uint32_t lower_y(IrBuilder& b, const BufValues& x, uint32_t old) {
  const uint32_t g = x[int(Buf::G)];
  const uint32_t g3 = b.binary(Op::Mul, b.binary(Op::Mul, g, g), g);
  return store(b, Buf::Y, ema(b, old, Slot::Beta3, Slot::OneMinusBeta3, g3));
}
uint32_t lower_k(IrBuilder& b, const BufValues& x, uint32_t old) {
  return store(b, Buf::K, b.binary(Op::Add, b.binary(Op::Mul, b.param(Slot::Mu), old), x[int(Buf::G)]));
}
uint32_t lower_l(IrBuilder& b, const BufValues& x, uint32_t old) {
  const uint32_t g = x[int(Buf::G)];
  const uint32_t mix = ema(b, old, Slot::Beta1, Slot::OneMinusBeta1, g);
  store(b, Buf::L, ema(b, old, Slot::LionBeta2, Slot::OneMinusLionBeta2, g));
  return mix;
}
// AdaBelief (Zhuang et al. 2020): s = beta2*s + (1-beta2)*(g-m)^2 + eps, with m already updated.
uint32_t lower_s(IrBuilder& b, const BufValues& x, uint32_t old) {
  const uint32_t d = b.binary(Op::Sub, x[int(Buf::G)], x[int(Buf::M)]);
  const uint32_t s = ema(b, old, Slot::Beta2, Slot::OneMinusBeta2, b.binary(Op::Mul, d, d));
  return store(b, Buf::S, b.binary(Op::Add, s, b.param(Slot::Eps)));
}

constexpr std::array<StateDef, kStateCount> kStates = {{
    {Buf::M, "m", "m = beta1*m + (1-beta1)*g", "m m_hat sign_m adam", kStateNone, 0.0f, lower_m},
    {Buf::V, "v", "v = beta2*v + (1-beta2)*(g*g)", "v adam rmsprop rms", kStateNone, 0.0f, lower_v},
    {Buf::Y, "y", "y = beta3*y + (1-beta3)*((g*g)*g)", "y", kStateNone, 0.0f, lower_y},
    {Buf::K, "k", "k = mu*k + g", "mom nesterov", kStateNone, 0.0f, lower_k},
    {Buf::L, "l", "l' = beta1*l + (1-beta1)*g (read); l = lion_beta2*l + (1-lion_beta2)*g", "lion", kStateNone, 0.0f,
     lower_l},
    {Buf::S, "s", "s = beta2*s + (1-beta2)*((g-m)*(g-m)) + eps", "adabelief", kStateM, 0.0f, lower_s},
}};

constexpr bool table_in_order() {
  for (int i = 0; i < kStateCount; ++i)
    if (kStates[static_cast<size_t>(i)].buf != state_buf(i)) return false;
  return true;
}
static_assert(table_in_order(), "kStates must list every state buffer once, in Buf order");

constexpr bool requires_earlier() {
  for (int i = 0; i < kStateCount; ++i)
    if (kStates[static_cast<size_t>(i)].requires_ >> i) return false;
  return true;
}
static_assert(requires_earlier(), "a state may only require state before it in the table (prologue order)");

}  // namespace

std::span<const StateDef> states() { return kStates; }
const StateDef& state_def(Buf b) { return kStates[static_cast<size_t>(static_cast<int>(b) - kFirstState)]; }

std::string_view buf_name(Buf b) {
  if (b == Buf::W) return "w";
  if (b == Buf::G) return "g";
  return state_def(b).name;
}

StateSet state_closure(StateSet s) {
  // Requirements point to earlier rows, so one pass from the last row down closes the set.
  for (int i = kStateCount; i-- > 0;)
    if (s & (1u << i)) s |= kStates[static_cast<size_t>(i)].requires_;
  return s;
}

int state_count(StateSet s) { return std::popcount(static_cast<unsigned>(s)); }

std::string state_names(StateSet s) {
  std::string out;
  for (const StateDef& d : kStates)
    if (s & state_bit(d.buf)) out += (out.empty() ? "" : " ") + std::string(d.name);
  return out.empty() ? "none" : out;
}

}  // namespace nos::dslc
