#include "apps/search/reward/reward.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
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
}

// One child network trained from the initial weights of `config.seed` at rate `lr` for `epochs`,
// then scored once on the validation set. The loop gets an empty validation set so that it does
// not score every epoch (nn::train_classifier evaluates after each one): the sweep and the reward
// need only the accuracy at the end.
ChildRun train_child(const jit::Kernel& rule, double lr, int epochs, const RewardConfig& config, const ChildData& data,
                     int threads) {
  const auto t0 = Clock::now();
  std::mt19937_64 rng(config.seed);
  ParamArena arena;
  const auto& images = data.train.images;
  nn::ConvNet net(arena,
                  {.in_channels = images.size(1),
                   .image_size = images.size(2),
                   .padding = config.padding,
                   .pooling = config.pooling},
                  rng);
  // total_steps lets decayed rules (ld, cd, rd) know the length of this run.
  const auto total = static_cast<std::uint64_t>(epochs) *
                     static_cast<std::uint64_t>(nn::classifier_steps_per_epoch(data.train.size(), config.batch));
  optim::Optimizer opt(rule, {.hyper = {.lr = lr, .total_steps = total, .seed = config.seed}, .threads = threads});
  optim::add_arena(opt, arena);
  const nn::ClassifierConfig cfg{
      .epochs = epochs, .batch = config.batch, .seed = config.seed, .label = "reward", .progress = false};
  const data::ImageSet no_validation;
  const nn::ClassifierResult r = nn::train_classifier(net, arena, data.train, no_validation, cfg, opt);
  ChildRun out;
  out.diverged = r.diverged;
  out.reason = r.diverged_reason;
  if (!r.diverged) out.accuracy = nn::evaluate_accuracy(net, data.validation, cfg.eval_batch);
  out.seconds = seconds_since(t0);
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
    for (double rate : config.sweep_rates) {
      const ChildRun run = train_child(kernel, rate, config.sweep_epochs, config, data, threads);
      RateResult rr{
          .lr = rate, .accuracy = run.accuracy, .diverged = run.diverged, .reason = run.reason, .seconds = run.seconds};
      ev.sweep.push_back(rr);
      if (rr.diverged) continue;
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
