// Whole halving studies on two-moons (milliseconds a run): the rungs train what the spec says,
// stopped runs are prefixes of the full sweep's runs, the survivors are the ones the full sweep's
// own numbers pick, a killed study resumes to the same records, and other specs are refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "apps/common/run_files.h"
#include "apps/transfer/report.h"
#include "apps/transfer/run_dir.h"
#include "apps/transfer/study.h"

namespace nos::transfer {
namespace {
namespace fs = std::filesystem;

class HalvingStudy : public ::testing::Test {
 protected:
  void SetUp() override {
    base = fs::temp_directory_path() / ("nos_transfer_halving_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base);
    // 200 points in batches of 20: 10 steps an epoch, 9 epochs. Eta 3, 3 rungs: 10, 30 and 90
    // steps, each at the end of an epoch, where the full sweep's records measured too.
    cfg.task = "two-moons";
    cfg.train = cfg.val = 200;
    cfg.test = 300;
    cfg.noise = 0.2;
    cfg.epochs = 9;
    cfg.batch = 20;
    cfg.rates = 4;
    cfg.lr_min = 1e-3;
    cfg.lr_max = 1;
    cfg.optimizers = app::resolve_optimizers({"sgd", "adam"}, {}, "");
    halving = cfg;
    halving.halving_eta = 3;
    halving.halving_rungs = 3;
  }
  void TearDown() override { fs::remove_all(base); }
  fs::path base;
  TransferConfig cfg, halving;
};

std::map<std::string, RunRecord> by_key(const std::vector<RunRecord>& runs) {
  std::map<std::string, RunRecord> out;
  for (const auto& r : runs) out.emplace(key_string(r.key), r);
  return out;
}

// The same training: epoch by epoch the same numbers, bit for bit (NaN: not measured).
void expect_same_epochs(const RunRecord& a, const RunRecord& b, size_t epochs) {
  ASSERT_GE(a.epochs.size(), epochs);
  ASSERT_GE(b.epochs.size(), epochs);
  for (size_t e = 0; e < epochs; ++e) {
    EXPECT_EQ(a.epochs[e].train, b.epochs[e].train) << key_string(a.key) << " epoch " << e + 1;
    EXPECT_EQ(a.epochs[e].val, b.epochs[e].val) << key_string(a.key) << " epoch " << e + 1;
  }
}

// Which of `lrs` halving keeps: the best `keep` by best validation over the first `epochs` epochs
// of the full sweep's runs (ties: the smaller rate).
std::vector<double> best(const std::map<std::string, RunRecord>& full, const std::string& opt,
                         const std::vector<double>& lrs, size_t epochs, size_t keep) {
  std::vector<std::pair<double, double>> scored;  // -score, lr
  for (double lr : lrs) {
    const RunRecord& r = full.at(key_string({opt, lr, 1e-8, 0}));
    double v = 0;
    for (size_t e = 0; e < epochs; ++e) v = std::max(v, r.epochs.at(e).val);
    scored.emplace_back(-v, lr);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<double> out;
  for (size_t i = 0; i < keep; ++i) out.push_back(scored[i].second);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(HalvingStudy, RungsArePrefixesOfTheFullSweepAndKeepWhatItsNumbersPick) {
  const StudyCounts f = run_study(cfg, base / "full");
  EXPECT_EQ(f.trained, 8);
  const StudyCounts h = run_study(halving, base / "halving");
  // Per optimizer 4 runs of 10 steps, 2 of 30, 1 whole run.
  EXPECT_EQ(h.trained, 14);
  EXPECT_EQ(h.planned, 14);
  EXPECT_EQ(h.skipped, 0);
  const auto full = by_key(read_runs(base / "full"));
  const std::vector<RunRecord> runs = read_runs(base / "halving");
  std::map<std::int64_t, int> at_budget;
  for (const RunRecord& r : runs) {
    ASSERT_FALSE(r.diverged) << key_string(r.key);
    ++at_budget[r.key.steps];
    EXPECT_EQ(r.total_steps, 90);
    EXPECT_GT(r.cpu_seconds, 0);
    RunKey whole = r.key;
    whole.steps = 0;
    const RunRecord& same = full.at(key_string(whole));
    const size_t epochs = r.key.steps ? static_cast<size_t>(r.key.steps / 10) : 9;
    ASSERT_EQ(r.epochs.size(), epochs) << key_string(r.key);
    EXPECT_EQ(r.epochs.back().steps, r.key.steps ? r.key.steps : 90);
    expect_same_epochs(r, same, epochs);
    // Only whole runs score the test set.
    for (const auto& e : r.epochs) EXPECT_EQ(std::isnan(e.test), r.key.steps > 0) << key_string(r.key);
    if (r.key.steps == 0) {
      EXPECT_EQ(r.epochs.back().test, same.epochs.back().test);
    }
  }
  EXPECT_EQ(at_budget, (std::map<std::int64_t, int>{{0, 2}, {10, 8}, {30, 4}}));

  const std::vector<double> lrs = {0.001, 0.01, 0.1, 1};
  for (const std::string opt : {"sgd", "adam"}) {
    const std::vector<double> second = best(full, opt, lrs, 1, 2);
    const std::vector<double> last = best(full, opt, second, 3, 1);
    for (double lr : second) EXPECT_TRUE(by_key(runs).count(key_string({opt, lr, 1e-8, 0, 30}))) << opt << " " << lr;
    EXPECT_TRUE(by_key(runs).count(key_string({opt, last[0], 1e-8, 0, 0}))) << opt;
  }

  // The table: each optimizer at its whole run, the other three rates stopped early.
  const std::string table = write_report(base / "halving").table;
  EXPECT_NE(table.find("successive halving (eta 3, 3 rungs, per optimizer) at 10, 30, 90 steps: 6 of 8 rates stopped "
                       "early"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| 90 steps |"), std::string::npos) << table;
  EXPECT_NE(table.find("| 3/4 | 0/4 |"), std::string::npos) << table;
  EXPECT_EQ(table.find("stopped at"), std::string::npos) << table;
}

// A kill between any two records (and mid-line) resumes to the records of an uninterrupted study.
TEST_F(HalvingStudy, AKilledStudyResumesToTheSameRecords) {
  run_study(halving, base / "whole");
  const std::string config = app::read_file(base / "whole" / "config.json");
  const std::string lines = app::read_file(base / "whole" / "runs.jsonl");
  const auto want = by_key(read_runs(base / "whole"));
  ASSERT_EQ(want.size(), 14u);
  for (size_t kept : {0, 1, 7, 8, 11, 12, 13}) {
    const fs::path d = base / ("killed" + std::to_string(kept));
    fs::create_directories(d);
    app::write_file_atomic(d / "config.json", config);
    size_t at = 0;
    for (size_t i = 0; i < kept; ++i) at = lines.find('\n', at) + 1;
    // The kill tore the record being appended.
    std::ofstream(d / "runs.jsonl", std::ios::binary) << lines.substr(0, at) << "{\"key\": {\"optimizer\": \"sg";
    const StudyCounts n = run_study(halving, d);
    EXPECT_EQ(n.trained, static_cast<int>(14 - kept)) << kept;
    EXPECT_EQ(n.skipped, static_cast<int>(kept)) << kept;
    const auto got = by_key(read_runs(d));
    ASSERT_EQ(got.size(), want.size()) << kept;
    for (const auto& [key, r] : want) {
      ASSERT_TRUE(got.count(key)) << kept << ": " << key;
      ASSERT_EQ(got.at(key).epochs.size(), r.epochs.size()) << key;
      expect_same_epochs(got.at(key), r, r.epochs.size());
    }
  }
  // The same command again trains nothing.
  const StudyCounts again = run_study(halving, base / "whole");
  EXPECT_EQ(again.trained, 0);
  EXPECT_EQ(again.skipped, 14);
}

TEST_F(HalvingStudy, AnotherSpecOrNoneIsRefused) {
  run_study(halving, base / "h");
  auto refused = [&](TransferConfig c, const std::string& why) {
    try {
      run_study(c, base / "h");
      ADD_FAILURE() << "resumed: " << why;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  TransferConfig other = halving;
  other.halving_eta = 2;
  refused(other, "halving_eta: 3 in the directory, 2 asked");
  refused(cfg, "halving_eta: 3 in the directory, 0 asked");
  other = halving;
  other.halving_pool = "all";
  refused(other, "halving_pool: \"optimizer\" in the directory, \"all\" asked");
  // A directory from before halving reads as one without it.
  nlohmann::json old = nlohmann::json::parse(app::read_file(base / "h" / "config.json"));
  for (const char* k : {"halving_eta", "halving_rungs", "halving_pool"}) old.erase(k);
  fs::create_directories(base / "old");
  app::write_file_atomic(base / "old" / "config.json", old.dump(2));
  EXPECT_EQ(read_config(base / "old")->halving_eta, 0);
}

TEST_F(HalvingStudy, RosenbrockHasNothingToHalve) {
  TransferConfig c;
  c.task = "rosenbrock";
  c.iterations = 10;
  c.rates = 2;
  c.optimizers = app::resolve_optimizers({"sgd"}, {}, "");
  c.halving_eta = 3;
  c.halving_rungs = 3;
  try {
    run_study(c, base / "rosen");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "--halving: rosenbrock runs are not trained in steps of an epoch loop; nothing to halve");
  }
  EXPECT_FALSE(fs::exists(base / "rosen" / "config.json"));
}

}  // namespace
}  // namespace nos::transfer
