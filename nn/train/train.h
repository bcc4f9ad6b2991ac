// The training loops: image classifiers (ConvNet, Wide ResNet) and word-level language models.
//
// An optimizer is a StepFn that updates the arena's values from its gradients; until the JIT's
// Optimizer lands, sgd_step() is the plain one. Both loops stop early and report "diverged" when
// the loss or the weights stop being finite: the search feeds them many broken update rules, and
// a broken rule is a result, not a crash.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nn/data/cifar10.h"
#include "nn/models/lstm_lm.h"
#include "nn/modules/module.h"

namespace nos::nn {

// Updates arena.values() from arena.grads() at 1-based `step` with learning rate `lr`.
using StepFn = std::function<void(ParamArena& arena, std::int64_t step, float lr)>;
StepFn sgd_step();

// Learning rate at 0-based global step and 1-based epoch.
using LrSchedule = std::function<float(std::int64_t step, int epoch)>;
LrSchedule constant_lr(float lr);

struct ClassifierConfig {
  int epochs = 1;
  std::int64_t max_steps = 0;  // 0: no limit; otherwise stop after this many steps
  std::int64_t batch = 100;
  LrSchedule lr = constant_lr(0.01f);
  bool augment = false;        // pad-4 random crop + horizontal flip
  std::uint64_t seed = 1;      // shuffling, augmentation, dropout
  std::int64_t eval_batch = 500;
  std::string log_path;        // JSONL, one record per epoch (empty: none)
  std::string label = "train";
  bool progress = true;
};

struct ClassifierEpoch {
  int epoch = 0;
  double train_loss = 0, val_accuracy = 0, seconds = 0, images_per_second = 0;
};

struct ClassifierResult {
  bool diverged = false;
  std::string diverged_reason;
  std::vector<ClassifierEpoch> epochs;
  double final_val_accuracy = 0;  // 0 when diverged
  std::int64_t steps = 0;
  double seconds = 0;
};

ClassifierResult train_classifier(Module& model, ParamArena& arena, const data::ImageSet& train,
                                  const data::ImageSet& val, const ClassifierConfig& cfg, const StepFn& step);
double evaluate_accuracy(Module& model, const data::ImageSet& set, std::int64_t batch);

// Defaults are Zaremba's "small" recipe; nn/train/zaremba.h has the values for each size.
struct LmConfig {
  int epochs = 13;
  std::int64_t max_steps = 0;
  std::int64_t batch = 20, bptt = 20;
  LrSchedule lr;               // default: 1.0, halved after each epoch past the 4th
  float clip_norm = 5.0f;      // global gradient-norm clipping (0: off)
  // Zaremba et al. (and TensorFlow's PTB model) minimise the loss summed over the bptt steps and
  // averaged over the batch; their lr 1 and clip 5 are tuned for that scale. Off: per-token mean.
  bool loss_sum_over_time = true;
  // Each epoch is at most one pass over the text's windows of bptt rows, starting at this one
  // (mod their number) and wrapping around to the first, with a fresh state, at the text's end.
  // A caller that trains in cut epochs (nos-transfer --steps-per-epoch) passes where the previous
  // cut ended, so the cuts go on through the text instead of repeating its beginning.
  std::int64_t first_window = 0;
  std::uint64_t seed = 1;
  std::string log_path, label = "lm";
  bool progress = true;
};

struct LmEpoch {
  int epoch = 0;
  double train_perplexity = 0, valid_perplexity = 0, seconds = 0, tokens_per_second = 0;
};

struct LmResult {
  bool diverged = false;
  std::string diverged_reason;
  std::vector<LmEpoch> epochs;
  double test_perplexity = 0;
  std::int64_t steps = 0;
};

LmResult train_language_model(LstmLm& model, ParamArena& arena, const std::vector<std::int32_t>& train,
                              const std::vector<std::int32_t>& valid, const std::vector<std::int32_t>& test,
                              const LmConfig& cfg, const StepFn& step);
// exp(mean cross-entropy per token) over a token stream, batch streams of bptt steps.
double evaluate_perplexity(LstmLm& model, const std::vector<std::int32_t>& tokens, std::int64_t batch, std::int64_t bptt);

// Scales all gradients so that their global L2 norm is at most max_norm; returns the norm before.
double clip_grad_norm(ParamArena& arena, double max_norm);
bool all_finite(const float* p, std::int64_t n);

}  // namespace nos::nn
