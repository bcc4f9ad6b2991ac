// Files of a run directory that must survive SIGKILL at any instant.
//
// Whole files (a checkpoint, a cache, a table) are replaced atomically: written to a temporary
// file in the same directory, fsynced, renamed over the old one, and the directory fsynced, so a
// reader sees the old file or the new one, never a mix. Records that only grow (one JSON object
// per evaluated rule or per epoch) go to an append-only JSONL file, one write() and one fsync per
// record. A kill can still tear the last line; read_jsonl drops a torn final line (the record in
// flight) and rejects damage anywhere else.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nos::app {

// Replaces `path` atomically with `content`. Throws std::runtime_error naming the file and errno.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// The whole file. Throws std::runtime_error naming the file if it cannot be read.
std::string read_file(const std::filesystem::path& path);

// An append-only JSONL file, opened (created if missing) for the lifetime of the object.
class JsonlWriter {
 public:
  explicit JsonlWriter(const std::filesystem::path& path);
  ~JsonlWriter();
  JsonlWriter(JsonlWriter&& other) noexcept;
  JsonlWriter& operator=(JsonlWriter&& other) noexcept;
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;

  // One line, written with a single write() and fsynced before returning.
  void append(const nlohmann::json& record);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

struct JsonlContents {
  std::vector<nlohmann::json> records;
  bool torn_tail = false;  // the last line had no newline and did not parse: dropped
};

// Every record of a JSONL file (empty if the file does not exist). A line that fails to parse
// throws std::runtime_error "FILE:LINE: corrupt record: ..." unless it is the final line without a
// newline, which is what a kill during append() leaves; that line is dropped and reported in
// torn_tail. If the tail was torn, truncate_torn_tail() removes it before appending again.
JsonlContents read_jsonl(const std::filesystem::path& path);
void truncate_torn_tail(const std::filesystem::path& path);

// Deletes the NAME.tmp.PID files that write_file_atomic leaves when it is killed between create
// and rename, anywhere under `dir`. Only safe while holding the directory's RunLock (run_lock.h):
// then no other process can be writing one. Returns how many were removed.
int remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace nos::app
