// The one progress printer: its line, and a rate and ETA that count only this session's units.
#include "nn/train/progress.h"

#include <gtest/gtest.h>

#include <thread>

namespace nos::nn {
namespace {

TEST(Progress, LineSaysDoneOfTotalWhatRateAndEta) {
  Progress p("nos-test", true, 0.0, "samples");
  p.set_total(4);
  testing::internal::CaptureStderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.advance("#0 reward 0.5");
  const std::string line = testing::internal::GetCapturedStderr();
  EXPECT_EQ(line.rfind("[nos-test] 1/4 samples | #0 reward 0.5 | ", 0), 0u) << line;
  EXPECT_NE(line.find(" samples/h, elapsed 0:00, ETA 0:00\n"), std::string::npos) << line;
  // One sample in >= 20 ms: at most 180000 per hour.
  EXPECT_GT(p.per_hour(), 0);
  EXPECT_LE(p.per_hour(), 180000);
}

TEST(Progress, RestoredUnitsCountAsDoneButNotInTheRate) {
  Progress p("x", false);
  p.set_total(100);
  p.restore(90);
  EXPECT_EQ(p.done(), 90);
  EXPECT_EQ(p.per_hour(), 0);  // nothing done in this session yet
  EXPECT_EQ(p.timing().rfind("elapsed ", 0), 0u);
  EXPECT_EQ(p.timing().find("ETA"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  p.advance("", 1);
  EXPECT_LE(p.per_hour(), 3600.0 / 0.01);  // one unit in >= 10 ms, not 91
  p.drop(9);
  EXPECT_EQ(p.total(), 91);
}

TEST(Progress, UpdateTakesAbsoluteCountsAndThrottles) {
  Progress p("train", true, 3600.0);
  testing::internal::CaptureStderr();
  p.update(1, 10, "epoch 1/2");   // within the interval: no line
  p.update(10, 10, "epoch 2/2");  // the last unit always prints
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("epoch 1/2"), std::string::npos) << out;
  EXPECT_EQ(out.rfind("[train] 10/10 steps | epoch 2/2 | ", 0), 0u) << out;
  EXPECT_EQ(p.done(), 10);
}

TEST(JsonlLog, AnEmptyPathWritesNothingAndARealOneAppendsRecords) {
  JsonlLog none("");
  none.write({{"epoch", 1}});
  const auto path = std::filesystem::temp_directory_path() / ("nos-jsonl-log-" + std::to_string(::getpid()) + ".jsonl");
  std::filesystem::remove(path);
  {
    JsonlLog log(path.string());
    log.write({{"epoch", 1}});
    log.write({{"epoch", 2}});
  }
  const JsonlContents c = read_jsonl(path);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[1]["epoch"], 2);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace nos::nn
