#include "apps/search/score_cache.h"

#include <fmt/format.h>

#include <stdexcept>

#include "apps/common/run_files.h"
#include "apps/common/run_lock.h"
#include "apps/search/cache.h"
#include "apps/search/evaluator.h"
#include "dslc/hash.h"

namespace nos::search {
namespace {

constexpr const char* kFormat = "nos-search score cache";

nlohmann::json read_cache_file(const std::filesystem::path& f) {
  if (!std::filesystem::exists(f)) return nullptr;
  try {
    auto j = nlohmann::json::parse(app::read_file(f));
    if (j.at("format") != kFormat || j.at("version") != 1)
      throw std::runtime_error(fmt::format("expected format '{}' version 1", kFormat));
    (void)j.at("entries").items();
    return j;
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("{}: malformed score cache ({}); delete it to start it again", f.string(), e.what()));
  }
}

}  // namespace

nlohmann::json scored_protocol(nlohmann::json protocol, const nlohmann::json& dataset) {
  protocol["dataset"] = dataset;
  return protocol;
}

std::string protocol_hash(const nlohmann::json& protocol) { return dslc::hash_hex(dslc::fnv1a64(protocol.dump())); }

std::filesystem::path ScoreCache::file(const nlohmann::json& protocol) const {
  return dir_ / (protocol_hash(protocol) + ".json");
}

std::optional<Evaluation> ScoreCache::lookup(const nlohmann::json& protocol, std::uint64_t canonical) const {
  if (!enabled()) return std::nullopt;
  const auto f = file(protocol);
  const nlohmann::json j = read_cache_file(f);
  const std::string key = dslc::hash_hex(canonical);
  if (j.is_null() || !j["entries"].contains(key)) return std::nullopt;
  try {
    return evaluation_from_json(j["entries"][key].at("eval"));
  } catch (const nlohmann::json::exception& ex) {
    throw std::runtime_error(fmt::format("{}: entry {}: {}", f.string(), key, ex.what()));
  }
}

void ScoreCache::store(const nlohmann::json& protocol, std::uint64_t canonical, const std::string& name,
                       const std::string& rule, const Evaluation& e) const {
  if (!enabled()) return;
  std::filesystem::create_directories(dir_);
  // Runs sharing the cache may store at the same moment: each keeps the others' scores.
  const app::FileLock lock(dir_ / ".score-cache.lock");
  const auto f = file(protocol);
  nlohmann::json j = read_cache_file(f);
  if (j.is_null())
    j = {{"format", kFormat}, {"version", 1}, {"protocol", protocol}, {"entries", nlohmann::json::object()}};
  j["entries"][dslc::hash_hex(canonical)] = {{"name", name}, {"rule", rule}, {"eval", to_json(e)}};
  app::write_file_atomic(f, j.dump(1) + "\n");
}

}  // namespace nos::search
