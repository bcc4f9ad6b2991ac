#include "apps/transfer/image_task.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>

#include "apps/transfer/run_start.h"
#include "nn/data/data_path.h"
#include "nn/data/splits.h"
#include "nn/models/convnet.h"
#include "nn/models/wide_resnet.h"
#include "nn/train/train.h"
#include "optim/arena_optimizer.h"

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

optim::Schedule schedule_of(const TransferConfig& c, std::int64_t steps_per_epoch, std::int64_t total_steps) {
  optim::Schedule s;
  const auto total = static_cast<std::uint64_t>(std::max<std::int64_t>(total_steps, 1));
  if (c.schedule == "constant") return s;
  if (c.schedule == "step") {
    s.kind = optim::ScheduleKind::Step;
    s.decay_steps = static_cast<std::uint64_t>(std::max(1.0, std::round(c.decay_epochs * steps_per_epoch)));
    s.decay_rate = c.decay_rate;
  } else if (c.schedule == "cosine") {
    s.kind = optim::ScheduleKind::Cosine;
    s.decay_steps = total;
  } else if (c.schedule == "linear-cosine") {
    s.kind = optim::ScheduleKind::LinearCosine;
    s.decay_steps = total;
  } else if (c.schedule == "noisy-linear-cosine") {
    s.kind = optim::ScheduleKind::NoisyLinearCosine;
    s.decay_steps = total;
    s.seed = c.seed;
  } else {
    throw std::invalid_argument(
        fmt::format("unknown schedule '{}' (constant, step, cosine, linear-cosine, "
                    "noisy-linear-cosine)",
                    c.schedule));
  }
  if (const std::string why = optim::validate(s); !why.empty()) throw std::invalid_argument("schedule: " + why);
  return s;
}

std::int64_t run_steps_per_epoch(const TransferConfig& c, const ImageData& d) {
  return nn::classifier_steps_per_epoch(d.train.size(), batch_size(c), c.steps_per_epoch);
}

RunRecord train_image_run(const TransferConfig& c, const ImageData& d, const PlannedRun& p, const EpochFn& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t batch = batch_size(c);
  const std::int64_t per_epoch = run_steps_per_epoch(c, d);
  const std::int64_t total = per_epoch * c.epochs;
  const std::int64_t taken = steps_to_take(p, total);
  // The test set is for the table only: a stopped run never reaches it.
  const bool stopped = taken < total;

  // The same initialisation for every optimizer at a given repeat.
  std::mt19937_64 rng(p.seed);
  ParamArena arena;
  std::unique_ptr<nn::Module> net;
  if (c.task == "convnet")
    net = std::make_unique<nn::ConvNet>(arena, nn::ConvNetOptions{.padding = !c.no_padding, .pooling = c.pooling}, rng);
  else
    net = std::make_unique<nn::WideResNet>(
        arena, nn::WideResNetOptions{.depth = c.depth, .widen = c.widen, .dropout = static_cast<float>(c.dropout)},
        rng);

  optim::OptimizerOptions o = run_optimizer_options(p, p.key.lr, static_cast<std::uint64_t>(total));
  o.schedule = schedule_of(c, per_epoch, total);
  optim::Optimizer opt(p.opt.rule, o);
  optim::add_arena(opt, arena);

  RunRecord rec = start_record(p, total);
  // One run of the loop; each epoch draws from its own seed (nn::epoch_seed), and the loop scores
  // the test set after every epoch.
  auto e0 = std::chrono::steady_clock::now();
  nn::ClassifierConfig cfg{.epochs = c.epochs,
                           .max_steps = taken,
                           .steps_per_epoch = c.steps_per_epoch,
                           .batch = batch,
                           .augment = c.augment,
                           .seed = p.seed,
                           .reseed_each_epoch = true,
                           .label = fmt::format("{} lr={:g}", p.key.optimizer, p.key.lr)};
  cfg.on_epoch = [&](const nn::ClassifierEpoch& e) {
    const auto now = std::chrono::steady_clock::now();
    EpochMetrics m{.epoch = e.epoch,
                   .train = e.train_loss,
                   .val = e.val_accuracy,
                   .test = stopped ? NAN : e.test_accuracy,
                   .seconds = std::chrono::duration<double>(now - e0).count(),
                   .steps = std::min<std::int64_t>(e.epoch * per_epoch, taken)};
    e0 = now;
    rec.epochs.push_back(m);
    on_epoch(m);
  };
  const nn::ClassifierResult r =
      nn::train_classifier(*net, arena, d.train, d.val, cfg, opt, stopped ? nullptr : &d.test);
  if (r.diverged) {
    rec.diverged = true;
    rec.reason = fmt::format("epoch {}: {}", r.epochs.size() + 1, r.diverged_reason);
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

}  // namespace nos::transfer
