// Append-only JSONL files that survive SIGKILL: one JSON object per line, each appended with a
// single write() and fsynced before append() returns, and a reader that tolerates the one kind of
// damage a kill leaves (a torn last line).
//
// Why here, in nn/train/: every program that writes records uses it — nn's training loops (the
// per-epoch metrics log), nos-search (evaluations.jsonl) and nos-transfer (runs.jsonl,
// epochs.jsonl) — and dependencies run one way (tensor <- autograd <- nn <- rl <- apps), so the
// lowest of its users is where it can live without nn reaching up into apps/. It needs only the
// C library, nlohmann-json and fmt. apps/common/run_files.h re-exports it as nos::app::JsonlWriter.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nos::nn {

// An append-only JSONL file, opened (created if missing) for the lifetime of the object.
class JsonlWriter {
 public:
  explicit JsonlWriter(const std::filesystem::path& path);
  ~JsonlWriter();
  JsonlWriter(JsonlWriter&& other) noexcept;
  JsonlWriter& operator=(JsonlWriter&& other) noexcept;
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;

  // One line, written with a single write() and fsynced before returning. Throws
  // std::runtime_error naming the file and errno.
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

// What a resuming writer does first: read the file, and if a kill tore its last line, say so on
// stderr ("PROGRAM: FILE: dropped a torn last record ...") and cut it off, so that the next
// append() starts on a line of its own. Returns the records that survive.
JsonlContents read_jsonl_for_append(const std::filesystem::path& path, std::string_view program);

// The whole file. Throws std::runtime_error naming the file if it cannot be read.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace nos::nn
