// Zaremba et al.'s per-size recipe: the defaults nos-train and nos-transfer both take.
#include <gtest/gtest.h>

#include "nn/train/zaremba.h"
#include "optim/schedule.h"

namespace nos::nn {
namespace {

TEST(ZarembaRecipe, SmallAndMediumAreThePapers) {
  const ZarembaRecipe s = zaremba_recipe("small");
  EXPECT_EQ(s.batch, 20);
  EXPECT_EQ(s.bptt, 20);
  EXPECT_EQ(s.epochs, 13);
  EXPECT_EQ(s.decay_start, 4);
  EXPECT_FLOAT_EQ(s.decay, 0.5f);
  EXPECT_FLOAT_EQ(s.lr, 1.0f);
  EXPECT_FLOAT_EQ(s.clip, 5.0f);
  const ZarembaRecipe m = zaremba_recipe("medium");
  EXPECT_EQ(m.batch, 20);
  EXPECT_EQ(m.bptt, 35);
  EXPECT_EQ(m.epochs, 39);
  EXPECT_EQ(m.decay_start, 6);
  EXPECT_FLOAT_EQ(m.decay * 1.2f, 1.0f);
  EXPECT_FLOAT_EQ(m.clip, 5.0f);
}

TEST(ZarembaRecipe, UnknownSizeNamesTheValidOnes) {
  try {
    zaremba_recipe("large");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown LSTM size 'large' (expected small or medium)");
  }
}

TEST(ZarembaRecipe, ScheduleHoldsThenDecaysEachEpoch) {
  // The recipe's decay as the optimizer's schedule (optim::ScheduleKind::Zaremba), 100 steps an epoch.
  const std::int64_t per_epoch = 100;
  auto rate = [&](double base, int epoch, int start, double decay, std::int64_t step_in_epoch = 0) {
    return optim::learning_rate(optim::zaremba_schedule(per_epoch, start, decay), base,
                                static_cast<std::uint64_t>((epoch - 1) * per_epoch + step_in_epoch));
  };
  const ZarembaRecipe s = zaremba_recipe("small");
  const std::vector<float> small = {1, 1, 1, 1, 0.5f, 0.25f, 0.125f};
  for (int e = 1; e <= 7; ++e) EXPECT_FLOAT_EQ(rate(s.lr, e, s.decay_start, s.decay), small[e - 1]) << "epoch " << e;
  EXPECT_FLOAT_EQ(rate(s.lr, 5, s.decay_start, s.decay, 99), 0.5f);  // the step does not matter, only the epoch
  const ZarembaRecipe m = zaremba_recipe("medium");
  EXPECT_DOUBLE_EQ(rate(1.0, 6, m.decay_start, m.decay), 1.0);
  EXPECT_NEAR(rate(1.0, 8, m.decay_start, m.decay), 1 / 1.44, 1e-6);
  EXPECT_DOUBLE_EQ(rate(0.002, 6, 4, 0.5), 0.0005);
}

}  // namespace
}  // namespace nos::nn
