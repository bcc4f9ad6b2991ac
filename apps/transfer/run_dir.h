// A study's directory:
//
//   config.json         the settings (TransferConfig), rewritten by every invocation
//   runs.jsonl          one RunRecord per finished (optimizer, rate, eps, repeat), fsynced
//   epochs.jsonl        one line per epoch as training goes (what a long run is doing now)
//   trajectories/       Rosenbrock: one file per run, iteration x y loss
//   table.md table.csv  the per-optimizer table; sweep.md every rate
//   plots/              PNG + SVG figures and the data files gnuplot drew them from
//
// runs.jsonl is the source of truth: a run without a record there is not finished and is
// trained again on resume (its partial epoch lines carry a different `attempt`).
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "apps/common/run_files.h"
#include "apps/transfer/config.h"
#include "apps/transfer/records.h"

namespace nos::transfer {

// The config a directory was written with; nullopt if it has none. Throws on a corrupt file.
std::optional<TransferConfig> read_config(const std::filesystem::path& dir);

// The finished runs of a directory (empty if none), in the order they finished.
std::vector<RunRecord> read_runs(const std::filesystem::path& dir);

class RunDir {
 public:
  // Creates `dir` or reopens it. An existing config must have the same training settings
  // (settings_mismatch), else std::runtime_error says which setting differs.
  RunDir(const std::filesystem::path& dir, const TransferConfig& config);

  const std::filesystem::path& path() const { return dir_; }
  const std::vector<RunRecord>& finished() const { return finished_; }
  bool is_finished(const RunKey& k) const;
  const std::string& attempt() const { return attempt_; }

  void append_epoch(const RunKey& k, const EpochMetrics& m);
  void append_run(const RunRecord& r);

 private:
  std::filesystem::path dir_;
  std::vector<RunRecord> finished_;
  std::string attempt_;
  app::JsonlWriter runs_, epochs_;
};

}  // namespace nos::transfer
