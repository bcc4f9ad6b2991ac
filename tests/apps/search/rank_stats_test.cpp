// Rank statistics against values worked out by hand (and as SciPy's spearmanr / kendalltau give
// them), with ties on one side and on both.
#include "apps/search/rank_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace nos::search {
namespace {

TEST(RankStats, AverageRanksShareTies) {
  const std::vector<double> x = {0.3, 0.1, 0.3, 0.2, 0.3};
  EXPECT_EQ(average_ranks(x), (std::vector<double>{4, 1, 4, 2, 4}));
}

TEST(RankStats, TiesInOneList) {
  // y's ranks 1, 2, 3.5, 5, 3.5: sum of products 8, sums of squares 10 and 9.5 -> 8 / sqrt(95).
  // Pairs: 8 concordant, 1 discordant, 1 tied in y only -> tau-b = 7 / sqrt(9 * 10).
  const std::vector<double> x = {1, 2, 3, 4, 5}, y = {5, 6, 7, 8, 7};
  EXPECT_NEAR(spearman(x, y), 8 / std::sqrt(95.0), 1e-15);       // 0.8207826816681233
  EXPECT_NEAR(kendall_tau_b(x, y), 7 / std::sqrt(90.0), 1e-15);  // 0.7378647873726218
}

TEST(RankStats, TiesInBothLists) {
  // Ranks x: 1.5 1.5 4 3 5.5 5.5, y: 3 1.5 1.5 5 6 4 -> 9.25 / sqrt(16.5 * 17). Of 15 pairs, 2 are tied
  // in x and 1 in y (none in both); S = C - D = 6 -> tau-b = 6 / sqrt(13 * 14).
  const std::vector<double> x = {0.1, 0.1, 0.3, 0.2, 0.5, 0.5}, y = {0.2, 0.1, 0.1, 0.4, 0.6, 0.3};
  EXPECT_NEAR(spearman(x, y), 9.25 / std::sqrt(16.5 * 17), 1e-15);    // 0.5523003264745422
  EXPECT_NEAR(kendall_tau_b(x, y), 6 / std::sqrt(13.0 * 14), 1e-15);  // 0.4447495899966607
}

TEST(RankStats, PerfectReversedAndUndefined) {
  const std::vector<double> x = {1, 2, 3, 4}, rev = {4, 3, 2, 1}, flat = {2, 2, 2, 2};
  EXPECT_DOUBLE_EQ(spearman(x, x), 1);
  EXPECT_DOUBLE_EQ(kendall_tau_b(x, x), 1);
  EXPECT_DOUBLE_EQ(spearman(x, rev), -1);
  EXPECT_DOUBLE_EQ(kendall_tau_b(x, rev), -1);
  EXPECT_TRUE(std::isnan(spearman(x, flat)));  // a constant scoring ranks nothing
  EXPECT_TRUE(std::isnan(kendall_tau_b(x, flat)));
  EXPECT_TRUE(std::isnan(spearman(std::vector<double>{1}, std::vector<double>{2})));
  EXPECT_THROW(spearman(x, std::vector<double>{1, 2}), std::invalid_argument);
}

TEST(RankStats, TopKBreaksTiesToTheLowerIndex) {
  const std::vector<double> x = {0.5, 0.9, 0.5, 0.7, 0.1}, y = {0.9, 0.1, 0.2, 0.8, 0.7};
  EXPECT_EQ(top_k(x, 3), (std::vector<size_t>{1, 3, 0}));
  EXPECT_EQ(top_k(y, 3), (std::vector<size_t>{0, 3, 4}));
  EXPECT_EQ(top_k_overlap(x, y, 3), 2u);  // {0, 1, 3} and {0, 3, 4}
  EXPECT_EQ(top_k_overlap(x, y, 10), 5u);
}

}  // namespace
}  // namespace nos::search
