#include "apps/search/reward/fingerprint.h"

#include <cmath>
#include <vector>

#include "dslc/hash.h"
#include "dslc/interp.h"
#include "dslc/params.h"
#include "dslc/random.h"
#include "dslc/symbols.h"

namespace nos::search {
namespace {

// A fixed hyperparameter set for the probe: the library defaults, a seed for random rules and a
// run length for ld/cd/rd (twice the probe, so decays are mid-way, not at their ends).
dslc::Hyper probe_hyper() {
  dslc::Hyper h;
  h.lr = 0.1;
  h.total_steps = 2 * kProbeSteps;
  h.seed = 0x5eed;
  return h;
}

// Pseudo-random in [-1, 1) from SplitMix64: the same numbers on every platform and library.
double probe_uniform(std::uint64_t key) {
  return 2.0 * static_cast<double>(dslc::rng::mix64(key) >> 11) * 0x1.0p-53 - 1.0;
}

// Gradient of parameter i at 0-based step t: magnitude 10^k for k in -8 .. 2 by parameter, a
// pseudo-random sign and mantissa that change every step, and an exact zero for every 16th
// parameter at odd steps.
double probe_gradient(int i, int t) {
  if (i % 16 == 5 && t % 2 == 1) return 0.0;
  const double magnitude = std::pow(10.0, -8 + i % 11);
  const double u =
      probe_uniform(0x6a09e667f3bcc909ull + static_cast<std::uint64_t>(t) * 1000 + static_cast<std::uint64_t>(i));
  return magnitude * (u >= 0 ? 0.5 + u : -0.5 + u);
}

// The value's 8 bytes, least significant first, into the running FNV-1a.
void mix_into(std::uint64_t& h, std::uint64_t v) {
  char bytes[8];
  for (int b = 0; b < 8; ++b) bytes[b] = static_cast<char>((v >> (8 * b)) & 0xff);
  h = dslc::fnv1a64(std::string_view(bytes, 8), h);
}

}  // namespace

std::uint64_t quantize_value(double v) {
  if (std::isnan(v)) return 0x7ff8000000000000ull;
  if (std::isinf(v)) return v > 0 ? 0x7ff0000000000000ull : 0xfff0000000000000ull;
  if (v == 0) return 0;
  int e = 0;
  double mant = std::frexp(v, &e);  // |mant| in [0.5, 1)
  auto q = static_cast<std::int64_t>(std::llround(mant * std::ldexp(1.0, kFingerprintBits)));
  if (std::llabs(q) == (std::int64_t{1} << kFingerprintBits)) {  // rounded up to the next power of two
    q /= 2;
    ++e;
  }
  return (static_cast<std::uint64_t>(q) << 16) ^ static_cast<std::uint64_t>(static_cast<std::uint16_t>(e));
}

std::uint64_t behaviour_fingerprint(const dslc::Ir& ir) {
  const dslc::Hyper h = probe_hyper();
  std::vector<double> w(kProbeParams), scratch;
  for (int i = 0; i < kProbeParams; ++i) w[static_cast<size_t>(i)] = probe_uniform(static_cast<std::uint64_t>(i));
  dslc::State s = dslc::make_state(ir.state, w.size());
  const dslc::StepProgram prologue = dslc::prologue_program(ir.state);
  std::uint64_t hash = dslc::fnv1a64("nos-fingerprint-v1");
  // dslc::interp_step's per-element step, written out so that r itself is hashed: r is the rule's
  // behaviour, while w - lr*r loses r's low bits whenever |lr*r| << |w|.
  for (int t = 0; t < kProbeSteps; ++t) {
    const dslc::StepParams p = dslc::step_params(h, static_cast<std::uint64_t>(t) + 1);
    for (size_t i = 0; i < w.size(); ++i) {
      const double g = probe_gradient(static_cast<int>(i), t);
      const dslc::Element e = dslc::begin_element(prologue, p, w[i], g, s, i, i, scratch);
      const double r = dslc::eval_ir(ir, e, scratch);
      mix_into(hash, quantize_value(r));
      w[i] = w[i] - p[dslc::Slot::Lr] * r;
    }
  }
  return hash;
}

}  // namespace nos::search
