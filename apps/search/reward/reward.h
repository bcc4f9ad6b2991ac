// The reward of an update rule (Bello et al. 2017, §4.2): a learning-rate sweep, each rate training
// the child ConvNet from the same initial weights for sweep_epochs (or, with sweep_halving, all
// rates for a fraction of that, the better of them on, and so on: successive halving); the best
// rate then trains it again for final_epochs, from those same initial weights (every run is seeded with `seed`: the
// paper does not say which initialisation the final run uses, and one fixed start keeps a rule's
// reward a function of the rule alone); the reward is the final validation accuracy.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "apps/common/halving.h"
#include "apps/search/reward/child_data.h"
#include "jit/kernel.h"

namespace nos::search {

struct RewardConfig {
  std::vector<double> sweep_rates = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
  int sweep_epochs = 1, final_epochs = 5;
  std::int64_t batch = 100;
  bool pooling = false, padding = true;  // child network variant (nn/models/convnet.h)
  std::uint64_t seed = 1;                // init + shuffles
  double failed_reward = 0.0;            // reward of a rule that diverges at every rate / in the final run
  // Successive halving inside the sweep (apps/common/halving.h): with rungs > 1, every rate
  // trains the first rung's share of the sweep's steps, the best 1/eta of them (by validation
  // accuracy there) train on to the next rung's, and so on; only the last rung's survivors train
  // the whole sweep. A stopped rate's run is a prefix of its full one (the same steps, the same
  // rate schedule), so the rate it picks is the full sweep's whenever the ranking at the cut holds.
  // rungs 1: the plain sweep.
  app::HalvingSpec sweep_halving{.eta = 2, .rungs = 1};
};

struct RateResult {
  double lr = 0;
  double accuracy = 0;     // validation accuracy after sweep_epochs (0 when diverged)
  std::int64_t steps = 0;  // steps it trained: the sweep's, or fewer where sweep halving stopped it
  bool diverged = false;
  std::string reason;  // why it diverged (nn::train_classifier's reason)
  double seconds = 0;
};

struct Evaluation {
  double reward = 0;              // final validation accuracy in [0,1], or failed_reward
  double best_lr = 0;             // the rate of the final run (0 when every rate of the sweep diverged)
  std::vector<RateResult> sweep;  // one per swept rate (empty when sweep_rates has one value)
  bool diverged = false;          // true when the reward is the failed reward (status "diverged" or "invalid")
  std::string status;             // "ok", "diverged", "invalid" (does not compile / bad rule)
  std::string error;              // dslc diagnostics for "invalid"; why, for "diverged"
  double seconds = 0;
  double cpu_seconds =
      0;  // CPU time of the evaluating thread (the Evaluator's workers: one thread each); 0 if not measured
};

// Trains the child network as the protocol says. Never throws for a bad or diverging rule (status
// tells); `threads` OpenMP threads for this call only (a worker pool calls it with 1 from several
// threads at once: no shared mutable state, the calling thread's OpenMP setting is restored).
// If sweep_rates has one value, there is no sweep: that rate trains final_epochs directly.
// The text is compiled once (dslc::compile_rule, jit::compile_kernel); a rule that does not
// compile is status "invalid" with dslc's diagnostics in `error`.
Evaluation evaluate_rule(std::string_view rule, const RewardConfig& config, const ChildData& data, int threads = 1);
// The same for a rule compiled already: one kernel serves every swept rate and the final run.
// The kernel must come from jit::compile_kernel(const dslc::Compiled&) (its rule's ld/cd/rd flag).
Evaluation evaluate_rule(const jit::Kernel& kernel, const RewardConfig& config, const ChildData& data, int threads = 1);

}  // namespace nos::search
