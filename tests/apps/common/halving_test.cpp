// Successive halving's arithmetic: the rung budgets, how many go on, and which.
#include "apps/common/halving.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

using namespace nos::app;
using V = std::vector<std::size_t>;

TEST(Halving, BudgetsGrowByEtaAndEndAtTheTotal) {
  EXPECT_EQ(halving_budgets(90, {.eta = 3, .rungs = 3}), (std::vector<std::int64_t>{10, 30, 90}));
  EXPECT_EQ(halving_budgets(100, {.eta = 2, .rungs = 3}), (std::vector<std::int64_t>{25, 50, 100}));
  // 24 / 9 = 2.67 rounds to 3; 24 / 3 = 8.
  EXPECT_EQ(halving_budgets(24, {.eta = 3, .rungs = 3}), (std::vector<std::int64_t>{3, 8, 24}));
  EXPECT_EQ(halving_budgets(7, {.eta = 3, .rungs = 1}), (std::vector<std::int64_t>{7}));
}

TEST(Halving, RungsTooSmallToSplitAreDropped) {
  // 2 / 9 and 2 / 3 both round to at least 1: one rung of 1, then the whole budget.
  EXPECT_EQ(halving_budgets(2, {.eta = 3, .rungs = 3}), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(halving_budgets(1, {.eta = 2, .rungs = 4}), (std::vector<std::int64_t>{1}));
}

TEST(Halving, BadSpecsSayWhy) {
  EXPECT_EQ(validate({.eta = 1, .rungs = 3}), "eta 1 (keep 1/eta per rung: at least 2)");
  EXPECT_EQ(validate({.eta = 2, .rungs = 0}), "0 rungs (1 to 16)");
  EXPECT_THROW(halving_budgets(0, {}), std::invalid_argument);
  try {
    halving_budgets(10, {.eta = 0, .rungs = 2});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "halving: eta 0 (keep 1/eta per rung: at least 2)");
  }
}

TEST(Halving, KeepIsTheCeilingOfAFraction) {
  EXPECT_EQ(halving_keep(0, 3), 0u);
  EXPECT_EQ(halving_keep(1, 3), 1u);
  EXPECT_EQ(halving_keep(9, 3), 3u);
  EXPECT_EQ(halving_keep(10, 3), 4u);
  EXPECT_EQ(halving_keep(30, 2), 15u);
}

TEST(Halving, SurvivorsAreTheBestInIndexOrder) {
  const std::vector<double> s = {0.1, 0.5, 0.3, 0.9, 0.2, 0.4};
  EXPECT_EQ(halving_survivors(s, 3), (V{1, 3}));
  EXPECT_EQ(halving_survivors(s, 2), (V{1, 3, 5}));
}

TEST(Halving, TiesGoToTheLowerIndex) {
  const std::vector<double> s = {0.3, 0.5, 0.5, 0.5};
  EXPECT_EQ(halving_survivors(s, 2), (V{1, 2}));
}

TEST(Halving, FailedRunsNeverGoOn) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(halving_survivors(std::vector<double>{nan, 0.2, nan, nan}, 2), (V{1}));
  EXPECT_EQ(halving_survivors(std::vector<double>{nan, nan}, 2), V{});
}
