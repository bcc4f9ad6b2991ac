// Scalar float32 exp, log and cos(2*pi*u): the exact algorithms the JIT emits as vector code.
//
// The JIT cannot call libm in its hot loop, so codegen.cpp emits these polynomials (exp's fitted
// by jit/tools/fit_exp_poly.py, log's Cephes'; evaluated with explicit fused multiply-adds)
// lane-wise. This header is the same algorithm written once more in scalar C++, operation for
// operation, so that the float32 reference (reference.h) and the generated kernels agree bit for
// bit; their accuracy against a double-precision libm is measured in tests/jit/vecmath_test.cpp.
// Keep the two in sync: the property test fails on any difference.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace nos::jit::vm {

// exp: x = (8k + j) ln2/8 + r with j in 0..7 and |r| <= ln2/16 (Cody-Waite split of ln2/8 into a
// short and a long part), so e^x = 2^k * 2^(j/8) * e^r: 2^(j/8) from an 8-entry table, e^r by a
// cubic, and 2^k as two factors 2^(k/2) * 2^(k - k/2) so that results down in the denormals
// (k = -152) and up to overflow (k = 128) come out correctly rounded once. x is clamped to
// [kExpLo, kExpHi] (NaN to kExpLo), where e^x already rounds to 0 and to +inf: only NaN needs a
// fix-up afterwards.
//
// Why a table: on Zen 3's AVX2 the exp rules of Table 1 were bound by the two FMA pipes, and the
// table takes three of the ten multiplies and FMAs of a degree-6 polynomial on |r| <= ln2/2 (the
// form before) off them for one permute (vpermps, whose 3-bit index is n's low bits as they stand)
// and two integer operations (bench/results-2026-12-07-zen3-jit.md).
inline constexpr float kExpHi = 88.8f, kExpLo = -105.0f;
// For |x| <= kExpFast, k is in [-125, 124] and 2^(j/8) * e^r * 2^k a normal float, so the two
// factors are exact and 2^(j/8) * 2^k can be formed by adding k to the table entry's exponent bits
// (the JIT's fast path).
inline constexpr float kExpFast = 86.0f;
inline constexpr float kLog2e = 1.44269504088896341f;
// n = 8k + j = x*8*log2e rounded to an integer by one FMA: x*8*log2e + kExpShift lies in [2^23, 2^24),
// where the floats are the integers, so the sum rounds to kExpShift + n (ties to even) and subtracting
// kExpShift is exact. The sum's bit pattern is kExpShift's plus n, whose low 23 bits are zero: its
// low 3 bits are j (the table index a vector permute reads) and, shifted left by 20 and masked,
// it gives k in a float's exponent field (the JIT's fast path forms 2^(j/8) * 2^k that way).
inline constexpr float kExpShift = 12582912.0f;  // 1.5 * 2^23
inline constexpr float kLog2e8 = 8.0f * kLog2e;
inline constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;  // ln2's short part has 9 bits
inline constexpr float kLn2Hi8 = kLn2Hi / 8, kLn2Lo8 = kLn2Lo / 8;       // so n * kLn2Hi8 is exact
// 2^(j/8) rounded to float.
inline constexpr float kExp2Frac[8] = {1.0f,
                                       1.090507746e+00f,
                                       1.189207077e+00f,
                                       1.296839595e+00f,
                                       1.414213538e+00f,
                                       1.542210817e+00f,
                                       1.681792855e+00f,
                                       1.834008098e+00f};
// e^r = 1 + r + r^2 (kExpP[0] r + kExpP[1]), fitted for the least maximum relative error on
// |r| <= ln2/16 (jit/tools/fit_exp_poly.py): 2.6e-8. With the table entries' own rounding (at most
// 3.2e-8 relative) and the final rounding, the result is within 1.135 ulp of libm's double exp over
// every float in (-110, 90) (an exhaustive scan; tests/jit/vecmath_test.cpp checks every 97th against
// 2 ulp; the degree-6 form before: 1.02).
inline constexpr float kExpP[2] = {1.6666858448e-01f, 5.0006447234e-01f};

inline float pow2i(int32_t k) { return std::bit_cast<float>(static_cast<uint32_t>(k + 127) << 23); }

