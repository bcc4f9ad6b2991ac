#include "apps/transfer/run_dir.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace nos::transfer {
namespace fs = std::filesystem;

std::optional<TransferConfig> read_config(const fs::path& dir) {
  const fs::path f = dir / "config.json";
  if (!fs::exists(f)) return std::nullopt;
  try {
    return config_from_json(nlohmann::json::parse(app::read_file(f)));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not a nos-transfer config: {}", f.string(), e.what()));
  }
}

std::vector<RunRecord> read_runs(const fs::path& dir) {
  const fs::path f = dir / "runs.jsonl";
  const app::JsonlContents c = app::read_jsonl(f);
  std::vector<RunRecord> out;
  for (size_t i = 0; i < c.records.size(); ++i) {
    try {
      out.push_back(record_from_json(c.records[i]));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}: record {} is not a run record: {}", f.string(), i + 1, e.what()));
    }
  }
  return out;
}

namespace {
// Opening a JSONL file for appending after a kill: drop the torn last line first.
app::JsonlWriter open_appending(const fs::path& f) {
  if (fs::exists(f) && app::read_jsonl(f).torn_tail) app::truncate_torn_tail(f);
  return app::JsonlWriter(f);
}
}  // namespace

RunDir::RunDir(const fs::path& dir, const TransferConfig& config)
    : dir_(dir),
      finished_((fs::create_directories(dir), read_runs(dir))),
      attempt_(fmt::format("{}-{}", std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch()).count(), getpid())),
      runs_(open_appending(dir / "runs.jsonl")),
      epochs_(open_appending(dir / "epochs.jsonl")) {
  if (const auto old = read_config(dir)) {
    const std::string why = settings_mismatch(*old, config);
    if (!why.empty())
      throw std::runtime_error(fmt::format("{} holds a study with other settings ({}); resume it with the same "
                                           "settings or choose a new --out", dir.string(), why));
  }
  app::write_file_atomic(dir / "config.json", to_json(config).dump(2) + "\n");
}

bool RunDir::is_finished(const RunKey& k) const {
  for (const auto& r : finished_)
    if (key_string(r.key) == key_string(k)) return true;
  return false;
}

void RunDir::append_epoch(const RunKey& k, const EpochMetrics& m) {
  nlohmann::json j = m;
  j["run"] = key_string(k);
  j["attempt"] = attempt_;
  epochs_.append(j);
}

void RunDir::append_run(const RunRecord& r) {
  runs_.append(to_json(r));
  finished_.push_back(r);
}

}  // namespace nos::transfer
