#include "tensor/ops/layout.h"

#include <fmt/format.h>

#include <cstring>

namespace nos {
namespace {
std::int64_t norm_dim(const char* op, std::int64_t d, std::int64_t nd) {
  if (d < 0) d += nd;
  if (d < 0 || d >= nd) throw_shape_error(op, fmt::format("dimension {} out of range for a {}-D tensor", d, nd));
  return d;
}
// outer = product of dims before d, inner = product of dims after d.
void split(const Shape& s, std::int64_t d, std::int64_t& outer, std::int64_t& inner) {
  outer = inner = 1;
  for (std::int64_t k = 0; k < d; ++k) outer *= s[k];
  for (std::size_t k = d + 1; k < s.size(); ++k) inner *= s[k];
}
}  // namespace

Tensor transpose2d(const Tensor& a) {
  if (a.dim() != 2) throw_shape_error("transpose2d", fmt::format("expects a 2-D tensor, got {}", to_string(a.shape())));
  return transpose(a, 0, 1);
}

Tensor transpose(const Tensor& a, std::int64_t d0, std::int64_t d1) {
  const std::int64_t nd = a.dim();
  d0 = norm_dim("transpose", d0, nd);
  d1 = norm_dim("transpose", d1, nd);
  Shape s = a.shape();
  std::swap(s[d0], s[d1]);
  Tensor o = Tensor::empty(s);
  if (a.numel() == 0) return o;
  // Walk the output in order, computing the input offset from the swapped index.
  std::vector<std::int64_t> in_stride(nd), idx(nd, 0);
  std::int64_t st = 1;
  for (std::int64_t k = nd - 1; k >= 0; --k) {
    in_stride[k] = st;
    st *= a.shape()[k];
  }
  std::swap(in_stride[d0], in_stride[d1]);
  const float* p = a.data();
  float* q = o.data();
  const std::int64_t n = o.numel();
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    q[i] = p[off];
    for (std::int64_t k = nd - 1; k >= 0; --k) {
      off += in_stride[k];
      if (++idx[k] < s[k]) break;
      off -= in_stride[k] * s[k];
      idx[k] = 0;
    }
  }
  return o;
}

Tensor concat(const std::vector<Tensor>& parts, std::int64_t dim) {
  if (parts.empty()) throw_shape_error("concat", "no tensors to concatenate");
  const std::int64_t nd = parts[0].dim();
  dim = norm_dim("concat", dim, nd);
  Shape s = parts[0].shape();
  s[dim] = 0;
  for (const auto& p : parts) {
    Shape a = p.shape(), b = parts[0].shape();
    if (p.dim() == nd) a[dim] = b[dim] = 0;
    if (a != b)
      throw_shape_error("concat", fmt::format("shapes {} and {} differ outside dimension {}",
                                              to_string(parts[0].shape()), to_string(p.shape()), dim));
    s[dim] += p.shape()[dim];
  }
  Tensor o = Tensor::empty(s);
  std::int64_t outer, inner;
  split(s, dim, outer, inner);
  const std::int64_t row = s[dim] * inner;
  std::int64_t at = 0;
  for (const auto& p : parts) {
    const std::int64_t w = p.shape()[dim] * inner;
    for (std::int64_t o2 = 0; o2 < outer; ++o2)
      std::memcpy(o.data() + o2 * row + at, p.data() + o2 * w, w * sizeof(float));
    at += w;
  }
  return o;
}

Tensor slice(const Tensor& a, std::int64_t dim, std::int64_t begin, std::int64_t end) {
  dim = norm_dim("slice", dim, a.dim());
  if (begin < 0 || end < begin || end > a.shape()[dim])
    throw_shape_error("slice", fmt::format("range [{}, {}) out of bounds for dimension {} of {}", begin, end, dim,
                                           to_string(a.shape())));
  Shape s = a.shape();
  s[dim] = end - begin;
  Tensor o = Tensor::empty(s);
  std::int64_t outer, inner;
  split(a.shape(), dim, outer, inner);
  const std::int64_t w = (end - begin) * inner, row = a.shape()[dim] * inner;
  for (std::int64_t i = 0; i < outer; ++i)
    std::memcpy(o.data() + i * w, a.data() + i * row + begin * inner, w * sizeof(float));
  return o;
}

void slice_backward_(Tensor& dst, const Tensor& g, std::int64_t dim, std::int64_t begin) {
  dim = norm_dim("slice_backward", dim, dst.dim());
  std::int64_t outer, inner;
  split(dst.shape(), dim, outer, inner);
  const std::int64_t len = g.shape()[dim];
  if (begin < 0 || begin + len > dst.shape()[dim])
    throw_shape_error("slice_backward",
                      fmt::format("window [{}, {}) out of bounds for {}", begin, begin + len, to_string(dst.shape())));
  const std::int64_t w = len * inner, row = dst.shape()[dim] * inner;
  for (std::int64_t i = 0; i < outer; ++i) {
    float* d = dst.data() + i * row + begin * inner;
    const float* s = g.data() + i * w;
    for (std::int64_t k = 0; k < w; ++k) d[k] += s[k];
  }
}

Tensor embedding(const Tensor& table, const Tensor& indices) {
  if (table.dim() != 2)
    throw_shape_error("embedding", fmt::format("table must be 2-D, got {}", to_string(table.shape())));
  if (indices.dtype() != DType::i32) throw_shape_error("embedding", "indices must be int32");
  const std::int64_t V = table.size(0), D = table.size(1);
  Shape s = indices.shape();
  s.push_back(D);
  Tensor o = Tensor::empty(s);
  const std::int32_t* ix = indices.idata();
  for (std::int64_t i = 0; i < indices.numel(); ++i) {
    if (ix[i] < 0 || ix[i] >= V)
      throw std::out_of_range(
          fmt::format("embedding: index {} at position {} is outside the table's {} rows", ix[i], i, V));
    std::memcpy(o.data() + i * D, table.data() + ix[i] * D, D * sizeof(float));
  }
  return o;
}

void embedding_backward_(Tensor& grad_table, const Tensor& indices, const Tensor& g) {
  const std::int64_t V = grad_table.size(0), D = grad_table.size(1);
  if (g.numel() != indices.numel() * D)
    throw_shape_error("embedding_backward", fmt::format("gradient {} does not match {} indices of width {}",
                                                        to_string(g.shape()), indices.numel(), D));
  const std::int32_t* ix = indices.idata();
  for (std::int64_t i = 0; i < indices.numel(); ++i) {
    if (ix[i] < 0 || ix[i] >= V)
      throw std::out_of_range(fmt::format("embedding_backward: index {} outside the table's {} rows", ix[i], V));
    float* d = grad_table.data() + ix[i] * D;
    const float* s = g.data() + i * D;
    for (std::int64_t k = 0; k < D; ++k) d[k] += s[k];
  }
}

}  // namespace nos
