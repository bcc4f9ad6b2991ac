// The training loops on real data and on broken optimizers.
#include "nn/train/train.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "nn/data/fashion_mnist.h"
#include "nn/data/splits.h"
#include "nn/models/convnet.h"

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

TEST(Train, GradientClippingBoundsTheGlobalNorm) {
  ParamArena arena;
  auto p = arena.add("w", {2});
  p.grad.copy_from(Tensor::from({2}, {3, 4}));
  EXPECT_DOUBLE_EQ(clip_grad_norm(arena, 1.0), 5.0);
  EXPECT_NEAR(p.grad.to_vector()[0], 0.6f, 1e-6f);
  EXPECT_NEAR(p.grad.to_vector()[1], 0.8f, 1e-6f);
  EXPECT_NEAR(clip_grad_norm(arena, 10.0), 1.0, 1e-6);  // under the bound: unchanged
}

}  // namespace
}  // namespace nos::nn
