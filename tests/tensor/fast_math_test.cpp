// tensor/kernels/fast_math.h against double-precision references, over the whole float range and
// at the edges. (Kept in the tensor suite; the kernels suite belongs to tests/tensor/kernels/.)
#include "tensor/kernels/fast_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace nos::kernels {
namespace {

// Distance in units in the last place between a float and the correctly rounded double value.
double ulps(float got, double want) {
  const float w = static_cast<float>(want);
  if (w == 0.0f) return got == 0.0f ? 0.0 : 1e9;
  const double ulp = std::nextafter(std::fabs(w), INFINITY) - std::fabs(w);
  return std::fabs(static_cast<double>(got) - want) / ulp;
}

TEST(FastMath, ExpWithinTwoUlpOverTheNormalRange) {
  double worst = 0;
  for (float x = -87.0f; x <= 88.7f; x = std::nextafter(x, INFINITY) + 1e-3f * std::fabs(x) + 1e-6f)
    worst = std::max(worst, ulps(fast_exp(x), std::exp(static_cast<double>(x))));
  EXPECT_LE(worst, 2.0);
}

TEST(FastMath, ExpEdges) {
  EXPECT_EQ(fast_exp(0.0f), 1.0f);
  EXPECT_EQ(fast_exp(-0.0f), 1.0f);
  EXPECT_EQ(fast_exp(INFINITY), INFINITY);
  EXPECT_EQ(fast_exp(-INFINITY), 0.0f);
  EXPECT_EQ(fast_exp(100.0f), INFINITY);
  EXPECT_NEAR(fast_exp(-100.0f), 3.7200760e-44f, 2e-45f);  // denormal, not flushed
  EXPECT_EQ(fast_exp(-110.0f), 0.0f);
  EXPECT_TRUE(std::isnan(fast_exp(std::nanf(""))));
  EXPECT_EQ(fast_exp(std::numeric_limits<float>::denorm_min()), 1.0f);
}

TEST(FastMath, SigmoidAndTanhAccurateAndSaturating) {
  double worst_sig = 0, worst_tanh = 0;
  for (float x = -30.0f; x <= 30.0f; x += 0.0137f) {
    worst_sig = std::max(worst_sig, std::fabs(fast_sigmoid(x) - 1.0 / (1.0 + std::exp(-static_cast<double>(x)))));
    worst_tanh = std::max(worst_tanh, ulps(fast_tanh(x), std::tanh(static_cast<double>(x))));
  }
  EXPECT_LE(worst_sig, 2e-7);
  EXPECT_LE(worst_tanh, 4.0);
  for (float x : {1e-30f, 1e-8f, 1e-4f, 0.1f, 0.2499f, 0.25f, -0.3f})
    EXPECT_LE(ulps(fast_tanh(x), std::tanh(double{x})), 4.0) << x;
  EXPECT_EQ(fast_tanh(INFINITY), 1.0f);
  EXPECT_EQ(fast_tanh(-INFINITY), -1.0f);
  EXPECT_EQ(fast_sigmoid(-INFINITY), 0.0f);
  EXPECT_EQ(fast_sigmoid(INFINITY), 1.0f);
  EXPECT_TRUE(std::isnan(fast_tanh(std::nanf(""))));
  EXPECT_TRUE(std::isnan(fast_sigmoid(std::nanf(""))));
}

}  // namespace
}  // namespace nos::kernels
