#include "tensor/ops/elementwise.h"

#include <fmt/format.h>

#include "tensor/ops/broadcast.h"

namespace nos {
namespace {

// Parallelise only when there is enough work to pay for waking the threads.
constexpr std::int64_t kParallelMin = 1 << 15;

template <class F>
void binary_loop(const float* a, const std::vector<std::int64_t>& sa, const float* b,
                 const std::vector<std::int64_t>& sb, float* o, const Shape& out, std::size_t d, F f) {
  const std::int64_t n = out[d];
  if (d + 1 == out.size()) {
    const std::int64_t xa = sa[d], xb = sb[d];
    if (xa == 1 && xb == 1)
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    else if (xa == 1 && xb == 0)
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[0]);
    else if (xa == 0 && xb == 1)
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[0], b[i]);
    else
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i * xa], b[i * xb]);
    return;
  }
  std::int64_t inner = 1;
  for (std::size_t k = d + 1; k < out.size(); ++k) inner *= out[k];
  for (std::int64_t i = 0; i < n; ++i) binary_loop(a + i * sa[d], sa, b + i * sb[d], sb, o + i * inner, out, d + 1, f);
}

template <class F>
Tensor binary(const char* op, const Tensor& a, const Tensor& b, F f) {
  if (a.shape() == b.shape()) {
    Tensor o = Tensor::empty(a.shape());
    const float* pa = a.data();
    const float* pb = b.data();
    float* po = o.data();
    const std::int64_t n = a.numel();
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    return o;
  }
  const Shape out = broadcast_shape(op, a.shape(), b.shape());
  Tensor o = Tensor::empty(out);
  if (o.numel() == 0) return o;
  const auto sa = broadcast_strides(a.shape(), out), sb = broadcast_strides(b.shape(), out);
  if (out.size() == 0) {
    o.data()[0] = f(a.data()[0], b.data()[0]);
    return o;
  }
  const std::int64_t rows = out[0], inner = o.numel() / rows;
  const float* pa = a.data();
  const float* pb = b.data();
  float* po = o.data();
  if (out.size() == 1) {
    binary_loop(pa, sa, pb, sb, po, out, 0, f);
    return o;
  }
#pragma omp parallel for if (o.numel() >= kParallelMin) schedule(static)
  for (std::int64_t r = 0; r < rows; ++r)
    binary_loop(pa + r * sa[0], sa, pb + r * sb[0], sb, po + r * inner, out, 1, f);
  return o;
}

void check_same(const char* op, const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw_shape_error(op, fmt::format("shapes {} and {} differ", to_string(a.shape()), to_string(b.shape())));
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  return binary("add", a, b, [](float x, float y) { return x + y; });
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary("sub", a, b, [](float x, float y) { return x - y; });
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary("mul", a, b, [](float x, float y) { return x * y; });
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary("div", a, b, [](float x, float y) { return x / y; });
}

Tensor scale(const Tensor& a, float s) {
  Tensor o = Tensor::empty(a.shape());
  const float* pa = a.data();
  float* po = o.data();
  const std::int64_t n = a.numel();
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) po[i] = s * pa[i];
  return o;
}

Tensor neg(const Tensor& a) { return scale(a, -1.0f); }

void axpy_(Tensor& dst, float alpha, const Tensor& src) {
  check_same("axpy_", dst, src);
  float* d = dst.data();
  const float* s = src.data();
  const std::int64_t n = dst.numel();
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) d[i] += alpha * s[i];
}

void add_(Tensor& dst, const Tensor& src) {
  check_same("add_", dst, src);
  float* d = dst.data();
  const float* s = src.data();
  const std::int64_t n = dst.numel();
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) d[i] += s[i];
}

}  // namespace nos
