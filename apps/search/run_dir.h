// The run directory of a search (the protocol: apps/common/run_dir.h):
//
//   config.json         every setting (the run's identity; resume checks it), plus two derived
//                       sections: data_set (which data set the child networks train on, where it
//                       was found, the image counts) and reward_protocol (reward_protocol())
//   evaluations.jsonl   one record per evaluated sample, append-only, fsynced, in completion
//                       order; each carries data_set and reward_protocol too
//   checkpoint          strategy state, rng, pending proposals (Checkpoint framing; atomic)
//   cache.json          the evaluation cache (atomic)
//   leaderboard.md, rewards.dat, reward_curve.png/.svg   written by the report
#pragma once
#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/common/run_dir.h"
#include "apps/search/config.h"

namespace nos::search {

struct RunPaths {
  std::filesystem::path dir;
  std::filesystem::path config() const { return dir / "config.json"; }
  std::filesystem::path evaluations() const { return dir / "evaluations.jsonl"; }
  std::filesystem::path checkpoint() const { return dir / "checkpoint"; }
  std::filesystem::path cache() const { return dir / "cache.json"; }
  // Fields every evaluation record carries (data_set, reward_protocol), set by record_resolution.
  nlohmann::json record_fields = nlohmann::json::object();
};

// A new run in the locked directory `d`: it must not already hold a run; writes config.json.
void create_run_dir(const app::RunDir& d, const SearchConfig& c);

// A new run that failed before its first checkpoint: removes config.json and the (empty) records
// and cache it may have written, and the directory itself if `remove_dir` (this process created
// it). Does nothing once a checkpoint exists: from then on the directory holds a resumable run.
void abandon_new_run(const RunPaths& p, bool remove_dir);

// config.json of an existing run. Throws naming the file if it is missing or malformed, lacks a
// setting, or has one nos-search does not know.
SearchConfig read_run_config(const RunPaths& p);

// Resuming: the stored configuration, with the settings the command line gave (`given`: keys of
// to_json) checked against it. A run-defining setting that differs is an error naming both
// values; resumable ones (budget, workers, data location, ...) take the command line's value and
// config.json is rewritten with them.
SearchConfig resume_config(const app::RunDir& d, const SearchConfig& cli, const std::set<std::string>& given);

// Which data set the child reward trains on, as config.json and the records state it:
// {"dataset": "cifar10", "path": ".../cifar-10-batches-bin", "requested": "auto",
//  "train_images": 10000, "val_images": 5000}; {"dataset": "synthetic"} for the synthetic reward.
// `resolved` is the loaded data set's name (Evaluator::dataset()); empty: resolve it here the
// way load_child_data does (rank 0 under MPI, which loads no data itself).
nlohmann::json resolved_data_set(const SearchConfig& c, const std::string& resolved);

// Writes the data set and the reward protocol into config.json and into p.record_fields. A
// resumed run whose data set now resolves to another one (`--dataset auto` finding CIFAR-10 where
// the run trained on Fashion-MNIST) is refused naming both: its rewards would not be comparable.
void record_resolution(RunPaths& p, const SearchConfig& c, const nlohmann::json& data_set);

}  // namespace nos::search
