// Zaremba's per-epoch decay as a schedule kind (the TensorFlow kinds are in optimizer_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "optim/optimizer.h"
#include "optim/schedule.h"

namespace nos::optim {
namespace {

TEST(OptimSchedule, ZarembaHoldsTheBaseRateThenDecaysOncePerEpoch) {
  const Schedule s = zaremba_schedule(3, 2, 0.5);  // 3 steps an epoch, base rate through epoch 2
  ASSERT_EQ(validate(s), "");
  const std::vector<double> want = {2, 2, 2, 2, 2, 2, 1, 1, 1, 0.5, 0.5, 0.5, 0.25};
  for (size_t t = 0; t < want.size(); ++t) EXPECT_DOUBLE_EQ(learning_rate(s, 2.0, t), want[t]) << "step " << t;
  // Exactly base * decay^(epoch - start), as nos-transfer computed it between epochs before.
  EXPECT_EQ(learning_rate(zaremba_schedule(7, 4, 1 / 1.2), 0.3, 7 * 9), 0.3 * std::pow(1 / 1.2, 6));
}

TEST(OptimSchedule, ZarembaNeedsAnEpochLengthAndANonNegativeStart) {
  Schedule s = zaremba_schedule(0, 4, 0.5);
  EXPECT_EQ(validate(s), "schedule: decay_steps must be > 0");
  s = zaremba_schedule(10, -1, 0.5);
  EXPECT_EQ(validate(s), "schedule: decay_start must be >= 0");
  s = zaremba_schedule(10, 4, -0.5);
  EXPECT_EQ(validate(s), "schedule: decay_rate must be finite and >= 0");
  EXPECT_THROW(Optimizer("g", {.schedule = zaremba_schedule(0, 4, 0.5)}), std::invalid_argument);
}

TEST(OptimSchedule, AnOptimizerUnderZarembaStepsWithTheEpochsRate) {
  Optimizer opt("g", {.hyper = {.lr = 1.0}, .schedule = zaremba_schedule(2, 1, 0.5)});
  std::vector<float> w(1, 0.0f), g(1, 1.0f);
  opt.add(w.data(), g.data(), 1);
  const std::vector<float> after = {-1, -2, -2.5f, -3, -3.25f};  // rates 1, 1, 0.5, 0.5, 0.25
  for (float a : after) {
    opt.step();
    EXPECT_EQ(w[0], a) << "after step " << opt.steps();
  }
  EXPECT_EQ(opt.learning_rate(), 0.25);
}

}  // namespace
}  // namespace nos::optim
