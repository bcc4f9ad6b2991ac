#include "tensor/ops/reduce.h"

#include <fmt/format.h>

#include <algorithm>

namespace nos {

Tensor sum(const Tensor& a) {
  const float* p = a.data();
  const std::int64_t n = a.numel();
  double acc = 0;  // double accumulation: losses over 10^5 elements stay exact to float precision
#pragma omp parallel for reduction(+ : acc) if (n >= (1 << 16)) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) acc += p[i];
  return Tensor::full({}, static_cast<float>(acc));
}

Tensor mean(const Tensor& a) {
  if (a.numel() == 0) throw_shape_error("mean", "mean of an empty tensor");
  Tensor s = sum(a);
  s.data()[0] /= static_cast<float>(a.numel());
  return s;
}

Tensor sum_dim(const Tensor& a, std::int64_t dim, bool keepdim) {
  const std::int64_t nd = a.dim();
  if (dim < 0) dim += nd;
  if (dim < 0 || dim >= nd)
    throw_shape_error("sum_dim", fmt::format("dimension {} out of range for {}", dim, to_string(a.shape())));
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t k = 0; k < dim; ++k) outer *= a.shape()[k];
  for (std::int64_t k = dim + 1; k < nd; ++k) inner *= a.shape()[k];
  const std::int64_t n = a.shape()[dim];
  Shape s = a.shape();
  if (keepdim) s[dim] = 1;
  else s.erase(s.begin() + dim);
  Tensor r = Tensor::zeros(s);
  const float* p = a.data();
  float* q = r.data();
  // Threads split the outputs (blocks of 256 along `inner`); each output element still sums its
  // inputs in order i = 0, 1, ..., so the result is bitwise the same at any thread count. (The
  // PTB decoder's bias gradient sums a [700, 10000] gradient: 28 MB, too much for one thread.)
  constexpr std::int64_t kBlock = 256;
  const std::int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) schedule(static) if (outer * n * inner >= (1 << 18))
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t k0 = b * kBlock, k1 = std::min(inner, k0 + kBlock);
      float* qo = q + o * inner;
      for (std::int64_t i = 0; i < n; ++i) {
        const float* pi = p + (o * n + i) * inner;
        for (std::int64_t k = k0; k < k1; ++k) qo[k] += pi[k];
      }
    }
  return r;
}

}  // namespace nos
