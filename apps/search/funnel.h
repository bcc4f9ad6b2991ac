// The multi-fidelity funnel of a search (stages.h): which rules each later stage re-scores, and
// their records. Stage 0 is the search itself (every sample, evaluations.jsonl, the strategy
// learns from it: its controller needs a reward for every sample of a batch at once, and the
// later stages score a few rules, late, so learning from them would starve and bias the policy).
//
// Promotion is a pure function of recorded results, never of timing: samples are cut into windows
// of --promote-every consecutive samples; window w goes on from stage s-1 to stage s once all of
// its stage-(s-1) results are recorded, and its best rules by that stage's score (ties: the earlier
// sample) go on, keep_of(window) of them. A rule (by behaviour fingerprint, as the evaluation
// cache) is scored at a stage once: a later window skips it and promotes the next best. Top stages
// run once the budget is spent and every window is through: the `top` best by the stage before.
// The last, partial window goes on when the budget is spent. So a run promotes the same rules
// whatever the workers' timing, killed and resumed or not, local or over MPI.
//
// Records: promotions.jsonl, one per (stage, rule, seed), fsynced; a resumed run reads them back
// and re-sends only what is missing. Scores of a protocol the --score-cache holds are taken from it.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/common/run_files.h"
#include "apps/search/evaluator.h"
#include "apps/search/reward/rule_identity.h"
#include "apps/search/run_dir.h"
#include "apps/search/score_cache.h"
#include "apps/search/stages.h"

namespace nos::search {

inline constexpr const char* kPromotionsFile = "promotions.jsonl";

class Funnel {
 public:
  // Reads promotions.jsonl (a torn tail is dropped). Throws naming a damaged file.
  Funnel(const SearchConfig& c, const RunPaths& p);
  Funnel(const Funnel&) = delete;
  Funnel& operator=(const Funnel&) = delete;

  bool active() const { return stages_.size() > 1; }
  const std::vector<Stage>& stages() const { return stages_; }

  // A stage-0 result as recorded (restored or new): `id` is null for a rule that does not compile.
  void observe(std::int64_t sample, const std::string& rule, const RuleIdentity* id, const Evaluation& e);
  // The budget is spent: every sample up to `samples` is recorded at stage 0.
  void search_complete() { search_complete_ = true; }

  // The next job that is due and neither recorded nor in flight (sample: the rule's first sample;
  // fidelity: the stage); scores the score cache holds are recorded on the way.
  std::optional<Job> next();
  void finished(const Outcome& o);
  int in_flight() const { return static_cast<int>(in_flight_.size()); }
  // Nothing due is unrecorded (meaningful once the search is complete).
  bool done();

 private:
  struct Rule {
    std::int64_t first_sample = 0;
    std::string rule;
    RuleIdentity id;
    double score0 = 0;  // stage-0 reward
    bool ok0 = false;   // stage 0 trained it without diverging
  };
  // A rule's result at a stage: the evaluation of each seed, when recorded.
  struct StageResult {
    std::vector<std::optional<Evaluation>> seeds;
    bool complete() const;
    double score() const;  // mean reward over the seeds
    bool ok() const;       // every seed trained without diverging
  };

  void decide();  // promotes every window (and top stage) that has become due
  std::vector<std::uint64_t> best(const std::vector<std::uint64_t>& candidates, int stage, int n) const;
  bool scored(int stage, std::uint64_t key) const;
  void record(int stage, std::uint64_t key, int seed, const Evaluation& e, const std::string& worker, bool cached);
  nlohmann::json protocol(int stage, int seed) const;

  SearchConfig cfg_;  // a copy: a funnel may outlive the caller's
  std::vector<Stage> stages_;
  nlohmann::json dataset_;
  ScoreCache cache_;
  std::optional<app::JsonlWriter> out_;
  std::map<std::int64_t, std::uint64_t> sample_key_;           // stage-0 samples that trained or came from the cache
  std::set<std::int64_t> recorded0_;                           // every recorded stage-0 sample
  std::map<std::uint64_t, Rule> rules_;                        // by fingerprint
  std::vector<std::map<std::uint64_t, StageResult>> results_;  // [stage][key], stages >= 1
  std::vector<std::map<std::int64_t, std::vector<std::uint64_t>>> promoted_;  // [stage][window] (-1: top)
  std::vector<std::pair<int, std::uint64_t>> queue_;  // (stage, key) promoted, in promotion order
  std::set<std::tuple<int, std::uint64_t, int>> in_flight_;
  bool search_complete_ = false;
};

}  // namespace nos::search
