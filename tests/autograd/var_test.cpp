#include "autograd/var.h"

#include <gtest/gtest.h>

#include "autograd/ops/arithmetic.h"
#include "tensor/param_arena.h"

namespace nos::ag {
namespace {

TEST(Var, ParameterGradientsAccumulateIntoTheArenaAcrossBackwardCalls) {
  ParamArena arena;
  auto p = arena.add("w", {3});
  p.value.copy_from(Tensor::from({3}, {1, 2, 3}));
  Var w = Var::param(p.value, p.grad);
  for (int i = 0; i < 2; ++i) backward(sum(mul(w, w)));  // d/dw sum(w^2) = 2w, twice
  EXPECT_EQ(arena.grads_tensor().to_vector(), (std::vector<float>{4, 8, 12}));
  arena.zero_grad();
  EXPECT_EQ(arena.grads_tensor().to_vector(), (std::vector<float>{0, 0, 0}));
}

TEST(Var, SharedSubexpressionGetsTheSumOfBothPaths) {
  Var x(Tensor::from({2}, {3, -1}), true);
  Var y = add(x, x);  // both inputs are x: the add's gradient is shared
  Var z = mul(y, x);  // z = 2x^2, dz/dx = 4x
  backward(sum(z));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{12, -4}));
}

TEST(Var, GraphIsFreedAfterBackward) {
  Var x(Tensor::from({2}, {1, 2}), true);
  Var y = mul(x, x);
  Var loss = sum(y);
  backward(loss);
  EXPECT_TRUE(y.node()->inputs.empty());
  EXPECT_FALSE(static_cast<bool>(y.node()->backward));
  EXPECT_EQ(x.node().use_count(), 1);  // nothing in the graph holds x any more
}

TEST(Var, NoGradGuardRecordsNothing) {
  Var x(Tensor::from({2}, {1, 2}), true);
  NoGradGuard guard;
  Var y = mul(x, x);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.node()->inputs.empty());
}

TEST(Var, BackwardRejectsNonScalarLossWithItsShape) {
  Var x(Tensor::from({2}, {1, 2}), true);
  Var y = mul(x, x);
  try {
    backward(y);
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "backward: loss must have one element, got shape [2]");
  }
}

TEST(Var, DeepChainDoesNotOverflowTheStack) {
  Var x(Tensor::from({1}, {1.0f}), true);
  Var y = x;
  for (int i = 0; i < 100000; ++i) y = scale(y, 1.0f);
  backward(sum(y));
  EXPECT_FLOAT_EQ(x.grad().item(), 1.0f);
}

}  // namespace
}  // namespace nos::ag

namespace nos::ag {
namespace {
TEST(Var, DeepGraphIsDestroyedWithoutBackward) {
  Var x(Tensor::from({1}, {1.0f}), true);
  {
    Var y = x;
    for (int i = 0; i < 200000; ++i) y = scale(y, 1.0f);
  }
  EXPECT_EQ(x.node().use_count(), 1);
}
}  // namespace
}  // namespace nos::ag
