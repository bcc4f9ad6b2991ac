// What proposes the next rules: the paper's controller, uniform random sampling, or regularized
// evolution. All three share one protocol with the driver, which makes every run deterministic:
//
//   propose(n)        the next n strings (sample indices continue from the last proposal)
//   observe(s, r)     one complete batch, in sample order, with its rewards
//
// A string is the strategy's own choices (search::Choices: one index per position of the
// space), not text: the strategy observes what it chose, and never parses a rule back. The driver
// turns each proposal into text once (search::to_string), for the records, the rule's identity
// and the workers.
//
// The driver calls them in a fixed order that does not depend on worker timing (see driver.h),
// and a strategy's state changes only inside these calls, so a seed fixes the whole run.
// save/load put the whole state (rng included) into the run's checkpoint.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "apps/search/config.h"
#include "search/checkpoint.h"

namespace nos::search {

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Strings of the space make_space(config) (every one passes search::check).
  virtual std::vector<Choices> propose(int n) = 0;
  // The strings of one batch exactly as proposed, in sample order, with their rewards.
  virtual void observe(const std::vector<Choices>& strings, const std::vector<double>& rewards) = 0;
  virtual void save(Checkpoint& c) const = 0;
  // Throws std::runtime_error naming the checkpoint and what does not match.
  virtual void load(const Checkpoint& c) = 0;
};

std::unique_ptr<Strategy> make_controller_strategy(const SearchConfig& c);
std::unique_ptr<Strategy> make_random_strategy(const SearchConfig& c);
std::unique_ptr<Strategy> make_evolution_strategy(const SearchConfig& c);
std::unique_ptr<Strategy> make_strategy(const SearchConfig& c);  // by c.strategy

// Parses a string of the space back into choices; throws std::runtime_error naming `where`. Only
// for text read from a run's files (a checkpoint's pending batches, evolution's population).
Choices parse_choices(const SearchSpace& s, const std::string& text, const std::string& where);

}  // namespace nos::search
