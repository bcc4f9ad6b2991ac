#include "nn/train/jsonl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace nos::nn {
namespace {

[[noreturn]] void fail(std::string_view what, const std::filesystem::path& path) {
  throw std::runtime_error(fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

// Retries short writes and EINTR: a record must reach the file whole or the call fails.
void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// A newly created file is only durable once its directory entry is on disk.
void fsync_parent(const std::filesystem::path& file) {
  const auto dir = file.parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) fail("cannot open directory", dir);
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw std::runtime_error(fmt::format("error reading {}", path.string()));
  return std::move(s).str();
}

JsonlWriter::JsonlWriter(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot open for appending", path);
  fsync_parent(path);
}

JsonlWriter::~JsonlWriter() {
  if (fd_ >= 0) ::close(fd_);
}

JsonlWriter::JsonlWriter(JsonlWriter&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

JsonlWriter& JsonlWriter::operator=(JsonlWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void JsonlWriter::append(const nlohmann::json& record) {
  std::string line = record.dump();
  line += '\n';
  write_all(fd_, line, path_);
  if (::fdatasync(fd_) != 0) fail("cannot fsync", path_);
}

JsonlContents read_jsonl(const std::filesystem::path& path) {
  JsonlContents out;
  if (!std::filesystem::exists(path)) return out;
  const std::string text = read_text_file(path);
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    const bool last_without_newline = nl == std::string::npos;
    const std::string_view line(text.data() + pos, (last_without_newline ? text.size() : nl) - pos);
    pos = last_without_newline ? text.size() : nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      out.records.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::parse_error& e) {
      if (last_without_newline) {
        out.torn_tail = true;
        break;
      }
      throw std::runtime_error(fmt::format("{}:{}: corrupt record: {}", path.string(), line_no, e.what()));
    }
  }
  return out;
}

void truncate_torn_tail(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return;
  const std::string text = read_text_file(path);
  const size_t last_nl = text.rfind('\n');
  const size_t keep = last_nl == std::string::npos ? 0 : last_nl + 1;
  if (keep == text.size()) return;
  std::error_code ec;
  std::filesystem::resize_file(path, keep, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot truncate {}: {}", path.string(), ec.message()));
}

JsonlContents read_jsonl_for_append(const std::filesystem::path& path, std::string_view program) {
  JsonlContents c = read_jsonl(path);
  if (c.torn_tail) {
    fmt::print(stderr, "{}: {}: dropped a torn last record (the process was killed while writing it)\n", program,
               path.string());
    truncate_torn_tail(path);
  } else if (!c.records.empty()) {
    // A write cut exactly before its newline leaves a whole record: keep it, and end its line so
    // that the next record does not join it.
    const std::string text = read_text_file(path);
    if (!text.empty() && text.back() != '\n') {
      const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd < 0) fail("cannot open for appending", path);
      write_all(fd, "\n", path);
      ::close(fd);
    }
  }
  return c;
}

}  // namespace nos::nn
