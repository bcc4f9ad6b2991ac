// Whole studies on the cheapest task (Rosenbrock, a few iterations): resume skips finished runs,
// a grown sweep trains only what is new, other settings are refused, and the report rebuilds
// tables and plots from the records alone, also after a kill tore the last record.
#include "apps/transfer/study.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "apps/common/gnuplot.h"
#include "apps/common/run_files.h"
#include "apps/transfer/report.h"
#include "apps/transfer/run_dir.h"

namespace nos::transfer {
namespace {
namespace fs = std::filesystem;

class TransferStudy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("nos_transfer_study_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    cfg.task = "rosenbrock";
    cfg.iterations = 50;
    cfg.rates = 2;
    cfg.lr_min = 1e-4;
    cfg.lr_max = 1e-3;
    cfg.adam_eps = {1e-3, 1e-8};
    cfg.optimizers = app::resolve_optimizers({"sgd", "adam"}, {}, "");
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
  TransferConfig cfg;
};

TEST_F(TransferStudy, ResumeSkipsFinishedRuns) {
  const StudyCounts first = run_study(cfg, dir);
  EXPECT_EQ(first.planned, 2 + 2 * 2);  // sgd: 2 rates; adam: 2 rates x 2 eps
  EXPECT_EQ(first.trained, 6);
  EXPECT_EQ(read_runs(dir).size(), 6u);

  const StudyCounts again = run_study(cfg, dir);
  EXPECT_EQ(again.trained, 0);
  EXPECT_EQ(again.skipped, 6);
  EXPECT_EQ(read_runs(dir).size(), 6u);

  // A grown sweep trains only the new optimizer.
  cfg.optimizers = app::resolve_optimizers({"sgd", "adam", "momentum"}, {}, "");
  const StudyCounts grown = run_study(cfg, dir);
  EXPECT_EQ(grown.trained, 2);
  EXPECT_EQ(grown.skipped, 6);
}

TEST_F(TransferStudy, OtherSettingsAreRefused) {
  run_study(cfg, dir);
  cfg.iterations = 60;
  try {
    run_study(cfg, dir);
    FAIL() << "resumed with other settings";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("iterations: 50 in the directory, 60 asked"), std::string::npos) << e.what();
  }
}

TEST_F(TransferStudy, DirectoryFromBeforeCutModeIsRestartAndRefusesContinue) {
  run_study(cfg, dir);
  // A config.json written before the lm_cuts setting existed: its cuts re-read the text's start.
  nlohmann::json old = nlohmann::json::parse(app::read_file(dir / "config.json"));
  old.erase("lm_cuts");
  app::write_file_atomic(dir / "config.json", old.dump(2));
  EXPECT_EQ(read_config(dir)->lm_cuts, "restart");
  cfg.lm_cuts = "continue";
  try {
    run_study(cfg, dir);
    FAIL() << "resumed with other cuts";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("lm_cuts: \"restart\" in the directory, \"continue\" asked"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(TransferStudy, ReportRebuildsFromRecordsEvenAfterATornTail) {
  run_study(cfg, dir);
  for (const char* f : {"table.md", "table.csv", "sweep.md"}) fs::remove(dir / f);
  // A kill while appending leaves half a line: the report must ignore it.
  std::ofstream(dir / "runs.jsonl", std::ios::app) << "{\"key\": {\"optimizer\": \"sg";
  const ReportSummary r = write_report(dir);
  EXPECT_EQ(r.runs, 6);
  EXPECT_NE(r.table.find("| sgd | g |"), std::string::npos) << r.table;
  EXPECT_NE(r.table.find("| adam | adam |"), std::string::npos) << r.table;
  for (const char* f : {"table.md", "table.csv", "sweep.md"}) EXPECT_TRUE(fs::exists(dir / f)) << f;
  if (app::gnuplot_available()) {
    EXPECT_TRUE(r.plotted);
    for (const char* f : {"plots/trajectories.png", "plots/trajectories.svg", "plots/loss.png", "plots/loss.svg"})
      EXPECT_GT(fs::file_size(dir / f), 1000u) << f;
  }
  // Resuming after the torn tail appends cleanly.
  cfg.optimizers = app::resolve_optimizers({"sgd", "adam", "rmsprop"}, {}, "");
  EXPECT_EQ(run_study(cfg, dir).trained, 2);
  EXPECT_EQ(read_runs(dir).size(), 8u);
}

TEST_F(TransferStudy, ReportOfANonStudyIsAnError) {
  fs::create_directories(dir);
  try {
    write_report(dir);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a nos-transfer study: it has no config.json"), std::string::npos);
  }
}

// A config.json written before the linreg and two-moons tasks (no dim, condition, noise, hidden)
// resumes: those keys only matter to the tasks that brought them. One without a key whose old
// meaning is unknown, or with a key this version does not know, is refused saying why.
TEST_F(TransferStudy, OlderConfigsResumeOrAreRefusedSayingWhy) {
  run_study(cfg, dir);
  const std::string original = app::read_file(dir / "config.json");
  nlohmann::json old = nlohmann::json::parse(original);
  for (const char* k : {"dim", "condition", "noise", "hidden", "lm_cuts"}) old.erase(k);
  app::write_file_atomic(dir / "config.json", old.dump(2));
  cfg.lm_cuts = "restart";
  EXPECT_EQ(run_study(cfg, dir).skipped, 6);

  old = nlohmann::json::parse(original);
  old.erase("clip");
  app::write_file_atomic(dir / "config.json", old.dump(2));
  try {
    run_study(cfg, dir);
    FAIL() << "resumed without clip";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: missing setting 'clip'"), std::string::npos) << e.what();
  }
  old = nlohmann::json::parse(original);
  old["warmup"] = 5;
  app::write_file_atomic(dir / "config.json", old.dump(2));
  try {
    run_study(cfg, dir);
    FAIL() << "resumed with an unknown setting";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: unknown setting 'warmup'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nos::transfer
