// The training loops on real data and on broken optimizers.
#include "nn/train/train.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "autograd/autograd.h"
#include "nn/data/fashion_mnist.h"
#include "nn/data/ptb.h"
#include "nn/data/splits.h"
#include "nn/models/convnet.h"
#include "optim/arena_optimizer.h"
#include "tests/threads.h"

namespace nos::nn {
namespace {
namespace fs = std::filesystem;

// Plain SGD (the rule `g`) at rate lr, bound to the arena: what the loops step.
optim::Optimizer sgd(ParamArena& arena, double lr) {
  optim::Optimizer opt("g", {.hyper = {.lr = lr}});
  optim::add_arena(opt, arena);
  return opt;
}

struct Fashion {
  data::ImageSet train, test;
};
const Fashion* fashion() {
  static const Fashion* f = []() -> Fashion* {
    const fs::path dir = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(dir)) return nullptr;
    const data::ImageSet all = data::read_fashion_mnist_train(dir);
    auto split = data::search_split(all, 3000, 0, 11);
    auto* out = new Fashion{std::move(split.train), data::read_fashion_mnist_test(dir)};
    std::vector<std::int64_t> first(1000);
    std::iota(first.begin(), first.end(), 0);
    out->test = data::gather(out->test, first);
    const auto stats = data::channel_stats(out->train);
    data::normalize(out->train, stats);
    data::normalize(out->test, stats);
    return out;
  }();
  return f;
}

TEST(Train, ShortFashionMnistRunClearlyBeatsChance) {
  const Fashion* f = fashion();
  if (!f) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  std::mt19937_64 rng(1);
  ParamArena arena;
  ConvNet net(
      arena, {.in_channels = 1, .image_size = 28, .classes = 10, .filters = 16, .padding = true, .pooling = true}, rng);
  const fs::path log = fs::temp_directory_path() / ("nos_train_test_" + std::to_string(::getpid()) + ".jsonl");
  ClassifierConfig cfg{.epochs = 1, .batch = 50, .log_path = log.string(), .label = "fashion", .progress = false};
  optim::Optimizer opt = sgd(arena, 0.05f);
  const ClassifierResult r = train_classifier(net, arena, f->train, f->test, cfg, opt);
  ASSERT_FALSE(r.diverged) << r.diverged_reason;
  EXPECT_EQ(r.steps, 60);
  EXPECT_GT(r.final_val_accuracy, 0.6) << "chance is 0.1";
  std::ifstream in(log);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"val_accuracy\""), std::string::npos) << line;
  fs::remove(log);
}

TEST(Train, SameSeedSameResult) {
  const Fashion* f = fashion();
  if (!f) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto run = [&] {
    std::mt19937_64 rng(5);
    ParamArena arena;
    ConvNet net(arena,
                {.in_channels = 1, .image_size = 28, .classes = 10, .filters = 8, .padding = true, .pooling = true},
                rng);
    ClassifierConfig cfg{.epochs = 1, .max_steps = 10, .batch = 50, .augment = true, .progress = false};
    optim::Optimizer opt = sgd(arena, 0.05f);
    train_classifier(net, arena, f->train, f->test, cfg, opt);
    return std::vector<float>(arena.values(), arena.values() + arena.size());
  };
  EXPECT_EQ(run(), run());
}

TEST(Train, ABrokenOptimizerIsReportedAsDivergedNotACrash) {
  const Fashion* f = fashion();
  if (!f) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  std::mt19937_64 rng(1);
  ParamArena arena;
  ConvNet net(arena,
              {.in_channels = 1, .image_size = 28, .classes = 10, .filters = 8, .padding = true, .pooling = true}, rng);
  // An optimizer that writes NaN into the first weight, as a bad rule (log of 0, 0/0) would: SGD
  // whose gradient for that weight is NaN, every other weight stepped with its own gradient.
  const float nan_grad = std::nanf("");
  optim::Optimizer broken("g", {});
  broken.add(arena.values(), &nan_grad, 1);
  broken.add(arena.values() + 1, arena.grads() + 1, static_cast<size_t>(arena.size() - 1));
  const ClassifierResult r =
      train_classifier(net, arena, f->train, f->test, {.epochs = 2, .batch = 100, .progress = false}, broken);
  EXPECT_TRUE(r.diverged);
  EXPECT_EQ(r.final_val_accuracy, 0.0);
  EXPECT_NE(r.diverged_reason.find("loss is nan at step 2"), std::string::npos) << r.diverged_reason;
}

