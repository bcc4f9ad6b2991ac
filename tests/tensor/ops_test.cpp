// Forward values of the tensor-level ops against hand-computed references.
#include <gtest/gtest.h>

#include "tensor/ops/broadcast.h"
#include "tensor/ops/elementwise.h"
#include "tensor/ops/layout.h"
#include "tensor/ops/matmul.h"
#include "tensor/ops/reduce.h"
#include "tests/threads.h"

namespace nos {
namespace {

TEST(Ops, BroadcastShapes) {
  EXPECT_EQ(broadcast_shape("t", {100, 32, 8, 8}, {1, 32, 1, 1}), (Shape{100, 32, 8, 8}));
  EXPECT_EQ(broadcast_shape("t", {4, 1}, {3}), (Shape{4, 3}));
  EXPECT_EQ(broadcast_shape("t", {}, {2, 2}), (Shape{2, 2}));
  EXPECT_THROW(broadcast_shape("t", {2, 3}, {2}), ShapeError);
}

TEST(Ops, SumToUndoesABroadcast) {
  Tensor g = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(sum_to(g, {1, 3}).to_vector(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(sum_to(g, {3}).to_vector(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(sum_to(g, {2, 1}).to_vector(), (std::vector<float>{6, 15}));
  EXPECT_EQ(sum_to(g, {1}).to_vector(), (std::vector<float>{21}));
}

TEST(Ops, ElementwiseWithBroadcast) {
  Tensor a = Tensor::from({2, 2}, {1, 2, 3, 4});
  Tensor col = Tensor::from({2, 1}, {10, 100});
  EXPECT_EQ(mul(a, col).to_vector(), (std::vector<float>{10, 20, 300, 400}));
  EXPECT_EQ(sub(col, a).to_vector(), (std::vector<float>{9, 8, 97, 96}));
  Tensor big = Tensor::full({1 << 16}, 2.0f);  // takes the parallel path
  Tensor s = add(big, big);
  EXPECT_EQ(s.to_vector()[12345], 4.0f);
}

TEST(Ops, MatmulWithTransposes) {
  Tensor a = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::from({3, 2}, {7, 8, 9, 10, 11, 12});
  EXPECT_EQ(matmul(a, b).to_vector(), (std::vector<float>{58, 64, 139, 154}));
  EXPECT_EQ(matmul(a, a, false, true).to_vector(), (std::vector<float>{14, 32, 32, 77}));
  EXPECT_EQ(matmul(a, a, true, false).to_vector(), (std::vector<float>{17, 22, 27, 22, 29, 36, 27, 36, 45}));
  Tensor c = Tensor::full({2, 2}, 1.0f);
  matmul_into(c, a, b, false, false, 1.0f, 1.0f);  // accumulate
  EXPECT_EQ(c.to_vector(), (std::vector<float>{59, 65, 140, 155}));
}

TEST(Ops, Reductions) {
  Tensor a = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(sum(a).item(), 21);
  EXPECT_EQ(mean(a).item(), 3.5f);
  EXPECT_EQ(sum_dim(a, 0).to_vector(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(sum_dim(a, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(sum_dim(a, -1).to_vector(), (std::vector<float>{6, 15}));
}

// Large enough for the threaded path (outputs split across threads in blocks of 256, with a
// ragged last block): every output sums its inputs in row order, so the result equals a serial
// loop bit for bit, with 1 or 2 threads.
TEST(Ops, SumDimOnLargeTensorsIsTheSerialSumAtAnyThreadCount) {
  const std::int64_t outer = 3, n = 301, inner = 1003;
  std::vector<float> v(static_cast<std::size_t>(outer * n * inner));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.001f * static_cast<float>((i * 7919) % 2003) - 1.0f;
  const Tensor a = Tensor::from({outer, n, inner}, v);
  std::vector<float> want(static_cast<std::size_t>(outer * inner), 0.0f);
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < inner; ++k) want[o * inner + k] += v[(o * n + i) * inner + k];
  for (int threads : {1, 2}) {
    const test::ThreadScope scope(threads);
    EXPECT_EQ(sum_dim(a, 1).to_vector(), want) << threads << " threads";
  }
}

TEST(Ops, TransposeOfFourDimensions) {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  Tensor a = Tensor::from({2, 3, 2, 2}, v);
  Tensor t = transpose(a, 1, 3);  // [2, 2, 2, 3]
  ASSERT_EQ(t.shape(), (Shape{2, 2, 2, 3}));
  // t[n][w][h][c] = a[n][c][h][w]
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 2; ++w)
      for (int h = 0; h < 2; ++h)
        for (int c = 0; c < 3; ++c)
          EXPECT_EQ(t.data()[((n * 2 + w) * 2 + h) * 3 + c], a.data()[((n * 3 + c) * 2 + h) * 2 + w]);
}

}  // namespace
}  // namespace nos
