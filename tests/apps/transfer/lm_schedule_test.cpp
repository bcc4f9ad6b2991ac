// Zaremba's PTB schedule, scaled to each optimizer's swept base rate.
#include <gtest/gtest.h>

#include "apps/transfer/lm_task.h"

namespace nos::transfer {
namespace {

TEST(TransferLmSchedule, SmallHalvesAfterEachEpochPastTheFourth) {
  TransferConfig c;  // small: decay 0.5 after epoch 4
  const std::vector<double> want = {1, 1, 1, 1, 0.5, 0.25, 0.125};
  for (int e = 1; e <= 7; ++e) EXPECT_DOUBLE_EQ(zaremba_rate(c, 1.0, e), want[e - 1]) << "epoch " << e;
  EXPECT_DOUBLE_EQ(zaremba_rate(c, 0.002, 6), 0.0005);  // the same shape at another base rate
  c.lr_decay_start = 6;
  c.lr_decay = 0.8;  // another schedule (TensorFlow's medium)
  EXPECT_DOUBLE_EQ(zaremba_rate(c, 1.0, 6), 1.0);
  EXPECT_DOUBLE_EQ(zaremba_rate(c, 1.0, 8), 0.64);
}

}  // namespace
}  // namespace nos::transfer
