#include "apps/transfer/lm_task.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <random>

#include "apps/transfer/run_start.h"
#include "nn/data/data_path.h"
#include "nn/models/lstm_lm.h"
#include "nn/train/train.h"
#include "optim/arena_optimizer.h"
#include "optim/schedule.h"

namespace nos::transfer {

LmData load_lm_data(const TransferConfig& c) {
  const auto dir = data::find_dataset("ptb", c.data_dir);
  data::Corpus corpus = data::read_ptb(dir);
  LmData d{corpus.vocab.size(), std::move(corpus.train), std::move(corpus.valid), std::move(corpus.test)};
  if (c.valid_tokens > 0 && c.valid_tokens < static_cast<std::int64_t>(d.valid.size()))
    d.valid.resize(static_cast<size_t>(c.valid_tokens));
  if (c.test_tokens > 0 && c.test_tokens < static_cast<std::int64_t>(d.test.size()))
    d.test.resize(static_cast<size_t>(c.test_tokens));
  // Every split is checked before the first step, not when the first evaluation needs it.
  const std::int64_t batch = batch_size(c);
  data::require_tokens_for_batch(d.train, batch, dir / "ptb.train.txt");
  data::require_tokens_for_batch(d.valid, batch, dir / "ptb.valid.txt");
  data::require_tokens_for_batch(d.test, batch, dir / "ptb.test.txt");
  return d;
}

optim::Schedule zaremba_schedule_of(const TransferConfig& c, std::int64_t steps_per_epoch) {
  return optim::zaremba_schedule(static_cast<std::uint64_t>(steps_per_epoch), c.lr_decay_start, c.lr_decay);
}

double zaremba_rate(const TransferConfig& c, double base, int epoch) {
  return optim::learning_rate(zaremba_schedule_of(c, 1), base, static_cast<std::uint64_t>(epoch - 1));
}

std::int64_t run_steps_per_epoch(const TransferConfig& c, const LmData& d) {
  return nn::lm_steps_per_epoch(static_cast<std::int64_t>(d.train.size()), batch_size(c), c.bptt, c.steps_per_epoch);
}

RunRecord train_lm_run(const TransferConfig& c, const LmData& d, const PlannedRun& p, const EpochFn& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t batch = batch_size(c);
  const std::int64_t per_epoch = run_steps_per_epoch(c, d);
  const std::int64_t total = per_epoch * c.epochs;
  const std::int64_t taken = steps_to_take(p, total);
  const bool stopped = taken < total;

  std::mt19937_64 rng(p.seed);
  ParamArena arena;
  nn::LstmLm lm(arena, c.size == "medium" ? nn::LstmLmOptions::medium(d.vocab) : nn::LstmLmOptions::small(d.vocab),
                rng);

  optim::OptimizerOptions o = run_optimizer_options(p, p.key.lr, static_cast<std::uint64_t>(total));
  o.schedule = zaremba_schedule_of(c, per_epoch);
  optim::Optimizer opt(p.opt.rule, o);
  optim::add_arena(opt, arena);

  RunRecord rec = start_record(p, total);
  auto e0 = std::chrono::steady_clock::now();
  nn::LmConfig cfg{.epochs = c.epochs,
                   .max_steps = taken,
                   .steps_per_epoch = c.steps_per_epoch,
                   .batch = batch,
                   .bptt = c.bptt,
                   .clip_norm = static_cast<float>(c.clip),
                   .restart_cuts = c.lm_cuts != "continue",
                   .seed = p.seed,
                   .reseed_each_epoch = true,
                   .test_each_epoch = !stopped,
                   .label = fmt::format("{} lr={:g}", p.key.optimizer, p.key.lr)};
  cfg.on_epoch = [&](const nn::LmEpoch& e) {
    const auto now = std::chrono::steady_clock::now();
    EpochMetrics m{.epoch = e.epoch,
                   .train = e.train_perplexity,
                   .val = e.valid_perplexity,
                   .test = stopped ? NAN : e.test_perplexity,
                   .seconds = std::chrono::duration<double>(now - e0).count(),
                   .steps = std::min<std::int64_t>(e.epoch * per_epoch, taken)};
    e0 = now;
    rec.epochs.push_back(m);
    on_epoch(m);
  };
  const nn::LmResult r = nn::train_language_model(lm, arena, d.train, d.valid, d.test, cfg, opt);
  if (r.diverged) {
    rec.diverged = true;
    rec.reason = fmt::format("epoch {}: {}", r.epochs.size() + 1, r.diverged_reason);
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

}  // namespace nos::transfer
