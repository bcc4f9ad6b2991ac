// The closing lines of a report (next_steps.h): which rule they name, and that every command
// carries it.
#include <gtest/gtest.h>

#include "apps/search/next_steps.h"

namespace nos::search {
namespace {

nlohmann::json rec(const std::string& canonical, double reward, double lr, const std::string& status = "ok") {
  return {{"canonical", canonical}, {"infix", "infix of " + canonical},
          {"reward", reward},       {"best_lr", lr},
          {"status", status},       {"trained", true}};
}

nlohmann::json promo(const std::string& canonical, int stage, double reward, double lr) {
  auto j = rec(canonical, reward, lr);
  j["stage_index"] = stage;
  j["stage"] = "s" + std::to_string(stage);
  return j;
}

TEST(NextSteps, TheBestTrainedRuleWithoutAFunnel) {
  const BestRule b = best_rule({rec("g", 0.3, 0.1), rec("mul g g", 0.5, 0.01), rec("sign_g", 0.9, 1, "diverged")}, {});
  EXPECT_EQ(b.canonical, "mul g g");
  EXPECT_EQ(b.lr, 0.01);
  EXPECT_EQ(b.reward, 0.5);
  EXPECT_EQ(b.stage, "");
  EXPECT_EQ(best_rule({}, {}).canonical, "");
}

// A funnel's best is the best mean over seeds at the highest stage reached, not the best
// first-stage score and not the best single seed.
TEST(NextSteps, AFunnelsBestIsTheBestMeanAtItsHighestStage) {
  const std::vector<nlohmann::json> records = {rec("a", 0.9, 1), rec("b", 0.2, 1), rec("c", 0.3, 1)};
  const std::vector<nlohmann::json> promotions = {promo("a", 1, 0.40, 1),    promo("b", 1, 0.45, 1),
                                                  promo("b", 2, 0.60, 0.1),  promo("b", 2, 0.40, 0.1),
                                                  promo("c", 2, 0.55, 0.01), promo("c", 2, 0.50, 0.01)};
  const BestRule b = best_rule(records, promotions);
  EXPECT_EQ(b.canonical, "c");
  EXPECT_DOUBLE_EQ(b.reward, 0.525);
  EXPECT_EQ(b.stage, "s2");
  EXPECT_EQ(b.lr, 0.01);
}

TEST(NextSteps, EveryCommandCarriesTheRuleQuoted) {
  const BestRule b{
      .canonical = "mul g exp mul sign_g sign_m", .infix = "g * exp(sign(g) * sign(m))", .lr = 0.01, .reward = 0.4};
  const std::string t = next_steps_text(b, "/nonexistent/apps/search", "runs/scores");
  for (const std::string want :
       {"calibrate --dir runs/best-full --rules 'best=mul g exp mul sign_g sign_m'", "--score-cache runs/scores",
        "nos-transfer wrn -O 'best=mul g exp mul sign_g sign_m',adam,momentum",
        "nos-analyze 'mul g exp mul sign_g sign_m'", "rule='mul g exp mul sign_g sign_m', lr=0.01",
        "dslc -e 'mul g exp mul sign_g sign_m' --emit=torch", "lr = 0.01"})
    EXPECT_NE(t.find(want), std::string::npos) << want << "\n" << t;
  // A quote inside a rule cannot occur in dslc text, but the shell quoting must still hold.
  EXPECT_NE(next_steps_text({.canonical = "a'b", .infix = "x"}, "", "").find("'a'\\''b'"), std::string::npos);
  EXPECT_EQ(next_steps_text({}, "", ""), "");
}

}  // namespace
}  // namespace nos::search
