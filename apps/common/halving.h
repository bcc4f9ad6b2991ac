// Successive halving (Jamieson & Talwalkar 2016, the synchronous form of ASHA): every candidate
// gets the smallest budget; after each rung the best 1/eta of them (at least one) go on to the
// next, eta times larger, budget, until the last rung trains the survivors with the whole budget.
// Used over (optimizer, rate) pairs by nos-transfer (§5.2's "aggressively stop optimizers that
// show less promise") and over the rates of a reward's sweep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nos::app {

struct HalvingSpec {
  int eta = 3;    // keep 1/eta per rung (>= 2)
  int rungs = 3;  // rungs, the last one at the whole budget (>= 1; 1 is no halving)
};

// Empty when the spec is valid, else why (for a flag's error message).
std::string validate(const HalvingSpec& s);

// The budget of each rung: round(total / eta^(rungs-1-r)), at least 1, the last exactly `total`.
// Rungs whose budget would equal the previous one's (total too small to split) are dropped, so
// the budgets are strictly increasing. Throws std::invalid_argument for an invalid spec or total < 1.
std::vector<std::int64_t> halving_budgets(std::int64_t total, const HalvingSpec& s);

// How many of n candidates go on from a rung: ceil(n / eta), at least 1 (0 for n = 0).
std::size_t halving_keep(std::size_t n, int eta);

// The candidates that go on: the halving_keep(scores.size(), eta) best by score (higher is better),
// ties to the lower index, in ascending index order. A NaN score (a failed or diverged run) never
// goes on, so fewer may be returned when fewer finite scores exist.
std::vector<std::size_t> halving_survivors(std::span<const double> scores, int eta);

}  // namespace nos::app