TEST(Train, LanguageModelLearnsARepeatingText) {
  // "a b c d <eos>" repeated: a 2-layer LSTM must get its perplexity far below the vocabulary's 5.
  std::vector<std::int32_t> text;
  for (int i = 0; i < 400; ++i) text.insert(text.end(), {1, 2, 3, 4, 0});
  std::mt19937_64 rng(2);
  ParamArena arena;
  LstmLm lm(arena, {.vocab = 5, .embed = 8, .hidden = 16, .layers = 2, .dropout = 0.0f, .init_scale = 0.3f}, rng);
  // The loss is summed over the 10 bptt steps (Zaremba's scale), so 0.2 is the per-token-mean rate 2.
  LmConfig cfg{.epochs = 3, .batch = 4, .bptt = 10, .progress = false};
  optim::Optimizer opt = sgd(arena, 0.2f);
  const LmResult r = train_language_model(lm, arena, text, text, text, cfg, opt);
  ASSERT_FALSE(r.diverged) << r.diverged_reason;
  ASSERT_EQ(r.epochs.size(), 3u);
  EXPECT_LT(r.epochs.back().valid_perplexity, 1.5);
  EXPECT_LT(r.test_perplexity, 1.5);
}

TEST(Train, LanguageModelEpochStartsAtFirstWindowAndWrapsAround) {
  // At rate 0 the weights stay put, so an epoch's training perplexity is that of the windows it
  // trained on, each from the state the epoch carried into it: evaluated here directly.
  std::vector<std::int32_t> text;
  std::mt19937 gen(3);
  for (int i = 0; i < 203; ++i) text.push_back(static_cast<std::int32_t>(gen() % 7));
  std::mt19937_64 rng(4);
  ParamArena arena;
  LstmLm lm(arena, {.vocab = 7, .embed = 6, .hidden = 8, .layers = 1, .dropout = 0.0f, .init_scale = 0.3f}, rng);
  const std::int64_t batch = 4, bptt = 10;
  const Tensor data = data::batchify(text, batch);             // 50 rows
  const std::int64_t windows = (data.size(0) - 2) / bptt + 1;  // 5: rows 0, 10, 20, 30, 40 (the last 9 long)
  ASSERT_EQ(windows, 5);
  auto window_nll = [&](std::int64_t w, LstmState& state) {  // summed over the window's tokens
    ag::NoGradGuard no_grad;
    Context ctx{.training = false};
    const data::LmBatch b = data::lm_batch(data, w * bptt, bptt);
    const double mean = ag::softmax_cross_entropy(lm.forward(b.inputs, state, ctx), b.targets).value().item();
    return std::pair{mean * b.targets.numel(), b.targets.numel()};
  };
  auto train_ppl = [&](std::int64_t first, std::int64_t steps) {
    LmConfig cfg{
        .epochs = 1, .max_steps = steps, .batch = batch, .bptt = bptt, .first_window = first, .progress = false};
    optim::Optimizer opt = sgd(arena, 0.0);
    const LmResult r = train_language_model(lm, arena, text, text, text, cfg, opt);
    EXPECT_EQ(r.steps, steps);
    return r.epochs.at(0).train_perplexity;
  };
  {  // windows 2 and 3, the state carried from 2 into 3; first_window counts modulo the text
    LstmState s;
    const auto [a, na] = window_nll(2, s);
    const auto [b, nb] = window_nll(3, s);
    EXPECT_NEAR(train_ppl(2, 2), std::exp((a + b) / static_cast<double>(na + nb)), 1e-4);
    EXPECT_NEAR(train_ppl(2 + windows, 2), std::exp((a + b) / static_cast<double>(na + nb)), 1e-4);
  }
  {  // the last window, then around to window 0 with a fresh state
    LstmState s, fresh;
    const auto [a, na] = window_nll(4, s);
    const auto [b, nb] = window_nll(0, fresh);
    EXPECT_NEAR(train_ppl(4, 2), std::exp((a + b) / static_cast<double>(na + nb)), 1e-4);
  }
  LmConfig bad{.batch = batch, .bptt = bptt, .first_window = -1, .progress = false};
  optim::Optimizer opt = sgd(arena, 0.0);
  EXPECT_THROW(train_language_model(lm, arena, text, text, text, bad, opt), std::invalid_argument);
}

