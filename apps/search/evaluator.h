// Scores one rule in a worker: the paper's child-network reward, or the synthetic test reward.
// One Evaluator per process (each MPI rank has its own); it loads the child data once and is
// then shared read-only by every worker thread of the process.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "apps/search/config.h"
#include "apps/search/reward/reward.h"
#include "dslc/compile.h"

namespace nos::search {

// A rule sent to a worker, and what came back. The driver compiled the rule once to identify it
// and hands local workers that compiled value; over MPI only the text travels, and the rank
// compiles it once on arrival (mpi.h).
struct Job {
  std::int64_t sample = 0;
  std::string rule;                                // dslc controller form, as recorded
  std::shared_ptr<const dslc::Compiled> compiled;  // dslc::compile_rule(rule)
};
struct Outcome {
  std::int64_t sample = 0;
  Evaluation eval;
  std::string worker;  // "thread 1", "rank 2 on host"
};

nlohmann::json to_json(const Evaluation& e);
Evaluation evaluation_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception

class Evaluator {
 public:
  // Loads the child data for the `child` reward (throws naming what is missing).
  explicit Evaluator(const SearchConfig& config);
  // Scores a rule compiled once by the caller. Never
  // throws for a diverging rule: the status says.
  Evaluation evaluate(const dslc::Compiled& rule) const;
  // Compiles `text` once, then the above (an MPI rank, which receives text). A rule that does not
  // compile gets status "invalid" and dslc's diagnostics; this never throws for a bad rule.
  Evaluation evaluate(std::string_view text) const;
  const std::string& dataset() const { return dataset_; }

 private:
  SearchConfig config_;
  RewardConfig reward_;
  std::optional<ChildData> data_;
  std::string dataset_;
};

}  // namespace nos::search
