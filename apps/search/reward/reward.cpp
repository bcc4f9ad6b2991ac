#include "apps/search/reward/reward.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <random>
#include <stdexcept>

#include "jit/arena_optimizer.h"
#include "nn/models/convnet.h"
#include "nn/train/train.h"
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
    if (!(lr > 0) || !std::isfinite(lr)) throw std::invalid_argument(fmt::format("reward: learning rate {} is not positive", lr));
  if (c.sweep_epochs < 1 || c.final_epochs < 1)
    throw std::invalid_argument(fmt::format("reward: {} sweep epochs, {} final epochs (at least 1 each)", c.sweep_epochs,
                                            c.final_epochs));
  if (c.batch < 1 || c.batch > data.train.size())
    throw std::invalid_argument(fmt::format("reward: batch {} for {} training images", c.batch, data.train.size()));
  if (data.validation.size() < 1) throw std::invalid_argument("reward: the validation set is empty");
}

// One child network trained from the initial weights of `config.seed` at rate `lr` for `epochs`,
// then scored once on the validation set. The loop gets an empty validation set so that it does
// not score every epoch (nn::train_classifier evaluates after each one): the sweep and the reward
// need only the accuracy at the end.
ChildRun train_child(std::string_view rule, double lr, int epochs, const RewardConfig& config, const ChildData& data,
                     int threads) {
  const auto t0 = Clock::now();
  std::mt19937_64 rng(config.seed);
  ParamArena arena;
  const auto& images = data.train.images;
  nn::ConvNet net(arena,
                  {.in_channels = images.size(1), .image_size = images.size(2), .padding = config.padding,
                   .pooling = config.pooling},
                  rng);
  // total_steps lets decayed rules (ld, cd, rd) know the length of this run.
  const auto total = static_cast<std::uint64_t>(epochs) * static_cast<std::uint64_t>(data.train.size() / config.batch);
  jit::Optimizer opt(rule, {.hyper = {.lr = lr, .total_steps = total, .seed = config.seed}, .threads = threads});
  jit::add_arena(opt, arena);
  // The optimizer owns its learning rate; the loop's schedule is ignored.
  const nn::StepFn step = [&](ParamArena&, std::int64_t, float) { opt.step(); };
  const nn::ClassifierConfig cfg{.epochs = epochs, .batch = config.batch, .lr = nn::constant_lr(static_cast<float>(lr)),
                                 .seed = config.seed, .label = "reward", .progress = false};
  const data::ImageSet no_validation;
  const nn::ClassifierResult r = nn::train_classifier(net, arena, data.train, no_validation, cfg, step);
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
  const ThreadScope scope(threads);
  Evaluation ev;
  // Compiling once up front tells a bad rule apart before any training, and this optimizer keeps
  // the JIT's kernel alive for the whole evaluation: the kernel cache holds weak references, so
  // each run's own optimizer finds it compiled instead of compiling it again.
  std::optional<jit::Optimizer> keep_kernel;
  try {
    keep_kernel.emplace(rule, jit::OptimizerOptions{.hyper = {.lr = config.sweep_rates.front(), .total_steps = 1,
                                                             .seed = config.seed}});
  } catch (const std::invalid_argument& e) {
    ev.status = "invalid";
    ev.diverged = true;  // the reward is the failed reward (reward.h)
    ev.error = e.what();
    ev.reward = config.failed_reward;
    ev.seconds = seconds_since(t0);
    return ev;
  }

  double lr = config.sweep_rates.front();
  if (config.sweep_rates.size() > 1) {
    std::optional<RateResult> best;
    for (double rate : config.sweep_rates) {
      const ChildRun run = train_child(rule, rate, config.sweep_epochs, config, data, threads);
      RateResult rr{.lr = rate, .accuracy = run.accuracy, .diverged = run.diverged, .reason = run.reason,
                    .seconds = run.seconds};
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
  const ChildRun final_run = train_child(rule, lr, config.final_epochs, config, data, threads);
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
