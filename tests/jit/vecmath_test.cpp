// Accuracy of the JIT's float exp, log and cos(2*pi*u) (jit/vecmath.h; the kernels compute the
// same bits, see kernel_test.cpp) against double-precision libm, over the whole float range.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "jit/vecmath.h"

namespace nos::jit {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Distance in units in the last place of the float result, measured against the exact value
// (a double); ulp of a denormal result is the denormal spacing 2^-149.
double ulp_error(float got, double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : 1e9;
  if (std::isinf(want) || std::fabs(want) > std::numeric_limits<float>::max()) {
    // Overflow: the correctly rounded float is inf or FLT_MAX.
    const float r = static_cast<float>(want);
    if (got == r) return 0;
    if (std::isinf(r) && std::fabs(got) == std::numeric_limits<float>::max()) return 1;
    return 1e9;
  }
  if (std::isinf(got) || std::isnan(got)) return 1e9;
  const int e = want == 0 ? -149 : std::max(std::ilogb(want) - 23, -149);
  return std::fabs(static_cast<double>(got) - want) / std::ldexp(1.0, e);
}

TEST(JitVecMath, ExpSpecialValues) {
  EXPECT_EQ(vm::exp_f32(0.0f), 1.0f);
  EXPECT_EQ(vm::exp_f32(-0.0f), 1.0f);
  EXPECT_EQ(vm::exp_f32(kInf), kInf);
  EXPECT_EQ(vm::exp_f32(-kInf), 0.0f);
  EXPECT_TRUE(std::isnan(vm::exp_f32(std::nanf(""))));
  EXPECT_EQ(vm::exp_f32(89.0f), kInf);
  EXPECT_EQ(vm::exp_f32(-110.0f), 0.0f);
  EXPECT_EQ(vm::exp_f32(-104.5f), 0.0f);
  EXPECT_EQ(vm::exp_f32(88.75f), kInf);
  EXPECT_NEAR(vm::exp_f32(88.72f) / std::exp(static_cast<double>(88.72f)), 1.0, 3e-7);  // finite near FLT_MAX
  EXPECT_EQ(vm::exp_f32(1e-40f), 1.0f);                                                 // denormal argument
  EXPECT_GT(vm::exp_f32(-100.0f), 0.0f);                                                // denormal result, not flushed
  EXPECT_LT(vm::exp_f32(-100.0f), std::numeric_limits<float>::min());
}

TEST(JitVecMath, LogSpecialValues) {
  EXPECT_EQ(vm::log_f32(1.0f), 0.0f);
  EXPECT_EQ(vm::log_f32(0.0f), -kInf);
  EXPECT_EQ(vm::log_f32(-0.0f), -kInf);
  EXPECT_EQ(vm::log_f32(kInf), kInf);
  EXPECT_TRUE(std::isnan(vm::log_f32(-1.0f)));
  EXPECT_TRUE(std::isnan(vm::log_f32(-kInf)));
  EXPECT_TRUE(std::isnan(vm::log_f32(std::nanf(""))));
  EXPECT_TRUE(std::isnan(vm::log_f32(-1e-45f)));
  EXPECT_EQ(vm::log_f32(0x1p-149f), static_cast<float>(std::log(0x1p-149)));  // smallest denormal
}

// Every 97th bit pattern of the float line (44 million values, both signs, all exponents).
template <class F, class R>
double max_ulp_over_floats(F f, R ref, float lo, float hi) {
  double worst = 0;
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 97) {
    const float x = std::bit_cast<float>(static_cast<uint32_t>(b));
    if (!(x >= lo && x <= hi)) continue;
    worst = std::max(worst, ulp_error(f(x), ref(static_cast<double>(x))));
  }
  return worst;
}

TEST(JitVecMath, ExpWithinTwoUlpOverItsRange) {
  const double e = max_ulp_over_floats(
      vm::exp_f32, [](double x) { return std::exp(x); }, -110.0f, 90.0f);
  EXPECT_LE(e, 2.0);
  RecordProperty("max_ulp", std::to_string(e));
}

TEST(JitVecMath, LogWithinTwoUlpOverPositiveFloats) {
  const double e = max_ulp_over_floats(
      vm::log_f32, [](double x) { return std::log(x); }, 0.0f, kInf);
  EXPECT_LE(e, 2.0);
  RecordProperty("max_ulp", std::to_string(e));
}

// The Box-Muller cosine only ever sees u = k * 2^-24, k < 2^24: check every one of them, in
// absolute error (cos is in [-1, 1], and near its zeros an ulp bound is meaningless).
TEST(JitVecMath, Cos2PiOverEveryUniform) {
  double worst = 0;
  for (uint32_t k = 0; k < (1u << 24); ++k) {
    const float u = static_cast<float>(k) * 0x1p-24f;
    worst = std::max(worst, std::fabs(vm::cos_2pi_f32(u) - std::cos(6.283185307179586 * static_cast<double>(u))));
  }
  EXPECT_LE(worst, 2.5e-7);
}

}  // namespace
}  // namespace nos::jit
