// The run-directory protocol: settings declared with their resume rule (strict reading, what an
// older config.json without a key stands for), resume conflicts naming key and both values, the
// RunDir's config file and lock, and a resuming JSONL writer after a kill.
#include "apps/common/run_dir.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "apps/common/run_files.h"
#include "apps/common/settings.h"

namespace fs = std::filesystem;
using namespace nos::app;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("nos-run-dir-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

struct Cfg {
  int groups = 2;
  std::string cuts = "continue";
  std::int64_t samples = 200;
  std::vector<double> rates = {0.1, 1};
};

const Settings<Cfg>& table() {
  static const Settings<Cfg> s{{
      fixed("groups", &Cfg::groups),
      fixed("cuts", &Cfg::cuts, "restart"),  // older files had no cuts setting: they restarted
      may_change("samples", &Cfg::samples),
      fixed("rates", &Cfg::rates),
  }};
  return s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Settings, RoundTripThroughJson) {
  Cfg c{.groups = 3, .cuts = "restart", .samples = 7, .rates = {1e-5, 10}};
  const nlohmann::json j = table().to_json(c);
  EXPECT_EQ(j, (nlohmann::json{{"groups", 3}, {"cuts", "restart"}, {"samples", 7}, {"rates", {1e-5, 10.0}}}));
  const Cfg back = table().from_json(j, "config.json");
  EXPECT_EQ(back.groups, 3);
  EXPECT_EQ(back.cuts, "restart");
  EXPECT_EQ(back.samples, 7);
  EXPECT_EQ(back.rates, (std::vector<double>{1e-5, 10}));
}

TEST(Settings, AnOlderFileWithoutAKeyMeansWhatTheFieldDeclares) {
  nlohmann::json old = table().to_json(Cfg{});
  old.erase("cuts");
  const nlohmann::json filled = table().with_absent_keys(old, "old/config.json");
  EXPECT_EQ(filled["cuts"], "restart");
  EXPECT_EQ(table().from_json(filled, "old/config.json").cuts, "restart");
}

TEST(Settings, AMissingKeyWithoutAKnownMeaningSaysWhyItCannotResume) {
  nlohmann::json old = table().to_json(Cfg{});
  old.erase("groups");
  const std::string e = error_of([&] { table().with_absent_keys(old, "old/config.json"); });
  EXPECT_NE(e.find("old/config.json: missing setting 'groups': the file was written by an older version"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("cannot be resumed"), std::string::npos) << e;
}

TEST(Settings, UnknownKeysAndWrongTypesAreErrorsNamingTheKey) {
  nlohmann::json j = table().to_json(Cfg{});
  j["grops"] = 3;
  EXPECT_NE(error_of([&] { table().from_json(j, "c.json"); }).find("c.json: unknown setting 'grops'"),
            std::string::npos);
  EXPECT_NO_THROW(table().from_json(j, "c.json", {"grops"}));  // a derived section is skipped
  j.erase("grops");
  j["groups"] = "two";
  EXPECT_NE(error_of([&] { table().from_json(j, "c.json"); }).find("c.json: setting 'groups' has the wrong type"),
            std::string::npos);
}

TEST(ResumeSettings, AFixedKeyWithAnotherValueIsAConflictNamingBothValues) {
  const nlohmann::json stored = table().to_json(Cfg{});
  Cfg asked;
  asked.groups = 1;
  asked.samples = 500;
  const Resumed r = resume_settings(stored, table().to_json(asked), nullptr, table().rules());
  ASSERT_TRUE(r.conflict);
  EXPECT_EQ(r.conflict->key, "groups");
  EXPECT_EQ(r.conflict->stored, 2);
  EXPECT_EQ(r.conflict->asked, 1);
}

TEST(ResumeSettings, MayChangeKeysTakeTheNewValueAndOnlyGivenKeysCount) {
  const nlohmann::json stored = table().to_json(Cfg{});
  Cfg asked;
  asked.groups = 1;  // not given on the command line: the stored value stands
  asked.samples = 500;
  const std::set<std::string> given{"samples"};
  const Resumed r = resume_settings(stored, table().to_json(asked), &given, table().rules());
  EXPECT_FALSE(r.conflict);
  EXPECT_EQ(r.settings["samples"], 500);
  EXPECT_EQ(r.settings["groups"], 2);
}

TEST(RunDir, LocksWritesConfigWithDerivedSectionsAndRemovesTemporaries) {
  TempDir d;
  {
    const RunDir run(d.path, "nos-test");
    EXPECT_TRUE(run.created());
    EXPECT_FALSE(run.has_config());
    EXPECT_NE(error_of([&] {
                run.read_config();
              }).find("config.json: missing: " + d.path.string() + " is not a nos-test run directory"),
              std::string::npos);
    run.write_config({{"groups", 2}}, {{"data_set", {{"dataset", "cifar10"}}}});
    EXPECT_EQ(run.read_config(), (nlohmann::json{{"groups", 2}, {"data_set", {{"dataset", "cifar10"}}}}));
    EXPECT_THROW(RunDir(d.path, "nos-test"), std::runtime_error);  // one process (one lock) per directory
    std::ofstream(d.path / "config.json.tmp.12345") << "half";
  }
  const RunDir again(d.path, "nos-test");
  EXPECT_FALSE(again.created());
  EXPECT_FALSE(fs::exists(d.path / "config.json.tmp.12345"));
  std::ofstream(d.path / "config.json", std::ios::trunc) << "[1, 2]";
  EXPECT_NE(error_of([&] { again.read_config(); }).find("expected a JSON object of settings"), std::string::npos);
}

TEST(JsonlForAppend, ATornTailIsDroppedAndReportedAndACompleteUnendedLineIsKept) {
  TempDir d;
  fs::create_directories(d.path);
  const auto p = d.path / "e.jsonl";
  std::ofstream(p, std::ios::binary) << "{\"i\":0}\n{\"i\":1,\"ru";
  testing::internal::CaptureStderr();
  auto c = read_jsonl_for_append(p, "nos-test");
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_EQ(c.records.size(), 1u);
  EXPECT_NE(said.find("nos-test: " + p.string() + ": dropped a torn last record"), std::string::npos) << said;
  EXPECT_EQ(read_file(p), "{\"i\":0}\n");

  // A write cut just before its newline left a whole record: kept, and the next one gets its own line.
  std::ofstream(p, std::ios::binary | std::ios::trunc) << "{\"i\":0}\n{\"i\":1}";
  c = read_jsonl_for_append(p, "nos-test");
  EXPECT_EQ(c.records.size(), 2u);
  JsonlWriter(p).append({{"i", 2}});
  c = read_jsonl(p);
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.records[2]["i"], 2);
}

}  // namespace
