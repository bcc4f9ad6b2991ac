// Gradients of the neural-network ops against finite differences, and forward values by hand.
#include <gtest/gtest.h>

#include "autograd/autograd.h"
#include "tests/autograd/gradcheck.h"

namespace nos::ag {
namespace {
using test::gradcheck;
using test::GradcheckOptions;
using test::random_tensor;

std::mt19937 rng(2024);
Var input(const Shape& s, float lo = -1, float hi = 1) { return Var(random_tensor(s, rng, lo, hi), true); }

TEST(NnOps, Conv2dWithStrideAndPadding) {
  struct Case {
    Shape x, w;
    Conv2dOptions o;
    bool bias;
  };
  const Case cases[] = {
      {{2, 3, 5, 5}, {4, 3, 3, 3}, Conv2dOptions::same(1, 1), true},
      {{1, 2, 7, 6}, {3, 2, 3, 3}, Conv2dOptions::same(2, 1), false},
      {{2, 2, 6, 5}, {2, 2, 3, 2}, {2, 1, 0, 1}, true},
      {{1, 3, 4, 4}, {5, 3, 1, 1}, Conv2dOptions::same(1, 0), true},
  };
  for (const auto& c : cases) {
    std::vector<Var> in{input(c.x), input(c.w)};
    if (c.bias) in.push_back(input({c.w[0]}));
    const auto o = c.o;
    gradcheck([o](const std::vector<Var>& v) { return conv2d(v[0], v[1], v.size() > 2 ? v[2] : Var(), o); }, in);
  }
}

TEST(NnOps, Conv2dForwardByHand) {
  // 1x1x3x3 input, 1x1x2x2 all-ones kernel, no padding: each output is a 2x2 window sum.
  Var x(Tensor::from({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  Var w(Tensor::full({1, 1, 2, 2}, 1.0f));
  Var b(Tensor::from({1}, {0.5f}));
  EXPECT_EQ(conv2d(x, w, b, {}).value().to_vector(), (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
}

TEST(NnOps, Pooling) {
  // Well-separated values so that finite differences never move the argmax.
  std::vector<float> v(2 * 3 * 6 * 6);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 37) % v.size()) * 0.1f;
  Var x(Tensor::from({2, 3, 6, 6}, v), true);
  gradcheck([](const std::vector<Var>& in) { return maxpool2d(in[0], Pool2dOptions::square(2, 2)); }, {x});
  gradcheck([](const std::vector<Var>& in) { return maxpool2d(in[0], Pool2dOptions::square(3, 2, 1)); }, {x});
  gradcheck([](const std::vector<Var>& in) { return avgpool2d(in[0], Pool2dOptions::square(3, 2, 1)); },
            {input({2, 3, 6, 6})});
  gradcheck([](const std::vector<Var>& in) { return global_avgpool(in[0]); }, {input({2, 3, 4, 5})});
}

TEST(NnOps, PoolingForwardByHand) {
  Var x(Tensor::from({1, 1, 2, 4}, {1, 5, 2, 0, 3, 4, 8, 7}));
  EXPECT_EQ(maxpool2d(x, Pool2dOptions::square(2, 2)).value().to_vector(), (std::vector<float>{5, 8}));
  EXPECT_EQ(avgpool2d(x, Pool2dOptions::square(2, 2)).value().to_vector(), (std::vector<float>{3.25f, 4.25f}));
  EXPECT_EQ(global_avgpool(x).value().to_vector(), (std::vector<float>{3.75f}));
}

TEST(NnOps, BatchNormTrainingModeThroughTheBatchStatistics) {
  Tensor rm = Tensor::zeros({3}), rv = Tensor::full({3}, 1.0f);
  gradcheck([&](const std::vector<Var>& v) { return batchnorm2d_train(v[0], v[1], v[2], rm, rv); },
            {input({4, 3, 3, 2}), input({3}, 0.5f, 1.5f), input({3})},
            GradcheckOptions{.eps = 1e-2f, .atol = 2e-2f, .rtol = 2e-2f});
  Tensor rm2 = Tensor::zeros({2}), rv2 = Tensor::full({2}, 1.0f);
  gradcheck([&](const std::vector<Var>& v) { return batchnorm2d_train(v[0], Var(), Var(), rm2, rv2); },
            {input({3, 2, 2, 2})}, GradcheckOptions{.eps = 1e-2f, .atol = 2e-2f, .rtol = 2e-2f});
}

TEST(NnOps, BatchNormRunningStatisticsAndEvalMode) {
  // One channel, values 1..4: mean 2.5, biased var 1.25, unbiased var 5/3.
  Var x(Tensor::from({4, 1, 1, 1}, {1, 2, 3, 4}));
  Tensor rm = Tensor::zeros({1}), rv = Tensor::full({1}, 1.0f);
  Var y = batchnorm2d_train(x, Var(), Var(), rm, rv, 0.1f, 0.0f);
  const float s = 1.0f / std::sqrt(1.25f);
  const auto yv = y.value().to_vector();
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(yv[i], (i + 1 - 2.5f) * s, 1e-6f);
  EXPECT_NEAR(rm.item(), 0.25f, 1e-6f);
  EXPECT_NEAR(rv.item(), 0.9f + 0.1f * 5.0f / 3.0f, 1e-6f);
  Var g(Tensor::from({1}, {2.0f}), true), b(Tensor::from({1}, {1.0f}), true);
  EXPECT_NEAR(batchnorm2d_eval(x, g, b, rm, rv, 0.0f).value().to_vector()[3],
              2.0f * (4 - 0.25f) / std::sqrt(rv.item()) + 1.0f, 1e-5f);
  gradcheck([&](const std::vector<Var>& v) { return batchnorm2d_eval(v[0], v[1], v[2], rm, rv); },
            {input({2, 1, 2, 2}), g, b});
}

TEST(NnOps, Activations) {
  // Keep relu's inputs away from its kink at 0.
  std::vector<float> v{-0.9f, -0.5f, 0.3f, 0.7f, -0.2f, 0.6f};
  gradcheck([](const std::vector<Var>& in) { return relu(in[0]); }, {Var(Tensor::from({2, 3}, v), true)});
  gradcheck([](const std::vector<Var>& in) { return sigmoid(in[0]); }, {input({3, 4}, -3, 3)});
  gradcheck([](const std::vector<Var>& in) { return tanh(in[0]); }, {input({3, 4}, -2, 2)});
  Var x(Tensor::from({3}, {-1, 0, 2}));
  EXPECT_EQ(relu(x).value().to_vector(), (std::vector<float>{0, 0, 2}));
  EXPECT_NEAR(sigmoid(x).value().to_vector()[2], 1.0f / (1.0f + std::exp(-2.0f)), 1e-6f);
  EXPECT_NEAR(tanh(x).value().to_vector()[0], std::tanh(-1.0f), 1e-6f);
}

TEST(NnOps, DropoutScalesKeptUnitsAndRoutesGradientsThroughTheMask) {
  gradcheck(
      [](const std::vector<Var>& in) {
        std::mt19937_64 r(5);  // the same mask on every evaluation
        return dropout(in[0], 0.3f, r);
      },
      {input({4, 5})});
  std::mt19937_64 r(1);
  Var x(Tensor::full({10000}, 1.0f));
  const auto y = dropout(x, 0.5f, r).value().to_vector();
  int kept = 0;
  for (float e : y) {
    EXPECT_TRUE(e == 0.0f || e == 2.0f);
    kept += e != 0.0f;
  }
  EXPECT_NEAR(kept, 5000, 200);
  EXPECT_THROW(dropout(x, 1.0f, r), std::invalid_argument);
}

TEST(NnOps, SoftmaxCrossEntropy) {
  const Tensor labels = Tensor::from_ints({3}, {2, 0, 1});
  gradcheck([&](const std::vector<Var>& in) { return softmax_cross_entropy(in[0], labels); }, {input({3, 4}, -3, 3)},
            GradcheckOptions{.eps = 1e-2f, .atol = 1e-3f, .rtol = 1e-2f});
  // By hand: uniform logits give log(K); huge logits stay finite (log-sum-exp).
  Var z(Tensor::zeros({3, 4}));
  EXPECT_NEAR(softmax_cross_entropy(z, labels).value().item(), std::log(4.0f), 1e-6f);
  Var big(Tensor::from({1, 2}, {1000.0f, 0.0f}));
  EXPECT_NEAR(softmax_cross_entropy(big, Tensor::from_ints({1}, {1})).value().item(), 1000.0f, 1e-3f);
  try {
    softmax_cross_entropy(z, Tensor::from_ints({3}, {0, 4, 1}));
    FAIL();
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "softmax_cross_entropy: label 4 of example 1 is outside [0, 4)");
  }
}

TEST(NnOps, ConvShapeErrorsNameBothShapes) {
  Var x(Tensor::zeros({1, 3, 8, 8})), w(Tensor::zeros({4, 2, 3, 3}));
  try {
    conv2d(x, w, Var(), {});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "conv2d: input [1, 3, 8, 8] has 3 channels but weight [4, 2, 3, 3] expects 2");
  }
  EXPECT_THROW(conv2d(Var(Tensor::zeros({1, 2, 2, 2})), w, Var(), {}), ShapeError);  // kernel larger than input
  EXPECT_THROW(maxpool2d(Var(Tensor::zeros({1, 2, 3})), {}), ShapeError);
}

}  // namespace
}  // namespace nos::ag

namespace nos::ag {
namespace {
TEST(NnOps, Conv2dOnTheShapesTheFastPathsTake) {
  // Stride-1 3x3 convolutions are routed to the direct and Winograd kernels: check those too.
  for (std::int64_t size : {10, 12, 17})
    for (std::int64_t pad : {0, 1}) {
      std::vector<Var> in{input({2, 3, size, size}), input({4, 3, 3, 3})};
      const auto o = Conv2dOptions::same(1, pad);
      gradcheck([o](const std::vector<Var>& v) { return conv2d(v[0], v[1], Var(), o); }, in,
                GradcheckOptions{.eps = 1e-2f, .atol = 1e-2f, .rtol = 1e-2f});
    }
}
}  // namespace
}  // namespace nos::ag

namespace nos::ag {
namespace {
TEST(NnOps, BatchNormAndPoolingOnLargerPlanes) {
  Tensor rm = Tensor::zeros({3}), rv = Tensor::full({3}, 1.0f);
  gradcheck([&](const std::vector<Var>& v) { return batchnorm2d_train(v[0], v[1], v[2], rm, rv); },
            {input({4, 3, 10, 10}), input({3}, 0.5f, 1.5f), input({3})},
            GradcheckOptions{.eps = 1e-2f, .atol = 2e-2f, .rtol = 2e-2f});
  gradcheck([](const std::vector<Var>& v) { return relu(v[0]); }, {input({4, 3, 10, 10})},
            GradcheckOptions{.eps = 1e-3f});
}
}  // namespace
}  // namespace nos::ag

namespace nos::ag {
namespace {
TEST(NnOps, ReluPassesNanThroughSoDivergenceShowsInTheLoss) {
  Var x(Tensor::from({3}, {std::nanf(""), -1.0f, 2.0f}));
  const auto y = relu(x).value().to_vector();
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_EQ(y[2], 2.0f);
}
}  // namespace
}  // namespace nos::ag
