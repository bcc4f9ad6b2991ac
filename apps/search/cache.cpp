#include "apps/search/cache.h"

#include <fmt/format.h>

#include <stdexcept>

#include "apps/common/run_files.h"
#include "apps/search/evaluator.h"
#include "dslc/hash.h"

namespace nos::search {

const CacheEntry* EvalCache::find(const RuleIdentity& id) const {
  if (auto it = by_hash_.find(id.canonical_hash); it != by_hash_.end()) return &entries_[it->second];
  if (auto it = by_fingerprint_.find(id.fingerprint); it != by_fingerprint_.end()) return &entries_[it->second];
  return nullptr;
}

void EvalCache::index(size_t i) {
  by_hash_.emplace(entries_[i].hash, i);
  by_fingerprint_.emplace(entries_[i].fingerprint, i);
}

void EvalCache::insert(const RuleIdentity& id, const Evaluation& e, std::int64_t sample) {
  if (find(id)) return;
  entries_.push_back({.hash = id.canonical_hash,
                      .fingerprint = id.fingerprint,
                      .canonical = id.canonical,
                      .infix = id.infix,
                      .eval = e,
                      .sample = sample});
  index(entries_.size() - 1);
}

nlohmann::json EvalCache::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : entries_)
    list.push_back({{"hash", dslc::hash_hex(e.hash)},
                    {"fingerprint", dslc::hash_hex(e.fingerprint)},
                    {"canonical", e.canonical},
                    {"infix", e.infix},
                    {"sample", e.sample},
                    {"eval", search::to_json(e.eval)}});
  return {{"format", "nos-search cache"}, {"version", 1}, {"entries", list}};
}

EvalCache EvalCache::from_json(const nlohmann::json& j, const std::string& source) {
  EvalCache c;
  try {
    if (j.at("format") != "nos-search cache" || j.at("version") != 1)
      throw std::runtime_error("expected format 'nos-search cache' version 1");
    for (const auto& e : j.at("entries")) {
      c.entries_.push_back({.hash = dslc::parse_hash_hex(e.at("hash").get<std::string>()),
                            .fingerprint = dslc::parse_hash_hex(e.at("fingerprint").get<std::string>()),
                            .canonical = e.at("canonical").get<std::string>(),
                            .infix = e.at("infix").get<std::string>(),
                            .eval = evaluation_from_json(e.at("eval")),
                            .sample = e.at("sample").get<std::int64_t>()});
      c.index(c.entries_.size() - 1);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: malformed cache: {}", source, e.what()));
  }
  return c;
}

void save_cache(const std::filesystem::path& path, const EvalCache& cache) {
  app::write_file_atomic(path, cache.to_json().dump() + "\n");
}

EvalCache load_cache(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return {};
  const std::string text = app::read_file(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not valid JSON ({})", path.string(), e.what()));
  }
  return EvalCache::from_json(j, path.string());
}

}  // namespace nos::search
