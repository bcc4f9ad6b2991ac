// The run directory of a search:
//
//   config.json         every setting (the run's identity; resume checks it)
//   evaluations.jsonl   one record per evaluated sample, append-only, fsynced, in completion order
//   checkpoint          strategy state, rng, pending proposals (Checkpoint framing; atomic)
//   cache.json          the evaluation cache (atomic)
//   leaderboard.md, rewards.dat, reward_curve.png/.svg   written by the report
#pragma once
#include <filesystem>
#include <set>
#include <string>

#include "apps/search/config.h"

namespace nos::search {

struct RunPaths {
  std::filesystem::path dir;
  std::filesystem::path config() const { return dir / "config.json"; }
  std::filesystem::path evaluations() const { return dir / "evaluations.jsonl"; }
  std::filesystem::path checkpoint() const { return dir / "checkpoint"; }
  std::filesystem::path cache() const { return dir / "cache.json"; }
};

// A new run: creates `dir` (it must not already hold a run) and writes config.json.
void create_run_dir(const RunPaths& p, const SearchConfig& c);

// A new run that failed before its first checkpoint: removes config.json and the (empty) records
// and cache it may have written, and the directory itself if `remove_dir` (this process created
// it). Does nothing once a checkpoint exists: from then on the directory holds a resumable run.
void abandon_new_run(const RunPaths& p, bool remove_dir);

// config.json of an existing run. Throws naming the file if it is missing or malformed.
SearchConfig read_run_config(const RunPaths& p);

// Resuming: the stored configuration, with the settings the command line gave (`given`: keys of
// to_json) checked against it. A run-defining setting that differs is an error naming both
// values; resumable ones (budget, workers, data location, ...) take the command line's value and
// config.json is rewritten with them.
SearchConfig resume_config(const RunPaths& p, const SearchConfig& cli, const std::set<std::string>& given);

}  // namespace nos::search
