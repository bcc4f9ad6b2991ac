// The paper's strategy (§3.2): the LSTM controller samples a batch, and one policy-gradient update
// (TRPO by default) follows each complete batch of rewards.
#include <cstring>
#include <deque>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/search/strategy.h"
#include "rl/controller_checkpoint.h"

namespace nos::search {
namespace {

class ControllerStrategy final : public Strategy {
 public:
  explicit ControllerStrategy(const SearchConfig& c)
      : ctrl_(make_space(c), {.hidden = c.hidden, .embed = c.hidden, .seed = c.seed}),
        pg_(pg_config(c)),
        rng_(c.seed) {}

  std::vector<Choices> propose(int n) override {
    std::vector<Choices> out;
    for (auto& s : ctrl_.sample(n, rng_)) {
      sampled_log_prob_.push_back(s.log_prob);
      out.push_back(std::move(s.choices));
    }
    return out;
  }

  void observe(const std::vector<Choices>& strings, const std::vector<double>& rewards) override {
    // The driver observes batches in proposal order, so the oldest recorded log-probabilities
    // are this batch's: update() weighs each string by pi_now / pi_at_sampling (truncated).
    if (sampled_log_prob_.size() < strings.size())
      throw std::logic_error(fmt::format("controller: observing {} strings but only {} are outstanding", strings.size(),
                                         sampled_log_prob_.size()));
    std::vector<rl::Sample> samples;
    for (const auto& s : strings) {
      samples.push_back({.choices = s, .log_prob = sampled_log_prob_.front()});
      sampled_log_prob_.pop_front();
    }
    rl::update(ctrl_, state_, pg_, samples, rewards);
  }

  void save(Checkpoint& c) const override {
    rl::put_controller(c, ctrl_, state_);
    put_rng(c, "strategy.rng", rng_);
    std::string bytes(sampled_log_prob_.size() * sizeof(double), '\0');  // exact bits, proposal order
    for (size_t i = 0; i < sampled_log_prob_.size(); ++i)
      std::memcpy(bytes.data() + i * sizeof(double), &sampled_log_prob_[i], sizeof(double));
    c.put(kLogProbSection, std::move(bytes));
  }
  void load(const Checkpoint& c) override {
    rl::get_controller(c, ctrl_, state_);
    get_rng(c, "strategy.rng", rng_);
    // Strings proposed and not yet observed (the driver's "pending"): each needs its log-probability.
    std::size_t pending = 0;
    const auto state = nlohmann::json::parse(c.get("search.state"));  // named: a temporary would dangle in the loop
    for (const auto& b : state.at("pending")) pending += b.size();
    sampled_log_prob_.clear();
    if (!c.has(kLogProbSection)) {
      // Written before the updates were importance-weighted: a finished run has nothing pending
      // and continues exactly; pending strings cannot get their sampling policy back.
      if (pending == 0) return;
      throw std::runtime_error(fmt::format(
          "{}: written by a nos-search that did not record sampling-time log-probabilities (before 2026-12-02), with "
          "{} proposed strings not yet observed; their updates are now importance-weighted by the policy that drew "
          "them, which this checkpoint lacks. Finish the run with the nos-search that started it, or start a new run",
          c.source, pending));
    }
    const std::string& bytes = c.get(kLogProbSection);
    if (bytes.size() != pending * sizeof(double))
      throw std::runtime_error(fmt::format("{}: section '{}' holds {} bytes for {} pending strings", c.source,
                                           kLogProbSection, bytes.size(), pending));
    for (std::size_t i = 0; i < pending; ++i) {
      double lp;
      std::memcpy(&lp, bytes.data() + i * sizeof(double), sizeof(double));
      sampled_log_prob_.push_back(lp);
    }
  }

 private:
  rl::Controller ctrl_;
  rl::PgConfig pg_;
  rl::PgState state_;
  std::mt19937_64 rng_;
  std::deque<double> sampled_log_prob_;  // of the proposed, not yet observed strings, in order
  static constexpr const char* kLogProbSection = "strategy.sampling_log_probs";
};

}  // namespace

std::unique_ptr<Strategy> make_controller_strategy(const SearchConfig& c) {
  return std::make_unique<ControllerStrategy>(c);
}

}  // namespace nos::search
