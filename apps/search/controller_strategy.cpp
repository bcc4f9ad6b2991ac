// The paper's strategy (§3.2): the LSTM controller samples a batch, and one policy-gradient update
// (TRPO by default) follows each complete batch of rewards.
#include <random>

#include "apps/search/strategy.h"

namespace nos::search {
namespace {

class ControllerStrategy final : public Strategy {
 public:
  explicit ControllerStrategy(const SearchConfig& c)
      : ctrl_(make_space(c), {.hidden = c.hidden, .embed = c.hidden, .seed = c.seed}), pg_(pg_config(c)), rng_(c.seed) {}

  std::vector<std::string> propose(int n) override {
    std::vector<std::string> out;
    for (const auto& s : ctrl_.sample(n, rng_)) out.push_back(rl::to_string(ctrl_.space(), s.choices));
    return out;
  }

  void observe(const std::vector<std::string>& strings, const std::vector<double>& rewards) override {
    // update() recomputes log-probabilities under the current weights (pi_old), so only the
    // choices matter here: a batch sampled before the previous update is handled consistently.
    std::vector<rl::Sample> samples;
    for (const auto& s : strings) samples.push_back({.choices = parse_choices(ctrl_.space(), s, "controller batch")});
    rl::update(ctrl_, state_, pg_, samples, rewards);
  }

  void save(rl::Checkpoint& c) const override {
    rl::put_controller(c, ctrl_, state_);
    rl::put_rng(c, "strategy.rng", rng_);
  }
  void load(const rl::Checkpoint& c) override {
    rl::get_controller(c, ctrl_, state_);
    rl::get_rng(c, "strategy.rng", rng_);
  }

 private:
  rl::Controller ctrl_;
  rl::PgConfig pg_;
  rl::PgState state_;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<Strategy> make_controller_strategy(const SearchConfig& c) { return std::make_unique<ControllerStrategy>(c); }

}  // namespace nos::search
