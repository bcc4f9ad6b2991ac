// nos-search end to end, as a process: resume after SIGKILL equals an uninterrupted run, MPI
// with three ranks, damaged run directories, the cache, the three strategies. All with the
// synthetic reward (apps/search/synthetic_reward.h), so each run takes a second or two.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "search/checkpoint.h"
#include "tests/apps/search/run_process.h"

namespace nos::search::test {
namespace {

namespace fs = std::filesystem;

// What must not depend on timing: per sample, the rule, its reward and whether it came from the cache.
std::vector<std::tuple<std::int64_t, std::string, double, bool>> outcome(const fs::path& dir) {
  std::vector<std::tuple<std::int64_t, std::string, double, bool>> o;
  for (const auto& r : records(dir)) o.emplace_back(r["sample"], r["rule"], r["reward"], r["cached"]);
  std::sort(o.begin(), o.end());
  return o;
}

// The reference optimizers of a run (references.jsonl): name -> (reward, best lr), and how many
// records the file holds (one per name: a reference is never recorded twice).
std::pair<std::map<std::string, std::pair<double, double>>, size_t> references(const fs::path& dir) {
  std::map<std::string, std::pair<double, double>> m;
  size_t n = 0;
  std::istringstream in(slurp(dir / "references.jsonl"));
  for (std::string line; std::getline(in, line); ++n) {
    const auto r = nlohmann::json::parse(line);
    m[r.at("name")] = {r.at("reward").get<double>(), r.at("best_lr").get<double>()};
  }
  return {m, n};
}

double last_quarter_mean(const fs::path& dir) {
  auto o = outcome(dir);
  const size_t from = o.size() - o.size() / 4;
  double s = 0;
  for (size_t i = from; i < o.size(); ++i) s += std::get<2>(o[i]);
  return s / static_cast<double>(o.size() - from);
}

// Kills `p` once the run has recorded at least `records` evaluations.
void kill_after(Process p, const fs::path& dir, size_t n) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((!fs::exists(dir / "evaluations.jsonl") || count_lines(dir / "evaluations.jsonl") < n) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  kill(p.pid, SIGKILL);
  EXPECT_EQ(wait_exit(p), 128 + SIGKILL) << "the run finished before it could be killed";
}

TEST(SearchRun, ResumeAfterSigkillEqualsAnUninterruptedRun) {
  const fs::path d = scratch("resume");
  const std::vector<std::string> budget = {"--samples", "120", "--workers", "2", "--seed", "7"};
  auto args = synthetic(budget);
  args.insert(args.end(), {"--dir", (d / "whole").string()});
  ASSERT_EQ(run(args, d / "whole.log").code, 0) << slurp(d / "whole.log");

  // Killed three times: at start-up (before or just after the first record), then twice mid-run;
  // each time resumed. The delay makes sure the kills land before the end.
  const fs::path k = d / "killed";
  for (size_t at : {0, 15, 60}) {
    auto a = at == 0 ? synthetic(budget) : synthetic({"--resume", k.string()});
    if (at == 0) a.insert(a.end(), {"--dir", k.string()});
    a.insert(a.end(), {"--synthetic-seconds", "0.01"});
    const Process p = spawn(a, d / "killed.log");
    if (at == 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill_after(p, k, at);
  }
  const auto r = run(synthetic({"--resume", k.string()}), d / "resumed.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming"), std::string::npos) << r.output;
  EXPECT_EQ(outcome(d / "whole"), outcome(k));
  EXPECT_EQ(outcome(k).size(), 120u);
  EXPECT_EQ(slurp(d / "whole" / "checkpoint"), slurp(k / "checkpoint")) << "final checkpoints differ";
  // The run has the default reference optimizers: each recorded once, alike, kills or not.
  EXPECT_EQ(references(d / "whole").second, 5u);
  EXPECT_EQ(references(k), references(d / "whole"));
}

TEST(SearchRun, ThreeMpiRanksMatchALocalRun) {
  const fs::path d = scratch("mpi");
  auto local = synthetic({"--samples", "40", "--workers", "1", "--dir", (d / "local").string()});
  ASSERT_EQ(run(local, d / "local.log").code, 0) << slurp(d / "local.log");
  auto mpi = synthetic({"--samples", "40", "--dir", (d / "mpi").string()});
  mpi.insert(mpi.begin(), {"mpirun", "--oversubscribe", "-np", "3"});
  const auto r = run(mpi, d / "mpi.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("2 MPI worker ranks"), std::string::npos) << r.output;
  std::set<std::string> workers;
  for (const auto& rec : records(d / "mpi"))
    if (rec["trained"].get<bool>()) workers.insert(rec["worker"].get<std::string>().substr(0, 6));
  EXPECT_EQ(workers, (std::set<std::string>{"rank 1", "rank 2"}));
  EXPECT_EQ(outcome(d / "local"), outcome(d / "mpi"));
  EXPECT_EQ(slurp(d / "local" / "checkpoint"), slurp(d / "mpi" / "checkpoint"));
  // The reference optimizers went to the ranks too (jobs -1, -2, ...) and score alike.
  EXPECT_EQ(references(d / "mpi").second, 5u);
  EXPECT_EQ(references(d / "local"), references(d / "mpi"));
  EXPECT_NE(slurp(d / "mpi" / "references.jsonl").find("\"worker\":\"rank "), std::string::npos);
}

std::string resume_error(const fs::path& d, std::vector<std::string> extra = {}) {
  auto a = synthetic({"--resume", (d / "run").string(), "--samples", "30"});
  a.insert(a.end(), extra.begin(), extra.end());
  const auto r = run(a, d / "resume.log");
  EXPECT_EQ(r.code, 1) << r.output;
  return r.output;
}

TEST(SearchRun, TruncatedCheckpointIsAClearError) {
  const fs::path d = finished_run("truncated");
  fs::resize_file(d / "run" / "checkpoint", fs::file_size(d / "run" / "checkpoint") / 2);
  const auto e = resume_error(d);
  EXPECT_NE(e.find("run/checkpoint: truncated"), std::string::npos) << e;
}

TEST(SearchRun, GarbageInTheMiddleOfTheJsonlIsAClearError) {
  const fs::path d = finished_run("garbage");
  std::string s = slurp(d / "run" / "evaluations.jsonl");
  size_t second = s.find('\n', s.find('\n') + 1) + 1;
  s.insert(second, "{\"sample\": 3, garbage\n");
  std::ofstream(d / "run" / "evaluations.jsonl", std::ios::binary) << s;
  const auto e = resume_error(d);
  EXPECT_NE(e.find("evaluations.jsonl:3: corrupt record"), std::string::npos) << e;
}

TEST(SearchRun, ATornLastRecordIsDroppedAndReevaluated) {
  const fs::path d = finished_run("torn");
  // What a kill during an append leaves: part of a line, no newline.
  std::ofstream(d / "run" / "evaluations.jsonl", std::ios::binary | std::ios::app) << "{\"best_lr\":1.0,\"cach";
  const auto r = run(synthetic({"--resume", (d / "run").string(), "--samples", "30"}), d / "resume.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("dropped a torn last record"), std::string::npos) << r.output;
  EXPECT_EQ(outcome(d / "run").size(), 30u);
}

TEST(SearchRun, MismatchedConfigIsRefused) {
  const fs::path d = finished_run("mismatch");
  auto e = resume_error(d, {"--seed", "2"});
  EXPECT_NE(e.find("--seed is 2 on the command line but 1 in"), std::string::npos) << e;
  e = resume_error(d, {"--max-kl", "0.5"});
  EXPECT_NE(e.find("--max-kl is 0.5"), std::string::npos) << e;
  // A config.json edited to another space no longer matches what the checkpoint was started with.
  std::string c = slurp(d / "run" / "config.json");
  c.replace(c.find("\"groups\": 2"), 11, "\"groups\": 1");
  std::ofstream(d / "run" / "config.json") << c;
  e = resume_error(d);
  EXPECT_NE(e.find("config.json: 'groups' is 1 but the run was started with 2"), std::string::npos) << e;
}

// --lr is the Adam rate of REINFORCE and PPO; TRPO takes no Adam step, so --lr with TRPO (the
// default method) is refused instead of silently ignored, as is --max-kl without TRPO; on resume
// too, where the method comes from the run directory.
TEST(SearchRun, ControllerFlagsTheMethodDoesNotReadAreRefused) {
  const fs::path d = scratch("flags");
  auto r = run(synthetic({"--lr", "1e-4", "--samples", "10", "--dir", (d / "a").string()}), d / "a.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--lr sets the controller's Adam rate, which --method trpo does not use"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(d / "a"));
  r = run(synthetic({"--method", "ppo", "--max-kl", "0.05", "--samples", "10", "--dir", (d / "b").string()}),
          d / "b.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--max-kl is TRPO's trust region; --method ppo does not use it"), std::string::npos)
      << r.output;
  r = run(synthetic({"--method", "ppo", "--lr", "1e-4", "--samples", "10", "--dir", (d / "c").string()}), d / "c.log");
  ASSERT_EQ(r.code, 0) << r.output;
  r = run(synthetic({"--resume", (d / "c").string(), "--max-kl", "0.01"}), d / "c2.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--max-kl is TRPO's trust region"), std::string::npos) << r.output;
  // random and evolution train no controller and take the peers' flags unchanged.
  r = run(synthetic({"--strategy", "random", "--max-kl", "0.05", "--samples", "10", "--dir", (d / "e").string()}),
          d / "e.log");
  EXPECT_EQ(r.code, 0) << r.output;
}

// A checkpoint of a nos-search from before sampling-time log-probabilities were recorded (the
// same file without that section): with strings pending it is refused, saying why; finished, it
// has nothing to correct and continues.
TEST(SearchRun, CheckpointsWithoutSamplingLogProbabilitiesResumeOnlyWhenNothingIsPending) {
  const fs::path d = scratch("legacy");
  auto strip = [](const fs::path& file) {
    search::Checkpoint ck = search::read_checkpoint(file);
    std::erase_if(ck.sections, [](const auto& s) { return s.first == "strategy.sampling_log_probs"; });
    std::ofstream(file, std::ios::binary | std::ios::trunc) << search::encode(ck);
  };
  // Interrupted (SIGINT: in-flight evaluations are recorded, later batches stay pending).
  const fs::path a = d / "interrupted";
  const Process p =
      spawn(synthetic({"--samples", "200", "--workers", "1", "--synthetic-seconds", "0.02", "--dir", a.string()}),
            d / "a.log");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((!fs::exists(a / "evaluations.jsonl") || count_lines(a / "evaluations.jsonl") < 12) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(p.pid, SIGINT);
  ASSERT_EQ(wait_exit(p), 130) << slurp(d / "a.log");
  ASSERT_TRUE(search::read_checkpoint(a / "checkpoint").has("strategy.sampling_log_probs"));
  strip(a / "checkpoint");
  auto r = run(synthetic({"--resume", a.string()}), d / "a2.log");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("did not record sampling-time log-probabilities"), std::string::npos) << r.output;
  // Finished: resumes with a larger budget.
  const fs::path b = d / "finished";
  ASSERT_EQ(run(synthetic({"--samples", "20", "--dir", b.string()}), d / "b.log").code, 0);
  strip(b / "checkpoint");
  r = run(synthetic({"--resume", b.string(), "--samples", "30"}), d / "b2.log");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(outcome(b).size(), 30u);
}

TEST(SearchRun, MissingRunFilesAreClearErrors) {
  const fs::path d = finished_run("missing");
  fs::remove(d / "run" / "checkpoint");
  auto e = resume_error(d);
  EXPECT_NE(e.find("checkpoint: missing, but"), std::string::npos) << e;
  fs::remove(d / "run" / "config.json");
  e = resume_error(d);
  EXPECT_NE(e.find("config.json: missing"), std::string::npos) << e;
  // Leftover run files are not silently mixed into a new run.
  const auto again = run(synthetic({"--dir", (d / "run").string()}), d / "again.log");
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.output.find("evaluations.jsonl exists"), std::string::npos) << again.output;
  fs::remove_all(d / "run");
  ASSERT_EQ(run(synthetic({"--dir", (d / "run").string(), "--samples", "5"}), d / "fresh.log").code, 0);
  const auto twice = run(synthetic({"--dir", (d / "run").string()}), d / "twice.log");
  EXPECT_EQ(twice.code, 1);
  EXPECT_NE(twice.output.find("already holds a search run"), std::string::npos) << twice.output;
}

TEST(SearchRun, TheCacheNeverTrainsEquivalentRulesTwice) {
  const fs::path d = scratch("cache");
  // One group: a small space, so equivalent strings come up often.
  auto a = synthetic(
      {"--samples", "150", "--workers", "2", "--groups", "1", "--strategy", "random", "--dir", (d / "run").string()});
  ASSERT_EQ(run(a, d / "run.log").code, 0) << slurp(d / "run.log");
  std::map<std::string, double> by_hash, by_fingerprint;
  int cached = 0, trained = 0;
  for (const auto& r : records(d / "run")) {
    const std::string h = r["hash"], f = r["fingerprint"];
    if (r["trained"].get<bool>()) {
      ++trained;
      EXPECT_TRUE(by_hash.emplace(h, r["reward"]).second) << "canonical hash trained twice: " << r.dump();
      EXPECT_TRUE(by_fingerprint.emplace(f, r["reward"]).second) << "fingerprint trained twice: " << r.dump();
    } else if (r["cached"].get<bool>()) {
      ++cached;
      const bool known = by_hash.count(h) ? by_hash[h] == r["reward"].get<double>()
                                          : by_fingerprint.count(f) && by_fingerprint[f] == r["reward"].get<double>();
      EXPECT_TRUE(known) << "cached record without an earlier trained equivalent: " << r.dump();
    } else {
      // Never trained: ignores the gradient, or the screen rejected it before training.
      EXPECT_TRUE(r["status"] == "no_gradient" || r["status"] == "screened") << r.dump();
    }
  }
  EXPECT_GT(cached, 20) << "150 samples of a 1-group tiny space repeat rules";
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "run" / "cache.json"))["entries"].size(), static_cast<size_t>(trained));
  // On resume with a larger budget, the cache file is reloaded: nothing trained before trains again.
  ASSERT_EQ(run(synthetic({"--resume", (d / "run").string(), "--samples", "200"}), d / "more.log").code, 0);
  std::set<std::string> hashes;
  for (const auto& r : records(d / "run")) {
    if (r["trained"].get<bool>()) {
      EXPECT_TRUE(hashes.insert(r["hash"]).second) << r.dump();
    }
  }
}

