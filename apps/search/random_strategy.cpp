// The random baseline: every string uniform among the allowed choices at each position
// (search::sample_uniform), blind to rewards.
#include <random>

#include "apps/search/strategy.h"
#include "search/sampling.h"

namespace nos::search {
namespace {

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(const SearchConfig& c) : space_(make_space(c)), rng_(c.seed) {}

  std::vector<Choices> propose(int n) override {
    std::vector<Choices> out;
    for (int i = 0; i < n; ++i) out.push_back(sample_uniform(space_, rng_));
    return out;
  }
  void observe(const std::vector<Choices>&, const std::vector<double>&) override {}
  void save(Checkpoint& c) const override { put_rng(c, "strategy.rng", rng_); }
  void load(const Checkpoint& c) override { get_rng(c, "strategy.rng", rng_); }

 private:
  SearchSpace space_;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy(const SearchConfig& c) { return std::make_unique<RandomStrategy>(c); }

}  // namespace nos::search
