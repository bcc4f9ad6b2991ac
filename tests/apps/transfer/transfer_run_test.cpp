// nos-transfer as a process against careless and hostile use: a directory another process holds,
// damaged runs.jsonl, optimizer names that would share a file, rules files with duplicate names
// or a byte-order mark, missing trajectories, non-finite flags. Rosenbrock runs: milliseconds.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "apps/common/run_lock.h"
#include "tests/apps/search/run_process.h"

namespace nos::search::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

Result transfer(std::vector<std::string> args, const fs::path& log) {
  args.insert(args.begin(), NOS_TRANSFER_BIN);
  return run(args, log);
}

std::vector<std::string> rosen(const fs::path& out, const std::string& opts = "sgd,adam") {
  return {"rosenbrock", "--iterations", "30", "--rates", "2", "-O", opts, "--out", out.string()};
}

TEST(TransferRun, ASecondProcessOnOneDirectoryIsRefusedAtOnce) {
  const fs::path d = scratch("transfer-lock");
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  const pid_t holder = fork();
  if (holder == 0) {  // another process in the middle of a study on d/run
    app::RunLock lock(d / "run", "nos-transfer");
    const char ok = 1;
    (void)!write(p[1], &ok, 1);
    for (;;) pause();
  }
  char c;
  ASSERT_EQ(read(p[0], &c, 1), 1);
  const auto r = transfer(rosen(d / "run"), d / "log");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, (d / "run").string() + " is in use by nos-transfer (PID " + std::to_string(holder)))
      << r.output;
  EXPECT_FALSE(fs::exists(d / "run" / "runs.jsonl")) << "nothing written while refused";
  kill(holder, SIGKILL);
  wait_exit({holder});
  const auto ok = transfer(rosen(d / "run"), d / "log");
  EXPECT_EQ(ok.code, 0) << ok.output;
}

TEST(TransferRun, DamagedRunsJsonlIsAClearError) {
  const fs::path d = scratch("transfer-runs");
  ASSERT_EQ(transfer(rosen(d / "run"), d / "log").code, 0) << slurp(d / "log");
  const fs::path runs = d / "run" / "runs.jsonl";
  const std::string good = slurp(runs);
  const std::string first = good.substr(0, good.find('\n') + 1);
  const std::string next = "record " + std::to_string(count_lines(runs) + 1);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}\n", next + " is not a run record: it needs key.optimizer, key.lr and rule"},
      {"{\"key\": {\"optimizer\": \"sgd\", \"lr\": 0.5}}\n", next + " is not a run record"},
      {first, next + ": run 'sgd lr=0.0001 eps=1e-08 rep=0' was already recorded by record 1"},
  };
  for (const auto& [extra, message] : cases) {
    std::ofstream(runs, std::ios::binary | std::ios::trunc) << good << extra;
    const auto r = transfer({"report", (d / "run").string()}, d / "log");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, runs.string() + ": " + message)) << r.output;
  }
}

TEST(TransferRun, OptimizerNamesNeverShareATrajectoryFile) {
  const fs::path d = scratch("transfer-names");
  const auto r = transfer(
      {"rosenbrock", "--iterations", "20", "--rates", "1", "-O", "a/b=g,a_b=mom", "--out", (d / "run").string()},
      d / "log");
  ASSERT_EQ(r.code, 0) << r.output;
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d / "run" / "trajectories")) ++files;
  EXPECT_EQ(files, 2u);
}

TEST(TransferRun, RulesFilesWithDuplicateNamesAreRefusedAndABomIsSkipped) {
  const fs::path d = scratch("transfer-rules");
  std::ofstream(d / "dup.rules") << "mine: g\nother: mom\nMine: mul g exp sign_g\n";
  auto r = transfer({"rosenbrock", "--rules", (d / "dup.rules").string(), "-O", "mine", "--out", (d / "run").string()},
                    d / "log");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "dup.rules:3:1: error: rule name 'Mine' is already used by 'mine' at line 1"))
      << r.output;
  std::ofstream(d / "bom.rules", std::ios::binary) << "\xEF\xBB\xBFmine: mom\n";
  r = transfer({"rosenbrock", "--iterations", "20", "--rates", "1", "--rules", (d / "bom.rules").string(), "-O", "mine",
                "--out", (d / "run").string()},
               d / "log");
  EXPECT_EQ(r.code, 0) << r.output;
}

TEST(TransferRun, MissingTrajectoriesAreReportedAndTheirStalePlotsRemoved) {
  const fs::path d = scratch("transfer-plots");
  auto r = transfer(rosen(d / "run"), d / "log");
  ASSERT_EQ(r.code, 0) << r.output;
  if (!contains(r.output, "plots in")) GTEST_SKIP() << "gnuplot missing";
  ASSERT_TRUE(fs::exists(d / "run" / "plots" / "trajectories.png"));
  fs::remove_all(d / "run" / "trajectories");
  r = transfer({"report", (d / "run").string()}, d / "log");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "is missing: the trajectory plots leave out sgd")) << r.output;
  EXPECT_FALSE(fs::exists(d / "run" / "plots" / "trajectories.png")) << "a stale plot stayed";
}

