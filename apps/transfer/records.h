// What a finished run leaves in DIR/runs.jsonl: its key, its seed and its per-epoch metrics.
// Tables and plots are computed from these records alone, so `nos-transfer report` can rebuild
// them from any directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nos::transfer {

// One (optimizer, rate, eps, repeat) of a sweep. eps only varies for the Adam baseline on
// Rosenbrock; elsewhere it is dslc's default 1e-8.
struct RunKey {
  std::string optimizer;
  double lr = 0, eps = 1e-8;
  int repeat = 0;
  bool operator==(const RunKey&) const = default;
};
// "adam lr=0.001 eps=1e-08 rep=0": unique per key (rates printed with 6 significant digits).
std::string key_string(const RunKey& k);
// A file-name-safe form of key_string: "adam_lr1e-03_eps1e-08_r0".
std::string key_file_stem(const RunKey& k);

// Per task: convnet/wrn: train = training loss, val/test = accuracy in [0, 1];
// lstm: train/val/test = perplexity.
struct EpochMetrics {
  int epoch = 0;
  double train = 0, val = 0, test = 0, seconds = 0;
};

struct RunRecord {
  RunKey key;
  std::string rule;  // the rule text the run used
  std::uint64_t seed = 0;
  std::string attempt;  // which invocation trained it (matches its lines in epochs.jsonl)
  bool diverged = false;
  std::string reason;  // why it diverged
  double seconds = 0;
  std::vector<EpochMetrics> epochs;
  // rosenbrock: the end point, its loss and the file holding the whole trajectory
  double final_loss = 0, x = 0, y = 0;
  std::string trajectory;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunKey, optimizer, lr, eps, repeat)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EpochMetrics, epoch, train, val, test, seconds)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunRecord, key, rule, seed, attempt, diverged, reason, seconds, epochs,
                                                final_loss, x, y, trajectory)

nlohmann::json to_json(const RunRecord& r);
RunRecord record_from_json(const nlohmann::json& j);

}  // namespace nos::transfer
