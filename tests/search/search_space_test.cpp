// The search space: presets from dslc's table, the controller-form strings, and the property that
// the masks never let a forbidden string through (checked by a string-level checker written here,
// independent of the mask code, and by dslc's parser).
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dslc/compile.h"
#include "dslc/parser.h"
#include "rl/controller.h"
#include "search/sampling.h"
#include "search/search_space.h"

namespace nos::search {
namespace {

using rl::Controller;
using rl::ControllerConfig;

std::vector<std::vector<std::string>> groups_of(const std::string& text) {
  std::vector<std::vector<std::string>> out(1);
  std::istringstream in(text);
  std::string t;
  while (in >> t) {
    if (t == ";") {
      out.emplace_back();
      continue;
    }
    out.back().push_back(t);
  }
  return out;
}

bool is_ref(const std::string& t) { return !t.empty() && t[0] == '$'; }

// The paper's constraints stated on the text of a rule; returns the first violation.
std::string violation(const std::string& text, const Constraints& c, int n) {
  const auto gs = groups_of(text);
  if (static_cast<int>(gs.size()) != n) return "wrong number of groups";
  for (int k = 0; k < n; ++k) {
    const auto& g = gs[k];
    if (g.size() != 5) return "group of " + std::to_string(g.size()) + " tokens";
    if (c.distinct_operands && g[0] == g[1]) return "equal operands";
    if (c.use_earlier_output && k > 0 && !is_ref(g[0]) && !is_ref(g[1])) return "group ignores earlier outputs";
    for (int i = 0; i < 2; ++i)
      if (is_ref(g[i]) && std::stoi(g[i].substr(1)) > k) return "reference to a later group";
    if (k == 0 && (is_ref(g[0]) || is_ref(g[1]))) return "reference in group 1";
  }
  if (c.final_not_add && gs.back()[4] == "add") return "final add";
  return "";
}

TEST(SearchSpace, PaperPresetIsDslcsTable) {
  const auto s = preset("paper", 3);
  EXPECT_EQ(s.operands, dslc::vocabulary(dslc::Kind::Operand, true));
  EXPECT_EQ(s.unary, dslc::vocabulary(dslc::Kind::Unary, true));
  EXPECT_EQ(s.binary, dslc::vocabulary(dslc::Kind::Binary, true));
  EXPECT_EQ(s.operands.size(), 16u);
  EXPECT_EQ(s.unary.size(), 11u);
  EXPECT_EQ(s.binary.size(), 5u);
  EXPECT_EQ(length(s), 15);
  for (auto name : preset_names())
    for (int n = 1; n <= 3; ++n) EXPECT_EQ(validate(preset(name, n)), "") << name << " " << n;
  EXPECT_THROW(preset("nope", 1), std::invalid_argument);
  EXPECT_THROW(preset("paper", 0), std::invalid_argument);
}

TEST(SearchSpace, PaperSmallSpellsTheTableOneRules) {
  const auto s = preset("paper-small", 3);
  for (const char* r : {"sign_g sign_m id id mul ; $1 g exp clip4 add ; $2 g id id mul",  // [e^(sg*sm) + clip(g)] * g
                        "m v clip4 exp mul", "m g2 drop1 exp div", "rmsprop m clip5 drop3 add", "m w3 drop3 exp mul",
                        "g m exp exp sub", "g g2 id clip4 sub", "adam m id exp mul"}) {
    const int groups = static_cast<int>(groups_of(r).size());
    SearchSpace sub = s;
    sub.groups = groups;
    EXPECT_TRUE(from_string(sub, r).has_value()) << r;
  }
}

TEST(SearchSpace, MakeSpaceRejectsBadTokens) {
  EXPECT_THROW(make_space({"g", "sgn_m"}, {"id"}, {"mul"}, 1), std::invalid_argument);
  EXPECT_THROW(make_space({"g", "exp"}, {"id"}, {"mul"}, 1), std::invalid_argument);
  EXPECT_THROW(make_space({"g", "m"}, {"mul"}, {"mul"}, 1), std::invalid_argument);
  EXPECT_THROW(make_space({"g"}, {"id"}, {"mul"}, 1), std::invalid_argument);       // distinct needs two
  EXPECT_THROW(make_space({"g", "m"}, {"id"}, {"add"}, 1), std::invalid_argument);  // only add, final not add
  EXPECT_THROW(make_space({"g", "g"}, {"id"}, {"mul"}, 1), std::invalid_argument);  // duplicate
  EXPECT_NO_THROW(make_space({"g"}, {"id"}, {"add"}, 1, Constraints{false, false, false}));
  const auto s = make_space({"g", "gamma"}, {"id"}, {"*"}, 1);  // aliases
  EXPECT_EQ(s.operands[1], dslc::Sym::Y);
  EXPECT_EQ(s.binary[0], dslc::Sym::Mul);
}

TEST(SearchSpace, OperandBankGrowsWithGroups) {
  const auto s = preset("tiny", 3);
  EXPECT_EQ(choices(s, 0).size(), 5u);
  EXPECT_EQ(choices(s, 1).size(), 5u);
  EXPECT_EQ(choices(s, 5).size(), 6u);
  EXPECT_EQ(choices(s, 11).size(), 7u);
  EXPECT_EQ(token(choices(s, 11)[6]), "$2");
  EXPECT_EQ(choices(s, 2).size(), 4u);
  EXPECT_EQ(choices(s, 14).size(), 3u);
}

TEST(SearchSpace, StringsRoundTripThroughDslc) {
  const auto s = preset("paper", 2);
  const std::string text = "sign_g sign_m id id mul ; $1 g exp id mul";
  const auto c = from_string(s, text);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(to_string(s, *c), text);
  EXPECT_EQ(check(s, *c), "");
  const auto rule = dslc::parse_rule_or_throw(to_string(s, *c), "search space");
  EXPECT_EQ(dslc::compile(rule).prefix, dslc::compile(dslc::parse_rule("mul exp mul sign_g sign_m g").rules[0]).prefix);
  EXPECT_TRUE(from_string(s, "sign_g sign_m id id mul\n$1 g exp id *").has_value());
  EXPECT_FALSE(from_string(s, "sign_g sign_m id id mul").has_value());                // too short
  EXPECT_FALSE(from_string(s, "$1 sign_m id id mul ; $1 g exp id mul").has_value());  // $1 in group 1
  EXPECT_FALSE(from_string(s, "sign_g sign_m id id mul ; $1 g exp id two").has_value());
  EXPECT_NE(check(s, *from_string(s, "g g id id mul ; $1 g exp id mul")), "");  // equal operands
  EXPECT_NE(check(s, *from_string(s, "g m id id mul ; $1 g exp id add")), "");  // final add
  EXPECT_NE(check(s, *from_string(s, "g m id id mul ; m g exp id mul")), "");   // ignores $1
}

TEST(SearchSpace, MasksMatchTheConstraints) {
  const auto s = preset("tiny", 2);
  // position 1 after op1 = g (index 0): g masked (distinct)
  Choices prefix = {0};
  auto ok = allowed(s, 1, prefix);
  EXPECT_EQ(ok[0], 0);
  EXPECT_EQ(ok[1], 1);
  // group 2 with op1 = m: op2 must be $1
  prefix = {0, 1, 0, 0, 0, 1};
  ok = allowed(s, 6, prefix);
  for (size_t i = 0; i + 1 < ok.size(); ++i) EXPECT_EQ(ok[i], 0) << i;
  EXPECT_EQ(ok.back(), 1);
  // final binary: add masked; group 1's binary: add allowed
  EXPECT_EQ(allowed(s, 9, Choices(9, 0))[0], 0);
  EXPECT_EQ(allowed(s, 4, Choices(4, 0))[0], 1);
}

// The property: over many samples, from a near-uniform controller, a peaked one and the uniform
// sampler, in every constraint combination and group count, nothing forbidden comes out and
// everything parses with dslc.
TEST(SearchSpace, MasksNeverEmitForbiddenStrings) {
  std::mt19937_64 rng(11);
  int total = 0, forbidden_without = 0;
  for (int n = 1; n <= 3; ++n) {
    for (int bits = 0; bits < 8; ++bits) {
      SearchSpace s = preset(bits % 2 ? "paper" : "tiny", n);
      s.constraints = Constraints{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0};
      // A large init range makes the controller's distributions peaked, so masked choices would
      // otherwise often carry most of the mass.
      Controller c(s, ControllerConfig{.hidden = 24,
                                       .embed = 12,
                                       .init_range = bits == 7 ? 2.0f : 0.08f,
                                       .seed = static_cast<std::uint64_t>(bits + 10 * n)});
      std::vector<Choices> strings;
      for (const auto& x : c.sample(600, rng)) strings.push_back(x.choices);
      for (int i = 0; i < 300; ++i) strings.push_back(sample_uniform(s, rng));
      for (const auto& x : strings) {
        const std::string text = to_string(s, x);
        EXPECT_EQ(violation(text, s.constraints, n), "") << text;
        const auto parsed = dslc::parse_rule(text);
        EXPECT_TRUE(parsed.ok()) << text;
        EXPECT_EQ(check(s, x), "") << text;
        if (violation(text, Constraints{}, n) != "") ++forbidden_without;
        ++total;
      }
    }
  }
  EXPECT_EQ(total, 3 * 8 * 900);
  // The checker is not vacuous: with constraints off, the samplers do produce strings the paper's
  // constraints forbid.
  EXPECT_GT(forbidden_without, 500);
}

// Each constraint on its own (the others on): switched off, the controller, the uniform sampler
// and mutation all produce strings it forbids; switched on, none of them ever does.
TEST(SearchSpace, EachConstraintSwitchesItsViolationsOnAndOff) {
  for (int which = 0; which < 3; ++which) {
    Constraints only{false, false, false};  // the checker for this one constraint
    (which == 0 ? only.distinct_operands : which == 1 ? only.final_not_add : only.use_earlier_output) = true;
    for (const bool enabled : {false, true}) {
      SearchSpace s = preset("tiny", 2);
      (which == 0   ? s.constraints.distinct_operands
       : which == 1 ? s.constraints.final_not_add
                    : s.constraints.use_earlier_output) = enabled;
      Controller c(s, ControllerConfig{.hidden = 16, .embed = 8, .seed = static_cast<std::uint64_t>(3 + which)});
      std::mt19937_64 rng(17 + which);
      std::vector<Choices> controller, uniform, mutated;
      for (const auto& x : c.sample(300, rng)) controller.push_back(x.choices);
      for (int i = 0; i < 300; ++i) uniform.push_back(sample_uniform(s, rng));
      for (const auto& parent : uniform) mutated.push_back(mutate(s, parent, rng));
      for (const auto* set : {&controller, &uniform, &mutated}) {
        int violating = 0;
        for (const auto& x : *set) violating += violation(to_string(s, x), only, 2) != "";
        if (enabled) EXPECT_EQ(violating, 0) << "constraint " << which << " on";
        else EXPECT_GT(violating, 0) << "constraint " << which << " off: the sampler never broke it";
      }
    }
  }
}

TEST(SearchSpace, MutationsStayInTheSpace) {
  std::mt19937_64 rng(4);
  for (int n = 1; n <= 3; ++n) {
    const auto s = preset("paper-small", n);
    Choices c = sample_uniform(s, rng);
    for (int i = 0; i < 2000; ++i) {
      const Choices child = mutate(s, c, rng);
      ASSERT_EQ(check(s, child), "") << to_string(s, child);
      EXPECT_EQ(violation(to_string(s, child), s.constraints, n), "") << to_string(s, child);
      EXPECT_NE(child, c);
      int changed = 0;
      for (size_t p = 0; p < c.size(); ++p) changed += child[p] != c[p];
      EXPECT_GE(changed, 1);
      c = child;
    }
  }
  EXPECT_THROW(mutate(preset("tiny", 1), Choices{0, 0, 0, 0, 1}, rng), std::invalid_argument);  // g g: forbidden parent
}

}  // namespace
}  // namespace nos::search
