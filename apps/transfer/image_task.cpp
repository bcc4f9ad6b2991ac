#include "apps/transfer/image_task.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>

#include "apps/transfer/run_start.h"
#include "jit/arena_optimizer.h"
#include "nn/data/data_path.h"
#include "nn/data/splits.h"
#include "nn/models/convnet.h"
#include "nn/models/wide_resnet.h"
#include "nn/train/train.h"

namespace nos::transfer {

ImageData load_image_data(const TransferConfig& c) {
  const auto dir = data::find_dataset("cifar-10-batches-bin", c.data_dir);
  auto split = data::search_split(data::read_cifar10_train(dir), c.train, c.val, c.seed);
  data::ImageSet test = data::read_cifar10_test(dir);
  if (c.test < test.size()) {
    // A smaller test budget takes the first images: the same ones for every run.
    std::vector<std::int64_t> first(static_cast<size_t>(c.test));
    std::iota(first.begin(), first.end(), 0);
    test = data::gather(test, first);
  }
  const auto stats = data::channel_stats(split.train);
  data::normalize(split.train, stats);
  data::normalize(split.validation, stats);
  data::normalize(test, stats);
  return {std::move(split.train), std::move(split.validation), std::move(test)};
}

jit::Schedule schedule_of(const TransferConfig& c, std::int64_t steps_per_epoch, std::int64_t total_steps) {
  jit::Schedule s;
  const auto total = static_cast<std::uint64_t>(std::max<std::int64_t>(total_steps, 1));
  if (c.schedule == "constant") return s;
  if (c.schedule == "step") {
    s.kind = jit::ScheduleKind::Step;
    s.decay_steps = static_cast<std::uint64_t>(std::max(1.0, std::round(c.decay_epochs * steps_per_epoch)));
    s.decay_rate = c.decay_rate;
  } else if (c.schedule == "cosine") {
    s.kind = jit::ScheduleKind::Cosine;
    s.decay_steps = total;
  } else if (c.schedule == "linear-cosine") {
    s.kind = jit::ScheduleKind::LinearCosine;
    s.decay_steps = total;
  } else if (c.schedule == "noisy-linear-cosine") {
    s.kind = jit::ScheduleKind::NoisyLinearCosine;
    s.decay_steps = total;
    s.seed = c.seed;
  } else {
    throw std::invalid_argument(fmt::format("unknown schedule '{}' (constant, step, cosine, linear-cosine, "
                                            "noisy-linear-cosine)", c.schedule));
  }
  if (const std::string why = jit::validate(s); !why.empty()) throw std::invalid_argument("schedule: " + why);
  return s;
}

RunRecord train_image_run(const TransferConfig& c, const ImageData& d, const PlannedRun& p, const EpochFn& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t batch = batch_size(c);
  std::int64_t per_epoch = d.train.size() / batch;
  if (c.steps_per_epoch > 0) per_epoch = std::min(per_epoch, c.steps_per_epoch);
  const std::int64_t total = per_epoch * c.epochs;

  // The same initialisation for every optimizer at a given repeat.
  std::mt19937_64 rng(p.seed);
  ParamArena arena;
  std::unique_ptr<nn::Module> net;
  if (c.task == "convnet") net = std::make_unique<nn::ConvNet>(arena, nn::ConvNetOptions{.padding = !c.no_padding, .pooling = c.pooling}, rng);
  else net = std::make_unique<nn::WideResNet>(arena, nn::WideResNetOptions{.depth = c.depth, .widen = c.widen, .dropout = static_cast<float>(c.dropout)}, rng);

  jit::OptimizerOptions o = run_optimizer_options(p, p.key.lr, static_cast<std::uint64_t>(total));
  o.schedule = schedule_of(c, per_epoch, total);
  jit::Optimizer opt(p.opt.rule, o);
  jit::add_arena(opt, arena);
  // The optimizer owns the rate and its schedule; the loop's rate is not used.
  const nn::StepFn step = [&opt](ParamArena&, std::int64_t, float) { opt.step(); };

  RunRecord rec = start_record(p);
  for (int epoch = 1; epoch <= c.epochs; ++epoch) {
    // One epoch per call, a fresh shuffle seed each, so the test set can be measured in between.
    nn::ClassifierConfig cfg{.epochs = 1, .max_steps = c.steps_per_epoch, .batch = batch, .augment = c.augment,
                             .seed = p.seed * 1000003 + static_cast<std::uint64_t>(epoch),
                             .label = fmt::format("{} lr={:g} epoch {}/{}", p.key.optimizer, p.key.lr, epoch, c.epochs)};
    const nn::ClassifierResult r = nn::train_classifier(*net, arena, d.train, d.val, cfg, step);
    if (r.diverged) {
      rec.diverged = true;
      rec.reason = fmt::format("epoch {}: {}", epoch, r.diverged_reason);
      break;
    }
    EpochMetrics m{.epoch = epoch, .train = r.epochs.back().train_loss, .val = r.epochs.back().val_accuracy,
                   .test = nn::evaluate_accuracy(*net, d.test, 500), .seconds = r.seconds};
    rec.epochs.push_back(m);
    on_epoch(m);
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

}  // namespace nos::transfer
