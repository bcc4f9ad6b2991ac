// nos-search against careless and hostile use, as a process: two processes on one directory,
// failed starts, lost records beside a checkpoint, bad flag values, a hand-edited config.json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/apps/search/run_process.h"

namespace nos::search::test {
namespace {

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

TEST(SearchRobust, ASecondProcessOnOneDirectoryIsRefusedAtOnce) {
  const fs::path d = scratch("two");
  const fs::path run_dir = d / "run";
  const Process first =
      spawn(synthetic({"--samples", "30", "--workers", "1", "--synthetic-seconds", "0.05", "--dir", run_dir.string()}),
            d / "first.log");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!fs::exists(run_dir / "checkpoint") && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string holder = "is in use by nos-search (PID " + std::to_string(first.pid) + " on host ";
  for (const auto& second : {synthetic({"--resume", run_dir.string()}), synthetic({"--dir", run_dir.string()})}) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run(second, d / "second.log");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, run_dir.string() + " " + holder)) << r.output;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1)) << "refused at once, not after the work";
  }
  ASSERT_EQ(wait_exit(first), 0) << slurp(d / "first.log");
  EXPECT_EQ(records(run_dir).size(), 30u) << "every sample recorded once";
  // The lock went with the process: the directory resumes.
  const auto more = run(synthetic({"--resume", run_dir.string(), "--samples", "35"}), d / "more.log");
  EXPECT_EQ(more.code, 0) << more.output;
  EXPECT_EQ(records(run_dir).size(), 35u);
}

TEST(SearchRobust, AFailedStartLeavesNoRunBehind) {
  const fs::path d = scratch("failed-start");
  const std::vector<std::string> a = {
      binary(), "--reward",          "child", "--dataset", "cifar10", "--data", (d / "no-data").string(),
      "--dir",  (d / "run").string()};
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto r = run(a, d / "start.log");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "no-data")) << r.output;
    EXPECT_FALSE(contains(r.output, "already holds a search run")) << r.output;
    EXPECT_FALSE(fs::exists(d / "run")) << "attempt " << attempt;
  }
  // An existing, empty directory stays, but holds no run afterwards.
  fs::create_directories(d / "mpi");
  auto mpi = synthetic({"--samples", "5", "--dir", (d / "mpi").string()});
  mpi.insert(mpi.begin(), {"mpirun", "-np", "1"});
  const auto r = run(mpi, d / "mpi.log");
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "MPI run with one rank")) << r.output;
  EXPECT_TRUE(fs::is_directory(d / "mpi"));
  EXPECT_FALSE(fs::exists(d / "mpi" / "config.json"));
}

TEST(SearchRobust, DirAndResumeTogetherAreRefused) {
  const fs::path d = finished_run("dir-and-resume");
  const auto r = run(synthetic({"--dir", (d / "other").string(), "--resume", (d / "run").string()}), d / "log");
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "--dir excludes --resume") || contains(r.output, "--resume excludes --dir"))
      << r.output;
  EXPECT_FALSE(fs::exists(d / "other"));
  const auto missing = run(synthetic({"--resume", (d / "nowhere").string()}), d / "log");
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(contains(missing.output, "nowhere: no such run directory")) << missing.output;
  EXPECT_FALSE(fs::exists(d / "nowhere")) << "a failed resume creates nothing";
}

