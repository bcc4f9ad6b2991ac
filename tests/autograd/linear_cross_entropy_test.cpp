// The fused output layer + loss (autograd/ops/linear_cross_entropy.h): bitwise the composed
// linear + softmax_cross_entropy, gradients against finite differences, and its errors.
#include <gtest/gtest.h>

#include "autograd/autograd.h"
#include "tests/autograd/gradcheck.h"
#include "tests/threads.h"

namespace nos {
namespace {

using ag::Var;
using test::gradcheck;
using test::random_tensor;

Tensor labels_for(std::int64_t n, std::int64_t classes, unsigned seed) {
  std::mt19937 rng(seed);
  Tensor l = Tensor::empty({n}, DType::i32);
  for (std::int64_t i = 0; i < n; ++i) l.idata()[i] = static_cast<std::int32_t>(rng() % classes);
  return l;
}

// Sizes past the kernels' thread thresholds (and a column count that is not a multiple of the
// 256-column blocks), at 1 and 2 threads.
TEST(LinearCrossEntropy, BitwiseTheComposedLinearAndLoss) {
  const std::int64_t N = 70, in = 24, out = 1000;
  std::mt19937 rng(3);
  const Tensor x0 = random_tensor({N, in}, rng), w0 = random_tensor({out, in}, rng), b0 = random_tensor({out}, rng);
  const Tensor labels = labels_for(N, out, 4);
  if (!test::threads_granted(2)) GTEST_SKIP() << "OpenMP gives this process one thread (OMP_THREAD_LIMIT?)";
  for (int threads : {1, 2}) {
    const test::ThreadScope scope(threads);
    Var x(x0.clone(), true), w(w0.clone(), true), b(b0.clone(), true);
    Var x2(x0.clone(), true), w2(w0.clone(), true), b2(b0.clone(), true);
    const Var fused = ag::linear_cross_entropy(x, w, b, labels);
    const Var ref = ag::softmax_cross_entropy(ag::linear(x2, w2, b2), labels);
    ag::backward(ag::scale(fused, 3.0f));  // a gradient other than 1 into the loss
    ag::backward(ag::scale(ref, 3.0f));
    EXPECT_EQ(fused.value().item(), ref.value().item()) << threads << " threads";
    EXPECT_EQ(x.grad().to_vector(), x2.grad().to_vector()) << threads << " threads";
    EXPECT_EQ(w.grad().to_vector(), w2.grad().to_vector()) << threads << " threads";
    EXPECT_EQ(b.grad().to_vector(), b2.grad().to_vector()) << threads << " threads";
  }
}

TEST(LinearCrossEntropy, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(5);
  const Tensor labels = labels_for(4, 6, 6);
  const Var x(random_tensor({4, 3}, rng), true), w(random_tensor({6, 3}, rng), true), b(random_tensor({6}, rng), true);
  gradcheck([&](const std::vector<Var>& v) { return ag::linear_cross_entropy(v[0], v[1], v[2], labels); }, {x, w, b},
            {.eps = 1e-2f, .atol = 2e-3f, .rtol = 1e-2f});
  gradcheck([&](const std::vector<Var>& v) { return ag::linear_cross_entropy(v[0], v[1], Var(), labels); }, {x, w},
            {.eps = 1e-2f, .atol = 2e-3f, .rtol = 1e-2f});
}

TEST(LinearCrossEntropy, FrozenBiasAndEvaluationGiveTheSameLoss) {
  std::mt19937 rng(8);
  const Tensor x0 = random_tensor({40, 8}, rng), w0 = random_tensor({1200, 8}, rng), b0 = random_tensor({1200}, rng);
  const Tensor labels = labels_for(40, 1200, 9);
  Var x(x0.clone(), true), w(w0.clone(), true), x2(x0.clone(), true), w2(w0.clone(), true);
  const Var frozen = ag::linear_cross_entropy(x, w, Var(b0), labels);  // a bias that takes no gradient
  const Var ref = ag::softmax_cross_entropy(ag::linear(x2, w2, Var(b0)), labels);
  ag::backward(frozen);
  ag::backward(ref);
  EXPECT_EQ(x.grad().to_vector(), x2.grad().to_vector());
  EXPECT_EQ(w.grad().to_vector(), w2.grad().to_vector());
  ag::NoGradGuard no_grad;  // no softmax kept: the loss alone, and the same
  EXPECT_EQ(ag::linear_cross_entropy(Var(x0), Var(w0), Var(b0), labels).value().item(), ref.value().item());
}

TEST(LinearCrossEntropy, RejectsBadShapesAndLabels) {
  const Var x(Tensor::zeros({2, 3})), w(Tensor::zeros({4, 3})), b(Tensor::zeros({4}));
  EXPECT_THROW(ag::linear_cross_entropy(x, Var(Tensor::zeros({4, 5})), b, labels_for(2, 4, 1)), std::invalid_argument);
  EXPECT_THROW(ag::linear_cross_entropy(x, w, Var(Tensor::zeros({5})), labels_for(2, 4, 1)), std::invalid_argument);
  EXPECT_THROW(ag::linear_cross_entropy(x, w, b, labels_for(3, 4, 1)), std::invalid_argument);
  try {
    ag::linear_cross_entropy(x, w, b, Tensor::zeros({2}));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("labels must be int32"), std::string::npos) << e.what();
  }
  Tensor bad = labels_for(2, 4, 1);
  bad.idata()[1] = 4;
  try {
    ag::linear_cross_entropy(x, w, b, bad);
    FAIL() << "expected an error";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "linear_cross_entropy: label 4 of example 1 is outside [0, 4)");
  }
}

}  // namespace
}  // namespace nos
