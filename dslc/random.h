// The counter-based generator behind drop*, noise and ep.
//
// A draw is a pure function of (seed, step, parameter index, draw slot): no state, no sequence, so
// the interpreter, a scalar loop, a 16-lane vector loop and any number of threads all see the same
// numbers. Only integer add, xor, shift and multiply are used (SplitMix64's finalizer for the keys,
// a 32-bit hash per element), so the JIT can reproduce the bits exactly; uniforms have 24 bits so
// they are exact in float too.
#pragma once

#include <cmath>
#include <cstdint>

namespace nos::dslc::rng {

inline constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// SplitMix64's output function (Steele, Lea, Flood 2014): a bijection with good avalanche.
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Wellons' "lowbias32" (hash-prospector): a 32-bit bijection, two multiplies. The per-element
// part of a draw: 32-bit lanes are twice as many per vector as 64-bit ones, and a 32-bit multiply
// is one instruction on AVX2 and AVX-512 (a 64-bit one is three on AVX2, and 3 uops on Intel's
// AVX-512), so drop* rules stay memory-bound instead of hash-bound.
constexpr uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  return x ^ (x >> 16);
}

// The key of one (seed, step): the same for every parameter of a step.
constexpr uint64_t step_key(uint64_t seed, uint64_t step) { return mix64(mix64(seed + kGolden) ^ (step * kGolden)); }

// The key of one draw slot for the parameters whose index has high half `index_hi` (0 below 2^32).
constexpr uint64_t draw_key(uint64_t step_key, uint32_t draw, uint32_t index_hi) {
  return mix64(mix64(step_key ^ (uint64_t{draw} * 0x8CB92BA72F3D8DD7ull + 1)) ^
               (uint64_t{index_hi} * 0xD1B54A32D192ED03ull));
}

// 64 random bits for one draw. Each key component goes through the mixer in turn so that no two
// keys differing in one component collide by arithmetic accident (e.g. step+1 vs index+1); the low
// half of the index goes through hash32 twice, keyed by the two halves of the draw key: the high
// word (drop's uniform, Box-Muller's u1) and the low word (u2) are independent hashes.
constexpr uint64_t bits(uint64_t seed, uint64_t step, uint64_t index, uint32_t draw) {
  const uint64_t k = draw_key(step_key(seed, step), draw, static_cast<uint32_t>(index >> 32));
  const uint32_t lo = static_cast<uint32_t>(index);
  return (uint64_t{hash32(lo ^ static_cast<uint32_t>(k >> 32))} << 32) | hash32(lo ^ static_cast<uint32_t>(k));
}

inline constexpr double kInv24 = 1.0 / 16777216.0;  // 2^-24

// Uniform on [0, 1) from the top 24 bits: exactly representable in float.
constexpr uint32_t uniform24(uint64_t b) { return static_cast<uint32_t>(b >> 40); }
constexpr double uniform(uint64_t b) { return uniform24(b) * kInv24; }

// drop(x, p) zeroes x when uniform24 < threshold(p). An integer compare, so it is exact in every
// backend: threshold = ceil(p * 2^24), i.e. u < p for u a multiple of 2^-24.
inline uint32_t drop_threshold(double p) { return static_cast<uint32_t>(std::ceil(p * 16777216.0)); }
inline bool dropped(uint64_t b, double p) { return uniform24(b) < drop_threshold(p); }

// A standard normal by Box-Muller from the two 24-bit halves of one 64-bit draw:
// u1 in (0, 1] (so the log is finite), u2 in [0, 1).
inline double normal(uint64_t b) {
  const double u1 = (static_cast<double>(b >> 40) + 1.0) * kInv24;
  const double u2 = static_cast<double>(b & 0xFFFFFFu) * kInv24;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace nos::dslc::rng
