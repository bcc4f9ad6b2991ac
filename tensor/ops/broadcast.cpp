#include "tensor/ops/broadcast.h"

#include <fmt/format.h>

namespace nos {

Shape broadcast_shape(std::string_view op, const Shape& a, const Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw_shape_error(op, fmt::format("shapes {} and {} do not broadcast (dimension {}: {} vs {})", to_string(a),
                                        to_string(b), i, da, db));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<std::int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  std::vector<std::int64_t> st(out.size(), 0);
  std::int64_t stride = 1;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const std::size_t i = s.size() - 1 - k;    // dim in s
    const std::size_t j = out.size() - 1 - k;  // dim in out
    st[j] = s[i] == 1 ? 0 : stride;
    stride *= s[i];
  }
  return st;
}

namespace {
// Accumulates src (shape `out`, contiguous) into dst through strides `st` (0 = summed dimension).
void accumulate(const float* src, float* dst, const Shape& out, const std::vector<std::int64_t>& st, std::size_t d) {
  const std::int64_t n = out[d];
  if (d + 1 == out.size()) {
    const std::int64_t s = st[d];
    if (s == 0) {
      double acc = 0;
      for (std::int64_t i = 0; i < n; ++i) acc += src[i];
      dst[0] += static_cast<float>(acc);
    } else {
      for (std::int64_t i = 0; i < n; ++i) dst[i * s] += src[i];
    }
    return;
  }
  std::int64_t inner = 1;
  for (std::size_t k = d + 1; k < out.size(); ++k) inner *= out[k];
  for (std::int64_t i = 0; i < n; ++i) accumulate(src + i * inner, dst + i * st[d], out, st, d + 1);
}
}  // namespace

Tensor sum_to(const Tensor& t, const Shape& target) {
  if (t.shape() == target) return t;
  const Shape out = broadcast_shape("sum_to", target, t.shape());
  if (out != t.shape())
    throw_shape_error("sum_to", fmt::format("cannot reduce {} to {}", to_string(t.shape()), to_string(target)));
  Tensor r = Tensor::zeros(target);
  if (t.numel() == 0) return r;
  accumulate(t.data(), r.data(), out, broadcast_strides(target, out), 0);
  return r;
}

}  // namespace nos
