// The run-directory lock across processes: a second process is refused at once with the
// directory and the holder's PID, and a SIGKILL of the holder releases the lock.
#include "apps/common/run_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "apps/common/run_files.h"

namespace fs = std::filesystem;
using namespace nos::app;

namespace {

fs::path fresh_dir(const std::string& name) {
  const auto d = fs::temp_directory_path() / ("nos-run-lock-" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  return d;
}

// A child process that takes the lock, reports on a pipe and then sleeps until killed.
pid_t hold_lock_in_child(const fs::path& dir) {
  int p[2];
  if (::pipe(p) != 0) throw std::runtime_error("pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    try {
      RunLock lock(dir, "lock-test");
      const char ok = 1;
      (void)!::write(p[1], &ok, 1);
      for (;;) ::pause();
    } catch (...) {
      _exit(3);
    }
  }
  ::close(p[1]);
  char c = 0;
  if (::read(p[0], &c, 1) != 1) throw std::runtime_error("the child could not take the lock");
  ::close(p[0]);
  return pid;
}

std::string refusal(const fs::path& dir) {
  try {
    RunLock second(dir, "lock-test");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(RunLock, ASecondProcessIsRefusedWithTheHolderAndASigkillReleasesIt) {
  const fs::path d = fresh_dir("held");
  const pid_t holder = hold_lock_in_child(d);
  const std::string e = refusal(d);
  EXPECT_NE(e.find(d.string() + " is in use by lock-test (PID " + std::to_string(holder) + " on host "),
            std::string::npos)
      << e;
  ::kill(holder, SIGKILL);
  int status = 0;
  ::waitpid(holder, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(refusal(d), "") << "the lock of a killed process must be free";
  fs::remove_all(d);
}

TEST(RunLock, CreatesTheDirectoryAndSaysSo) {
  const fs::path d = fresh_dir("new");
  {
    RunLock lock(d, "lock-test");
    EXPECT_TRUE(lock.locked());
    EXPECT_TRUE(lock.created_dir());
    EXPECT_TRUE(fs::is_directory(d));
  }
  RunLock again(d, "lock-test");
  EXPECT_FALSE(again.created_dir());
  fs::remove_all(d);
}

TEST(RunFiles, StaleTemporariesAreRemovedAndNothingElse) {
  const fs::path d = fresh_dir("tmp");
  fs::create_directories(d / "plots");
  for (const char* f : {"checkpoint.tmp.123", "plots/a.dat.tmp.9", "keep.tmp.x", "keep.tmp.", "table.md"})
    std::ofstream(d / f) << "x";
  EXPECT_EQ(remove_stale_temporaries(d), 2);
  EXPECT_FALSE(fs::exists(d / "checkpoint.tmp.123"));
  EXPECT_FALSE(fs::exists(d / "plots/a.dat.tmp.9"));
  for (const char* f : {"keep.tmp.x", "keep.tmp.", "table.md"}) EXPECT_TRUE(fs::exists(d / f)) << f;
  fs::remove_all(d);
}