TEST(TransferRun, NonFiniteFlagValuesAreRefused) {
  const fs::path d = scratch("transfer-flags");
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{{"--x0", "nan"},
                                                                                    {"--y0", "inf"},
                                                                                    {"--lr-min", "nan"},
                                                                                    {"--lr-max", "inf"},
                                                                                    {"--adam-eps", "1e-8,nan"},
                                                                                    {"--lr-range", "sgd=nan:1"},
                                                                                    {"--lr-min", "-1"}}) {
    const auto r = transfer({"rosenbrock", flag, value, "--out", (d / "run").string()}, d / "log");
    EXPECT_NE(r.code, 0) << flag << " " << value << ": " << r.output;
    EXPECT_TRUE(contains(r.output, flag)) << r.output;
    EXPECT_FALSE(contains(r.output, "179769313486")) << "DBL_MAX in digits: " << r.output;
    EXPECT_FALSE(fs::exists(d / "run" / "config.json")) << flag << " " << value;
  }
}

TEST(TransferRun, BadHalvingFlagsAreRefusedNamingTheFlag) {
  const fs::path d = scratch("transfer-halving-flags");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--halving", "1"}, "--halving '1': eta 1 (keep 1/eta per rung: at least 2)"},
      {{"--halving", "3:0"}, "--halving '3:0': 0 rungs (1 to 16)"},
      {{"--halving", "x"}, "--halving 'x': expected ETA or ETA:RUNGS (whole numbers), e.g. 3 or 3:4"},
      {{"--halving", "3", "--halving-pool", "some"}, "--halving-pool: some not in {optimizer,all}"},
      {{"--halving-pool", "all"}, "--halving-pool requires --halving"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = {"two-moons", "--epochs", "2", "--out", (d / "run").string()};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto r = transfer(args, d / "log");
    EXPECT_NE(r.code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, message)) << r.output;
    EXPECT_FALSE(fs::exists(d / "run" / "config.json")) << message;
  }
  // Rosenbrock has no epochs to stop early: no such flag.
  const auto r = transfer({"rosenbrock", "--halving", "3", "--out", (d / "run").string()}, d / "log");
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "--halving")) << r.output;
}

// Every record of runs.jsonl without its timings and attempt: what a resumed study must reproduce.
std::map<std::string, std::string> records_without_timings(const fs::path& runs) {
  std::map<std::string, std::string> out;
  std::istringstream in(slurp(runs));
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    for (const char* k : {"seconds", "cpu_seconds", "attempt"}) j.erase(k);
    for (auto& e : j["epochs"]) e.erase("seconds");
    out.emplace(j["key"].dump(), j.dump());
  }
  return out;
}

// A halving study killed by SIGKILL while it trains resumes, with the same command, to the records
// of one that ran through.
TEST(TransferRun, AHalvingStudyKilledMidwayResumesToTheSameRecords) {
  const fs::path d = scratch("transfer-halving-kill");
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{NOS_TRANSFER_BIN, "two-moons", "--train",  "2000",
                                    "--hidden",       "64",        "--epochs", "6",
                                    "--rates",        "4",         "--lr-min", "0.001",
                                    "--lr-max",       "1",         "-O",       "sgd,adam,momentum",
                                    "--halving",      "3",         "--out",    (d / out).string()};
  };
  ASSERT_EQ(run(args("whole"), d / "whole.log").code, 0) << slurp(d / "whole.log");
  const auto want = records_without_timings(d / "whole" / "runs.jsonl");
  ASSERT_EQ(want.size(), 21u);  // per optimizer 4 runs, then 2, then 1

  const Process p = spawn(args("killed"), d / "killed.log");
  const fs::path runs = d / "killed" / "runs.jsonl";
  for (int i = 0; i < 20000 && (!fs::exists(runs) || count_lines(runs) < 6); ++i) usleep(500);
  kill(p.pid, SIGKILL);
  EXPECT_EQ(wait_exit(p), 128 + SIGKILL) << "finished before the kill: " << slurp(d / "killed.log");
  const size_t before = count_lines(runs);
  EXPECT_LT(before, 21u);
  const auto r = run(args("killed"), d / "resumed.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "21 runs planned: " + std::to_string(before) + " already finished")) << r.output;
  EXPECT_EQ(records_without_timings(runs), want);
}

class Cleanup : public ::testing::Environment {
 public:
  void TearDown() override { fs::remove_all(scratch("x").parent_path()); }
};
const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

}  // namespace
}  // namespace nos::search::test
