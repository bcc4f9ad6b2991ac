// A funnel search end to end (synthetic reward): promotions are the same killed and resumed, over
// MPI, and the strategy learns what it learns without the funnel.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "tests/apps/search/run_process.h"

namespace nos::search::test {
namespace {

const std::vector<std::string> kFunnel = {
    "--stage", "s0", "--stage", "mid:keep=0.2", "--stage", "fin:seeds=2,top=3", "--promote-every", "10"};

std::vector<std::string> funnel(std::vector<std::string> extra) {
  if (std::find(extra.begin(), extra.end(), "--resume") == extra.end())
    extra.insert(extra.end(), kFunnel.begin(), kFunnel.end());
  return synthetic(extra);
}

// (stage, first sample, seed, reward, rule): what the funnel promoted and what it scored.
std::set<std::tuple<int, std::int64_t, int, double, std::string>> promotions(const fs::path& dir) {
  std::set<std::tuple<int, std::int64_t, int, double, std::string>> out;
  std::istringstream in(slurp(dir / "promotions.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const auto r = nlohmann::json::parse(line);
    EXPECT_TRUE(out.emplace(r.at("stage_index"), r.at("sample"), r.at("seed"), r.at("reward"), r.at("rule")).second)
        << "recorded twice: " << line;
  }
  return out;
}

std::vector<std::tuple<std::int64_t, std::string, double>> outcome(const fs::path& dir) {
  std::vector<std::tuple<std::int64_t, std::string, double>> o;
  for (const auto& r : records(dir)) o.emplace_back(r["sample"], r["rule"], r["reward"]);
  std::sort(o.begin(), o.end());
  return o;
}

TEST(FunnelRun, KilledAndResumedItPromotesAndScoresAsAnUninterruptedRun) {
  const fs::path d = scratch("funnel-kill");
  const std::vector<std::string> budget = {"--samples", "60", "--workers", "2", "--seed", "3"};
  auto whole = funnel(budget);
  whole.insert(whole.end(), {"--dir", (d / "whole").string()});
  const auto w = run(whole, d / "whole.log");
  ASSERT_EQ(w.code, 0) << w.output;
  // 6 windows of 10 keep 2 each at `mid`; `fin` takes the top 3 at 2 seeds.
  const auto p = promotions(d / "whole");
  EXPECT_EQ(std::count_if(p.begin(), p.end(), [](const auto& t) { return std::get<0>(t) == 1; }), 12);
  EXPECT_EQ(std::count_if(p.begin(), p.end(), [](const auto& t) { return std::get<0>(t) == 2; }), 6);
  EXPECT_NE(w.output.find("## Funnel: ranked by the highest stage reached"), std::string::npos) << w.output;
  EXPECT_NE(w.output.find("| 1 | fin |"), std::string::npos) << w.output;

  const fs::path k = d / "killed";
  for (size_t at : {0, 20, 45}) {
    auto a = at == 0 ? funnel(budget) : funnel({"--resume", k.string()});
    if (at == 0) a.insert(a.end(), {"--dir", k.string()});
    a.insert(a.end(), {"--synthetic-seconds", "0.01"});
    const Process proc = spawn(a, d / "killed.log");
    if (at == 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((!fs::exists(k / "evaluations.jsonl") || count_lines(k / "evaluations.jsonl") < at) &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    kill(proc.pid, SIGKILL);
    EXPECT_EQ(wait_exit(proc), 128 + SIGKILL) << "the run finished before it could be killed";
  }
  const auto r = run(funnel({"--resume", k.string()}), d / "resumed.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(outcome(k), outcome(d / "whole"));
  EXPECT_EQ(promotions(k), p);
  EXPECT_EQ(slurp(k / "checkpoint"), slurp(d / "whole" / "checkpoint"));
}

TEST(FunnelRun, ThreeMpiRanksPromoteAsALocalRun) {
  const fs::path d = scratch("funnel-mpi");
  auto local = funnel({"--samples", "30", "--workers", "1", "--dir", (d / "local").string()});
  ASSERT_EQ(run(local, d / "local.log").code, 0) << slurp(d / "local.log");
  auto mpi = funnel({"--samples", "30", "--dir", (d / "mpi").string()});
  mpi.insert(mpi.begin(), {"mpirun", "--oversubscribe", "-np", "3"});
  const auto r = run(mpi, d / "mpi.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(outcome(d / "mpi"), outcome(d / "local"));
  EXPECT_EQ(promotions(d / "mpi"), promotions(d / "local"));
  EXPECT_NE(slurp(d / "mpi" / "promotions.jsonl").find("\"worker\":\"rank "), std::string::npos);
}

TEST(FunnelRun, TheStrategyLearnsFromStageZeroAsWithoutAFunnel) {
  const fs::path d = scratch("funnel-same");
  ASSERT_EQ(run(synthetic({"--samples", "40", "--workers", "2", "--dir", (d / "plain").string()}), d / "1.log").code,
            0);
  ASSERT_EQ(run(funnel({"--samples", "40", "--workers", "2", "--dir", (d / "funnel").string()}), d / "2.log").code, 0);
  EXPECT_EQ(outcome(d / "funnel"), outcome(d / "plain"));
  EXPECT_FALSE(fs::exists(d / "plain" / "promotions.jsonl"));
  for (const auto& rec : records(d / "funnel")) EXPECT_EQ(rec.at("stage"), "s0");
}

TEST(FunnelRun, BadStageSpecsAreRefusedNamingTheFlag) {
  const fs::path d = scratch("funnel-bad");
  const auto r =
      run(synthetic({"--samples", "5", "--stage", "a", "--stage", "b", "--dir", (d / "x").string()}), d / "x.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--stage 'b': a later stage needs keep=F, keep=N or top=N"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "x"));
}

}  // namespace
}  // namespace nos::search::test
