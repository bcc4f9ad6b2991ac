// A behaviour fingerprint of an update rule, as AutoML-Zero's functional-equivalence cache does it:
// run the rule on a fixed probe and hash what it did, so that rules that differ in form but update
// identically (`g` and `mul g one` after passes that miss it, `sub g neg x` and `add g x`, ...)
// are trained once.
//
// The probe: kProbeParams parameters with fixed pseudo-random weights, kProbeSteps steps with a
// fixed sequence of gradients whose magnitudes span 1e-8 .. 1e2 (so eps, clipping and sign
// behaviour show) with a few exact zeros (dead ReLU units), fixed hyperparameters, and a fixed
// seed for random rules (dslc's generator is counter-based, so drop/noise rules fingerprint
// deterministically). It runs in dslc's reference interpreter (double precision). What is hashed
// is the rule's output r at every element and step, quantized to kFingerprintBits significant bits.
//
// Trade-off (README.md): quantizing lets two forms that round differently hash the same, but two
// rules that differ by less than 2^-20 relative on every probe value, or only on inputs the probe
// never shows (huge gradients, late steps of a decay), share a fingerprint and hence a reward.
#pragma once
#include <cstdint>

#include "dslc/ir.h"

namespace nos::search {

inline constexpr int kProbeParams = 64;
inline constexpr int kProbeSteps = 5;
inline constexpr int kFingerprintBits = 20;

// The hash of the rule's behaviour on the probe. Never throws for a valid IR: NaN and ±inf
// updates are part of the behaviour.
std::uint64_t behaviour_fingerprint(const dslc::Ir& ir);

// One value as the fingerprint sees it: every NaN maps to one code, ±inf keep their sign, ±0 are
// one value, and finite values keep kFingerprintBits significant bits (rounded to nearest) and
// their exponent.
std::uint64_t quantize_value(double v);

}  // namespace nos::search