TEST(Train, OneLanguageModelRunIsTheSameAsOneCallPerCutEpoch) {
  // nos-transfer once drove the loop one epoch per call (a fresh seed each, the cut going on
  // through the text, test perplexity after each); one run with reseed_each_epoch, steps_per_epoch
  // and test_each_epoch must give the same bits, and on_epoch must see every epoch's metrics.
  std::vector<std::int32_t> text;
  std::mt19937 gen(5);
  for (int i = 0; i < 400; ++i) text.push_back(static_cast<std::int32_t>(gen() % 6));
  const LstmLmOptions arch{.vocab = 6, .embed = 8, .hidden = 8, .layers = 2, .dropout = 0.3f, .init_scale = 0.3f};
  const std::int64_t batch = 4, bptt = 10, cut = 3;  // 10 windows, cut to 3 a epoch
  ASSERT_EQ(lm_steps_per_epoch(static_cast<std::int64_t>(text.size()), batch, bptt), 10);
  ASSERT_EQ(lm_steps_per_epoch(static_cast<std::int64_t>(text.size()), batch, bptt, cut), cut);
  const std::uint64_t seed = 7;
  const int epochs = 4;  // 12 steps: the fourth cut wraps around the text's end
  std::vector<LmEpoch> seen;
  std::vector<float> one_run;
  {
    std::mt19937_64 rng(2);
    ParamArena arena;
    LstmLm lm(arena, arch, rng);
    optim::Optimizer opt = sgd(arena, 0.5);
    LmConfig cfg{.epochs = epochs,
                 .steps_per_epoch = cut,
                 .batch = batch,
                 .bptt = bptt,
                 .seed = seed,
                 .reseed_each_epoch = true,
                 .test_each_epoch = true,
                 .progress = false};
    cfg.on_epoch = [&](const LmEpoch& e) { seen.push_back(e); };
    const LmResult r = train_language_model(lm, arena, text, text, text, cfg, opt);
    ASSERT_FALSE(r.diverged) << r.diverged_reason;
    EXPECT_EQ(r.steps, epochs * cut);
    ASSERT_EQ(seen.size(), static_cast<size_t>(epochs));
    EXPECT_EQ(r.test_perplexity, seen.back().test_perplexity);
    one_run.assign(arena.values(), arena.values() + arena.size());
  }
  std::mt19937_64 rng(2);
  ParamArena arena;
  LstmLm lm(arena, arch, rng);
  optim::Optimizer opt = sgd(arena, 0.5);
  for (int e = 1; e <= epochs; ++e) {
    LmConfig cfg{.epochs = 1,
                 .max_steps = cut,
                 .batch = batch,
                 .bptt = bptt,
                 .first_window = (e - 1) * cut,
                 .seed = epoch_seed(seed, e),
                 .progress = false};
    const LmResult r = train_language_model(lm, arena, text, text, text, cfg, opt);
    ASSERT_EQ(r.epochs.size(), 1u);
    EXPECT_EQ(seen[static_cast<size_t>(e - 1)].epoch, e);
    EXPECT_EQ(seen[static_cast<size_t>(e - 1)].train_perplexity, r.epochs[0].train_perplexity) << "epoch " << e;
    EXPECT_EQ(seen[static_cast<size_t>(e - 1)].valid_perplexity, r.epochs[0].valid_perplexity) << "epoch " << e;
    EXPECT_EQ(seen[static_cast<size_t>(e - 1)].test_perplexity, r.test_perplexity) << "epoch " << e;
  }
  EXPECT_EQ(one_run, std::vector<float>(arena.values(), arena.values() + arena.size()));
}

TEST(Train, ClassifierRunScoresTheTestSetAndReseedsEachEpochLikeSeparateCalls) {
  const Fashion* f = fashion();
  if (!f) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const ConvNetOptions arch{
      .in_channels = 1, .image_size = 28, .classes = 10, .filters = 4, .padding = true, .pooling = true};
  const std::int64_t cut = 5;
  std::vector<ClassifierEpoch> seen;
  std::vector<float> one_run;
  {
    std::mt19937_64 rng(3);
    ParamArena arena;
    ConvNet net(arena, arch, rng);
    optim::Optimizer opt = sgd(arena, 0.05);
    ClassifierConfig cfg{.epochs = 2,
                         .steps_per_epoch = cut,
                         .batch = 50,
                         .augment = true,
                         .seed = 9,
                         .reseed_each_epoch = true,
                         .progress = false};
    cfg.on_epoch = [&](const ClassifierEpoch& e) { seen.push_back(e); };
    const ClassifierResult r = train_classifier(net, arena, f->train, f->test, cfg, opt, &f->test);
    EXPECT_EQ(r.steps, 2 * cut);
    ASSERT_EQ(seen.size(), 2u);
    one_run.assign(arena.values(), arena.values() + arena.size());
  }
  std::mt19937_64 rng(3);
  ParamArena arena;
  ConvNet net(arena, arch, rng);
  optim::Optimizer opt = sgd(arena, 0.05);
  for (int e = 1; e <= 2; ++e) {
    ClassifierConfig cfg{
        .epochs = 1, .max_steps = cut, .batch = 50, .augment = true, .seed = epoch_seed(9, e), .progress = false};
    const ClassifierResult r = train_classifier(net, arena, f->train, f->test, cfg, opt);
    EXPECT_EQ(seen[static_cast<size_t>(e - 1)].train_loss, r.epochs.at(0).train_loss) << "epoch " << e;
    EXPECT_EQ(seen[static_cast<size_t>(e - 1)].test_accuracy, evaluate_accuracy(net, f->test, 500)) << "epoch " << e;
  }
  EXPECT_EQ(one_run, std::vector<float>(arena.values(), arena.values() + arena.size()));
}

