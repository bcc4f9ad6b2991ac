// Whole-model gradient checks on tiny instances of the three model families: the arena's
// gradients after one backward pass against central differences of the loss, over a sample of
// parameters that covers every parameter tensor.
#include <gtest/gtest.h>

#include <functional>

#include "autograd/autograd.h"
#include "nn/models/convnet.h"
#include "nn/models/lstm_lm.h"
#include "nn/models/wide_resnet.h"
#include "tests/autograd/gradcheck.h"

namespace nos::nn {
namespace {

// Checks up to `per_tensor` elements of every parameter tensor in the arena. Batch norm makes the
// loss strongly curved, so the step must be small (1e-3) for central differences to be accurate.
void check_model_gradients(ParamArena& arena, const std::function<ag::Var()>& loss_fn, int per_tensor, float eps,
                           float atol, float rtol) {
  arena.zero_grad();
  ag::backward(loss_fn());
  const std::vector<float> analytic(arena.grads(), arena.grads() + arena.size());
  ag::NoGradGuard no_grad;
  float* w = arena.values();
  for (const auto& e : arena.entries()) {
    const std::int64_t step = std::max<std::int64_t>(1, e.numel / per_tensor);
    for (std::int64_t k = 0; k < e.numel; k += step) {
      const std::int64_t i = e.offset + k;
      const float saved = w[i];
      w[i] = saved + eps;
      const double up = loss_fn().value().item();
      w[i] = saved - eps;
      const double down = loss_fn().value().item();
      w[i] = saved;
      const double numeric = (up - down) / (2.0 * eps);
      EXPECT_NEAR(analytic[i], numeric, atol + rtol * std::abs(numeric)) << e.name << "[" << k << "]";
    }
  }
}

TEST(Models, ConvNetGradientsEveryVariant) {
  for (bool pooling : {false, true})
    for (bool padding : {true, false}) {
      std::mt19937_64 rng(1);
      std::mt19937 drng(2);
      ParamArena arena;
      ConvNet net(
          arena,
          {.in_channels = 2, .image_size = 10, .classes = 3, .filters = 3, .padding = padding, .pooling = pooling},
          rng);
      const Tensor x = test::random_tensor({4, 2, 10, 10}, drng);
      const Tensor y = Tensor::from_ints({4}, {0, 2, 1, 2});
      Context ctx;
      SCOPED_TRACE(testing::Message() << "pooling " << pooling << " padding " << padding);
      check_model_gradients(
          arena, [&] { return ag::softmax_cross_entropy(net.forward(ag::Var(x), ctx), y); }, 6, 1e-3f, 5e-3f, 5e-2f);
    }
}

TEST(Models, ConvNetShapesOfThePapersChildNetwork) {
  std::mt19937_64 rng(1);
  ParamArena arena;
  ConvNet net(arena, {}, rng);
  // conv1 3*32*9, bn1 2*32, conv2 32*32*9, bn2 2*32, fc 32*32*32*10 + 10
  EXPECT_EQ(arena.size(), 864 + 64 + 9216 + 64 + 327680 + 10);
  Context ctx{.training = false};
  EXPECT_EQ(net.forward(ag::Var(Tensor::zeros({2, 3, 32, 32})), ctx).shape(), (Shape{2, 10}));
  ParamArena a2;
  ConvNet pooled(a2, {.pooling = true}, rng);
  EXPECT_EQ(a2.size(), 864 + 64 + 9216 + 64 + 2048 * 10 + 10);
}

TEST(Models, WideResNet10x1Gradients) {
  std::mt19937_64 rng(3);
  std::mt19937 drng(4);
  ParamArena arena;
  WideResNet net(arena, {.depth = 10, .widen = 1, .in_channels = 3, .classes = 4}, rng);
  const Tensor x = test::random_tensor({4, 3, 8, 8}, drng);
  const Tensor y = Tensor::from_ints({4}, {0, 3, 1, 2});
  Context ctx;
  check_model_gradients(
      arena, [&] { return ag::softmax_cross_entropy(net.forward(ag::Var(x), ctx), y); }, 3, 1e-3f, 5e-3f, 5e-2f);
}

TEST(Models, WideResNetStructureAndBadDepths) {
  std::mt19937_64 rng(1);
  ParamArena arena;
  WideResNet net(arena, {.depth = 16, .widen = 4}, rng);
  EXPECT_EQ(net.blocks.size(), 6u);
  // WRN-16-4 has 2.75M parameters (Zagoruyko & Komodakis, Table 1: 2.7M).
  EXPECT_NEAR(static_cast<double>(arena.size()), 2.75e6, 0.03e6);
  ParamArena bad;
  try {
    WideResNet w(bad, {.depth = 12}, rng);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "WideResNet: depth 12 is not 6n + 4 with n >= 1 (10, 16, 22, 28, 40, ...)");
  }
}

TEST(Models, LstmLanguageModelGradients) {
  std::mt19937_64 rng(5);
  ParamArena arena;
  LstmLm lm(arena, {.vocab = 7, .embed = 4, .hidden = 5, .layers = 1, .dropout = 0.0f, .init_scale = 0.5f}, rng);
  const Tensor tokens = Tensor::from_ints({3, 2}, {1, 4, 6, 0, 2, 2});
  const Tensor next = Tensor::from_ints({6}, {6, 0, 2, 2, 5, 1});
  Context ctx;
  check_model_gradients(
      arena,
      [&] {
        LstmState s;
        return ag::softmax_cross_entropy(lm.forward(tokens, s, ctx), next);
      },
      8, 1e-2f, 2e-3f, 2e-2f);
}

TEST(Models, LstmLossIsTheLossOfItsLogitsWithTheSameGradients) {
  // The training loop's fused decoder + loss against forward() then softmax cross-entropy.
  auto make = [] {
    std::mt19937_64 rng(7);
    auto arena = std::make_unique<ParamArena>();
    auto lm = std::make_unique<LstmLm>(
        *arena, LstmLmOptions{.vocab = 9, .embed = 4, .hidden = 6, .layers = 2, .dropout = 0.0f, .init_scale = 0.5f},
        rng);
    return std::pair{std::move(arena), std::move(lm)};
  };
  auto [arena_a, lm_a] = make();
  auto [arena_b, lm_b] = make();
  const Tensor tokens = Tensor::from_ints({3, 2}, {1, 4, 8, 0, 2, 2});
  const Tensor next = Tensor::from_ints({6}, {8, 0, 2, 2, 5, 1});
  Context ctx;
  LstmState sa, sb;
  const ag::Var fused = lm_a->loss(tokens, next, sa, ctx);
  const ag::Var ref = ag::softmax_cross_entropy(lm_b->forward(tokens, sb, ctx), next);
  EXPECT_EQ(fused.value().item(), ref.value().item());
  ag::backward(fused);
  ag::backward(ref);
  const auto ga = arena_a->grads(), gb = arena_b->grads();
  ASSERT_EQ(arena_a->size(), arena_b->size());
  for (std::int64_t i = 0; i < arena_a->size(); ++i) ASSERT_EQ(ga[i], gb[i]) << "parameter " << i;
  EXPECT_EQ(sa.h[1].value().to_vector(), sb.h[1].value().to_vector());  // the same state carried on
}

TEST(Models, LstmStateCarriesAcrossBatchesWithoutTheGraph) {
  std::mt19937_64 rng(6);
  ParamArena arena;
  LstmLm lm(arena, {.vocab = 5, .embed = 3, .hidden = 4, .layers = 2, .dropout = 0.0f, .init_scale = 0.5f}, rng);
  Context ctx{.training = false};
  // Running 4 steps at once equals running 2 + 2 with the state carried over.
  const Tensor all = Tensor::from_ints({4, 1}, {1, 3, 0, 4});
  LstmState s_all;
  const auto whole = lm.forward(all, s_all, ctx).value().to_vector();
  LstmState s;
  auto first = lm.forward(Tensor::from_ints({2, 1}, {1, 3}), s, ctx).value().to_vector();
  s = detach(s);
  EXPECT_TRUE(s.h[0].node()->inputs.empty());  // detached: no graph behind the carried state
  auto second = lm.forward(Tensor::from_ints({2, 1}, {0, 4}), s, ctx).value().to_vector();
  first.insert(first.end(), second.begin(), second.end());
  ASSERT_EQ(first.size(), whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) EXPECT_NEAR(first[i], whole[i], 1e-6f) << i;
  // A fresh zero state gives a different continuation: the carried state matters.
  LstmState fresh;
  const auto cold = lm.forward(Tensor::from_ints({2, 1}, {0, 4}), fresh, ctx).value().to_vector();
  EXPECT_NE(cold, second);
}

}  // namespace
}  // namespace nos::nn
