#include "apps/transfer/lm_task.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <random>

#include "apps/transfer/run_start.h"
#include "jit/arena_optimizer.h"
#include "nn/data/data_path.h"
#include "nn/models/lstm_lm.h"
#include "nn/train/train.h"
#include "nn/train/zaremba.h"

namespace nos::transfer {

LmData load_lm_data(const TransferConfig& c) {
  const auto dir = data::find_dataset("ptb", c.data_dir);
  data::Corpus corpus = data::read_ptb(dir);
  LmData d{corpus.vocab.size(), std::move(corpus.train), std::move(corpus.valid), std::move(corpus.test)};
  if (c.valid_tokens > 0 && c.valid_tokens < static_cast<std::int64_t>(d.valid.size())) d.valid.resize(static_cast<size_t>(c.valid_tokens));
  if (c.test_tokens > 0 && c.test_tokens < static_cast<std::int64_t>(d.test.size())) d.test.resize(static_cast<size_t>(c.test_tokens));
  // Every split is checked before the first step, not when the first evaluation needs it.
  const std::int64_t batch = batch_size(c);
  data::require_tokens_for_batch(d.train, batch, dir / "ptb.train.txt");
  data::require_tokens_for_batch(d.valid, batch, dir / "ptb.valid.txt");
  data::require_tokens_for_batch(d.test, batch, dir / "ptb.test.txt");
  return d;
}

double zaremba_rate(const TransferConfig& c, double base, int epoch) {
  return nn::zaremba_rate(base, epoch, c.lr_decay_start, c.lr_decay);
}

RunRecord train_lm_run(const TransferConfig& c, const LmData& d, const PlannedRun& p, const EpochFn& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t batch = batch_size(c);
  // nn::train_language_model's steps per epoch: windows of bptt rows over the batchified stream.
  std::int64_t per_epoch = (static_cast<std::int64_t>(d.train.size()) / batch - 2) / c.bptt + 1;
  if (c.steps_per_epoch > 0) per_epoch = std::min(per_epoch, c.steps_per_epoch);

  std::mt19937_64 rng(p.seed);
  ParamArena arena;
  nn::LstmLm lm(arena, c.size == "medium" ? nn::LstmLmOptions::medium(d.vocab) : nn::LstmLmOptions::small(d.vocab), rng);

  jit::Optimizer opt(p.opt.rule,
                     run_optimizer_options(p, zaremba_rate(c, p.key.lr, 1), static_cast<std::uint64_t>(per_epoch * c.epochs)));
  jit::add_arena(opt, arena);
  const nn::StepFn step = [&opt](ParamArena&, std::int64_t, float) { opt.step(); };

  RunRecord rec = start_record(p);
  for (int epoch = 1; epoch <= c.epochs; ++epoch) {
    opt.set_learning_rate(zaremba_rate(c, p.key.lr, epoch));
    nn::LmConfig cfg{.epochs = 1, .max_steps = c.steps_per_epoch, .batch = batch, .bptt = c.bptt,
                     .clip_norm = static_cast<float>(c.clip),
                     .first_window = c.lm_cuts == "continue" ? (epoch - 1) * per_epoch : 0,
                     .seed = p.seed * 1000003 + static_cast<std::uint64_t>(epoch),
                     .label = fmt::format("{} lr={:g} epoch {}/{}", p.key.optimizer, p.key.lr, epoch, c.epochs)};
    const auto e0 = std::chrono::steady_clock::now();
    const nn::LmResult r = nn::train_language_model(lm, arena, d.train, d.valid, d.test, cfg, step);
    if (r.diverged) {
      rec.diverged = true;
      rec.reason = fmt::format("epoch {}: {}", epoch, r.diverged_reason);
      break;
    }
    EpochMetrics m{.epoch = epoch, .train = r.epochs.back().train_perplexity, .val = r.epochs.back().valid_perplexity,
                   .test = r.test_perplexity,
                   .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count()};
    rec.epochs.push_back(m);
    on_epoch(m);
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

}  // namespace nos::transfer