TEST(SearchRobust, TemporariesLeftByAKillAreRemoved) {
  const fs::path d = finished_run("temporaries");
  std::ofstream(d / "run" / "checkpoint.tmp.4242") << "half a checkpoint";
  std::ofstream(d / "run" / "cache.json.tmp.17") << "{";
  const auto r = run(synthetic({"--resume", (d / "run").string(), "--samples", "22"}), d / "log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "removed 2 temporary file(s) left by a killed process")) << r.output;
  EXPECT_FALSE(fs::exists(d / "run" / "checkpoint.tmp.4242"));
  EXPECT_FALSE(fs::exists(d / "run" / "cache.json.tmp.17"));
}

// Records lost beside a checkpoint that observed them are damage, not a fresh start.
TEST(SearchRobust, LostRecordsBesideACheckpointAreAClearError) {
  const auto resume = [](const fs::path& d) {
    const auto r = run(synthetic({"--resume", (d / "run").string(), "--samples", "30"}), d / "resume.log");
    EXPECT_EQ(r.code, 1) << r.output;
    return r.output;
  };
  fs::path d = finished_run("emptied");
  std::ofstream(d / "run" / "evaluations.jsonl", std::ios::trunc).flush();
  auto e = resume(d);
  EXPECT_TRUE(contains(e, "evaluations.jsonl: 0 records, but")) << e;
  EXPECT_TRUE(contains(e, "observed 20 samples")) << e;

  d = finished_run("deleted");
  fs::remove(d / "run" / "evaluations.jsonl");
  e = resume(d);
  EXPECT_TRUE(contains(e, "evaluations.jsonl: 0 records, but")) << e;

  d = finished_run("middle");
  std::string s = slurp(d / "run" / "evaluations.jsonl");
  const size_t a = s.find('\n', s.find('\n') + 1) + 1, b = s.find('\n', a) + 1;
  const auto lost = nlohmann::json::parse(s.substr(a, b - a - 1))["sample"].get<std::int64_t>();
  s.erase(a, b - a);
  std::ofstream(d / "run" / "evaluations.jsonl", std::ios::binary | std::ios::trunc) << s;
  e = resume(d);
  EXPECT_TRUE(contains(e, "evaluations.jsonl: 19 records, but")) << e;
  EXPECT_TRUE(contains(e, "sample " + std::to_string(lost) + " has no record")) << e;
}

TEST(SearchRobust, NonFiniteAndMeaninglessFlagValuesAreRefusedUpFront) {
  const fs::path d = scratch("flags");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--entropy", "inf"}, "--entropy"},
      {{"--failed-reward", "nan"}, "--failed-reward"},
      {{"--lr", "nan"}, "--lr"},
      {{"--max-kl", "nan"}, "--max-kl"},
      {{"--synthetic-seconds", "nan"}, "--synthetic-seconds"},
      {{"--sweep-rates", "0.1,inf"}, "--sweep-rates"},
      {{"--lr", "-1"}, "--lr"},
      {{"--top", "-1"}, "--top"},
      {{"--synthetic-seconds", "-1"}, "--synthetic-seconds"},
      {{"--max-kl", "-1"}, "--max-kl"},
      {{"--max-kl", "inf"}, "--max-kl"},
      {{"--entropy", "-0.5"}, "--entropy"},
  };
  for (const auto& [flags, name] : cases) {
    auto a = synthetic({"--samples", "5", "--dir", (d / "run").string()});
    a.insert(a.end(), flags.begin(), flags.end());
    const auto r = run(a, d / "log");
    EXPECT_NE(r.code, 0) << flags[0] << " " << flags[1] << ": " << r.output;
    EXPECT_TRUE(contains(r.output, name)) << r.output;
    EXPECT_FALSE(fs::exists(d / "run" / "config.json")) << flags[0] << " " << flags[1];
  }
  // A resumable setting given on --resume is checked too.
  const fs::path f = finished_run("flags-resume");
  const auto r = run(synthetic({"--resume", (f / "run").string(), "--synthetic-seconds", "nan"}), f / "log");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "--synthetic-seconds")) << r.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(f / "run" / "config.json"))["synthetic_seconds"], 0.0) << "config.json kept";
}

// config.json edited by hand after the run started: the checkpoint remembers what shaped it.
TEST(SearchRobust, AHandEditedConfigIsRefused) {
  const fs::path d = finished_run("edited");
  const std::string original = slurp(d / "run" / "config.json");
  for (const auto& [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{{"reward", "child"},
                                                                                      {"batch", 4},
                                                                                      {"method", "ppo"},
                                                                                      {"seed", 9},
                                                                                      {"lookahead", 2},
                                                                                      {"failed_reward", -1.0}}) {
    auto j = nlohmann::json::parse(original);
    j[key] = value;
    std::ofstream(d / "run" / "config.json", std::ios::trunc) << j.dump(2);
    const auto r = run({binary(), "--quiet", "--resume", (d / "run").string()}, d / "log");
    EXPECT_EQ(r.code, 1) << key << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "config.json: '" + key + "' is " + value.dump() + " but the run was started with"))
        << r.output;
  }
  std::ofstream(d / "run" / "config.json", std::ios::trunc) << original;
  const auto ok = run(synthetic({"--resume", (d / "run").string(), "--samples", "25"}), d / "log");
  EXPECT_EQ(ok.code, 0) << ok.output;
}

}  // namespace
}  // namespace nos::search::test

