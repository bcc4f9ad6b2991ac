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
#include "tests/threads.h"

namespace nos::nn {
namespace {
namespace fs = std::filesystem;

struct Fashion {
  data::ImageSet train, test;
};
const Fashion* fashion() {
  static const Fashion* f = [] () -> Fashion* {
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
  ConvNet net(arena, {.in_channels = 1, .image_size = 28, .classes = 10, .filters = 16, .padding = true, .pooling = true}, rng);
  const fs::path log = fs::temp_directory_path() / ("nos_train_test_" + std::to_string(::getpid()) + ".jsonl");
  ClassifierConfig cfg{.epochs = 1, .batch = 50, .lr = constant_lr(0.05f), .log_path = log.string(), .label = "fashion", .progress = false};
  const ClassifierResult r = train_classifier(net, arena, f->train, f->test, cfg, sgd_step());
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
    ConvNet net(arena, {.in_channels = 1, .image_size = 28, .classes = 10, .filters = 8, .padding = true, .pooling = true}, rng);
    ClassifierConfig cfg{.epochs = 1, .max_steps = 10, .batch = 50, .lr = constant_lr(0.05f), .augment = true, .progress = false};
    train_classifier(net, arena, f->train, f->test, cfg, sgd_step());
    return std::vector<float>(arena.values(), arena.values() + arena.size());
  };
  EXPECT_EQ(run(), run());
}

TEST(Train, ABrokenOptimizerIsReportedAsDivergedNotACrash) {
  const Fashion* f = fashion();
  if (!f) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  std::mt19937_64 rng(1);
  ParamArena arena;
  ConvNet net(arena, {.in_channels = 1, .image_size = 28, .classes = 10, .filters = 8, .padding = true, .pooling = true}, rng);
  // An "optimizer" that writes NaN into the weights, as a bad rule (log of 0, 0/0) would.
  StepFn broken = [](ParamArena& a, std::int64_t, float) { a.values()[0] = std::nanf(""); };
  const ClassifierResult r = train_classifier(net, arena, f->train, f->test, {.epochs = 2, .batch = 100, .progress = false}, broken);
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
  LmConfig cfg{.epochs = 3, .batch = 4, .bptt = 10, .lr = constant_lr(0.2f), .progress = false};
  const LmResult r = train_language_model(lm, arena, text, text, text, cfg, sgd_step());
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
  const Tensor data = data::batchify(text, batch);           // 50 rows
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
    LmConfig cfg{.epochs = 1, .max_steps = steps, .batch = batch, .bptt = bptt, .lr = constant_lr(0.0f),
                 .first_window = first, .progress = false};
    const LmResult r = train_language_model(lm, arena, text, text, text, cfg, sgd_step());
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
  EXPECT_THROW(train_language_model(lm, arena, text, text, text, bad, sgd_step()), std::invalid_argument);
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
