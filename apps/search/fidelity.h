// A fidelity: one way of scoring a rule with the child-network reward — the sweep, the epochs, the
// image counts, the network variant, and how many seeds are averaged. The run's own flags are its
// base fidelity; the funnel's stages (--stage) and the calibration's rungs are fidelities derived
// from it by a short spec that names only what differs:
//
//   full                                       the base protocol, renamed
//   proxy:train=1000,val=1000,rates=1e-3/1e-2/1e-1,final-epochs=1
//   final:seeds=3                              the base protocol at 3 seeds (mean reward)
//
// Keys: train, val (image counts), rates (the sweep, '/'-separated, or `paper` for the paper's
// seven), sweep-epochs, final-epochs, batch, seeds, sweep-halving (ETA or ETA:RUNGS, default 3
// rungs: successive halving inside the sweep, reward.h). Seed k of a fidelity trains with reward seed base+k (the child's
// initialisation and shuffles); the data split stays the run's, so every seed is scored on the same
// held-out images.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/search/reward/child_data.h"
#include "apps/search/reward/reward.h"

namespace nos::search {

struct Fidelity {
  std::string name = "base";
  RewardConfig reward;  // reward.seed: the first seed's initialisation and shuffles
  std::int64_t train_images = 10000, val_images = 5000;
  int seeds = 1;  // evaluations at reward.seed + 0 .. seeds-1; the score is their mean
};

// The paper's seven swept rates, 1e-5 .. 10 (§4.2).
const std::vector<double>& paper_rates();

// `spec` applied to `base` (see above). Throws std::invalid_argument naming `flag`, the spec and
// what is wrong: an unknown key, a malformed or non-positive value, an empty name.
Fidelity parse_fidelity(std::string_view spec, const Fidelity& base, std::string_view flag);

// The spec that parse_fidelity reads back to `f` from any base: every key, in a fixed order.
std::string fidelity_spec(const Fidelity& f);

// The reward settings and data sizes of seed `seed` (0-based) of `f`.
RewardConfig reward_of(const Fidelity& f, int seed);
// The child data `f` trains on: the run's data set and split (`base`), with f's image counts.
ChildDataConfig data_of(const Fidelity& f, const ChildDataConfig& base);

// Every setting that decides one evaluation's reward at seed `seed` of `f`, as JSON (the same keys
// config.json's reward_protocol has); with the data set added it keys the score cache.
nlohmann::json child_protocol(const Fidelity& f, int seed);

// Relative cost of one evaluation at `f` against `ref`, from what dominates it: image-epochs of
// training (the sweep and the final run) plus one validation pass per trained model. For ordering
// and for the stage estimate only; calibration measures the real CPU seconds.
double relative_cost(const Fidelity& f, const Fidelity& ref);

}  // namespace nos::search