namespace nos::search::test {
namespace {

// Report statistics of tiny runs: the last quarter of 2 samples is the last one, and the rate
// counts the first evaluation's own time (one 0.3 s sample: at most 12000/h, not 0 or more). The
// screen is off so that the one sample is trained (a screened sample takes no time).
TEST(SearchRobust, ReportStatisticsOfTinyRuns) {
  const fs::path d = scratch("stats");
  auto r = run(synthetic({"--samples", "2", "--workers", "1", "--dir", (d / "two").string()}), d / "log");
  ASSERT_EQ(r.code, 0) << r.output;
  auto recs = records(d / "two");
  std::sort(recs.begin(), recs.end(), [](const auto& a, const auto& b) { return a["sample"] < b["sample"]; });
  char want[64];
  std::snprintf(want, sizeof want, "last quarter %.4f", recs.back()["reward"].get<double>());
  EXPECT_TRUE(contains(r.output, want)) << r.output;
  r = run(synthetic({"--samples", "1", "--workers", "1", "--synthetic-seconds", "0.3", "--no-screen", "--dir",
                     (d / "one").string()}),
          d / "log");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto at = r.output.find(" samples/h");
  ASSERT_NE(at, std::string::npos) << r.output;
  const double rate = std::stod(r.output.substr(r.output.rfind(' ', at - 1) + 1));
  EXPECT_GT(rate, 0) << r.output;
  EXPECT_LE(rate, 12000) << r.output;
}

// config.json and every record state the resolved data set and the whole reward protocol.
TEST(SearchRobust, ConfigAndRecordsCarryTheDataSetAndTheRewardProtocol) {
  const fs::path d = finished_run("resolved");
  const auto c = nlohmann::json::parse(slurp(d / "run" / "config.json"));
  EXPECT_EQ(c["data_set"], (nlohmann::json{{"dataset", "synthetic"}})) << c.dump();
  EXPECT_EQ(c["reward_protocol"]["reward"], "synthetic") << c.dump();
  EXPECT_EQ(c["reward_protocol"]["failed_reward"], 0.0) << c.dump();
  const auto recs = records(d / "run");
  ASSERT_EQ(recs.size(), 20u);
  for (const auto& r : recs) {
    EXPECT_EQ(r["data_set"], c["data_set"]) << r.dump();
    EXPECT_EQ(r["reward_protocol"], c["reward_protocol"]) << r.dump();
  }
}

// A run directory written before config.json held the derived sections (this commit's format
// change), constructed by removing them: it resumes, and gets them back.
TEST(SearchRobust, ARunDirectoryFromBeforeTheDerivedSectionsStillResumes) {
  const fs::path d = finished_run("old-format");
  auto j = nlohmann::json::parse(slurp(d / "run" / "config.json"));
  j.erase("data_set");
  j.erase("reward_protocol");
  std::ofstream(d / "run" / "config.json", std::ios::trunc) << j.dump(2);
  const auto r = run(synthetic({"--resume", (d / "run").string(), "--samples", "25"}), d / "log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(records(d / "run").size(), 25u);
  const auto now = nlohmann::json::parse(slurp(d / "run" / "config.json"));
  EXPECT_EQ(now["data_set"]["dataset"], "synthetic");
  EXPECT_EQ(now["samples"], 25);
}

// An older config.json without a setting, or a newer one with a setting this version does not
// know, is refused saying why, never resumed with a guessed value.
TEST(SearchRobust, MissingOrUnknownSettingsAreRefusedSayingWhy) {
  const fs::path d = finished_run("missing-key");
  const std::string original = slurp(d / "run" / "config.json");
  auto j = nlohmann::json::parse(original);
  j.erase("lookahead");
  std::ofstream(d / "run" / "config.json", std::ios::trunc) << j.dump(2);
  auto r = run(synthetic({"--resume", (d / "run").string()}), d / "log");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "config.json: missing setting 'lookahead': the file was written by an older version"))
      << r.output;
  j = nlohmann::json::parse(original);
  j["no_such_setting"] = 1;
  std::ofstream(d / "run" / "config.json", std::ios::trunc) << j.dump(2);
  r = run(synthetic({"--resume", (d / "run").string()}), d / "log");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "config.json: unknown setting 'no_such_setting'")) << r.output;
  // A fixed setting on the resuming command line: key, new and old value.
  std::ofstream(d / "run" / "config.json", std::ios::trunc) << original;
  r = run(synthetic({"--resume", (d / "run").string(), "--lookahead", "3"}), d / "log");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "--lookahead is 3 on the command line but 1 in")) << r.output;
}

}  // namespace
}  // namespace nos::search::test

