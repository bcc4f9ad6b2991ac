#include "nn/train/train.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "autograd/autograd.h"
#include "nn/data/ptb.h"
#include "nn/data/splits.h"
#include "nn/train/progress.h"

namespace nos::nn {
namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void require_bound(const optim::Optimizer& opt, const ParamArena& arena, const char* loop) {
  if (opt.size() != static_cast<size_t>(arena.size()))
    throw std::invalid_argument(
        fmt::format("{}: the optimizer holds {} parameters, the model's arena {} (bind it with "
                    "optim::add_arena after building the model)",
                    loop, opt.size(), arena.size()));
}
}  // namespace

std::int64_t classifier_steps_per_epoch(std::int64_t images, std::int64_t batch, std::int64_t cap) {
  const std::int64_t full = batch > 0 ? images / batch : 0;
  return cap > 0 ? std::min(full, cap) : full;
}

std::int64_t lm_steps_per_epoch(std::int64_t tokens, std::int64_t batch, std::int64_t bptt, std::int64_t cap) {
  const std::int64_t rows = batch > 0 ? tokens / batch : 0;  // data::batchify's rows
  const std::int64_t full = rows >= 2 && bptt > 0 ? (rows - 2) / bptt + 1 : 0;
  return cap > 0 ? std::min(full, cap) : full;
}

std::uint64_t epoch_seed(std::uint64_t seed, int epoch) { return seed * 1000003 + static_cast<std::uint64_t>(epoch); }

bool all_finite(const float* p, std::int64_t n) {
  bool ok = true;
#pragma omp parallel for reduction(&& : ok) if (n > (1 << 16)) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) ok = ok && std::isfinite(p[i]);
  return ok;
}

double clip_grad_norm(ParamArena& arena, double max_norm) {
  float* g = arena.grads();
  const std::int64_t n = arena.size();
  double sq = 0;
#pragma omp parallel for reduction(+ : sq) if (n > (1 << 16)) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) sq += static_cast<double>(g[i]) * g[i];
  const double norm = std::sqrt(sq);
  if (max_norm > 0 && norm > max_norm) {
    const auto s = static_cast<float>(max_norm / norm);
#pragma omp parallel for if (n > (1 << 16)) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) g[i] *= s;
  }
  return norm;
}

double evaluate_accuracy(Module& model, const data::ImageSet& set, std::int64_t batch) {
  ag::NoGradGuard no_grad;
  Context ctx{.training = false};
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < set.size(); i += batch) {
    const std::int64_t e = std::min(i + batch, set.size());
    const Tensor logits = model.forward(ag::Var(set.images.slice0(i, e)), ctx).value();
    const std::int64_t K = logits.size(1);
    for (std::int64_t r = 0; r < e - i; ++r) {
      const float* z = logits.data() + r * K;
      correct += (std::max_element(z, z + K) - z) == set.labels.idata()[i + r];
    }
  }
  return set.size() ? static_cast<double>(correct) / static_cast<double>(set.size()) : 0.0;
}

