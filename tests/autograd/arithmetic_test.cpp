#include "autograd/ops/arithmetic.h"

#include <gtest/gtest.h>

#include "tests/autograd/gradcheck.h"

namespace nos::ag {
namespace {
using test::gradcheck;
using test::random_tensor;

std::mt19937 rng(1234);
Var input(const Shape& s, float lo = -1, float hi = 1) { return Var(random_tensor(s, rng, lo, hi), true); }

TEST(Arithmetic, AddSubMulSameShape) {
  for (auto op : {add, sub, mul})
    gradcheck([op](const std::vector<Var>& v) { return op(v[0], v[1]); }, {input({3, 4}), input({3, 4})});
}

TEST(Arithmetic, BroadcastBiasAndBatchNormShapes) {
  // [N, C, H, W] with [1, C, 1, 1] (per-channel), [C, 1, 1] (trailing) and a scalar.
  for (const Shape& b : {Shape{1, 3, 1, 1}, Shape{3, 1, 1}, Shape{1}, Shape{5}}) {
    gradcheck([](const std::vector<Var>& v) { return add(v[0], v[1]); }, {input({2, 3, 4, 5}), input(b)});
    gradcheck([](const std::vector<Var>& v) { return mul(v[0], v[1]); }, {input({2, 3, 4, 5}), input(b)});
    gradcheck([](const std::vector<Var>& v) { return sub(v[1], v[0]); }, {input({2, 3, 4, 5}), input(b)});
  }
}

TEST(Arithmetic, BroadcastBothWays) {
  gradcheck([](const std::vector<Var>& v) { return mul(v[0], v[1]); }, {input({4, 1}), input({1, 3})});
}

TEST(Arithmetic, DivideAwayFromZero) {
  gradcheck([](const std::vector<Var>& v) { return div(v[0], v[1]); }, {input({3, 4}), input({3, 4}, 0.5f, 2.0f)},
            {.eps = 1e-3f, .atol = 1e-2f, .rtol = 1e-2f});
  gradcheck([](const std::vector<Var>& v) { return div(v[0], v[1]); }, {input({3, 4}), input({4}, 0.5f, 2.0f)},
            {.eps = 1e-3f, .atol = 1e-2f, .rtol = 1e-2f});
}

TEST(Arithmetic, MatmulAndLinear) {
  gradcheck([](const std::vector<Var>& v) { return matmul(v[0], v[1]); }, {input({3, 5}), input({5, 2})});
  gradcheck([](const std::vector<Var>& v) { return linear(v[0], v[1], v[2]); },
            {input({4, 6}), input({3, 6}), input({3})});
  gradcheck([](const std::vector<Var>& v) { return linear(v[0], v[1], Var()); }, {input({4, 6}), input({3, 6})});
}

TEST(Arithmetic, SumMeanScale) {
  gradcheck([](const std::vector<Var>& v) { return sum(v[0]); }, {input({3, 4})});
  gradcheck([](const std::vector<Var>& v) { return mean(v[0]); }, {input({3, 4})});
  gradcheck([](const std::vector<Var>& v) { return scale(v[0], -2.5f); }, {input({7})});
}

TEST(Arithmetic, ForwardValuesByHand) {
  Var a(Tensor::from({2, 2}, {1, 2, 3, 4}));
  Var b(Tensor::from({2}, {10, 20}));
  EXPECT_EQ(add(a, b).value().to_vector(), (std::vector<float>{11, 22, 13, 24}));
  EXPECT_EQ(div(a, b).value().to_vector(), (std::vector<float>{0.1f, 0.1f, 0.3f, 0.2f}));
  Var w(Tensor::from({1, 2}, {1, -1}));
  Var bias(Tensor::from({1}, {0.5f}));
  EXPECT_EQ(linear(a, w, bias).value().to_vector(), (std::vector<float>{-0.5f, -0.5f}));
  EXPECT_EQ(mean(a).value().item(), 2.5f);
}

TEST(Arithmetic, ShapeErrorsNameTheOpAndShapes) {
  Var a(Tensor::zeros({2, 3})), b(Tensor::zeros({4, 5}));
  try {
    matmul(a, b);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "matmul: cannot multiply [2, 3] by [4, 5] (inner dimensions 3 and 4 differ)");
  }
  try {
    add(a, b);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "add: shapes [2, 3] and [4, 5] do not broadcast (dimension 0: 2 vs 4)");
  }
  EXPECT_THROW(linear(a, Var(Tensor::zeros({4, 2})), Var()), ShapeError);
}

}  // namespace
}  // namespace nos::ag
