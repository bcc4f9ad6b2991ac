// Reference optimizers beside the search: Adam, SGD, Momentum, RMSProp and PowerSign (by default)
// scored once with the run's own reward protocol, so every leaderboard has a yardstick.
//
// They are not samples. Their records go to references.jsonl (flagged "reference": true), never
// to evaluations.jsonl; the strategy never observes them and the search's evaluation cache never
// holds them, so a run with references proposes, trains and checkpoints exactly what the same run
// without them does. The driver sends them to the workers before the first sample (job sample
// -1, -2, ...: the same Job/Outcome path, local threads or MPI ranks), so `make run` shows them early.
//
// Cached twice, both keyed by the protocol's hash (reference_protocol(): every setting that
// decides a reward, with the data set resolved) and the rule's canonical hash:
//   - references.jsonl in the run directory: a resumed run never trains a reference again;
//     one record per stage and seed, a protocol that several of them share trained once;
//   - optionally --score-cache DIR (score_cache.h), one file DIR/<protocol hash>.json shared by
//     every run directory and by calibrations: a second run with the same protocol takes them
//     from there ("cached": true). It outlives the build; clear it after changing the reward's code.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/common/run_files.h"
#include "apps/search/cache.h"
#include "apps/search/evaluator.h"
#include "apps/search/run_dir.h"
#include "apps/search/score_cache.h"

namespace nos::search {

struct ReferenceRule {
  std::string name;  // as listed: "adam"
  std::string rule;  // dslc prefix text
};

// The --references list resolved against rules/paper.rules (found as nos-transfer finds it) and
// the baselines, or NAME=RULE literals; empty for an empty list. Throws std::runtime_error naming
// an unknown name, a duplicate, or a rule the child reward cannot run as the baseline means it
// (rmsprop_tf needs its own beta2).
std::vector<ReferenceRule> resolve_references(const std::vector<std::string>& names);

// Every setting that decides a reward at seed `seed` of stage `stage`, with the data set the run
// trains on (`data_set` as resolved_data_set() gives it: cifar10 or fashion-mnist for --dataset
// auto, "synthetic" for the synthetic reward).
nlohmann::json reference_protocol(const SearchConfig& c, const nlohmann::json& data_set, int stage = 0, int seed = 0);

inline bool is_reference_job(std::int64_t sample) { return sample < 0; }

// The references of one run: which still need training, and their records.
class References {
 public:
  // Reads references.jsonl (dropping a torn last line) and the shared cache; answers from them
  // what they hold, recording the shared cache's answers. Throws naming a damaged file.
  References(const SearchConfig& c, const RunPaths& p);
  References(const References&) = delete;
  References& operator=(const References&) = delete;

  // The next reference to train (sample -1 - index), or nullopt.
  std::optional<Job> next();
  // A worker's outcome for a job from next(): recorded and written to the shared cache.
  void finished(const Outcome& o);
  bool done() const { return waiting_.empty() && in_flight_ == 0; }

 private:
  // One reference at one seed of one stage (a run without a funnel: stage 0, seed 0).
  struct Entry {
    ReferenceRule ref;
    RuleIdentity id;
    std::shared_ptr<const dslc::Compiled> compiled;
    int stage = 0, seed = 0;
    std::string stage_name;
    nlohmann::json protocol;  // reference_protocol: keys the records and the score cache
    std::string protocol_hash;
  };
  void record(const Entry& e, const Evaluation& ev, const std::string& worker, bool cached, bool trained);

  const SearchConfig& cfg_;
  const RunPaths& paths_;
  ScoreCache shared_;
  std::vector<Entry> entries_;
  std::vector<size_t> waiting_;  // indices into entries_, in list order (front first)
  // A waiting entry -> the later entries with its protocol, recorded from its outcome.
  std::map<size_t, std::vector<size_t>> same_protocol_;
  int in_flight_ = 0;
  std::optional<app::JsonlWriter> out_;
};

}  // namespace nos::search
