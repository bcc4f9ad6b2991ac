#include "tensor/kernels/elementwise.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tensor/kernels/fast_math.h"

namespace nos::kernels {
namespace {
constexpr std::int64_t kParallelMin = 1 << 15;
}  // namespace

void relu_forward(std::int64_t n, const float* x, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  // x < 0 ? 0 : x, not x > 0 ? x : 0: NaN must pass through, as in PyTorch, so that a diverging
  // run shows a NaN loss at once instead of a network whose NaN channels were silently zeroed.
  for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void relu_backward(std::int64_t n, const float* x, const float* dy, float* dx) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

void sigmoid_forward(std::int64_t n, const float* x, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin / 4)
  for (std::int64_t i = 0; i < n; ++i) y[i] = fast_sigmoid(x[i]);
}

void sigmoid_backward(std::int64_t n, const float* y, const float* dy, float* dx) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

void tanh_forward(std::int64_t n, const float* x, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin / 4)
  for (std::int64_t i = 0; i < n; ++i) y[i] = fast_tanh(x[i]);
}

void tanh_backward(std::int64_t n, const float* y, const float* dy, float* dx) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

void dropout_forward(std::int64_t n, const float* x, const float* mask, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] * mask[i];
}

void dropout_backward(std::int64_t n, const float* dy, const float* mask, float* dx) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * mask[i];
}

namespace {
// Per-thread scratch for a row of exponentials when the caller wants no probabilities.
float* scratch_row(std::int64_t n) {
  thread_local std::vector<float> row;
  if (static_cast<std::int64_t>(row.size()) < n) row.resize(n);
  return row.data();
}
}  // namespace

float softmax_cross_entropy_forward(std::int64_t batch, std::int64_t classes, const float* logits,
                                    const std::int32_t* labels, float* probs) {
  // Per-row losses go through a small stack buffer so they can be summed in row order afterwards.
  constexpr std::int64_t kChunk = 1024;
  double total = 0.0;
  for (std::int64_t b0 = 0; b0 < batch; b0 += kChunk) {
    const std::int64_t b1 = std::min(batch, b0 + kChunk);
    double row_loss[kChunk];
#pragma omp parallel for schedule(static) if ((b1 - b0) * classes >= kParallelMin / 4)
    for (std::int64_t b = b0; b < b1; ++b) {
      const float* z = logits + b * classes;
      const float z_label = z[labels[b]];  // read first: probs may be the logits themselves
      // A max reduction GCC vectorises only when told to (std::max's NaN order keeps it scalar):
      // 7 million logits a PTB step. A NaN logit still gives a NaN loss through its own exp.
      float mx = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : mx)
      for (std::int64_t k = 0; k < classes; ++k) mx = z[k] > mx ? z[k] : mx;
      // One vectorised exp per logit: e_k = exp(z_k - max) goes to probs (or a row of scratch),
      // then the row is scaled by 1 / sum.
      float* e = probs ? probs + b * classes : scratch_row(classes);
      float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
      for (std::int64_t k = 0; k < classes; ++k) {
        e[k] = fast_exp(z[k] - mx);
        sum += e[k];
      }
      const double lse = std::log(static_cast<double>(sum)) + mx;
      if (probs) {
        const float inv = 1.0f / sum;
#pragma omp simd
        for (std::int64_t k = 0; k < classes; ++k) e[k] *= inv;
      }
      row_loss[b - b0] = lse - static_cast<double>(z_label);
    }
    for (std::int64_t b = b0; b < b1; ++b) total += row_loss[b - b0];
  }
  return batch > 0 ? static_cast<float>(total / static_cast<double>(batch)) : 0.0f;
}

void softmax_cross_entropy_backward(std::int64_t batch, std::int64_t classes, const float* probs,
                                    const std::int32_t* labels, float dloss, float* dlogits) {
  const float scale = batch > 0 ? dloss / static_cast<float>(batch) : 0.0f;
#pragma omp parallel for schedule(static) if (batch * classes >= kParallelMin)
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* p = probs + b * classes;
    float* d = dlogits + b * classes;
    for (std::int64_t k = 0; k < classes; ++k) d[k] = scale * p[k];
    d[labels[b]] -= scale;
  }
}

void softmax_cross_entropy_backward_colsum(std::int64_t batch, std::int64_t classes, const float* probs,
                                           const std::int32_t* labels, float dloss, float* dlogits, float* colsum) {
  const float scale = batch > 0 ? dloss / static_cast<float>(batch) : 0.0f;
  // Threads split the columns: each column's sum still adds the rows in order 0, 1, ..., so it
  // is bitwise sum_dim(dlogits, 0) at any thread count and block width. Blocks of at most 256
  // columns (the accumulators stay in registers and L1), narrower when that gives each thread
  // too few of them to balance.
  constexpr std::int64_t kMaxBlock = 256;
  const bool parallel = batch * classes >= kParallelMin;
  const std::int64_t threads = parallel ? omp_get_max_threads() : 1;
  const std::int64_t width = std::clamp<std::int64_t>((classes + 4 * threads - 1) / (4 * threads), 16, kMaxBlock);
  const std::int64_t block = (width + 15) / 16 * 16;
  const std::int64_t blocks = (classes + block - 1) / block;
#pragma omp parallel for schedule(static) if (parallel)
  for (std::int64_t blk = 0; blk < blocks; ++blk) {
    const std::int64_t k0 = blk * block, k1 = std::min(classes, k0 + block);
    float acc[kMaxBlock] = {};
    for (std::int64_t b = 0; b < batch; ++b) {
      const float* p = probs + b * classes;
      float* d = dlogits + b * classes;
#pragma omp simd
      for (std::int64_t k = k0; k < k1; ++k) d[k] = scale * p[k];
      const std::int64_t l = labels[b];
      if (l >= k0 && l < k1) d[l] -= scale;
#pragma omp simd
      for (std::int64_t k = k0; k < k1; ++k) acc[k - k0] += d[k];
    }
    for (std::int64_t k = k0; k < k1; ++k) colsum[k] = acc[k - k0];
  }
}

}  // namespace nos::kernels