TEST(SearchRun, EvolutionIsDeterministicWhateverTheWorkers) {
  const fs::path d = scratch("evolution");
  for (std::string w : {"1", "2"}) {
    auto a = synthetic({"--strategy", "evolution", "--population", "10", "--tournament", "3", "--samples", "60",
                        "--workers", w, "--dir", (d / ("w" + w)).string()});
    ASSERT_EQ(run(a, d / "log").code, 0) << slurp(d / "log");
  }
  EXPECT_EQ(outcome(d / "w1").size(), 60u);
  EXPECT_EQ(outcome(d / "w1"), outcome(d / "w2"));
  EXPECT_EQ(slurp(d / "w1" / "checkpoint"), slurp(d / "w2" / "checkpoint"));
}

// Equal budgets and seeds: the controller's last-quarter mean reward beats random sampling.
// Seeded and timing-independent, so this measures the same numbers on every run.
TEST(SearchRun, ControllerBeatsRandomAtEqualBudget) {
  const fs::path d = scratch("versus");
  for (std::string s : {"controller", "random"}) {
    auto a = synthetic({"--strategy", s, "--samples", "200", "--workers", "2", "--method", "trpo", "--max-kl", "0.05",
                        "--seed", "3", "--dir", (d / s).string()});
    ASSERT_EQ(run(a, d / "log").code, 0) << slurp(d / "log");
  }
  const double c = last_quarter_mean(d / "controller"), r = last_quarter_mean(d / "random");
  std::printf("last-quarter mean reward over 200 samples: controller %.3f, random %.3f\n", c, r);
  EXPECT_GT(c, r + 0.2);
  const auto rep = run({binary(), "report", (d / "controller").string(), (d / "random").string()}, d / "report.log");
  ASSERT_EQ(rep.code, 0) << rep.output;
  EXPECT_NE(rep.output.find("| run | strategy |"), std::string::npos) << rep.output;
  EXPECT_TRUE(fs::exists(d / "controller" / "leaderboard.md"));
}

// Removes this process's scratch directories after the last test.
class Cleanup : public ::testing::Environment {
 public:
  void TearDown() override { fs::remove_all(scratch("x").parent_path()); }
};
const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

}  // namespace
}  // namespace nos::search::test
