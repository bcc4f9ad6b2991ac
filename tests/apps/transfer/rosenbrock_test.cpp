// The Rosenbrock task: the gradient is exact, and a run is the optimizer's own update applied to it.
#include "apps/transfer/rosenbrock.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nos::transfer {
namespace {

TEST(TransferRosenbrock, ValueAtKnownPoints) {
  EXPECT_EQ(rosenbrock(1, 1), 0.0);
  EXPECT_EQ(rosenbrock(0, 0), 1.0);
  // (-1.5, 2): (2.5)^2 + 100 (2 - 2.25)^2 = 6.25 + 6.25
  EXPECT_DOUBLE_EQ(rosenbrock(-1.5, 2), 12.5);
}

TEST(TransferRosenbrock, GradientMatchesTheAnalyticFormula) {
  // Worked by hand at the default start (-1.5, 2): y - x^2 = -0.25,
  // df/dx = -2(2.5) - 400(-1.5)(-0.25) = -5 - 150 = -155, df/dy = 200(-0.25) = -50.
  const auto g = rosenbrock_grad(-1.5, 2);
  EXPECT_DOUBLE_EQ(g[0], -155.0);
  EXPECT_DOUBLE_EQ(g[1], -50.0);
  const auto z = rosenbrock_grad(1, 1);
  EXPECT_EQ(z[0], 0.0);
  EXPECT_EQ(z[1], 0.0);
}

TEST(TransferRosenbrock, GradientMatchesFiniteDifferences) {
  // Central differences in double: error O(h^2) with h = 1e-5 is far below the tolerance.
  const double h = 1e-5;
  for (double x : {-2.0, -1.5, -0.3, 0.0, 0.7, 1.0, 1.9})
    for (double y : {-1.0, 0.0, 0.5, 1.0, 2.0, 3.0}) {
      const auto g = rosenbrock_grad(x, y);
      const double fx = (rosenbrock(x + h, y) - rosenbrock(x - h, y)) / (2 * h);
      const double fy = (rosenbrock(x, y + h) - rosenbrock(x, y - h)) / (2 * h);
      EXPECT_NEAR(g[0], fx, 1e-5 * (1 + std::abs(fx))) << "at (" << x << ", " << y << ")";
      EXPECT_NEAR(g[1], fy, 1e-5 * (1 + std::abs(fy))) << "at (" << x << ", " << y << ")";
    }
}

TEST(TransferRosenbrock, SgdRunIsPlainGradientDescent) {
  // The rule `g` through the JIT must walk exactly as w -= lr * grad does in float.
  const double lr = 1e-4;
  const RosenbrockRun run = run_rosenbrock("g", {.lr = lr}, 200, -1.5, 2);
  ASSERT_FALSE(run.diverged);
  ASSERT_EQ(run.path.size(), 201u);
  float x = -1.5f, y = 2.0f;
  for (int i = 1; i <= 200; ++i) {
    const auto g = rosenbrock_grad(x, y);
    x -= static_cast<float>(lr) * static_cast<float>(g[0]);
    y -= static_cast<float>(lr) * static_cast<float>(g[1]);
    EXPECT_NEAR(run.path[i].x, x, 1e-5) << "iteration " << i;
    EXPECT_NEAR(run.path[i].y, y, 1e-5) << "iteration " << i;
  }
  EXPECT_LT(run.path.back().loss, run.path.front().loss);
}

TEST(TransferRosenbrock, TooLargeARateDivergesAndSaysWhen) {
  const RosenbrockRun run = run_rosenbrock("g", {.lr = 0.1}, 4000, -1.5, 2);
  EXPECT_TRUE(run.diverged);
  EXPECT_LT(run.path.size(), 4001u);
  EXPECT_NE(run.reason.find("at iteration"), std::string::npos) << run.reason;
}

}  // namespace
}  // namespace nos::transfer
