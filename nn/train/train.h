// The training loops: image classifiers (ConvNet, Wide ResNet) and word-level language models.
//
// The loops own the data, the forward/backward passes and the metrics; the update and its
// learning rate belong to the optim::Optimizer they are given (bound to the model's arena with
// optim::add_arena): a loop never sees a rate. Both loops stop early and report "diverged" when
// the loss or the weights stop being finite: the search feeds them many broken update rules, and
// a broken rule is a result, not a crash. An on_epoch hook sees each epoch's metrics as soon as
// they are measured, and an optional test set is scored after every epoch, so a caller that
// reports per epoch (nos-transfer) runs each loop once.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nn/data/cifar10.h"
#include "nn/models/lstm_lm.h"
#include "nn/modules/module.h"
#include "optim/optimizer.h"

namespace nos::nn {

// The steps of one epoch: the one formula every caller uses (a schedule's decay_steps, the
// total_steps of ld/cd/rd). cap 0: a full pass; otherwise at most cap steps.
// Classifier: whole batches of the training images (the last partial batch is dropped).
std::int64_t classifier_steps_per_epoch(std::int64_t images, std::int64_t batch, std::int64_t cap = 0);
// Language model: windows of bptt rows over the text batchified into `batch` streams (>= 2 rows).
std::int64_t lm_steps_per_epoch(std::int64_t tokens, std::int64_t batch, std::int64_t bptt, std::int64_t cap = 0);

// An epoch's generator when a loop reseeds each epoch: every epoch of a run reproducible on its own.
std::uint64_t epoch_seed(std::uint64_t seed, int epoch);

struct ClassifierEpoch {
  int epoch = 0;
  double train_loss = 0, val_accuracy = 0, seconds = 0, images_per_second = 0;
  double test_accuracy = 0;  // with a test set
};

struct ClassifierConfig {
  int epochs = 1;
  std::int64_t max_steps = 0;  // 0: no limit; otherwise stop after this many steps (of the whole run)
  // A run continued: the model and the optimizer have taken `start_step` steps of this run already
  // (an earlier call that stopped at max_steps = start_step). The loop draws the data order up to
  // there without training, so the continued run is the uninterrupted one bit for bit (successive
  // halving trains survivors on). Not with augment, whose draws would have to be replayed too.
  std::int64_t start_step = 0;
  std::int64_t steps_per_epoch = 0;  // 0: a full pass over the training images; else at most this many
  std::int64_t batch = 100;
  bool augment = false;    // pad-4 random crop + horizontal flip
  std::uint64_t seed = 1;  // shuffling, augmentation, dropout
  // false: one generator seeded with `seed` runs through every epoch. true: epoch e starts from
  // a generator seeded epoch_seed(seed, e) and the identity order (as if each epoch were a run).
  bool reseed_each_epoch = false;
  std::int64_t eval_batch = 500;
  std::string log_path;  // JSONL, one record per epoch (empty: none)
  std::string label = "train";
  bool progress = true;
  std::function<void(const ClassifierEpoch&)> on_epoch;  // after each epoch's metrics (optional)
};

struct ClassifierResult {
  bool diverged = false;
  std::string diverged_reason;
  std::vector<ClassifierEpoch> epochs;
  double final_val_accuracy = 0;  // 0 when diverged
  std::int64_t steps = 0;         // steps of the run so far (start_step included)
  double seconds = 0;
};

// `opt` must be bound to `arena` (optim::add_arena); it takes one step per batch. `test`, if
// given, is scored after every epoch (ClassifierEpoch::test_accuracy).
ClassifierResult train_classifier(Module& model, ParamArena& arena, const data::ImageSet& train,
                                  const data::ImageSet& val, const ClassifierConfig& cfg, optim::Optimizer& opt,
                                  const data::ImageSet* test = nullptr);
double evaluate_accuracy(Module& model, const data::ImageSet& set, std::int64_t batch);

struct LmEpoch {
  int epoch = 0;
  double train_perplexity = 0, valid_perplexity = 0, seconds = 0, tokens_per_second = 0;
  double test_perplexity = 0;  // with test_each_epoch
};

// Defaults are Zaremba's "small" recipe; nn/train/zaremba.h has the values for each size (its
// per-epoch rate is the optimizer's optim::ScheduleKind::Zaremba schedule).
struct LmConfig {
  int epochs = 13;
  std::int64_t max_steps = 0;
  std::int64_t steps_per_epoch = 0;  // 0: one pass over the text's windows; else at most this many
  std::int64_t batch = 20, bptt = 20;
  float clip_norm = 5.0f;  // global gradient-norm clipping (0: off)
  // Zaremba et al. (and TensorFlow's PTB model) minimise the loss summed over the bptt steps and
  // averaged over the batch; their lr 1 and clip 5 are tuned for that scale. Off: per-token mean.
  bool loss_sum_over_time = true;
  // Each epoch is at most one pass over the text's windows of bptt rows, wrapping around to the
  // first, with a fresh state, at the text's end. Epoch 1 starts at window first_window (mod their
  // number); epoch e at first_window + (e - 1) * steps_per_epoch, so cut epochs (nos-transfer
  // --steps-per-epoch) go on through the text instead of repeating its beginning; with
  // restart_cuts every epoch starts at first_window. (A full pass ends where it started.)
  std::int64_t first_window = 0;
  bool restart_cuts = false;
  std::uint64_t seed = 1;
  bool reseed_each_epoch = false;  // as ClassifierConfig's (the generator drives dropout)
  bool test_each_epoch = false;    // score the test text after every epoch, not only at the end
  std::string log_path, label = "lm";
  bool progress = true;
  std::function<void(const LmEpoch&)> on_epoch;  // after each epoch's metrics (optional)
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
                              const LmConfig& cfg, optim::Optimizer& opt);
// exp(mean cross-entropy per token) over a token stream, batch streams of bptt steps.
double evaluate_perplexity(LstmLm& model, const std::vector<std::int32_t>& tokens, std::int64_t batch,
                           std::int64_t bptt);

// Scales all gradients so that their global L2 norm is at most max_norm; returns the norm before.
double clip_grad_norm(ParamArena& arena, double max_norm);
bool all_finite(const float* p, std::int64_t n);

}  // namespace nos::nn