ClassifierResult train_classifier(Module& model, ParamArena& arena, const data::ImageSet& train,
                                  const data::ImageSet& val, const ClassifierConfig& cfg, optim::Optimizer& opt,
                                  const data::ImageSet* test) {
  if (cfg.batch < 1 || cfg.batch > train.size())
    throw std::invalid_argument(
        fmt::format("train_classifier: batch {} for {} training images", cfg.batch, train.size()));
  require_bound(opt, arena, "train_classifier");
  if (cfg.start_step < 0 || (cfg.start_step > 0 && cfg.augment))
    throw std::invalid_argument(fmt::format(
        "train_classifier: start_step {} (>= 0, and 0 with augment: its draws are not replayed)", cfg.start_step));
  ClassifierResult result;
  result.steps = cfg.start_step;
  JsonlLog log(cfg.log_path);
  std::mt19937_64 rng(cfg.seed);
  Context ctx{.training = true, .rng = &rng};
  std::vector<std::int64_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  const std::int64_t per_epoch = classifier_steps_per_epoch(train.size(), cfg.batch, cfg.steps_per_epoch);
  const std::int64_t total =
      cfg.max_steps > 0 ? std::min(cfg.max_steps, per_epoch * cfg.epochs) : per_epoch * cfg.epochs;
  Progress progress(cfg.label, cfg.progress);
  const auto t_run = Clock::now();
  auto fail = [&](std::string why) {
    result.diverged = true;
    result.diverged_reason = std::move(why);
    result.final_val_accuracy = 0;
    log.write(
        {{"label", cfg.label}, {"event", "diverged"}, {"step", result.steps}, {"reason", result.diverged_reason}});
  };

  for (int epoch = 1; epoch <= cfg.epochs && result.steps < total; ++epoch) {
    if (cfg.reseed_each_epoch) {
      rng.seed(epoch_seed(cfg.seed, epoch));
      std::iota(order.begin(), order.end(), 0);
    }
    data::shuffle_indices(order, rng);
    // A continued run skips what the earlier call trained; an epoch it finished is only drawn.
    const std::int64_t first = std::max<std::int64_t>(0, cfg.start_step - (epoch - 1) * per_epoch);
    if (first >= per_epoch) continue;
    const auto t0 = Clock::now();
    double loss_sum = 0;
    std::int64_t steps = 0;
    for (std::int64_t b = first; b < per_epoch && result.steps < total; ++b) {
      data::ImageSet batch = data::gather(train, {order.begin() + b * cfg.batch, order.begin() + (b + 1) * cfg.batch});
      Tensor images = cfg.augment ? data::augment_crop_flip(batch.images, 4, rng) : batch.images;
      arena.zero_grad();
      ag::Var loss = ag::softmax_cross_entropy(model.forward(ag::Var(images), ctx), batch.labels);
      const float l = loss.value().item();
      if (!std::isfinite(l)) {
        fail(fmt::format("loss is {} at step {}", l, result.steps + 1));
        break;
      }
      ag::backward(loss);
      opt.step();
      ++result.steps;
      ++steps;
      loss_sum += l;
      progress.update(result.steps, total, fmt::format("epoch {}/{} loss {:.4f}", epoch, cfg.epochs, loss_sum / steps));
    }
    if (result.diverged) break;
    if (!all_finite(arena.values(), arena.size())) {
      fail(fmt::format("weights are not finite after epoch {}", epoch));
      break;
    }
    ClassifierEpoch m;
    m.epoch = epoch;
    m.seconds = seconds_since(t0);
    m.train_loss = steps ? loss_sum / steps : 0;
    m.images_per_second = m.seconds > 0 ? steps * cfg.batch / m.seconds : 0;
    m.val_accuracy = evaluate_accuracy(model, val, cfg.eval_batch);
    if (test) m.test_accuracy = evaluate_accuracy(model, *test, cfg.eval_batch);
    result.epochs.push_back(m);
    result.final_val_accuracy = m.val_accuracy;
    nlohmann::json rec = {{"label", cfg.label},         {"epoch", epoch},
                          {"train_loss", m.train_loss}, {"val_accuracy", m.val_accuracy},
                          {"seconds", m.seconds},       {"images_per_second", m.images_per_second},
                          {"steps", result.steps}};
    if (test) rec["test_accuracy"] = m.test_accuracy;
    log.write(rec);
    if (cfg.on_epoch) cfg.on_epoch(m);
  }
  result.seconds = seconds_since(t_run);
  return result;
}

double evaluate_perplexity(LstmLm& model, const std::vector<std::int32_t>& tokens, std::int64_t batch,
                           std::int64_t bptt) {
  ag::NoGradGuard no_grad;
  Context ctx{.training = false};
  const Tensor data = data::batchify(tokens, batch);
  LstmState state;
  double nll = 0;
  std::int64_t count = 0;
  for (std::int64_t start = 0; start + 1 < data.size(0); start += bptt) {
    const data::LmBatch b = data::lm_batch(data, start, bptt);
    const double loss = model.loss(b.inputs, b.targets, state, ctx).value().item();
    nll += loss * b.targets.numel();
    count += b.targets.numel();
  }
  return std::exp(nll / static_cast<double>(count));
}

