// The screen (apps/search/reward/screen.h): rules that cannot train are rejected for the reason
// they cannot, and no optimizer a user would name is ever rejected.
#include <gtest/gtest.h>

#include <string>

#include "apps/common/named_rules.h"
#include "apps/search/reward/screen.h"
#include "dslc/compile.h"
#include "jit/kernel.h"

namespace nos::search {
namespace {

Screen screen(const std::string& rule) { return screen_rule(jit::compile_kernel(dslc::compile_rule(rule))); }

std::string kind(const Screen& s) { return s.reject.substr(0, s.reject.find(':')); }

// Every baseline and every named rule of rules/paper.rules (Table 1, PowerSign, AddSign and their
// decayed forms) trains the child network at some rate: none may be screened out.
TEST(Screen, NoNamedOptimizerIsRejected) {
  auto named = app::read_rules_file(NOS_SOURCE_DIR "/rules/paper.rules");
  for (const auto& b : app::baselines()) named.push_back(b);
  ASSERT_GT(named.size(), 20u);
  for (const auto& r : named) {
    const Screen s = screen(r.rule);
    EXPECT_EQ(s.reject, "") << r.name << " = " << r.infix;
    EXPECT_GT(s.small.along, 0.5) << r.name;
    EXPECT_TRUE(s.small.finite && s.unit.finite) << r.name;
  }
}

TEST(Screen, AscentInertAndNonFiniteRulesAreRejectedSayingWhy) {
  const Screen up = screen("neg g");  // w += lr*g: every moved coordinate goes up the gradient
  EXPECT_EQ(kind(up), "ascent") << up.reject;
  EXPECT_EQ(up.small.along, 0);
  EXPECT_EQ(up.small.moved, 1);
  EXPECT_NE(up.reject.find("0% and 0%"), std::string::npos) << up.reject;

  const Screen flat = screen("mul sign_g sign_g");  // 1 wherever g != 0: a constant step
  EXPECT_EQ(kind(flat), "inert") << flat.reject;
  EXPECT_FALSE(flat.small.responds || flat.unit.responds);

  const Screen blowup = screen("exp div one g");  // exp(1/g) overflows at |g| ~ 1e-2
  EXPECT_EQ(kind(blowup), "not finite") << blowup.reject;
  EXPECT_FALSE(blowup.small.finite);
}

// Half-right rules are kept: the screen rejects only what is certain. g*1e-1*w descends wherever w > 0
// (probed at w = 0 it would look inert).
TEST(Screen, RulesThatDescendSometimesAreKept) {
  for (const std::string r : {"g", "sign_g", "mul g exp g", "sub g m", "clip4 g", "mul g w1"}) {
    const Screen s = screen(r);
    EXPECT_EQ(s.reject, "") << r;
  }
}

// The probes are seeded: the same rule gets the same verdict and numbers every time.
TEST(Screen, TheVerdictIsDeterministic) {
  const std::string rule = "mul drop3 m exp w3";
  const Screen a = screen(rule), b = screen(rule);
  EXPECT_EQ(a.small.along, b.small.along);
  EXPECT_EQ(a.unit.along, b.unit.along);
  EXPECT_EQ(a.reject, b.reject);
}

}  // namespace
}  // namespace nos::search
