// nos-search calibrate end to end, as a process, on tiny subsets of the real data: the records and
// report of a whole run, resume after SIGKILL, the score cache shared by runs, and what a resume
// may and may not change.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "tests/apps/search/run_process.h"

namespace nos::search::test {
namespace {

// Two tiny rungs (a single rate: no sweep; then a sweep of two) over four named rules, two of them
// one rule (t1_04 is PowerSign), and two random rules; the reference's spread at two seeds for two.
std::vector<std::string> calibrate(const std::vector<std::string>& extra) {
  std::vector<std::string> a = {binary(), "calibrate", "--quiet", "--data", NOS_DATA_DIR, "--workers", "2"};
  if (std::find(extra.begin(), extra.end(), "--resume") == extra.end())
    a.insert(a.end(), {"--rung", "a:train=100,val=100,rates=0.01,final-epochs=1", "--rung",
                       "b:train=200,val=100,rates=0.01/0.1,final-epochs=1", "--rules", "sgd,adam,powersign,t1_04",
                       "--random-rules", "2", "--seeds", "2", "--seed-rules", "sgd,adam"});
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::vector<nlohmann::json> records_of(const fs::path& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(dir / "calibration.jsonl"));
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// (rung, rule, seed) -> reward: what must not depend on kills, timing or where a score came from.
std::map<std::tuple<std::string, std::string, int>, double> scores(const fs::path& dir) {
  std::map<std::tuple<std::string, std::string, int>, double> m;
  for (const auto& r : records_of(dir)) {
    const auto key =
        std::make_tuple(r.at("rung").get<std::string>(), r.at("name").get<std::string>(), r.at("seed").get<int>());
    EXPECT_FALSE(m.count(key)) << "recorded twice: " << r.dump();
    m[key] = r.at("reward");
  }
  return m;
}

TEST(CalibrateRun, EveryRungRuleAndSeedIsRecordedAndReported) {
  const fs::path d = scratch("cal-whole");
  const auto r = run(calibrate({"--dir", (d / "run").string()}), d / "run.log");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto s = scores(d / "run");
  // 5 rules at 2 rungs, plus seed 1 of the reference for sgd and adam.
  EXPECT_EQ(s.size(), 12u);
  EXPECT_TRUE(s.count({"a", "powersign=t1_04", 0}));
  EXPECT_TRUE(s.count({"b", "random_02", 0}));
  EXPECT_TRUE(s.count({"b", "adam", 1}));
  EXPECT_FALSE(s.count({"a", "adam", 1}));
  for (const auto& rec : records_of(d / "run")) {
    EXPECT_GT(rec.at("cpu_seconds").get<double>(), 0) << rec.dump();
    EXPECT_EQ(rec.at("dataset"), "cifar10");
  }
  const auto report = nlohmann::json::parse(slurp(d / "run" / "calibration.json"));
  ASSERT_EQ(report.at("rungs").size(), 2u);
  EXPECT_EQ(report["rungs"][1].at("spearman"), 1.0);  // the reference against itself
  EXPECT_EQ(report["rungs"][0].at("rules"), 5);
  EXPECT_EQ(report.at("seed_spread").size(), 2u);
  const std::string md = slurp(d / "run" / "calibration.md");
  EXPECT_NE(md.find("| a | `train=100,val=100,rates=0.01,"), std::string::npos) << md;
  EXPECT_NE(md.find("| powersign=t1_04 | paper | `g * exp(sign(g) * sign(m))` |"), std::string::npos) << md;
  EXPECT_NE(md.find("Pooled std over 2 rules"), std::string::npos) << md;
}

TEST(CalibrateRun, AKilledRunResumesToTheSameScores) {
  const fs::path d = scratch("cal-kill");
  ASSERT_EQ(run(calibrate({"--dir", (d / "whole").string()}), d / "whole.log").code, 0);
  const Process p = spawn(calibrate({"--dir", (d / "killed").string()}), d / "killed.log");
  while (count_lines(d / "killed" / "calibration.jsonl") < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(p.pid, SIGKILL);
  EXPECT_EQ(wait_exit(p), 128 + SIGKILL);
  const size_t before = records_of(d / "killed").size();
  EXPECT_LT(before, 12u) << "the run finished before it could be killed";
  const auto r = run(calibrate({"--resume", (d / "killed").string()}), d / "resume.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(scores(d / "killed"), scores(d / "whole"));
  EXPECT_EQ(slurp(d / "killed" / "rules.json"), slurp(d / "whole" / "rules.json"));
}

TEST(CalibrateRun, TheScoreCacheAnswersASecondRunWithTheSameProtocols) {
  const fs::path d = scratch("cal-cache");
  const std::string cache = (d / "scores").string();
  ASSERT_EQ(run(calibrate({"--dir", (d / "first").string(), "--score-cache", cache}), d / "1.log").code, 0);
  const auto r = run(calibrate({"--dir", (d / "second").string(), "--score-cache", cache}), d / "2.log");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const auto& rec : records_of(d / "second")) EXPECT_EQ(rec.at("cached"), true) << rec.dump();
  EXPECT_EQ(scores(d / "second"), scores(d / "first"));
}

TEST(CalibrateRun, AResumeMayAddARungButNotChangeTheRuleSet) {
  const fs::path d = scratch("cal-resume");
  const std::string dir = (d / "run").string();
  ASSERT_EQ(run(calibrate({"--dir", dir}), d / "1.log").code, 0);
  auto r = run(calibrate({"--resume", dir, "--rules", "sgd"}), d / "2.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--rules is [\"sgd\"] on the command line but [\"sgd\",\"adam\",\"powersign\",\"t1_04\"]"),
            std::string::npos)
      << r.output;
  // A cheaper rung in front: only it is scored (5 rules), the others are kept.
  r = run(calibrate({"--resume", dir, "--rung", "z:train=100,val=100,rates=0.1,final-epochs=1", "--rung",
                     "a:train=100,val=100,rates=0.01,final-epochs=1", "--rung",
                     "b:train=200,val=100,rates=0.01/0.1,final-epochs=1"}),
          d / "3.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(records_of(d / "run").size(), 17u);
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "run" / "calibration.json")).at("rungs").size(), 3u);
  // Rung b with sweep halving: the report compares it with b, the same protocol with the plain
  // sweep (two rates, eta 2, 2 rungs: the better one goes on).
  r = run(calibrate({"--resume", dir, "--rung", "a:train=100,val=100,rates=0.01,final-epochs=1", "--rung",
                     "bh:train=200,val=100,rates=0.01/0.1,final-epochs=1,sweep-halving=2:2", "--rung",
                     "b:train=200,val=100,rates=0.01/0.1,final-epochs=1"}),
          d / "4.log");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto h = nlohmann::json::parse(slurp(d / "run" / "calibration.json")).at("sweep_halving");
  ASSERT_EQ(h.size(), 1u) << h.dump();
  EXPECT_EQ(h[0].at("rung"), "bh");
  EXPECT_EQ(h[0].at("plain"), "b");
  EXPECT_EQ(h[0].at("rules"), 5);
  EXPECT_LE(h[0].at("same_lr").get<int>(), 5);
  EXPECT_NE(slurp(d / "run" / "calibration.md").find("## Sweep halving: `bh` against `b`"), std::string::npos);
}

TEST(CalibrateRun, BadFlagsFailBeforeAnythingIsWritten) {
  const fs::path d = scratch("cal-bad");
  auto r = run({binary(), "calibrate", "--rung", "x:foo=1", "--dir", (d / "x").string()}, d / "x.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--rung 'x:foo=1': unknown key 'foo'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "x"));
  r = run({binary(), "calibrate", "--rules", "adam,powersine", "--data", NOS_DATA_DIR, "--dir", (d / "y").string()},
          d / "y.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("powersine"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "y")) << "a failed start leaves nothing behind";
}

}  // namespace
}  // namespace nos::search::test
