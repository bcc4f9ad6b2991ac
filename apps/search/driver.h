// The search loop: proposals from a strategy, evaluations on workers, cache, run directory.
//
// Determinism. Samples are numbered 0, 1, 2, ...; the strategy proposes them in batches of
// `batch` (the last one may be shorter) and observes each batch once all its rewards are in, in
// batch order. At most 1 + lookahead batches are outstanding: batch k+1+lookahead is proposed
// right after batch k is observed. Proposals are therefore a fixed function of the seed and the
// rewards, whatever the worker timing; outcomes are attached to their sample index. With
// lookahead 1 (the default) the controller samples batch k+1 before it updates on batch k, so
// the workers never wait for an update; update() recomputes log-probabilities under the current
// weights, so the one-batch-stale samples are handled consistently (rl/policy_gradient.h).
//
// Dispatch is in sample order. Before a rule is sent, its identity (dslc canonical hash,
// behaviour fingerprint, dependence on g) is computed: a rule that ignores g gets the failed
// reward untrained; a cached rule gets its stored evaluation (`cached: true`); a rule whose
// equivalent is in flight waits for it. So the first sample of each equivalence class in sample
// order is the one trained, in every run with the same seed.
//
// References (references.h) go to the workers before any sample, as jobs -1, -2, ...; their
// outcomes go to references.jsonl, never to the strategy, the cache or evaluations.jsonl.
//
// Durability. Each record is appended to evaluations.jsonl (fsynced) as it completes; the
// checkpoint (strategy state, rng, outstanding proposals) is rewritten atomically whenever the
// strategy changes, before anything it proposed is dispatched. A kill therefore loses only the
// evaluations in flight: on resume, the outstanding samples with a record are taken from
// evaluations.jsonl, the others are evaluated again (same rules, same rewards).
#pragma once
#include <atomic>
#include <cstdint>

#include "apps/search/run_dir.h"
#include "apps/search/workers.h"

namespace nos::search {

struct RunOutcome {
  std::int64_t samples = 0;  // evaluated in total (this and earlier sessions)
  bool interrupted = false;  // stopped by `stop` before the budget was spent
};

// Runs (or continues, when the directory holds a checkpoint or records) the search in `paths`
// until `config.samples` samples are observed or `stop` becomes true; on stop, no new rule is
// dispatched and the evaluations in flight are finished and recorded before returning.
// Throws std::runtime_error naming the file for damaged or mismatched run files.
RunOutcome run_search(const SearchConfig& config, const RunPaths& paths, Workers& workers,
                      const std::atomic<bool>& stop);

}  // namespace nos::search
