// Files of a run directory that must survive SIGKILL at any instant.
//
// Whole files (a checkpoint, a cache, a table) are replaced atomically: written to a temporary
// file in the same directory, fsynced, renamed over the old one, and the directory fsynced, so a
// reader sees the old file or the new one, never a mix. Records that only grow (one JSON object
// per evaluated rule or per epoch) go to an append-only JSONL file (nn/train/jsonl.h), one write()
// and one fsync per record. A kill can still tear the last line; read_jsonl drops a torn final
// line (the record in flight) and rejects damage anywhere else.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/train/jsonl.h"

namespace nos::app {

// Replaces `path` atomically with `content`. Throws std::runtime_error naming the file and errno.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// The whole file. Throws std::runtime_error naming the file if it cannot be read.
inline std::string read_file(const std::filesystem::path& path) { return nn::read_text_file(path); }

// Append-only records: one implementation for nn's training logs and every app's run directory,
// in nn/train/jsonl.h (the lowest layer that writes records; see there).
using nn::JsonlContents;
using nn::JsonlWriter;
using nn::read_jsonl;
using nn::read_jsonl_for_append;
using nn::truncate_torn_tail;

// Deletes the NAME.tmp.PID files that write_file_atomic leaves when it is killed between create
// and rename, anywhere under `dir`. Only safe while holding the directory's RunLock (run_lock.h):
// then no other process can be writing one. Returns how many were removed.
int remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace nos::app
