// The run-directory protocol every nos program follows (nos-search, nos-transfer):
//
//   DIR/.lock        one process per directory (run_lock.h), taken before anything is read
//   DIR/config.json  the settings (apps/common/settings.h), plus sections the program derives
//                    from them (nos-search: the resolved data set and the reward protocol)
//   DIR/*.jsonl      append-only records (nn/train/jsonl.h), fsynced, torn tail dropped on resume
//   other files      replaced atomically (run_files.h: write_file_atomic)
//
// Resuming: the command line's settings meet config.json's through resume_settings. Every field
// declares beside itself (settings.h) whether it is Fixed (part of what the run computes: another
// value is a ResumeConflict naming the key, the stored and the asked value) or MayChange (budget,
// workers, where the data lives, progress output, a sweep that may grow).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/common/run_lock.h"

namespace nos::app {

enum class OnResume { Fixed, MayChange };

struct KeyRule {
  std::string key;
  OnResume on_resume = OnResume::Fixed;
  // The value a config.json without the key stands for (written before the setting existed);
  // nullopt: such a file cannot be resumed, and reading it says so.
  std::optional<nlohmann::json> if_absent;
};

class RunDir {
 public:
  // Creates `dir` if missing and locks it for this object's life (a second process is refused,
  // naming the holder), then removes the temporaries a killed process left (saying how many).
  RunDir(const std::filesystem::path& dir, std::string program);

  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }
  std::filesystem::path config_file() const { return dir_ / "config.json"; }
  const std::string& program() const { return program_; }
  bool created() const { return lock_->created_dir(); }  // the constructor created the directory
  bool has_config() const;

  // config.json as written; throws std::runtime_error naming the file when it is missing, not
  // JSON or not an object.
  nlohmann::json read_config() const;
  // Replaces config.json atomically with `settings` and the `derived` sections beside them.
  void write_config(const nlohmann::json& settings, const nlohmann::json& derived = nlohmann::json::object()) const;

 private:
  std::filesystem::path dir_;
  std::string program_;
  std::unique_ptr<RunLock> lock_;
};

// A Fixed setting the resuming command line gives another value.
struct ResumeConflict {
  std::string key;
  nlohmann::json stored, asked;
};

struct Resumed {
  nlohmann::json settings;                 // what the resumed run continues with
  std::optional<ResumeConflict> conflict;  // set: the run must not continue
};

// `stored` (config.json's settings, absent keys already filled) with the MayChange keys of
// `asked` taken over; `given` lists the keys the command line set (nullptr: all of `asked`, for
// programs whose every invocation states the whole configuration). A Fixed key given with a
// value other than the stored one is the conflict.
Resumed resume_settings(const nlohmann::json& stored, const nlohmann::json& asked, const std::set<std::string>* given,
                        const std::vector<KeyRule>& rules);

}  // namespace nos::app
