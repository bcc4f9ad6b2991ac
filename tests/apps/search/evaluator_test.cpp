// The Evaluator's two entries: a rule the driver compiled once (local workers), and text that an
// MPI rank compiles once on arrival; a rule that does not compile is an outcome, not a crash.
#include <gtest/gtest.h>

#include "apps/search/evaluator.h"
#include "dslc/compile.h"

namespace nos::search {
namespace {

SearchConfig synthetic_config() {
  SearchConfig c;
  c.reward = "synthetic";
  c.failed_reward = -0.5;
  return c;
}

TEST(Evaluator, CompiledRuleAndItsTextScoreTheSame) {
  const Evaluator ev(synthetic_config());
  EXPECT_EQ(ev.dataset(), "synthetic");
  for (const std::string text : {"sign_g sign_m id id mul ; $1 g exp id mul", "g m id id sub ; $1 g id id mul"}) {
    const dslc::Compiled rule = dslc::compile_rule(text);
    const Evaluation a = ev.evaluate(rule), b = ev.evaluate(text);
    EXPECT_EQ(a.status, "ok") << text;
    EXPECT_EQ(a.reward, b.reward) << text;
    EXPECT_EQ(b.status, "ok") << text;
  }
  // The synthetic reward reads the compiled rule's canonical form: PowerSign's ingredients.
  EXPECT_EQ(ev.evaluate("sign_g sign_m id id mul ; $1 g exp id mul").reward, 1.0);
  EXPECT_EQ(ev.evaluate("g m id id sub ; $1 g id id mul").reward, 0.0);
}

TEST(Evaluator, TextThatDoesNotCompileIsAnInvalidOutcome) {
  const Evaluator ev(synthetic_config());
  const Evaluation e = ev.evaluate("mul g exp foo");
  EXPECT_EQ(e.status, "invalid");
  EXPECT_TRUE(e.diverged);
  EXPECT_EQ(e.reward, -0.5);
  EXPECT_NE(e.error.find("unknown symbol 'foo'"), std::string::npos) << e.error;
}

}  // namespace
}  // namespace nos::search
