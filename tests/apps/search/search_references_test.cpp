// Reference optimizers beside the search (apps/search/references.h), end to end: scored once at the
// run's protocol, recorded apart and flagged, never fed to the strategy, cached in the run
// directory and in a shared cache keyed by the protocol, shown in the report.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/apps/search/run_process.h"

namespace nos::search::test {
namespace {

std::vector<nlohmann::json> reference_records(const fs::path& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(dir / "references.jsonl"));
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::map<std::string, double> reference_rewards(const fs::path& dir) {
  std::map<std::string, double> m;
  for (const auto& r : reference_records(dir)) m[r.at("name")] = r.at("reward");
  return m;
}

TEST(SearchReferences, TheDefaultFiveAreScoredOnceRecordedApartAndReported) {
  const fs::path d = scratch("refs-default");
  const auto r = run(synthetic({"--samples", "30", "--workers", "2", "--dir", (d / "run").string()}), d / "run.log");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto refs = reference_records(d / "run");
  ASSERT_EQ(refs.size(), 5u);
  std::set<std::string> names;
  for (const auto& x : refs) {
    names.insert(x.at("name"));
    EXPECT_EQ(x.at("reference"), true) << x.dump();
    EXPECT_EQ(x.at("trained"), true) << x.dump();
    EXPECT_EQ(x.at("cached"), false) << x.dump();
    EXPECT_EQ(x.at("status"), "ok") << x.dump();
  }
  EXPECT_EQ(names, (std::set<std::string>{"adam", "sgd", "momentum", "rmsprop", "powersign"}));
  // The synthetic reward is 1 for a rule using exp and sign_m: PowerSign, and none of the others.
  EXPECT_EQ(
      reference_rewards(d / "run"),
      (std::map<std::string, double>{{"adam", 0}, {"sgd", 0}, {"momentum", 0}, {"rmsprop", 0}, {"powersign", 1}}));
  // Never samples: evaluations.jsonl holds the budget and no reference.
  const auto recs = records(d / "run");
  EXPECT_EQ(recs.size(), 30u);
  for (const auto& x : recs) EXPECT_FALSE(x.contains("reference")) << x.dump();
  // The report marks them and compares.
  EXPECT_NE(r.output.find("| ref | 1.0000 | 1 | **powersign** `g * exp(sign(g) * sign(m))` (reference)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("| ref | 0.0000 | 1 | **adam** `adam` (reference)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("vs best reference powersign 1.0000"), std::string::npos) << r.output;
  EXPECT_NE(slurp(d / "run" / "leaderboard.md").find("**sgd** `g` (reference)"), std::string::npos);
}

// The strategy never sees them: the same run with and without references proposes, scores and
// checkpoints the same, byte for byte.
TEST(SearchReferences, TheyNeverChangeWhatTheSearchComputes) {
  const fs::path d = scratch("refs-strategy");
  for (const std::string refs : {"none", "adam,sgd,momentum,rmsprop,powersign,addsign"}) {
    const auto r =
        run(synthetic({"--samples", "40", "--workers", "2", "--references", refs, "--dir", (d / refs).string()}),
            d / "log");
    ASSERT_EQ(r.code, 0) << r.output;
  }
  const fs::path none = d / "none", some = d / "adam,sgd,momentum,rmsprop,powersign,addsign";
  EXPECT_FALSE(fs::exists(none / "references.jsonl"));
  EXPECT_EQ(reference_records(some).size(), 6u);
  EXPECT_EQ(slurp(none / "checkpoint"), slurp(some / "checkpoint"));
  // The cache holds the same trained samples (its timings aside): no reference reached it.
  auto cached = [](const fs::path& dir) {
    std::vector<std::tuple<std::string, std::string, std::int64_t, double>> c;
    const auto file = nlohmann::json::parse(slurp(dir / "cache.json"));  // alive for the loop
    for (const auto& e : file.at("entries"))
      c.emplace_back(e.at("hash"), e.at("fingerprint"), e.at("sample"), e.at("eval").at("reward"));
    return c;
  };
  EXPECT_FALSE(cached(none).empty());
  EXPECT_EQ(cached(none), cached(some));
  auto strip = [](const fs::path& dir) {
    std::vector<std::tuple<std::int64_t, std::string, double, bool>> o;
    for (const auto& r : records(dir)) o.emplace_back(r["sample"], r["rule"], r["reward"], r["cached"]);
    std::sort(o.begin(), o.end());
    return o;
  };
  EXPECT_EQ(strip(none), strip(some));
}

TEST(SearchReferences, AResumedRunOrASecondRunWithTheSameProtocolDoesNotTrainThemAgain) {
  const fs::path d = scratch("refs-cache");
  const std::string shared = (d / "shared").string();
  ASSERT_EQ(run(synthetic({"--samples", "10", "--score-cache", shared, "--dir", (d / "a").string()}), d / "a.log").code,
            0);
  ASSERT_EQ(reference_records(d / "a").size(), 5u);
  // Resumed: the run directory's records answer; nothing is appended.
  auto r = run(synthetic({"--resume", (d / "a").string(), "--samples", "20"}), d / "a2.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(reference_records(d / "a").size(), 5u);
  EXPECT_NE(r.output.find("| ref | 1.0000 | 1 | **powersign**"), std::string::npos) << r.output;
  // A second run directory, same protocol: every reference comes from the shared cache, untrained.
  r = run(synthetic({"--samples", "10", "--seed", "3", "--score-cache", shared, "--dir", (d / "b").string()}),
          d / "b.log");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto b = reference_records(d / "b");
  ASSERT_EQ(b.size(), 5u);
  for (const auto& x : b) {
    EXPECT_EQ(x.at("cached"), true) << x.dump();
    EXPECT_EQ(x.at("trained"), false) << x.dump();
    EXPECT_EQ(x.at("worker"), "cache") << x.dump();
  }
  EXPECT_EQ(reference_rewards(d / "a"), reference_rewards(d / "b"));
  // Another protocol (a different failed reward) has another hash: trained again, not answered.
  r = run(synthetic({"--samples", "10", "--failed-reward", "-1", "--score-cache", shared, "--dir", (d / "c").string()}),
          d / "c.log");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const auto& x : reference_records(d / "c")) EXPECT_EQ(x.at("trained"), true) << x.dump();
  EXPECT_NE(reference_records(d / "c").front().at("protocol"), b.front().at("protocol"));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(shared)) files += e.path().extension() == ".json";
  EXPECT_EQ(files, 2u) << "one shared file per protocol";
}

// In a funnel, stages share protocols (here `full` and `fin` at seed 0: the same training): each
// protocol is trained once, every (stage, seed) gets its record, and so the funnel table's
// reference rows are complete. A directory holding only the trained records (as written before
// this rule) gets its copies on resume. Real reward on tiny CIFAR-10 subsets: a few seconds.
TEST(SearchReferences, InAFunnelEachProtocolIsTrainedOnceAndEveryStageAndSeedRecorded) {
  const fs::path d = scratch("refs-funnel");
  const std::vector<std::string> args = {binary(),          "--quiet",
                                         "--dir",           (d / "run").string(),
                                         "--data",          NOS_DATA_DIR,
                                         "--dataset",       "cifar10",
                                         "--space",         "tiny",
                                         "--groups",        "1",
                                         "--samples",       "4",
                                         "--workers",       "2",
                                         "--sweep-rates",   "0.01,0.1",
                                         "--train-images",  "200",
                                         "--val-images",    "100",
                                         "--final-epochs",  "1",
                                         "--child-batch",   "50",
                                         "--references",    "adam,powersign",
                                         "--stage",         "proxy:train=100,val=100",
                                         "--stage",         "full:keep=1",
                                         "--stage",         "fin:seeds=2,top=1",
                                         "--promote-every", "2"};
  auto r = run(args, d / "run.log");
  ASSERT_EQ(r.code, 0) << r.output;
  auto check = [&](const std::string& when, const std::string& output) {
    std::map<std::string, std::set<std::pair<int, int>>> slots;
    std::map<std::string, std::set<std::string>> protocols, trained;
    std::map<std::string, double> reward_of;  // name/protocol -> reward
    for (const auto& x : reference_records(d / "run")) {
      const std::string name = x.at("name"), protocol = x.at("protocol");
      EXPECT_TRUE(slots[name].emplace(x.at("stage_index"), x.at("seed")).second) << when << ": twice " << x.dump();
      protocols[name].insert(protocol);
      if (x.at("trained") == true) EXPECT_TRUE(trained[name].insert(protocol).second) << when << ": trained twice";
      const double first = reward_of.emplace(name + "/" + protocol, x.at("reward").get<double>()).first->second;
      EXPECT_EQ(first, x.at("reward").get<double>()) << when << ": one protocol, two rewards";
    }
    for (const std::string name : {"adam", "powersign"}) {
      EXPECT_EQ(slots[name], (std::set<std::pair<int, int>>{{0, 0}, {1, 0}, {2, 0}, {2, 1}})) << when << " " << name;
      EXPECT_EQ(trained[name], protocols[name]) << when << " " << name;
      EXPECT_EQ(protocols[name].size(), 3u) << when << ": full and fin at seed 0 are one protocol";
    }
    // Each reference row of the funnel table reached `fin` and has a score in all three stages'
    // columns: | ref | fin | proxy | full | fin (2 seeds) | best lr | ...
    int rows = 0;
    std::istringstream in(output);
    bool funnel_table = false;
    for (std::string line; std::getline(in, line);) {
      funnel_table = funnel_table || line.find("## Funnel: ranked by the highest stage reached") != std::string::npos;
      if (!funnel_table || line.find("(reference)") == std::string::npos) continue;
      ++rows;
      std::vector<std::string> cells;
      std::istringstream cs(line);
      for (std::string c; std::getline(cs, c, '|');) cells.push_back(c);
      ASSERT_GE(cells.size(), 6u) << line;
      EXPECT_EQ(cells[2], " fin ") << when << ": " << line;
      for (size_t k = 3; k < 6; ++k) EXPECT_NE(cells[k].find(" 0."), std::string::npos) << when << ": " << line;
    }
    EXPECT_EQ(rows, 2) << when << ": " << output;
  };
  check("first run", r.output);

  std::string kept;
  for (const auto& x : reference_records(d / "run"))
    if (x.at("trained") == true) kept += x.dump() + "\n";
  { std::ofstream(d / "run" / "references.jsonl", std::ios::trunc) << kept; }
  r = run({binary(), "--quiet", "--resume", (d / "run").string()}, d / "resume.log");
  ASSERT_EQ(r.code, 0) << r.output;
  check("resumed", r.output);
}

TEST(SearchReferences, NoneUnknownNamesAndLiterals) {
  const fs::path d = scratch("refs-flags");
  auto r = run(synthetic({"--samples", "5", "--references", "adam,powersine", "--dir", (d / "bad").string()}),
               d / "bad.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--references: unknown optimizer 'powersine'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "bad")) << "a bad list must fail before anything is written";
  r = run(synthetic({"--samples", "5", "--references", "mine=mul sign_m exp g", "--dir", (d / "lit").string()}),
          d / "lit.log");
  ASSERT_EQ(r.code, 0) << r.output;
  ASSERT_EQ(reference_records(d / "lit").size(), 1u);
  EXPECT_EQ(reference_records(d / "lit")[0].at("name"), "mine");
  EXPECT_EQ(reference_records(d / "lit")[0].at("reward"), 1.0);
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "lit" / "config.json")).at("references"),
            nlohmann::json::array({"mine=mul sign_m exp g"}));
  // An older run resumed with none: nothing new is scored, and the report shows what was.
  r = run(synthetic({"--resume", (d / "lit").string(), "--samples", "8", "--references", "none"}), d / "lit2.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "lit" / "config.json")).at("references"), nlohmann::json::array());
  EXPECT_EQ(reference_records(d / "lit").size(), 1u);
}

}  // namespace
}  // namespace nos::search::test