// Successive halving stops a run and trains it on later: the continued run (cut mid-epoch and at
// an epoch's end) must be the uninterrupted one, weights bit for bit.
TEST(Train, AClassifierRunCutAndContinuedIsTheUninterruptedRun) {
  const Fashion* f = fashion();
  if (!f) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const ConvNetOptions arch{
      .in_channels = 1, .image_size = 28, .classes = 10, .filters = 4, .padding = true, .pooling = false};
  auto weights = [&](const std::vector<std::int64_t>& cuts) {
    std::mt19937_64 rng(4);
    ParamArena arena;
    ConvNet net(arena, arch, rng);
    optim::Optimizer opt("adam", {.hyper = {.lr = 1e-3}});
    optim::add_arena(opt, arena);
    std::int64_t at = 0;
    for (std::int64_t cut : cuts) {
      const ClassifierConfig cfg{.epochs = 2,
                                 .max_steps = cut,
                                 .start_step = at,
                                 .steps_per_epoch = 8,
                                 .batch = 50,
                                 .seed = 6,
                                 .progress = false};
      const ClassifierResult r = train_classifier(net, arena, f->train, f->test, cfg, opt);
      EXPECT_EQ(r.steps, cut);
      at = cut;
    }
    return std::vector<float>(arena.values(), arena.values() + arena.size());
  };
  const auto whole = weights({16});
  EXPECT_EQ(weights({3, 16}), whole);
  EXPECT_EQ(weights({8, 11, 16}), whole);
  EXPECT_NE(weights({8}), whole);
  std::mt19937_64 rng(4);
  ParamArena arena;
  ConvNet net(arena, arch, rng);
  optim::Optimizer opt = sgd(arena, 0.1);
  const ClassifierConfig augmented{.epochs = 1, .start_step = 2, .batch = 50, .augment = true, .progress = false};
  EXPECT_THROW(train_classifier(net, arena, f->train, f->test, augmented, opt), std::invalid_argument);
}

TEST(Train, StepsPerEpochIsOneFormulaWithAnOptionalCap) {
  EXPECT_EQ(classifier_steps_per_epoch(45000, 100), 450);
  EXPECT_EQ(classifier_steps_per_epoch(45050, 100), 450);  // the last partial batch is dropped
  EXPECT_EQ(classifier_steps_per_epoch(45000, 100, 30), 30);
  EXPECT_EQ(classifier_steps_per_epoch(45000, 100, 1000), 450);
  EXPECT_EQ(lm_steps_per_epoch(203, 4, 10), 5);  // 50 rows: windows at rows 0, 10, 20, 30, 40
  EXPECT_EQ(lm_steps_per_epoch(208, 4, 10), 6);  // 52 rows: a sixth window, of one row, at row 50
  EXPECT_EQ(lm_steps_per_epoch(203, 4, 10, 2), 2);
}

TEST(Train, AnOptimizerBoundToAnotherArenaIsAnError) {
  std::vector<std::int32_t> text(100, 1);
  std::mt19937_64 rng(1);
  ParamArena arena, other;
  LstmLm lm(arena, {.vocab = 2, .embed = 2, .hidden = 2, .layers = 1, .dropout = 0.0f}, rng);
  other.add("w", {3});
  optim::Optimizer opt = sgd(other, 0.1);
  LmConfig cfg{.epochs = 1, .batch = 2, .bptt = 5, .progress = false};
  EXPECT_THROW(train_language_model(lm, arena, text, text, text, cfg, opt), std::invalid_argument);
}

TEST(Train, GradientClippingBoundsTheGlobalNorm) {
  ParamArena arena;
  auto p = arena.add("w", {2});
  p.grad.copy_from(Tensor::from({2}, {3, 4}));
  EXPECT_DOUBLE_EQ(clip_grad_norm(arena, 1.0), 5.0);
  EXPECT_NEAR(p.grad.to_vector()[0], 0.6f, 1e-6f);
  EXPECT_NEAR(p.grad.to_vector()[1], 0.8f, 1e-6f);
  EXPECT_NEAR(clip_grad_norm(arena, 10.0), 1.0, 1e-6);  // under the bound: unchanged

  ParamArena big;  // large enough for the threaded loops
  auto q = big.add("w", {100000});
  q.grad.fill(2.0f);
  {
    const test::ThreadScope two(2);
    EXPECT_NEAR(clip_grad_norm(big, 1.0), 2.0 * std::sqrt(100000.0), 1e-6);
  }
  for (float v : q.grad.to_vector()) ASSERT_NEAR(v, 1.0f / std::sqrt(100000.0f), 1e-9f);
}

}  // namespace
}  // namespace nos::nn
