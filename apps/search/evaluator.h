// Scores one rule in a worker: the paper's child-network reward at one of the run's fidelities
// (fidelity.h), or the synthetic test reward. One Evaluator per process (each MPI rank has its
// own); it loads the child data of every fidelity once and is then shared read-only by every
// worker thread of the process.
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
  int fidelity = 0;                                // index into Evaluator::fidelities() (0: the run's base protocol)
  int seed = 0;                                    // seed index within that fidelity (fidelity.h)
};
struct Outcome {
  std::int64_t sample = 0;
  int fidelity = 0, seed = 0;  // the job's
  Evaluation eval;
  std::string worker;  // "thread 1", "rank 2 on host"
};

nlohmann::json to_json(const Evaluation& e);
// Throws nlohmann::json::exception. cpu_seconds is optional (records before it existed: 0).
Evaluation evaluation_from_json(const nlohmann::json& j);

class Evaluator {
 public:
  // Fidelity i < stages is stage i of the run (stages.h; without stages, 0 is the flags'
  // protocol), followed by `more`. Loads the
  // child data of each distinct image count for the `child` reward (throws naming what is missing).
  explicit Evaluator(const SearchConfig& config, std::vector<Fidelity> more = {});
  // Scores a rule compiled once by the caller at seed `seed` of fidelity `fidelity`. Never throws
  // for a diverging rule: the status says. Measures the calling thread's CPU time (cpu_seconds):
  // a worker evaluates on one thread.
  Evaluation evaluate(const dslc::Compiled& rule, int fidelity = 0, int seed = 0) const;
  // Compiles `text` once, then the above (an MPI rank, which receives text). A rule that does not
  // compile gets status "invalid" and dslc's diagnostics; this never throws for a bad rule.
  Evaluation evaluate(std::string_view text, int fidelity = 0, int seed = 0) const;
  const std::string& dataset() const { return dataset_; }
  const std::vector<Fidelity>& fidelities() const { return fidelities_; }

 private:
  SearchConfig config_;
  std::vector<Fidelity> fidelities_;
  std::vector<std::unique_ptr<ChildData>> data_;  // one per distinct (train, val) image count
  std::vector<const ChildData*> data_of_;         // per fidelity
  std::string dataset_;
};

}  // namespace nos::search
