// The evaluation cache: a rule equivalent to one already evaluated is never trained again.
//
// Two keys, as AutoML-Zero's functional-equivalence cache: dslc's canonical hash (rules equal
// after canonicalisation: `mul g one` and `g`), and the behaviour fingerprint (rules that differ
// in form but update the weights identically on a fixed probe). A hit on either gives the stored
// evaluation. The cache lives in the run directory as cache.json (replaced atomically) and is
// reloaded on resume; evaluations.jsonl can rebuild it (records with "trained": true).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/search/reward/reward.h"
#include "apps/search/reward/rule_identity.h"

namespace nos::search {

struct CacheEntry {
  std::uint64_t hash = 0, fingerprint = 0;
  std::string canonical, infix;
  Evaluation eval;
  std::int64_t sample = 0;  // the sample that was trained
};

class EvalCache {
 public:
  const CacheEntry* find(const RuleIdentity& id) const;  // by canonical hash, then by fingerprint
  void insert(const RuleIdentity& id, const Evaluation& e, std::int64_t sample);  // keeps an existing entry
  size_t size() const { return entries_.size(); }

  nlohmann::json to_json() const;
  // Throws std::runtime_error naming `source` for a malformed cache.
  static EvalCache from_json(const nlohmann::json& j, const std::string& source);

 private:
  void index(size_t i);
  std::vector<CacheEntry> entries_;
  std::unordered_map<std::uint64_t, size_t> by_hash_, by_fingerprint_;
};

// cache.json: written atomically; a missing file is an empty cache, a damaged one an error.
void save_cache(const std::filesystem::path& path, const EvalCache& cache);
EvalCache load_cache(const std::filesystem::path& path);

}  // namespace nos::search
