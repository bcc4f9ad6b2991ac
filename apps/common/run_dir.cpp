#include "apps/common/run_dir.h"

#include <fmt/format.h>

#include <stdexcept>

#include "apps/common/run_files.h"

namespace nos::app {

RunDir::RunDir(const std::filesystem::path& dir, std::string program)
    : dir_(dir), program_(std::move(program)), lock_(std::make_unique<RunLock>(dir, program_)) {
  if (const int n = remove_stale_temporaries(dir_); n > 0)
    fmt::print(stderr, "{}: {}: removed {} temporary file(s) left by a killed process\n", program_, dir_.string(), n);
}

bool RunDir::has_config() const { return std::filesystem::exists(config_file()); }

nlohmann::json RunDir::read_config() const {
  const auto f = config_file();
  if (!std::filesystem::exists(f))
    throw std::runtime_error(
        fmt::format("{}: missing: {} is not a {} run directory", f.string(), dir_.string(), program_));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(f));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not valid JSON ({})", f.string(), e.what()));
  }
  if (!j.is_object()) throw std::runtime_error(fmt::format("{}: expected a JSON object of settings", f.string()));
  return j;
}

void RunDir::write_config(const nlohmann::json& settings, const nlohmann::json& derived) const {
  nlohmann::json j = settings;
  for (const auto& [k, v] : derived.items()) j[k] = v;
  write_file_atomic(config_file(), j.dump(2) + "\n");
}

Resumed resume_settings(const nlohmann::json& stored, const nlohmann::json& asked, const std::set<std::string>* given,
                        const std::vector<KeyRule>& rules) {
  Resumed out{.settings = stored};
  for (const auto& r : rules) {
    if (given && !given->count(r.key)) continue;
    if (!asked.contains(r.key)) continue;
    const nlohmann::json& now = asked[r.key];
    const nlohmann::json was = stored.contains(r.key) ? stored[r.key] : nlohmann::json();
    if (now == was) continue;
    if (r.on_resume == OnResume::Fixed) {
      if (!out.conflict) out.conflict = ResumeConflict{.key = r.key, .stored = was, .asked = now};
      continue;
    }
    out.settings[r.key] = now;
  }
  return out;
}

}  // namespace nos::app
