// Successive halving over a study's (optimizer, rate) pairs (--halving ETA[:RUNGS]), §5.2's
// "aggressively stop optimizers that show less promise", with apps/common/halving.h's arithmetic.
//
// A candidate is one (optimizer, rate, eps) with all its repeats. Rung r trains every candidate
// still in for budgets[r] steps (halving_budgets over the whole run's steps, the last rung the
// whole run) and keeps the best halving_keep(n, eta), scored exactly as the table selects: the
// mean over repeats of the task's selection column (best validation value so far; a candidate
// with a diverged repeat never goes on), ties to the smaller rate. A budget counts steps, not
// epochs, because the studies worth stopping early are a few epochs long; a stopped run keeps
// the whole run's schedule and stops, so it is bit for bit a prefix of the whole run, and a
// candidate that goes on is trained again from its start (nn's loops cannot resume a run).
//
// Pools: "optimizer" halves each optimizer's rates among themselves, so every optimizer ends with
// a whole run at its best-looking rate — a table row, the form Table 1 needs. "all" halves every
// pair against every other, the paper's filtering of many optimizers: most optimizers are stopped
// early and their rows say so. A pool down to one candidate goes straight to the whole run: the
// rungs between would decide nothing.
//
// The state is a function of the records alone: every decision is recomputed from runs.jsonl on
// each invocation, so a killed study resumes exactly where it was.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apps/common/halving.h"
#include "apps/transfer/records.h"
#include "apps/transfer/select.h"
#include "apps/transfer/sweep.h"

namespace nos::transfer {

// "3" (eta 3, 3 rungs) or "3:4" (eta 3, 4 rungs). Throws std::invalid_argument naming --halving.
app::HalvingSpec parse_halving(const std::string& flag);

struct HalvingState {
  std::vector<std::int64_t> budgets;  // steps of each rung; the last is the whole run
  // Unfinished runs of every pool's current rung, to train before anything more is decided. A
  // stopped rung's runs have key.steps = its budget; the last rung's are whole runs (steps 0).
  std::vector<PlannedRun> pending;
  int runs_used = 0;            // finished runs the decisions so far read (the rest of the directory is ignored)
  int runs_left = 0;            // pending runs and later rungs' if nothing diverges: an upper bound
  std::int64_t steps_left = 0;  // their steps
};

// `plan`: the study's whole runs (plan_runs); `finished`: the directory's records; `total_steps`:
// a whole run's steps; `pool`: "optimizer" or "all".
HalvingState halving_state(const std::vector<PlannedRun>& plan, const std::vector<RunRecord>& finished,
                           const TableSpec& spec, const app::HalvingSpec& halving, const std::string& pool,
                           std::int64_t total_steps);

}  // namespace nos::transfer
