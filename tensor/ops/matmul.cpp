#include "tensor/ops/matmul.h"

#include <fmt/format.h>

#include "tensor/kernels/gemm.h"

namespace nos {
namespace {
struct Dims {
  std::int64_t m, k, n;
};

Dims check(const char* op, const Tensor& a, const Tensor& b, bool ta, bool tb) {
  if (a.dim() != 2 || b.dim() != 2)
    throw_shape_error(op,
                      fmt::format("expects 2-D operands, got {} and {}", to_string(a.shape()), to_string(b.shape())));
  const std::int64_t m = ta ? a.size(1) : a.size(0), ka = ta ? a.size(0) : a.size(1);
  const std::int64_t kb = tb ? b.size(1) : b.size(0), n = tb ? b.size(0) : b.size(1);
  if (ka != kb)
    throw_shape_error(
        op, fmt::format("cannot multiply {}{} by {}{} (inner dimensions {} and {} differ)", to_string(a.shape()),
                        ta ? "^T" : "", to_string(b.shape()), tb ? "^T" : "", ka, kb));
  return {m, ka, n};
}
}  // namespace

void matmul_into(Tensor& c, const Tensor& a, const Tensor& b, bool ta, bool tb, float alpha, float beta) {
  const Dims d = check("matmul", a, b, ta, tb);
  if (c.shape() != Shape{d.m, d.n})
    throw_shape_error("matmul",
                      fmt::format("output has shape {}, expected {}", to_string(c.shape()), to_string({d.m, d.n})));
  kernels::sgemm(ta, tb, d.m, d.n, d.k, alpha, a.data(), a.size(1), b.data(), b.size(1), beta, c.data(), d.n);
}

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const Dims d = check("matmul", a, b, ta, tb);
  Tensor c = Tensor::empty({d.m, d.n});
  matmul_into(c, a, b, ta, tb, 1.0f, 0.0f);
  return c;
}

}  // namespace nos
