#include "apps/search/reward/reward.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>

#include "dslc/compile.h"
#include "jit/kernel.h"
#include "nn/models/convnet.h"
#include "nn/train/train.h"
#include "optim/arena_optimizer.h"
#include "tensor/threads.h"

namespace nos::search {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct ChildRun {
  double accuracy = 0;
  bool diverged = false;
  std::string reason;
  double seconds = 0;
};

void check_config(const RewardConfig& c, const ChildData& data) {
  if (c.sweep_rates.empty()) throw std::invalid_argument("reward: no learning rates to sweep");
  for (double lr : c.sweep_rates)
    if (!(lr > 0) || !std::isfinite(lr))
      throw std::invalid_argument(fmt::format("reward: learning rate {} is not positive", lr));
  if (c.sweep_epochs < 1 || c.final_epochs < 1)
    throw std::invalid_argument(
        fmt::format("reward: {} sweep epochs, {} final epochs (at least 1 each)", c.sweep_epochs, c.final_epochs));
  if (c.batch < 1 || c.batch > data.train.size())
    throw std::invalid_argument(fmt::format("reward: batch {} for {} training images", c.batch, data.train.size()));
  if (data.validation.size() < 1) throw std::invalid_argument("reward: the validation set is empty");
  if (auto why = app::validate(c.sweep_halving); !why.empty())
    throw std::invalid_argument("reward: sweep halving: " + why);
}

// One child network at rate `lr`, from the initial weights of `config.seed`, for a run of
// `epochs`: trained in one call, or (sweep halving) in several, each going on from where the last
// stopped. The loop gets an empty validation set so that it does not score every epoch
// (nn::train_classifier evaluates after each one): the sweep and the reward need only the
// accuracy at the points they choose.
class Child {
 public:
  Child(const jit::Kernel& rule, double lr, int epochs, const RewardConfig& config, const ChildData& data, int threads)
      : config_(config),
        data_(data),
        epochs_(epochs),
        rng_(config.seed),
        net_(arena_,
             {.in_channels = data.train.images.size(1),
              .image_size = data.train.images.size(2),
              .padding = config.padding,
              .pooling = config.pooling},
             rng_),
        // total_steps lets decayed rules (ld, cd, rd) know the length of this run, stopped early or not.
        opt_(rule, {.hyper = {.lr = lr, .total_steps = static_cast<std::uint64_t>(total_steps()), .seed = config.seed},
                    .threads = threads}) {
    optim::add_arena(opt_, arena_);
  }

  std::int64_t total_steps() const {
    return epochs_ * nn::classifier_steps_per_epoch(data_.train.size(), config_.batch);
  }

  // Trains on to step `until` of the run (the whole run for total_steps()) unless it diverged.
  void train_to(std::int64_t until) {
    if (run_.diverged || steps_ >= until) return;
    const auto t0 = Clock::now();
    const nn::ClassifierConfig cfg{.epochs = epochs_,
                                   .max_steps = until,
                                   .start_step = steps_,
                                   .batch = config_.batch,
                                   .seed = config_.seed,
                                   .label = "reward",
                                   .progress = false};
    const data::ImageSet no_validation;
    const nn::ClassifierResult r = nn::train_classifier(net_, arena_, data_.train, no_validation, cfg, opt_);
    steps_ = r.steps;
    run_.diverged = r.diverged;
    run_.reason = r.diverged_reason;
    run_.seconds += seconds_since(t0);
  }

  // The validation accuracy now (0 once diverged).
  const ChildRun& score() {
    const auto t0 = Clock::now();
    run_.accuracy =
        run_.diverged ? 0 : nn::evaluate_accuracy(net_, data_.validation, nn::ClassifierConfig{}.eval_batch);
    run_.seconds += seconds_since(t0);
    return run_;
  }
  std::int64_t steps() const { return steps_; }

