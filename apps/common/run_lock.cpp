#include "apps/common/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace nos::app {
namespace {

std::string holder_of(int fd) {
  char buf[512];
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  // "pid host program"
  const auto a = s.find(' '), b = a == std::string::npos ? a : s.find(' ', a + 1);
  if (b == std::string::npos) return "a process that is still starting";
  return fmt::format("{} (PID {} on host {})", s.substr(b + 1), s.substr(0, a), s.substr(a + 1, b - a - 1));
}

// Opens `path` (created if missing) and flocks it with `op`, retrying on EINTR. Returns the
// descriptor; `err` is 0 when locked, else flock's errno. Throws if the file cannot be opened.
int open_and_lock(const std::filesystem::path& path, int op, int& err) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  int rc;
  do rc = ::flock(fd, op);
  while (rc != 0 && errno == EINTR);
  err = rc == 0 ? 0 : errno;
  return fd;
}

}  // namespace

RunLock::RunLock(const std::filesystem::path& dir, std::string_view program) {
  std::error_code ec;
  created_ = std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  const auto path = file(dir);
  int err = 0;
  fd_ = open_and_lock(path, LOCK_EX | LOCK_NB, err);
  if (err != 0) {
    if (err == EWOULDBLOCK) {
      const std::string who = holder_of(fd_);
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error(
          fmt::format("{} is in use by {} (lock {}); wait for it to finish or stop it, or "
                      "choose another directory",
                      dir.string(), who, path.string()));
    }
    fmt::print(stderr,
               "{}: warning: cannot lock {} ({}): the file system has no locks; nothing stops a second "
               "process from writing this directory\n",
               program, path.string(), std::strerror(err));
    return;
  }
  locked_ = true;
  char host[256] = "unknown";
  ::gethostname(host, sizeof host - 1);
  const std::string me = fmt::format("{} {} {}\n", ::getpid(), host, program);
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
    fmt::print(stderr, "{}: warning: cannot record the holder in {}: {}\n", program, path.string(),
               std::strerror(errno));
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

FileLock::FileLock(const std::filesystem::path& file) {
  int err = 0;
  fd_ = open_and_lock(file, LOCK_EX, err);  // err != 0: no locks on this file system; go on
}

FileLock::~FileLock() { ::close(fd_); }

}  // namespace nos::app
