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
  // Successive halving (rungs.h): the run stopped after this many steps, its schedule still that
  // of the whole run, so it is a prefix of the whole run. 0: the whole run.
  std::int64_t steps = 0;
  bool operator==(const RunKey&) const = default;
};
// "adam lr=0.001 eps=1e-08 rep=0" (" steps=8" for a stopped run): unique per key (rates printed
// with 6 significant digits).
std::string key_string(const RunKey& k);
// A file-name-safe form of key_string: "adam_lr1e-03_eps1e-08_r0" ("..._s8" for a stopped run).
std::string key_file_stem(const RunKey& k);

// Per task: convnet/wrn: train = training loss, val/test = accuracy in [0, 1];
// lstm: train/val/test = perplexity. A run stopped by halving ends inside an epoch: its last
// metrics are measured there, and it never scores the test set (test is NaN, null in JSON).
struct EpochMetrics {
  int epoch = 0;
  double train = 0, val = 0, test = 0, seconds = 0;
  std::int64_t steps = 0;  // steps taken when measured (0 in records from before halving)
};

struct RunRecord {
  RunKey key;
  std::string rule;  // the rule text the run used
  std::uint64_t seed = 0;
  std::string attempt;  // which invocation trained it (matches its lines in epochs.jsonl)
  bool diverged = false;
  std::string reason;  // why it diverged
  double seconds = 0;
  double cpu_seconds = 0;        // the process's CPU time during the run (0 in older records)
  std::int64_t total_steps = 0;  // the whole run's steps, also for a stopped run (0: older records)
  std::vector<EpochMetrics> epochs;
  // rosenbrock: the end point, its loss and the file holding the whole trajectory
  double final_loss = 0, x = 0, y = 0;
  std::string trajectory;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunKey, optimizer, lr, eps, repeat, steps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EpochMetrics, epoch, train, val, test, seconds, steps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunRecord, key, rule, seed, attempt, diverged, reason, seconds,
                                                cpu_seconds, total_steps, epochs, final_loss, x, y, trajectory)

nlohmann::json to_json(const RunRecord& r);
RunRecord record_from_json(const nlohmann::json& j);

}  // namespace nos::transfer
