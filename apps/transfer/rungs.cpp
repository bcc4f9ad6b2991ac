#include "apps/transfer/rungs.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>

namespace nos::transfer {
namespace {

// One (optimizer, lr, eps) of the plan with its repeats.
struct Candidate {
  std::vector<PlannedRun> runs;
};

std::vector<Candidate> candidates_of(const std::vector<PlannedRun>& plan) {
  std::vector<Candidate> out;
  std::map<std::string, size_t> index;  // key_string at repeat 0 -> candidate
  for (const PlannedRun& p : plan) {
    RunKey k = p.key;
    k.repeat = 0;
    const auto [it, fresh] = index.emplace(key_string(k), out.size());
    if (fresh) out.emplace_back();
    out[it->second].runs.push_back(p);
  }
  return out;
}

// Runs and steps of the rungs after `rung` for `n` candidates that have just finished it.
void add_later_rungs(size_t n, size_t rung, const std::vector<std::int64_t>& budgets, int eta, size_t repeats,
                     HalvingState& s) {
  const size_t last = budgets.size() - 1;
  while (rung < last && n > 0) {
    n = app::halving_keep(n, eta);
    rung = n == 1 ? last : rung + 1;
    s.runs_left += static_cast<int>(n * repeats);
    s.steps_left += static_cast<std::int64_t>(n * repeats) * budgets[rung];
  }
}

// The whole of `text` as an int.
bool whole_number(std::string_view text, int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

app::HalvingSpec parse_halving(const std::string& flag) {
  const auto colon = flag.find(':');
  app::HalvingSpec s;
  const std::string_view text(flag);
  const bool parsed = whole_number(text.substr(0, colon), s.eta) &&
                      (colon == std::string::npos || whole_number(text.substr(colon + 1), s.rungs));
  if (!parsed)
    throw std::invalid_argument(
        fmt::format("--halving '{}': expected ETA or ETA:RUNGS (whole numbers), e.g. 3 or 3:4", flag));
  if (const std::string why = app::validate(s); !why.empty())
    throw std::invalid_argument(fmt::format("--halving '{}': {}", flag, why));
  return s;
}

HalvingState halving_state(const std::vector<PlannedRun>& plan, const std::vector<RunRecord>& finished,
                           const TableSpec& spec, const app::HalvingSpec& halving, const std::string& pool,
                           std::int64_t total_steps) {
  if (pool != "optimizer" && pool != "all")
    throw std::invalid_argument(fmt::format("halving pool '{}' (optimizer or all)", pool));
  HalvingState s;
  s.budgets = app::halving_budgets(total_steps, halving);
  const size_t last = s.budgets.size() - 1;
  std::map<std::string, const RunRecord*> done;
  for (const RunRecord& r : finished) done.emplace(key_string(r.key), &r);

  const std::vector<Candidate> cands = candidates_of(plan);
  std::vector<std::vector<size_t>> pools;
  for (size_t i = 0; i < cands.size(); ++i) {
    const bool same = !pools.empty() && (pool == "all" || cands[pools.back().front()].runs.front().key.optimizer ==
                                                              cands[i].runs.front().key.optimizer);
    if (same) pools.back().push_back(i);
    else pools.push_back({i});
  }

  for (std::vector<size_t> in : pools) {
    const size_t repeats = cands[in.front()].runs.size();
    for (size_t rung = 0;; ++rung) {
      if (in.size() == 1) rung = last;
      const std::int64_t steps = rung == last ? 0 : s.budgets[rung];
      std::vector<RunRecord> records;
      size_t missing = 0;
      for (size_t c : in)
        for (PlannedRun p : cands[c].runs) {
          p.key.steps = steps;
          if (const auto it = done.find(key_string(p.key)); it != done.end()) {
            records.push_back(*it->second);
            ++s.runs_used;
          } else {
            s.pending.push_back(p);
            ++missing;
          }
        }
      if (missing > 0) {
        s.runs_left += static_cast<int>(missing);
        s.steps_left += static_cast<std::int64_t>(missing) * s.budgets[rung];
        add_later_rungs(in.size(), rung, s.budgets, halving.eta, repeats, s);
        break;
      }
      if (rung == last) break;
      // The table's own score: summarize over the repeats, the selection column, NaN if diverged.
      const std::vector<RateSummary> sums = summarize(records, spec);
      std::vector<double> scores;
      for (size_t c : in) {
        const RunKey& k = cands[c].runs.front().key;
        double v = NAN;
        for (const RateSummary& r : sums)
          if (r.key.optimizer == k.optimizer && r.key.lr == k.lr && r.key.eps == k.eps && r.eligible())
            v = r.values[spec.score].mean;
        scores.push_back(spec.higher_better ? v : -v);
      }
      std::vector<size_t> next;
      for (size_t i : app::halving_survivors(scores, halving.eta)) next.push_back(in[i]);
      in = std::move(next);
      if (in.empty()) break;  // every candidate diverged
    }
  }
  return s;
}

}  // namespace nos::transfer
