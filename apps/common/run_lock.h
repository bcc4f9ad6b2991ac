// One process per run directory: an advisory lock held for the process's life.
//
// Two processes writing one run directory would record every sample (or run) twice and leave a
// directory that can never be resumed, so nos-search and nos-transfer take DIR/.lock with
// flock(LOCK_EX | LOCK_NB) before they read or write anything else, and refuse at once when
// another process holds it. The lock belongs to the open file, so the kernel releases it when the
// process ends in any way, SIGKILL included: there is never a stale lock to delete by hand. The
// file itself stays and records the last holder ("pid host program"), which the refusal quotes.
//
// Shared file systems: on Linux, flock on NFS (v3 with lockd, v4 natively) is carried out as a
// whole-file POSIX lock on the server, so it excludes processes on other client machines too; the
// server drops the lock of a client that crashed when its lease ends (NFSv4, about 90 s) or when
// statd sees it reboot (NFSv3). A file system mounted without lock support (NFS with `nolock`,
// Lustre without `-o flock`) fails flock with ENOLCK/ENOSYS/EOPNOTSUPP: the run then goes on
// unlocked with a warning on stderr, and running two processes on the directory is up to the user.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace nos::app {

class RunLock {
 public:
  // Creates `dir` (and parents) if missing, then locks DIR/.lock. Throws std::runtime_error
  // naming the directory and the holder if another process has it.
  RunLock(const std::filesystem::path& dir, std::string_view program);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  bool locked() const { return locked_; }        // false: the file system has no locks (warned)
  bool created_dir() const { return created_; }  // this call created `dir`
  static std::filesystem::path file(const std::filesystem::path& dir) { return dir / ".lock"; }

 private:
  int fd_ = -1;
  bool locked_ = false, created_ = false;
};

// An exclusive lock on `file` (created if missing), waited for and held for the object's life:
// for a short read-modify-replace that several processes may do at once (each FileLock holds its
// own open file, so threads of one process exclude each other too). On a file system without
// locks it holds nothing, silently: use it where losing that race costs a recomputation only.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& file);  // throws if `file` cannot be opened
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace nos::app