 private:
  const RewardConfig& config_;
  const ChildData& data_;
  int epochs_;
  std::mt19937_64 rng_;
  ParamArena arena_;
  nn::ConvNet net_;
  optim::Optimizer opt_;
  std::int64_t steps_ = 0;
  ChildRun run_;
};

ChildRun train_child(const jit::Kernel& rule, double lr, int epochs, const RewardConfig& config, const ChildData& data,
                     int threads) {
  Child c(rule, lr, epochs, config, data, threads);
  c.train_to(c.total_steps());
  return c.score();
}

// Steps of one swept rate's whole run: what a rate that sweep halving never stopped trains.
std::int64_t sweep_steps(const RewardConfig& config, const ChildData& data) {
  return config.sweep_epochs * nn::classifier_steps_per_epoch(data.train.size(), config.batch);
}

RateResult rate_result(double lr, const ChildRun& run, std::int64_t steps) {
  return {.lr = lr,
          .accuracy = run.accuracy,
          .steps = steps,
          .diverged = run.diverged,
          .reason = run.reason,
          .seconds = run.seconds};
}

// The sweep, one result per rate in the order given: every rate trains the whole sweep, or with
// sweep halving only the survivors of each rung train on.
std::vector<RateResult> sweep(const jit::Kernel& kernel, const RewardConfig& config, const ChildData& data,
                              int threads) {
  std::vector<RateResult> out(config.sweep_rates.size());
  if (config.sweep_halving.rungs <= 1) {
    for (size_t i = 0; i < out.size(); ++i) {
      const ChildRun run = train_child(kernel, config.sweep_rates[i], config.sweep_epochs, config, data, threads);
      out[i] = rate_result(config.sweep_rates[i], run, sweep_steps(config, data));
    }
    return out;
  }
  std::vector<std::unique_ptr<Child>> children;
  for (double lr : config.sweep_rates)
    children.push_back(std::make_unique<Child>(kernel, lr, config.sweep_epochs, config, data, threads));
  const auto budgets = app::halving_budgets(children.front()->total_steps(), config.sweep_halving);
  std::vector<size_t> alive(children.size());
  for (size_t i = 0; i < alive.size(); ++i) alive[i] = i;
  for (size_t r = 0; r < budgets.size(); ++r) {
    std::vector<double> scores;
    for (size_t i : alive) {
      children[i]->train_to(budgets[r]);
      const ChildRun& run = children[i]->score();
      out[i] = rate_result(config.sweep_rates[i], run, children[i]->steps());
      scores.push_back(run.diverged ? std::numeric_limits<double>::quiet_NaN() : run.accuracy);
    }
    if (r + 1 == budgets.size()) break;
    std::vector<size_t> next;
    for (size_t k : app::halving_survivors(scores, config.sweep_halving.eta)) next.push_back(alive[k]);
    for (size_t i : alive)
      if (std::find(next.begin(), next.end(), i) == next.end()) children[i].reset();  // stopped: free its memory
    alive = std::move(next);
  }
  // The rates a rung stopped keep their accuracy at the cut; only the last rung's are candidates.
  for (size_t i = 0; i < out.size(); ++i)
    if (std::find(alive.begin(), alive.end(), i) == alive.end() && !out[i].diverged)
      out[i].reason = fmt::format("stopped by sweep halving after {} steps", out[i].steps);
  return out;
}

}  // namespace

Evaluation evaluate_rule(std::string_view rule, const RewardConfig& config, const ChildData& data, int threads) {
  check_config(config, data);
  const auto t0 = Clock::now();
  // Compiled once, before any training: a bad rule is told apart at once, and every run of the
  // sweep and the final run share this one kernel.
  jit::Kernel kernel;
  try {
    kernel = jit::compile_kernel(dslc::compile_rule(rule, "optimizer"));
  } catch (const std::invalid_argument& e) {
    Evaluation ev;
    ev.status = "invalid";
    ev.diverged = true;  // the reward is the failed reward (reward.h)
    ev.error = e.what();
    ev.reward = config.failed_reward;
    ev.seconds = seconds_since(t0);
    return ev;
  }
  Evaluation ev = evaluate_rule(kernel, config, data, threads);
  ev.seconds = seconds_since(t0);  // the compilation included
  return ev;
}

Evaluation evaluate_rule(const jit::Kernel& kernel, const RewardConfig& config, const ChildData& data, int threads) {
  check_config(config, data);
  const auto t0 = Clock::now();
  const ThreadScope scope(threads);
  Evaluation ev;

  double lr = config.sweep_rates.front();
  if (config.sweep_rates.size() > 1) {
    std::optional<RateResult> best;
    const std::int64_t full = sweep_steps(config, data);
    for (const RateResult& rr : sweep(kernel, config, data, threads)) {
      ev.sweep.push_back(rr);
      if (rr.diverged || rr.steps < full) continue;  // diverged, or stopped by sweep halving
      // Ties go to the smaller rate, whatever order the rates were given in.
      if (!best || rr.accuracy > best->accuracy || (rr.accuracy == best->accuracy && rr.lr < best->lr)) best = rr;
    }
    if (!best) {
      ev.status = "diverged";
      ev.diverged = true;
      ev.reward = config.failed_reward;
      ev.error = "diverged at every rate of the sweep";
      ev.seconds = seconds_since(t0);
      return ev;
    }
    lr = best->lr;
  }
  ev.best_lr = lr;
  const ChildRun final_run = train_child(kernel, lr, config.final_epochs, config, data, threads);
  if (final_run.diverged) {
    ev.status = "diverged";
    ev.diverged = true;
    ev.reward = config.failed_reward;
    ev.error = "final run: " + final_run.reason;
  } else {
    ev.status = "ok";
    ev.reward = final_run.accuracy;
  }
  ev.seconds = seconds_since(t0);
  return ev;
}

}  // namespace nos::search