namespace nos::search::test {
namespace {

// The screen (reward/screen.h) runs on every distinct rule before training: a rejected rule is
// recorded with its reason and the failed reward, never trained, and fed to the strategy like any
// other outcome. --no-screen trains everything; a run from before the screen resumes without it.
TEST(SearchRobust, ScreenedRulesAreRecordedWithTheirReasonAndNeverTrained) {
  const fs::path d = scratch("screen");
  const std::vector<std::string> flags = {"--samples", "60", "--workers", "1", "--groups", "1", "--strategy", "random"};
  auto on = flags;
  on.insert(on.end(), {"--dir", (d / "on").string()});
  ASSERT_EQ(run(synthetic(on), d / "on.log").code, 0) << slurp(d / "on.log");
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "on" / "config.json"))["screen"], true);
  int screened = 0;
  std::set<std::string> kinds;
  for (const auto& r : records(d / "on")) {
    if (r["status"] != "screened") continue;
    ++screened;
    EXPECT_EQ(r["worker"], "screen") << r.dump();
    EXPECT_FALSE(r["trained"].get<bool>()) << r.dump();
    EXPECT_EQ(r["reward"], 0.0) << r.dump();
    const std::string why = r["error"];
    kinds.insert(why.substr(0, why.find(':')));
  }
  EXPECT_GT(screened, 0) << "60 random samples of a one-group space include ascent rules";
  for (const auto& k : kinds) EXPECT_TRUE(k == "ascent" || k == "inert" || k == "not finite") << k;

  auto off = flags;
  off.insert(off.end(), {"--no-screen", "--dir", (d / "off").string()});
  ASSERT_EQ(run(synthetic(off), d / "off.log").code, 0) << slurp(d / "off.log");
  for (const auto& r : records(d / "off")) EXPECT_NE(r["status"], "screened") << r.dump();

  // A config.json from before the screen has no "screen": it resumes as it ran, unscreened.
  auto j = nlohmann::json::parse(slurp(d / "off" / "config.json"));
  j.erase("screen");
  std::ofstream(d / "off" / "config.json", std::ios::trunc) << j.dump(2);
  ASSERT_EQ(run(synthetic({"--resume", (d / "off").string(), "--samples", "80"}), d / "more.log").code, 0)
      << slurp(d / "more.log");
  const auto recs = records(d / "off");
  EXPECT_EQ(recs.size(), 80u);
  for (const auto& r : recs) EXPECT_NE(r["status"], "screened") << r.dump();
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "off" / "config.json"))["screen"], false);
}

// --against shows another run beside this one: a comparison row and its running mean on the plot;
// a directory without a run is a clear error.
TEST(SearchRobust, AgainstPutsAnotherRunBesideThisOne) {
  const fs::path d = scratch("against");
  ASSERT_EQ(
      run(synthetic({"--samples", "10", "--strategy", "random", "--dir", (d / "random").string()}), d / "r.log").code,
      0);
  const auto r = run(
      synthetic({"--samples", "10", "--dir", (d / "ctl").string(), "--against", (d / "random").string()}), d / "c.log");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const std::string want : {"| run | strategy |", "| controller |", "| random |"})
    EXPECT_TRUE(contains(slurp(d / "ctl" / "leaderboard.md"), want)) << want;
  EXPECT_TRUE(fs::exists(d / "ctl" / "rewards-against-1.dat"));
  const auto rep = run({binary(), "report", (d / "ctl").string(), "--against", (d / "random").string()}, d / "rep.log");
  ASSERT_EQ(rep.code, 0) << rep.output;
  EXPECT_TRUE(contains(rep.output, "| random |")) << rep.output;
  const auto bad =
      run({binary(), "report", (d / "ctl").string(), "--against", (d / "nothing").string()}, d / "bad.log");
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(contains(bad.output, "--against: no search run in")) << bad.output;
  // A search is refused before it starts, not after its budget.
  const auto early =
      run(synthetic({"--dir", (d / "never").string(), "--against", (d / "nothing").string()}), d / "e.log");
  EXPECT_EQ(early.code, 1);
  EXPECT_TRUE(contains(early.output, "--against: no search run in")) << early.output;
  EXPECT_FALSE(fs::exists(d / "never"));
}

}  // namespace
}  // namespace nos::search::test
