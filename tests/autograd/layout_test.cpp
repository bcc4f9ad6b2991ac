#include "autograd/ops/layout.h"

#include <gtest/gtest.h>

#include "tests/autograd/gradcheck.h"

namespace nos::ag {
namespace {
using test::gradcheck;
using test::random_tensor;

std::mt19937 rng(99);
Var input(const Shape& s) { return Var(random_tensor(s, rng), true); }

TEST(Layout, ReshapeTransposeGradients) {
  gradcheck([](const std::vector<Var>& v) { return reshape(v[0], {6, -1}); }, {input({2, 3, 4})});
  gradcheck([](const std::vector<Var>& v) { return transpose(v[0], 0, 1); }, {input({3, 5})});
  gradcheck([](const std::vector<Var>& v) { return transpose(v[0], 1, 3); }, {input({2, 3, 4, 2})});
}

TEST(Layout, ConcatAndSliceAlongADimensionLikeLstmGates) {
  gradcheck(
      [](const std::vector<Var>& v) {
        return concat({v[0], v[1], v[2]}, 1);
      },
      {input({2, 3}), input({2, 1}), input({2, 4})});
  gradcheck([](const std::vector<Var>& v) { return concat({v[0], v[1]}, 0); }, {input({2, 3}), input({1, 3})});
  gradcheck([](const std::vector<Var>& v) { return slice(v[0], 1, 4, 8); }, {input({3, 16})});
  gradcheck([](const std::vector<Var>& v) { return slice(v[0], -1, 0, 2); }, {input({2, 2, 5})});
}

TEST(Layout, ForwardValuesByHand) {
  Var a(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(transpose(a, 0, 1).value().to_vector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(slice(a, 1, 1, 3).value().to_vector(), (std::vector<float>{2, 3, 5, 6}));
  EXPECT_EQ(concat({a, a}, 1).value().to_vector(), (std::vector<float>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));
}

TEST(Layout, EmbeddingWithRepeatedIndicesAccumulates) {
  Var table = input({5, 3});
  const Tensor idx = Tensor::from_ints({2, 3}, {4, 1, 4, 0, 4, 2});
  gradcheck([&](const std::vector<Var>& v) { return embedding(v[0], idx); }, {table});
  // By hand: with loss = sum(embedding), row r's gradient is the number of times r was picked.
  Var t2(Tensor::zeros({5, 3}), true);
  backward(sum(embedding(t2, idx)));
  const auto g = t2.grad().to_vector();
  const float count[5] = {1, 1, 1, 0, 3};
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(g[r * 3 + c], count[r]) << r;
}

TEST(Layout, EmbeddingIndexOutOfRangeIsAnError) {
  Var table(Tensor::zeros({5, 3}));
  try {
    embedding(table, Tensor::from_ints({2}, {1, 5}));
    FAIL();
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "embedding: index 5 at position 1 is outside the table's 5 rows");
  }
}

TEST(Layout, BadSlicesAndConcatsNameTheShapes) {
  Var a(Tensor::zeros({2, 3}));
  EXPECT_THROW(slice(a, 1, 2, 4), ShapeError);
  try {
    concat({a, Var(Tensor::zeros({3, 3}))}, 1);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "concat: shapes [2, 3] and [3, 3] differ outside dimension 1");
  }
}

}  // namespace
}  // namespace nos::ag

namespace nos::ag {
namespace {
TEST(Layout, ManySlicesOfOneInnerNodeAccumulateInPlaceWithoutTouchingSharedGradients) {
  // a = x + w shares its incoming gradient with x and w; slicing a four times (as the LSTM slices
  // its input projection per step) must add into a's own gradient, never into x's or w's.
  gradcheck(
      [](const std::vector<Var>& v) {
        Var a = add(v[0], v[1]);
        Var s = concat({slice(a, 0, 0, 1), slice(a, 0, 1, 2), slice(a, 0, 1, 3), slice(a, 0, 0, 3)}, 0);
        return mul(s, s);
      },
      {input({3, 4}), input({3, 4})});
}
}  // namespace
}  // namespace nos::ag
