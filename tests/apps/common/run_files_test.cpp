#include "apps/common/run_files.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace nos::app;

namespace {

// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("nos-run-files-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write_raw(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

}  // namespace

TEST(RunFiles, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  TempDir d;
  const auto p = d.path / "checkpoint";
  write_file_atomic(p, "first version, longer than the second");
  write_file_atomic(p, "second");
  EXPECT_EQ(read_file(p), "second");
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d.path)) ++files;
  EXPECT_EQ(files, 1);
}

TEST(RunFiles, AtomicWriteIntoMissingDirectoryNamesTheFile) {
  TempDir d;
  try {
    write_file_atomic(d.path / "no-such-dir" / "x", "data");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-dir/x"), std::string::npos) << e.what();
  }
}

TEST(RunFiles, ReadFileMissingNamesTheFile) {
  TempDir d;
  try {
    read_file(d.path / "absent.json");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.json"), std::string::npos) << e.what();
  }
}

TEST(RunFiles, JsonlAppendsAcrossWritersAndReadsBackInOrder) {
  TempDir d;
  const auto p = d.path / "evaluations.jsonl";
  {
    JsonlWriter w(p);
    w.append({{"i", 0}, {"rule", "mul g exp mul sign_g sign_m"}});
    w.append({{"i", 1}});
  }
  JsonlWriter again(p);  // a resumed run appends after what is there
  again.append({{"i", 2}});
  const auto c = read_jsonl(p);
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_FALSE(c.torn_tail);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.records[i]["i"], i);
  EXPECT_EQ(c.records[0]["rule"], "mul g exp mul sign_g sign_m");
}

TEST(RunFiles, MissingJsonlIsEmpty) {
  TempDir d;
  const auto c = read_jsonl(d.path / "none.jsonl");
  EXPECT_TRUE(c.records.empty());
  EXPECT_FALSE(c.torn_tail);
}

TEST(RunFiles, TornLastLineIsDroppedAndTruncated) {
  TempDir d;
  const auto p = d.path / "e.jsonl";
  write_raw(p, "{\"i\":0}\n{\"i\":1}\n{\"i\":2,\"ru");  // killed during the third append
  auto c = read_jsonl(p);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_TRUE(c.torn_tail);
  truncate_torn_tail(p);
  EXPECT_EQ(read_file(p), "{\"i\":0}\n{\"i\":1}\n");
  JsonlWriter(p).append({{"i", 2}});
  c = read_jsonl(p);
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.records[2]["i"], 2);
}

TEST(RunFiles, DamageBeforeTheLastLineIsAnErrorWithFileAndLine) {
  TempDir d;
  const auto p = d.path / "e.jsonl";
  write_raw(p, "{\"i\":0}\ngarbage here\n{\"i\":2}\n");
  try {
    read_jsonl(p);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("e.jsonl:2: corrupt record"), std::string::npos) << e.what();
  }
}

TEST(RunFiles, CompleteButInvalidLastLineIsAnError) {
  // A newline means the write finished: a bad line there is damage, not a kill.
  TempDir d;
  const auto p = d.path / "e.jsonl";
  write_raw(p, "{\"i\":0}\n{oops}\n");
  EXPECT_THROW(read_jsonl(p), std::runtime_error);
}
