// Regularized evolution (Real et al. 2019, as in AutoML-Zero and the Lion search): a population
// of the P most recent evaluated strings; a child is a one-token mutation (search::mutate) of the
// best of S members drawn uniformly (with replacement); the oldest member dies when a child
// joins. The first P proposals are uniform random strings.
//
// The population changes only in observe(), batch by batch in sample order, so a proposal depends
// on the batches observed before it, never on which worker finished first.
#include <fmt/format.h>

#include <deque>
#include <random>

#include "apps/search/strategy.h"
#include "search/sampling.h"

namespace nos::search {
namespace {

struct Member {
  Choices choices;  // as proposed; written to the checkpoint as text (search::to_string)
  double reward = 0;
};

class EvolutionStrategy final : public Strategy {
 public:
  explicit EvolutionStrategy(const SearchConfig& c)
      : space_(make_space(c)), population_size_(c.population), tournament_(c.tournament), rng_(c.seed) {}

  std::vector<Choices> propose(int n) override {
    std::vector<Choices> out;
    for (int i = 0; i < n; ++i, ++proposed_) {
      if (proposed_ < population_size_ || population_.empty()) {
        out.push_back(sample_uniform(space_, rng_));
        continue;
      }
      const Member* best = nullptr;
      for (int t = 0; t < tournament_; ++t) {
        const auto k = static_cast<size_t>(uniform01(rng_) * static_cast<double>(population_.size()));
        const Member& m = population_[std::min(k, population_.size() - 1)];
        if (!best || m.reward > best->reward) best = &m;
      }
      out.push_back(mutate(space_, best->choices, rng_));
    }
    return out;
  }

  void observe(const std::vector<Choices>& strings, const std::vector<double>& rewards) override {
    for (size_t i = 0; i < strings.size(); ++i) {
      population_.push_back({strings[i], rewards[i]});
      if (static_cast<int>(population_.size()) > population_size_) population_.pop_front();
    }
  }

  void save(Checkpoint& c) const override {
    nlohmann::json pop = nlohmann::json::array();
    for (const auto& m : population_) pop.push_back({{"string", to_string(space_, m.choices)}, {"reward", m.reward}});
    c.put("evolution.state", nlohmann::json{{"proposed", proposed_}, {"population", pop}}.dump());
    put_rng(c, "strategy.rng", rng_);
  }

  void load(const Checkpoint& c) override {
    try {
      const auto j = nlohmann::json::parse(c.get("evolution.state"));
      proposed_ = j.at("proposed").get<std::int64_t>();
      population_.clear();
      for (const auto& m : j.at("population")) {
        population_.push_back(
            {parse_choices(space_, m.at("string").get<std::string>(), c.source), m.at("reward").get<double>()});
      }
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}: section evolution.state is malformed: {}", c.source, e.what()));
    }
    get_rng(c, "strategy.rng", rng_);
  }

 private:
  SearchSpace space_;
  int population_size_, tournament_;
  std::mt19937_64 rng_;
  std::deque<Member> population_;  // oldest first
  std::int64_t proposed_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_evolution_strategy(const SearchConfig& c) {
  return std::make_unique<EvolutionStrategy>(c);
}

}  // namespace nos::search
