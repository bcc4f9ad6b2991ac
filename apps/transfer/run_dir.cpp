#include "apps/transfer/run_dir.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>

namespace nos::transfer {
namespace fs = std::filesystem;

std::optional<TransferConfig> read_config(const fs::path& dir) {
  const fs::path f = dir / "config.json";
  if (!fs::exists(f)) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(app::read_file(f));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not a nos-transfer config: {}", f.string(), e.what()));
  }
  return config_from_json(j, f.string());
}

std::vector<RunRecord> read_runs(const fs::path& dir) {
  const fs::path f = dir / "runs.jsonl";
  const app::JsonlContents c = app::read_jsonl(f);
  std::vector<RunRecord> out;
  std::map<std::string, size_t> seen;          // key_string -> record number
  std::map<std::string, std::string> rule_of;  // optimizer -> its rule text
  for (size_t i = 0; i < c.records.size(); ++i) {
    const auto& j = c.records[i];
    // Every field has a default (older records lack some), so check the ones a table row needs.
    const bool complete = j.is_object() && j.contains("key") && j["key"].is_object() &&
                          j["key"].contains("optimizer") && j["key"]["optimizer"].is_string() &&
                          !j["key"]["optimizer"].get<std::string>().empty() && j["key"].contains("lr") &&
                          j["key"]["lr"].is_number() && j.contains("rule") && j["rule"].is_string() &&
                          !j["rule"].get<std::string>().empty();
    if (!complete)
      throw std::runtime_error(
          fmt::format("{}: record {} is not a run record: it needs key.optimizer, key.lr and rule", f.string(), i + 1));
    try {
      out.push_back(record_from_json(j));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}: record {} is not a run record: {}", f.string(), i + 1, e.what()));
    }
    const RunRecord& r = out.back();
    if (!(r.key.lr > 0) || !std::isfinite(r.key.lr))
      throw std::runtime_error(
          fmt::format("{}: record {}: learning rate {} is not a positive number", f.string(), i + 1, r.key.lr));
    if (const auto [it, fresh] = seen.emplace(key_string(r.key), i + 1); !fresh)
      throw std::runtime_error(
          fmt::format("{}: record {}: run '{}' was already recorded by record {} (two processes "
                      "wrote this directory?)",
                      f.string(), i + 1, key_string(r.key), it->second));
    if (const auto [it, fresh] = rule_of.emplace(r.key.optimizer, r.rule); !fresh && it->second != r.rule)
      throw std::runtime_error(fmt::format("{}: record {}: optimizer '{}' ran rule '{}', but earlier records say '{}'",
                                           f.string(), i + 1, r.key.optimizer, r.rule, it->second));
  }
  return out;
}

namespace {
// Opening a JSONL file for appending after a kill: drop the torn last line first (and say so).
app::JsonlWriter open_appending(const fs::path& f) {
  (void)app::read_jsonl_for_append(f, "nos-transfer");
  return app::JsonlWriter(f);
}
}  // namespace

RunDir::RunDir(const fs::path& dir, const TransferConfig& config)
    : dir_(dir),
      finished_((fs::create_directories(dir), read_runs(dir))),
      attempt_(fmt::format(
          "{}-{}",
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
          getpid())),
      runs_(open_appending(dir / "runs.jsonl")),
      epochs_(open_appending(dir / "epochs.jsonl")) {
  if (const auto old = read_config(dir)) {
    const std::string why = settings_mismatch(*old, config);
    if (!why.empty())
      throw std::runtime_error(
          fmt::format("{} holds a study with other settings ({}); resume it with the same "
                      "settings or choose a new --out",
                      dir.string(), why));
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
