// Activations, dropout and softmax + cross-entropy against double-precision references.
#include "tensor/kernels/elementwise.h"

#include "tests/tensor/kernels/test_util.h"

namespace nos::kernels::test {
namespace {

template <class Kernel, class Ref>
void check_unary(std::int64_t n, Kernel kernel, Ref ref, float lo, float hi, double tol, std::uint32_t seed) {
  SCOPED_TRACE(testing::Message() << "n=" << n);
  std::mt19937 rng(seed);
  GuardedF a(n), b(n);
  fill_uniform(a, rng, lo, hi);
  fill_uniform(b, rng, lo, hi);
  std::vector<double> want(n);
  for (std::int64_t i = 0; i < n; ++i) want[i] = ref(a[i], b[i]);
  std::vector<float> first;
  for (int threads : {1, 2}) {
    ThreadScope scope(threads);
    GuardedF out = output_buffer(n);
    kernel(n, a.data(), b.data(), out.data());
    EXPECT_TRUE(near(out.data(), want, tol, tol));
    EXPECT_TRUE(out.guards_intact());
    if (threads == 1) {
      first.assign(out.data(), out.data() + n);
    } else {
      EXPECT_EQ(max_abs_diff(first.data(), out.data(), n), 0.0);
    }
    // In place (output aliases the first input).
    GuardedF inplace = a;
    kernel(n, inplace.data(), b.data(), inplace.data());
    EXPECT_EQ(max_abs_diff(inplace.data(), out.data(), n), 0.0);
  }
}

constexpr std::int64_t kSizes[] = {1, 7, 16, 1000, 100003};

TEST(kernels_elementwise, Relu) {
  for (std::int64_t n : kSizes) {
    check_unary(
        n, [](std::int64_t k, const float* x, const float*, float* y) { relu_forward(k, x, y); },
        [](double x, double) { return x > 0 ? x : 0.0; }, -1, 1, 0.0, 1);
    check_unary(
        n, [](std::int64_t k, const float* x, const float* dy, float* dx) { relu_backward(k, x, dy, dx); },
        [](double x, double dy) { return x > 0 ? dy : 0.0; }, -1, 1, 0.0, 2);
  }
}

TEST(kernels_elementwise, SigmoidTanh) {
  for (std::int64_t n : kSizes) {
    check_unary(
        n, [](std::int64_t k, const float* x, const float*, float* y) { sigmoid_forward(k, x, y); },
        [](double x, double) { return 1.0 / (1.0 + std::exp(-x)); }, -20, 20, 1e-6, 3);
    check_unary(
        n, [](std::int64_t k, const float* y, const float* dy, float* dx) { sigmoid_backward(k, y, dy, dx); },
        [](double y, double dy) { return dy * y * (1 - y); }, 0, 1, 1e-6, 4);
    check_unary(
        n, [](std::int64_t k, const float* x, const float*, float* y) { tanh_forward(k, x, y); },
        [](double x, double) { return std::tanh(x); }, -10, 10, 1e-6, 5);
    check_unary(
        n, [](std::int64_t k, const float* y, const float* dy, float* dx) { tanh_backward(k, y, dy, dx); },
        [](double y, double dy) { return dy * (1 - y * y); }, -1, 1, 1e-6, 6);
  }
}

TEST(kernels_elementwise, Dropout) {
  for (std::int64_t n : kSizes) {
    // The mask is 0 or 1/(1-p) with p = 0.5; the "b" input in [0, 1) picks which.
    check_unary(
        n,
        [](std::int64_t k, const float* x, const float* u, float* y) {
          std::vector<float> mask(k);
          for (std::int64_t i = 0; i < k; ++i) mask[i] = u[i] < 0.5f ? 0.0f : 2.0f;
          dropout_forward(k, x, mask.data(), y);
        },
        [](double x, double u) { return static_cast<float>(u) < 0.5f ? 0.0 : 2.0 * x; }, 0, 1, 0.0, 7);
    check_unary(
        n,
        [](std::int64_t k, const float* dy, const float* u, float* dx) {
          std::vector<float> mask(k);
          for (std::int64_t i = 0; i < k; ++i) mask[i] = u[i] < 0.5f ? 0.0f : 2.0f;
          dropout_backward(k, dy, mask.data(), dx);
        },
        [](double dy, double u) { return static_cast<float>(u) < 0.5f ? 0.0 : 2.0 * dy; }, 0, 1, 0.0, 8);
  }
}

TEST(kernels_elementwise, SoftmaxCrossEntropy) {
  std::mt19937 rng(11);
  for (auto [batch, classes] : {std::pair<int, int>{1, 1}, {3, 10}, {100, 10}, {2000, 37}, {5, 1000}}) {
    SCOPED_TRACE(testing::Message() << "batch=" << batch << " classes=" << classes);
    GuardedF logits(batch * classes);
    fill_uniform(logits, rng, -30.0f, 30.0f);
    logits[0] = 80.0f;  // exp(80) overflows float: the log-sum-exp must stay finite
    GuardedI labels(batch);
    for (int b = 0; b < batch; ++b) labels[b] = std::uniform_int_distribution<int>(0, classes - 1)(rng);
    double loss = 0.0;
    std::vector<double> probs(batch * classes), grad(batch * classes);
    const float dloss = 0.7f;
    for (int b = 0; b < batch; ++b) {
      double mx = -1e300, sum = 0.0;
      for (int k = 0; k < classes; ++k) mx = std::max(mx, static_cast<double>(logits[b * classes + k]));
      for (int k = 0; k < classes; ++k) sum += std::exp(logits[b * classes + k] - mx);
      const double lse = mx + std::log(sum);
      loss += lse - logits[b * classes + labels[b]];
      for (int k = 0; k < classes; ++k) {
        probs[b * classes + k] = std::exp(logits[b * classes + k] - lse);
        grad[b * classes + k] = dloss / batch * (probs[b * classes + k] - (k == labels[b] ? 1.0 : 0.0));
      }
    }
    loss /= batch;
    float first = 0.0f;
    for (int threads : {1, 2}) {
      ThreadScope scope(threads);
      GuardedF p = output_buffer(batch * classes), d = output_buffer(batch * classes);
      const float got = softmax_cross_entropy_forward(batch, classes, logits.data(), labels.data(), p.data());
      EXPECT_NEAR(got, loss, 1e-5 * (1 + std::abs(loss)));
      EXPECT_EQ(got, softmax_cross_entropy_forward(batch, classes, logits.data(), labels.data(), nullptr));
      softmax_cross_entropy_backward(batch, classes, p.data(), labels.data(), dloss, d.data());
      EXPECT_TRUE(near(p.data(), probs, 1e-6));
      EXPECT_TRUE(near(d.data(), grad, 1e-7));
      EXPECT_TRUE(p.guards_intact() && d.guards_intact());
      if (threads == 1) {
        first = got;
      } else {
        EXPECT_EQ(first, got);
      }
    }
  }
}

// Divergence detection (nn/train) stops a run at the first non-finite loss: a NaN or +inf logit
// anywhere in a row, first, last or in a vector's middle, must make the loss NaN, never be
// skipped by the vectorised max.
TEST(kernels_elementwise, SoftmaxCrossEntropyNonFiniteLogitGivesNonFiniteLoss) {
  const int classes = 1000;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    for (int at : {0, 7, 500, classes - 1}) {
      SCOPED_TRACE(testing::Message() << "bad=" << bad << " at=" << at);
      std::vector<float> logits(2 * classes, 0.25f);
      logits[classes + at] = bad;  // second row
      const std::int32_t labels[2] = {3, 4};
      std::vector<float> probs(2 * classes);
      EXPECT_FALSE(std::isfinite(softmax_cross_entropy_forward(2, classes, logits.data(), labels, probs.data())));
      EXPECT_FALSE(std::isfinite(softmax_cross_entropy_forward(2, classes, logits.data(), labels, nullptr)));
    }
  }
}

}  // namespace
}  // namespace nos::kernels::test