LmResult train_language_model(LstmLm& model, ParamArena& arena, const std::vector<std::int32_t>& train,
                              const std::vector<std::int32_t>& valid, const std::vector<std::int32_t>& test,
                              const LmConfig& cfg, optim::Optimizer& opt) {
  require_bound(opt, arena, "train_language_model");
  LmResult result;
  JsonlLog log(cfg.log_path);
  std::mt19937_64 rng(cfg.seed);
  Context ctx{.training = true, .rng = &rng};
  const Tensor data = data::batchify(train, cfg.batch);
  if (cfg.first_window < 0) throw std::invalid_argument("train_language_model: first_window must be >= 0");
  const std::int64_t windows = lm_steps_per_epoch(static_cast<std::int64_t>(train.size()), cfg.batch, cfg.bptt);
  const std::int64_t per_epoch =
      lm_steps_per_epoch(static_cast<std::int64_t>(train.size()), cfg.batch, cfg.bptt, cfg.steps_per_epoch);
  const std::int64_t total =
      cfg.max_steps > 0 ? std::min(cfg.max_steps, per_epoch * cfg.epochs) : per_epoch * cfg.epochs;
  Progress progress(cfg.label, cfg.progress);
  for (int epoch = 1; epoch <= cfg.epochs && result.steps < total; ++epoch) {
    if (cfg.reseed_each_epoch) rng.seed(epoch_seed(cfg.seed, epoch));
    const auto t0 = Clock::now();
    LstmState state;  // each epoch starts from zeros; within it the state carries over
    double nll = 0;
    std::int64_t tokens = 0;
    const std::int64_t first = cfg.first_window + (cfg.restart_cuts ? 0 : (epoch - 1) * per_epoch);
    std::int64_t w = first % windows;
    for (std::int64_t i = 0; i < per_epoch && result.steps < total; ++i, w = (w + 1) % windows) {
      if (w == 0 && i > 0) state = LstmState{};  // wrapped around to the start of the text
      const data::LmBatch b = data::lm_batch(data, w * cfg.bptt, cfg.bptt);
      state = detach(state);
      arena.zero_grad();
      ag::Var loss = model.loss(b.inputs, b.targets, state, ctx);
      const float l = loss.value().item();
      if (!std::isfinite(l)) {
        result.diverged = true;
        result.diverged_reason = fmt::format("loss is {} at step {}", l, result.steps + 1);
        break;
      }
      ag::backward(cfg.loss_sum_over_time ? ag::scale(loss, static_cast<float>(b.inputs.size(0))) : loss);
      if (cfg.clip_norm > 0) clip_grad_norm(arena, cfg.clip_norm);
      opt.step();
      ++result.steps;
      nll += static_cast<double>(l) * b.targets.numel();
      tokens += b.targets.numel();
      const std::string which = cfg.epochs > 1 ? fmt::format("epoch {}/{} ", epoch, cfg.epochs) : "";
      progress.update(result.steps, total, fmt::format("{}train perplexity {:.1f}", which, std::exp(nll / tokens)));
    }
    if (!result.diverged && !all_finite(arena.values(), arena.size())) {
      result.diverged = true;
      result.diverged_reason = fmt::format("weights are not finite after epoch {}", epoch);
    }
    if (result.diverged) {
      log.write(
          {{"label", cfg.label}, {"event", "diverged"}, {"step", result.steps}, {"reason", result.diverged_reason}});
      break;
    }
    LmEpoch m;
    m.epoch = epoch;
    m.seconds = seconds_since(t0);
    m.train_perplexity = std::exp(nll / std::max<std::int64_t>(tokens, 1));
    m.tokens_per_second = m.seconds > 0 ? tokens / m.seconds : 0;
    m.valid_perplexity = evaluate_perplexity(model, valid, cfg.batch, cfg.bptt);
    // Same layout as training; the few streams that start cold change perplexity negligibly
    // compared with batch 1, and it is 20x faster.
    if (cfg.test_each_epoch)
      m.test_perplexity = result.test_perplexity = evaluate_perplexity(model, test, cfg.batch, cfg.bptt);
    result.epochs.push_back(m);
    nlohmann::json rec = {{"label", cfg.label},
                          {"epoch", epoch},
                          {"train_perplexity", m.train_perplexity},
                          {"valid_perplexity", m.valid_perplexity},
                          {"seconds", m.seconds},
                          {"tokens_per_second", m.tokens_per_second}};
    if (cfg.test_each_epoch) rec["test_perplexity"] = m.test_perplexity;
    log.write(rec);
    if (cfg.on_epoch) cfg.on_epoch(m);
  }
  if (!result.diverged) {
    if (!cfg.test_each_epoch || result.epochs.empty())
      result.test_perplexity = evaluate_perplexity(model, test, cfg.batch, cfg.bptt);
    log.write({{"label", cfg.label}, {"event", "test"}, {"test_perplexity", result.test_perplexity}});
  }
  return result;
}

}  // namespace nos::nn
