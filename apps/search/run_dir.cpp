#include "apps/search/run_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "apps/common/run_files.h"

namespace nos::search {
namespace {

// config.json key -> command-line flag: max_kl -> max-kl.
std::string flag_of(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

}  // namespace

void create_run_dir(const RunPaths& p, const SearchConfig& c) {
  if (std::filesystem::exists(p.config()))
    throw std::runtime_error(fmt::format("{} already holds a search run (config.json exists): continue it with "
                                         "--resume {} or choose another --dir",
                                         p.dir.string(), p.dir.string()));
  for (const auto& f : {p.evaluations(), p.checkpoint(), p.cache()})
    if (std::filesystem::exists(f))
      throw std::runtime_error(fmt::format("{} exists but {} does not: the directory holds part of a run; choose "
                                           "another --dir", f.string(), p.config().string()));
  std::filesystem::create_directories(p.dir);
  app::write_file_atomic(p.config(), to_json(c).dump(2) + "\n");
}

void abandon_new_run(const RunPaths& p, bool remove_dir) {
  std::error_code ec;
  if (std::filesystem::exists(p.checkpoint(), ec)) return;
  if (std::filesystem::exists(p.evaluations(), ec) && std::filesystem::file_size(p.evaluations(), ec) > 0) return;
  for (const auto& f : {p.config(), p.evaluations(), p.cache()}) std::filesystem::remove(f, ec);
  if (remove_dir) {
    std::filesystem::remove(p.dir / ".lock", ec);
    std::filesystem::remove(p.dir, ec);  // only if empty
  }
}

SearchConfig read_run_config(const RunPaths& p) {
  if (!std::filesystem::exists(p.config()))
    throw std::runtime_error(fmt::format("{}: missing: {} is not a nos-search run directory", p.config().string(),
                                         p.dir.string()));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(app::read_file(p.config()));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not valid JSON ({})", p.config().string(), e.what()));
  }
  SearchConfig c = config_from_json(j, p.config().string());
  if (auto why = validate(c); !why.empty()) throw std::runtime_error(fmt::format("{}: {}", p.config().string(), why));
  return c;
}

SearchConfig resume_config(const RunPaths& p, const SearchConfig& cli, const std::set<std::string>& given) {
  const SearchConfig stored = read_run_config(p);
  nlohmann::json s = to_json(stored);
  const nlohmann::json c = to_json(cli);
  for (const auto& key : given) {
    if (!c.contains(key) || c[key] == s[key]) continue;
    if (!resumable_key(key))
      throw std::runtime_error(fmt::format("--resume {}: --{} is {} on the command line but {} in {}; a resumed run "
                                           "keeps its settings (only the budget, workers, data location and output "
                                           "may change)",
                                           p.dir.string(), flag_of(key), c[key].dump(), s[key].dump(), p.config().string()));
    s[key] = c[key];
  }
  SearchConfig out = config_from_json(s, p.config().string());
  if (auto why = validate(out); !why.empty()) throw std::runtime_error(fmt::format("--resume {}: {}", p.dir.string(), why));
  app::write_file_atomic(p.config(), s.dump(2) + "\n");
  return out;
}

}  // namespace nos::search
