// The two-moons task: the data lie on the two half circles, the MLP's gradient is its loss's
// derivative, and a short Adam run separates the moons.
#include "apps/transfer/two_moons.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

namespace nos::transfer {
namespace {

TEST(TransferTwoMoons, NoiselessPointsLieOnTheirHalfCircles) {
  std::mt19937_64 rng(4);
  const MoonsSet s = make_moons(400, 0.0, rng);
  ASSERT_EQ(s.size(), 400u);
  int ones = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const double x = s.x[2 * i], y = s.x[2 * i + 1];
    ones += s.label[i];
    if (s.label[i] == 0) {
      EXPECT_NEAR(x * x + y * y, 1.0, 1e-12);  // upper moon: the unit circle, y >= 0
      EXPECT_GE(y, 0.0);
    } else {
      EXPECT_NEAR((x - 1) * (x - 1) + (y - 0.5) * (y - 0.5), 1.0, 1e-12);  // lower moon around (1, 0.5), y <= 0.5
      EXPECT_LE(y, 0.5);
    }
  }
  EXPECT_EQ(ones, 200);
}

TEST(TransferTwoMoons, GradientMatchesFiniteDifferences) {
  std::mt19937_64 rng(2);
  const MoonsSet s = make_moons(30, 0.2, rng);
  const Mlp m{5};
  std::vector<float> w(m.size());
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto& e : w) e = u(rng);
  std::vector<int> rows(s.size());
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<double> grad;
  mlp_loss(m, w, s, rows, &grad);
  ASSERT_EQ(grad.size(), m.size());
  // Central differences with a float step: the weights are float, the loss double.
  for (size_t i = 0; i < w.size(); ++i) {
    const float h = 1e-2F;
    std::vector<float> a = w, b = w;
    a[i] += h;
    b[i] -= h;
    const double fd = (mlp_loss(m, a, s, rows, nullptr) - mlp_loss(m, b, s, rows, nullptr)) /
                      (static_cast<double>(a[i]) - static_cast<double>(b[i]));
    EXPECT_NEAR(grad[i], fd, 1e-4 + 1e-3 * std::fabs(fd)) << i;
  }
}

TEST(TransferTwoMoons, AdamSeparatesTheMoons) {
  TransferConfig c;
  c.task = "two-moons";
  c.train = 200;
  c.val = 200;
  c.test = 500;
  c.noise = 0.1;
  c.epochs = 40;
  c.batch = 20;
  c.hidden = 16;
  const MoonsData d = make_moons_data(c);
  PlannedRun p{.opt = {"adam", "adam", "adam"}, .key = {"adam", 0.03, 1e-8, 0}, .seed = 1};
  const RunRecord r = train_moons_run(c, d, p, [](const EpochMetrics&) {});
  ASSERT_FALSE(r.diverged) << r.reason;
  ASSERT_EQ(r.epochs.size(), 40u);
  // The moons are not linearly separable (a linear classifier gets ~88%); at noise 0.1 the MLP
  // must do much better.
  EXPECT_GT(r.epochs.back().test, 0.97);
  EXPECT_LT(r.epochs.back().train, r.epochs.front().train);
}

}  // namespace
}  // namespace nos::transfer