inline float exp_f32(float x0) {
  float x = x0 > kExpLo ? x0 : kExpLo;  // ordered compares: NaN becomes kExpLo
  x = x < kExpHi ? x : kExpHi;
  const float n = std::fma(x, kLog2e8, kExpShift) - kExpShift;
  float r = std::fma(n, -kLn2Hi8, x);
  r = std::fma(n, -kLn2Lo8, r);
  const float p = std::fma(std::fma(kExpP[0], r, kExpP[1]), r * r, r);  // e^r - 1
  const int32_t ni = static_cast<int32_t>(n);
  const float t = kExp2Frac[ni & 7];
  const float y = std::fma(t, p, t);  // 2^(j/8) e^r; the JIT's fast path: fma(t 2^k, p, t 2^k), the same rounding
  const int32_t k = ni >> 3, k1 = k >> 1, k2 = k - k1;  // floor(n / 8): an arithmetic shift
  const float e = (y * pow2i(k1)) * pow2i(k2);
  return std::isnan(x0) ? x0 : e;
}

// log: x = 2^e * f with f in [sqrt(1/2), sqrt(2)); log(1 + (f-1)) by Cephes' degree-9 polynomial;
// denormal inputs are first scaled by 2^23. Negative -> NaN, +-0 -> -inf, +inf -> +inf, NaN -> NaN.
inline constexpr float kLogP[9] = {7.0376836292e-2f,  -1.1514610310e-1f, 1.1676998740e-1f,
                                   -1.2420140846e-1f, 1.4249322787e-1f,  -1.6668057665e-1f,
                                   2.0000714765e-1f,  -2.4999993993e-1f, 3.3333331174e-1f};
inline constexpr float kSqrtHalf = 0.707106781186547524f;

inline float log_f32(float x0) {
  const bool tiny = x0 < std::numeric_limits<float>::min();
  const float x = tiny ? x0 * 8388608.0f : x0;  // 2^23
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  int32_t e = static_cast<int32_t>(bits >> 23) - 126 - (tiny ? 23 : 0);
  float f = std::bit_cast<float>((bits & 0x007FFFFFu) | 0x3F000000u);  // [0.5, 1)
  if (f < kSqrtHalf) {
    e -= 1;
    f = (f + f) - 1.0f;
  } else {
    f = f - 1.0f;
  }
  const float z = f * f;
  float p = kLogP[0];
  for (int k = 1; k < 9; ++k) p = std::fma(p, f, kLogP[k]);
  float y = (p * f) * z;
  const float fe = static_cast<float>(e);
  y = std::fma(fe, kLn2Lo, y);
  y = std::fma(-0.5f, z, y);
  float out = f + y;
  out = std::fma(fe, kLn2Hi, out);
  if (std::isnan(x0)) return x0;
  if (x0 < 0.0f) return std::numeric_limits<float>::quiet_NaN();
  if (x0 == 0.0f) return -std::numeric_limits<float>::infinity();
  if (x0 == std::numeric_limits<float>::infinity()) return x0;
  return out;
}

// cos(2*pi*u) for u in [0, 1): the quadrant q = round(4u) and the remainder u - q/4 are exact, so
// the polynomials only see |x| <= pi/4.
inline constexpr float kTwoPi = 6.28318530717958647692f;
inline constexpr float kSinP[3] = {-1.9515295891e-4f, 8.3321608736e-3f, -1.6666654611e-1f};
inline constexpr float kCosP[3] = {2.443315711809948e-5f, -1.388731625493765e-3f, 4.166664568298827e-2f};

inline float cos_2pi_f32(float u) {
  const float q = std::nearbyint(u * 4.0f);
  const float x = (u - q * 0.25f) * kTwoPi;
  const float z = x * x;
  const float s = std::fma(std::fma(std::fma(kSinP[0], z, kSinP[1]), z, kSinP[2]), z * x, x);
  const float c = std::fma(std::fma(std::fma(kCosP[0], z, kCosP[1]), z, kCosP[2]), z * z, std::fma(-0.5f, z, 1.0f));
  switch (static_cast<int32_t>(q) & 3) {
    case 0: return c;
    case 1: return -s;
    case 2: return -c;
    default: return s;
  }
}

}  // namespace nos::jit::vm
