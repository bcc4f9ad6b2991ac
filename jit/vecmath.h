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

// exp: x = n*ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2 into a short and a long part),
// e^r by a degree-6 polynomial, then times 2^n as two factors 2^(n/2) * 2^(n - n/2) so that results
// down in the denormals (n = -151) and up to overflow (n = 128) come out correctly rounded once.
// x is clamped to [kExpLo, kExpHi] (NaN to kExpLo), where e^x already rounds to 0 and to +inf:
// only NaN needs a fix-up afterwards.
inline constexpr float kExpHi = 88.8f, kExpLo = -105.0f;
// For |x| <= kExpFast, n is in [-124, 124] and y * 2^n a normal float, so the two factors are exact
// and y * 2^n can be formed by adding n to y's exponent bits (the JIT's fast path).
inline constexpr float kExpFast = 86.0f;
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
// e^r = 1 + r + r^2 q(r), q of degree 4 (coefficients highest first) fitted for the least maximum
// relative error on |r| <= ln2/2 (jit/tools/fit_exp_poly.py): 4e-9 with float32 coefficients, a
// thirtieth of an ulp (Cephes' degree-7 form had 5e-11, far below float's rounding). q by
// Estrin's scheme (two levels of FMAs instead of four). On Zen 3 this made the exp rules of
// Table 1 5-10% faster per element in cache, most of it from the FMA less, 2-3% from the shorter
// dependency chain (bench/results-2026-12-07-zen3-jit.md). Over every float in (-104, 88.7) the result is within
// 1.02 ulp of libm's double exp (Cephes' form: 1.01).
inline constexpr float kExpP[5] = {1.3814613183e-3f, 8.3687099281e-3f, 4.1668387370e-2f, 1.6666520689e-1f,
                                   4.9999993452e-1f};

inline float pow2i(int32_t k) { return std::bit_cast<float>(static_cast<uint32_t>(k + 127) << 23); }

inline float exp_f32(float x0) {
  float x = x0 > kExpLo ? x0 : kExpLo;  // ordered compares: NaN becomes kExpLo
  x = x < kExpHi ? x : kExpHi;
  const float n = std::nearbyint(x * kLog2e);
  float r = std::fma(n, -kLn2Hi, x);
  r = std::fma(n, -kLn2Lo, r);
  const float r2 = r * r;
  const float lo = std::fma(kExpP[3], r, kExpP[4]), mid = std::fma(kExpP[1], r, kExpP[2]);
  const float q = std::fma(std::fma(kExpP[0], r2, mid), r2, lo);
  const float y = std::fma(q, r2, r) + 1.0f;
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  const float e = (y * pow2i(n1)) * pow2i(n2);
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
