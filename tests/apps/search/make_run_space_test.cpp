// The space `make run` searches (read from the Makefile's run recipe, so the test follows it) can
// spell PowerSign and AddSign, the paper's two §4.3 finds, as strings its constraints allow: each
// string compiles to the rule of rules/paper.rules (same canonical hash and behaviour).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "apps/common/named_rules.h"
#include "apps/search/config.h"
#include "apps/search/reward/rule_identity.h"

namespace nos::search {
namespace {

std::string read(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f) << "cannot read " << path;
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// --space and --groups of the nos-search command in the Makefile's `run:` recipe.
SearchConfig make_run_config() {
  const std::string mk = read(NOS_SOURCE_DIR "/Makefile");
  const auto recipe = mk.substr(mk.find("\nrun:"));
  std::smatch space, groups;
  EXPECT_TRUE(std::regex_search(recipe, space, std::regex("--space ([a-z-]+)"))) << recipe;
  EXPECT_TRUE(std::regex_search(recipe, groups, std::regex("--groups ([0-9]+)"))) << recipe;
  SearchConfig c;
  c.space = space[1];
  c.groups = std::stoi(groups[1]);
  return c;
}

std::string paper_rule(const std::string& name) {
  for (const auto& r : app::read_rules_file(NOS_SOURCE_DIR "/rules/paper.rules"))
    if (r.name == name) return r.rule;
  ADD_FAILURE() << name << " is not in rules/paper.rules";
  return "";
}

// `groups` (controller form) padded to the space's group count with groups that multiply the last
// output by one, which dslc's canonical form drops.
std::string padded(std::vector<std::string> groups, int n) {
  while (static_cast<int>(groups.size()) < n) groups.push_back(fmt::format("${} one id id mul", groups.size()));
  std::string s;
  for (const auto& g : groups) s += (s.empty() ? "" : " ; ") + g;
  return s;
}

TEST(MakeRunSpace, SpellsPowerSignAndAddSign) {
  const SearchConfig c = make_run_config();
  const SearchSpace space = make_space(c);  // the constraints on, as make run samples
  const std::vector<std::pair<std::string, std::vector<std::string>>> finds = {
      {"powersign", {"sign_g sign_m id id mul", "$1 g exp id mul"}},                    // g * e^(sg*sm)
      {"addsign", {"sign_g sign_m id id mul", "$1 one id id add", "$2 g id id mul"}}};  // (1 + sg*sm) * g
  for (const auto& [name, groups] : finds) {
    const std::string text = padded(groups, c.groups);
    SCOPED_TRACE(name + ": " + text + " in space " + c.space + " with " + std::to_string(c.groups) + " groups");
    const auto choices = from_string(space, text);
    ASSERT_TRUE(choices.has_value()) << "not a string of the space";
    EXPECT_EQ(check(space, *choices), "") << "the sampling constraints forbid it";
    const RuleIdentity found = identify(to_string(space, *choices)), paper = identify(paper_rule(name));
    EXPECT_EQ(found.canonical_hash, paper.canonical_hash) << found.canonical << " vs " << paper.canonical;
    EXPECT_EQ(found.fingerprint, paper.fingerprint);
  }
}

}  // namespace
}  // namespace nos::search
