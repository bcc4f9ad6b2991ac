// The paper's three sampling constraints as nos-search flags: on by default, each switchable,
// recorded in config.json, kept on resume; with a flag off the search does sample strings that
// constraint forbids, with it on never.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "tests/apps/search/run_process.h"

namespace nos::search::test {
namespace {

// The groups of a rule in controller form, "op1 op2 u1 u2 b ; ...", as token lists.
std::vector<std::vector<std::string>> groups_of(const std::string& rule) {
  std::vector<std::vector<std::string>> out(1);
  std::istringstream in(rule);
  for (std::string t; in >> t;) {
    if (t == ";") out.emplace_back();
    else out.back().push_back(t);
  }
  return out;
}

// Whether `rule` breaks the constraint named by its config.json key, judged on the text alone.
bool violates(const std::string& key, const std::string& rule) {
  const auto gs = groups_of(rule);
  if (key == "final_not_add") return gs.back().at(4) == "add";
  for (size_t k = 0; k < gs.size(); ++k) {
    const auto& g = gs[k];
    if (key == "distinct_operands" && g.at(0) == g.at(1)) return true;
    if (key == "use_earlier_output" && k > 0 && g.at(0)[0] != '$' && g.at(1)[0] != '$') return true;
  }
  return false;
}

const std::vector<std::pair<std::string, std::string>> kConstraints = {
    {"distinct_operands", "--no-distinct-operands"},
    {"final_not_add", "--no-final-not-add"},
    {"use_earlier_output", "--no-use-earlier-output"}};

int violations(const fs::path& dir, const std::string& key) {
  int n = 0;
  for (const auto& r : records(dir)) n += violates(key, r.at("rule").get<std::string>());
  return n;
}

TEST(SearchSpaceFlags, OnByDefaultRecordedAndNeverViolated) {
  const fs::path d = scratch("constraints-default");
  for (const std::string strategy : {"random", "evolution", "controller"}) {
    const fs::path dir = d / strategy;
    const auto r =
        run(synthetic({"--strategy", strategy, "--samples", "80", "--population", "10", "--dir", dir.string()}),
            d / (strategy + ".log"));
    ASSERT_EQ(r.code, 0) << r.output;
    const auto config = nlohmann::json::parse(slurp(dir / "config.json"));
    for (const auto& [key, flag] : kConstraints) {
      EXPECT_EQ(config.at(key), true) << key;
      EXPECT_EQ(violations(dir, key), 0) << strategy << " sampled a string " << key << " forbids";
    }
  }
}

TEST(SearchSpaceFlags, EachFlagOffLetsItsViolationsThroughAndOnlyThose) {
  const fs::path d = scratch("constraints-off");
  for (const auto& [key, flag] : kConstraints)
    for (const std::string strategy : {"random", "evolution", "controller"}) {
      const fs::path dir = d / (key + "-" + strategy);
      const auto r =
          run(synthetic({"--strategy", strategy, "--samples", "80", "--population", "10", flag, "--dir", dir.string()}),
              d / (key + "-" + strategy + ".log"));
      ASSERT_EQ(r.code, 0) << r.output;
      const auto config = nlohmann::json::parse(slurp(dir / "config.json"));
      EXPECT_EQ(config.at(key), false) << flag;
      EXPECT_GT(violations(dir, key), 0) << strategy << " with " << flag << " never sampled what " << key << " forbids";
      for (const auto& [other, other_flag] : kConstraints)
        if (other != key) {
          EXPECT_EQ(config.at(other), true) << flag << " switched " << other << " off too";
          EXPECT_EQ(violations(dir, other), 0) << strategy << " with " << flag << " broke " << other;
        }
    }
}

TEST(SearchSpaceFlags, AResumedRunKeepsItsConstraints) {
  const fs::path d = scratch("constraints-resume");
  const fs::path dir = d / "run";
  ASSERT_EQ(run(synthetic({"--strategy", "random", "--samples", "10", "--no-final-not-add", "--dir", dir.string()}),
                d / "first.log")
                .code,
            0);
  // Resuming without the flag keeps the run's setting; contradicting it is refused.
  const auto more = run(synthetic({"--resume", dir.string(), "--samples", "20"}), d / "more.log");
  ASSERT_EQ(more.code, 0) << more.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir / "config.json")).at("final_not_add"), false);
  const auto bad = run(synthetic({"--resume", dir.string(), "--final-not-add"}), d / "bad.log");
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_NE(bad.output.find("--final-not-add is true on the command line but false in"), std::string::npos)
      << bad.output;
}

// A config.json written before the flags existed has none of the three keys: the constraints were
// always on then, so the run resumes with them on.
TEST(SearchSpaceFlags, ARunFromBeforeTheFlagsResumesWithEveryConstraintOn) {
  const fs::path d = scratch("constraints-old");
  const fs::path dir = d / "run";
  ASSERT_EQ(run(synthetic({"--strategy", "evolution", "--population", "10", "--samples", "20", "--dir", dir.string()}),
                d / "first.log")
                .code,
            0);
  auto config = nlohmann::json::parse(slurp(dir / "config.json"));
  for (const auto& [key, flag] : kConstraints) config.erase(key);
  std::ofstream(dir / "config.json", std::ios::trunc) << config.dump(2) << "\n";
  const auto more = run(synthetic({"--resume", dir.string(), "--samples", "40"}), d / "more.log");
  ASSERT_EQ(more.code, 0) << more.output;
  config = nlohmann::json::parse(slurp(dir / "config.json"));
  for (const auto& [key, flag] : kConstraints) {
    EXPECT_EQ(config.at(key), true) << key;
    EXPECT_EQ(violations(dir, key), 0) << key;
  }
  EXPECT_EQ(records(dir).size(), 40u);
}

}  // namespace
}  // namespace nos::search::test
