// Scores of rules by protocol, shared by runs (nos-search's reference optimizers, nos-search
// calibrate): DIR/<protocol hash>.json holds one protocol's scores, keyed by the rule's canonical
// hash. A score is a pure function of (protocol, rule), so any run with the same protocol may take
// it instead of training again; the key is what the reward reads, not the code that computes it:
// clear the directory after changing the reward's code.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/search/reward/reward.h"

namespace nos::search {

// The protocol with the data set it resolves to, and its hash (16 hex digits of FNV-1a over the
// JSON text): what keys a score.
nlohmann::json scored_protocol(nlohmann::json protocol, const nlohmann::json& dataset);
std::string protocol_hash(const nlohmann::json& protocol);

class ScoreCache {
 public:
  explicit ScoreCache(std::filesystem::path dir) : dir_(std::move(dir)) {}  // empty: no cache
  bool enabled() const { return !dir_.empty(); }

  // The score of `canonical` under `protocol` (scored_protocol), if stored. Throws naming a
  // malformed file.
  std::optional<Evaluation> lookup(const nlohmann::json& protocol, std::uint64_t canonical) const;
  // Stores it: under an exclusive lock on DIR/.score-cache.lock the file is read again and
  // replaced atomically, so scores other runs (or threads) added since are kept.
  void store(const nlohmann::json& protocol, std::uint64_t canonical, const std::string& name, const std::string& rule,
             const Evaluation& e) const;

 private:
  std::filesystem::path file(const nlohmann::json& protocol) const;
  std::filesystem::path dir_;
};

}  // namespace nos::search
