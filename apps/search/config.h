// Every setting of a search run, as one plain struct that round-trips through config.json.
//
// The run directory's config.json is the run's identity: `--resume DIR` reads it back and refuses
// a command line that contradicts it. A few settings only change how the run executes, not what
// it computes, and may differ on resume (declared beside each field in config.cpp's settings
// table, apps/common/settings.h: budget, workers, data location, the synthetic reward's delay,
// progress output).
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/common/run_dir.h"
#include "apps/search/fidelity.h"
#include "apps/search/reward/child_data.h"
#include "apps/search/reward/reward.h"
#include "rl/policy_gradient.h"
#include "search/search_space.h"

namespace nos::search {

struct SearchConfig {
  // What proposes rules.
  std::string strategy = "controller";  // controller | random | evolution
  std::string method = "trpo";          // controller: trpo | ppo | reinforce
  std::string space = "paper";          // search preset: paper | paper-small | tiny
  int groups = 2;                       // n: 5n tokens per rule
  // The paper's three sampling constraints (search::Constraints), each switchable, on by default.
  bool distinct_operands = true;   // the two operands of a group differ
  bool final_not_add = true;       // the last group's binary function is not add
  bool use_earlier_output = true;  // every group after the first reads an earlier group's output
  int batch = 5;                   // samples per controller update (paper §4.2); every strategy observes in batches
  double lr = 1e-5;                // controller Adam (REINFORCE, PPO)
  double entropy = 0.0015;         // entropy bonus
  double max_kl = 0.01;            // TRPO trust region
  int hidden = 150;                // controller LSTM size
  int lookahead = 1;               // batches sampled beyond the one being evaluated (see README: determinism)
  int population = 20, tournament = 5;  // evolution: population P, tournament S
  std::int64_t samples = 200;           // budget: rules evaluated in total
  std::uint64_t seed = 1;               // controller weights and every sampling rng

  // How a rule is scored.
  std::string reward = "child";  // child (paper §4.2) | synthetic (test proxy, see synthetic_reward.h)
  double synthetic_seconds = 0;  // synthetic: sleep this long per evaluation, to look like work
  std::vector<double> sweep_rates = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
  int sweep_epochs = 1, final_epochs = 5;
  std::int64_t child_batch = 100;
  std::int64_t train_images = 10000, val_images = 5000;
  std::string dataset = "auto";  // cifar10 | fashion-mnist | auto
  std::string data;              // --data directory (empty: NOS_DATA_DIR, then defaults)
  bool pooling = false, padding = true;
  double failed_reward = 0.0;
  std::uint64_t reward_seed = 1;  // child-network initialisation, shuffles, data split
  // A multi-fidelity funnel (stages.h, funnel.h): stage specs, the first scoring every sample;
  // empty: one stage, the protocol above. Windows of promote_every samples are promoted together.
  std::vector<std::string> stages;
  int promote_every = 50;
  // Screen every distinct rule before training (reward/screen.h): one that cannot train (not
  // finite, ascent, inert) gets the failed reward without training.
  bool screen = true;

  // Reference optimizers scored beside the search at the same protocol (references.h): names of
  // rules/paper.rules or baselines, or NAME=RULE. They never feed the strategy, so both may change
  // on resume.
  std::vector<std::string> references = {"adam", "sgd", "momentum", "rmsprop", "powersign"};
  std::string score_cache;  // a directory shared by runs (empty: only the run directory's references.jsonl)

  // Execution only.
  int workers = 0;  // local evaluation threads; 0: one per core. Ignored under MPI (ranks 1..N-1 work)
  bool quiet = false;
};

// Sections of config.json beside the settings, derived from them when the run starts or resumes
// (run_dir.h): which data set the child networks train on, and the whole reward protocol.
// Every evaluation record carries them too.
inline constexpr const char* kDataSetKey = "data_set";
inline constexpr const char* kProtocolKey = "reward_protocol";

nlohmann::json to_json(const SearchConfig& c);
// Throws std::runtime_error naming `source` and the key for a missing, unknown or mistyped value
// (the derived sections are skipped).
SearchConfig config_from_json(const nlohmann::json& j, const std::string& source);
// `j` with the keys older directories lack filled in (none for nos-search: a missing key is an
// error saying why).
nlohmann::json with_absent_keys(const nlohmann::json& j, const std::string& source);

// Each key of to_json with its resume rule (apps/common/run_dir.h).
const std::vector<app::KeyRule>& config_rules();
// Keys of to_json that may differ between config.json and a resuming command line.
bool resumable_key(const std::string& key);

// The reward protocol as a JSON object: every setting that decides a rule's reward (for the
// child reward: the sweep, epochs, batch, network variant, seeds, image counts, failed reward;
// for the synthetic one: its delay and failed reward), at stage 0 (what every sample is scored
// with and the strategy learns from).
nlohmann::json reward_protocol(const SearchConfig& c);
// The same for seed `seed` of stage `stage` (stages.h); stage 0 seed 0 is reward_protocol(c).
nlohmann::json stage_protocol(const SearchConfig& c, int stage, int seed);

// Empty when the configuration can run; otherwise what is wrong (unknown strategy, method or
// space, non-positive sizes, ...).
std::string validate(const SearchConfig& c);

// Empty unless the command line `given` (option keys: "lr", "max_kl") sets a controller flag the
// configured update does not read: --lr is the Adam rate of REINFORCE and PPO, and TRPO takes
// no Adam step (its step is set by --max-kl); --max-kl is TRPO's alone. A controller flag the
// controller would silently ignore is an error. (random and evolution train no controller and
// ignore all of them, so that compared runs can share one set of flags.)
std::string unused_flags(const SearchConfig& c, const std::set<std::string>& given);

SearchSpace make_space(const SearchConfig& c);
rl::PgConfig pg_config(const SearchConfig& c);
RewardConfig reward_config(const SearchConfig& c);
// The run's own protocol (its flags) as a fidelity named "base", one seed.
Fidelity base_fidelity(const SearchConfig& c);
ChildDataConfig child_data_config(const SearchConfig& c);

}  // namespace nos::search
