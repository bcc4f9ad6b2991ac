#include "tensor/ops/pool.h"

#include <fmt/format.h>

#include "tensor/kernels/pool.h"

namespace nos {
namespace {
kernels::Pool2dShape pool_shape(const char* op, const Shape& x, Pool2dOptions o) {
  if (x.size() != 4) throw_shape_error(op, fmt::format("expects [N, C, H, W], got {}", to_string(x)));
  kernels::Pool2dShape s{x[0], x[1], x[2], x[3], o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.pad_h, o.pad_w};
  if (!s.valid())
    throw_shape_error(op, fmt::format("window {}x{}, stride {}x{}, padding {}x{} does not fit input {}", o.kernel_h,
                                      o.kernel_w, o.stride_h, o.stride_w, o.pad_h, o.pad_w, to_string(x)));
  return s;
}
void check_dy(const char* op, const Tensor& dy, const kernels::Pool2dShape& s) {
  const Shape want{s.n, s.c, s.out_h(), s.out_w()};
  if (dy.shape() != want)
    throw_shape_error(
        op, fmt::format("output gradient {} does not match the output {}", to_string(dy.shape()), to_string(want)));
}
}  // namespace

MaxPoolResult maxpool2d(const Tensor& x, Pool2dOptions o) {
  const auto s = pool_shape("maxpool2d", x.shape(), o);
  MaxPoolResult r{Tensor::empty({s.n, s.c, s.out_h(), s.out_w()}),
                  Tensor::empty({s.n, s.c, s.out_h(), s.out_w()}, DType::i32)};
  kernels::maxpool2d_forward(s, x.data(), r.y.data(), r.argmax.idata());
  return r;
}

Tensor maxpool2d_backward(const Tensor& dy, const Tensor& argmax, const Shape& x_shape, Pool2dOptions o) {
  const auto s = pool_shape("maxpool2d_backward", x_shape, o);
  check_dy("maxpool2d_backward", dy, s);
  Tensor dx = Tensor::empty(x_shape);
  kernels::maxpool2d_backward(s, dy.data(), argmax.idata(), dx.data());
  return dx;
}

Tensor avgpool2d(const Tensor& x, Pool2dOptions o) {
  const auto s = pool_shape("avgpool2d", x.shape(), o);
  Tensor y = Tensor::empty({s.n, s.c, s.out_h(), s.out_w()});
  kernels::avgpool2d_forward(s, x.data(), y.data());
  return y;
}

Tensor avgpool2d_backward(const Tensor& dy, const Shape& x_shape, Pool2dOptions o) {
  const auto s = pool_shape("avgpool2d_backward", x_shape, o);
  check_dy("avgpool2d_backward", dy, s);
  Tensor dx = Tensor::empty(x_shape);
  kernels::avgpool2d_backward(s, dy.data(), dx.data());
  return dx;
}

Tensor global_avgpool(const Tensor& x) {
  if (x.dim() != 4)
    throw_shape_error("global_avgpool", fmt::format("expects [N, C, H, W], got {}", to_string(x.shape())));
  Tensor y = Tensor::empty({x.size(0), x.size(1)});
  kernels::global_avgpool_forward(x.size(0), x.size(1), x.size(2) * x.size(3), x.data(), y.data());
  return y;
}

Tensor global_avgpool_backward(const Tensor& dy, const Shape& x_shape) {
  if (x_shape.size() != 4 || dy.shape() != Shape{x_shape[0], x_shape[1]})
    throw_shape_error("global_avgpool_backward", fmt::format("output gradient {} does not match input {}",
                                                             to_string(dy.shape()), to_string(x_shape)));
  Tensor dx = Tensor::empty(x_shape);
  kernels::global_avgpool_backward(x_shape[0], x_shape[1], x_shape[2] * x_shape[3], dy.data(), dx.data());
  return dx;
}

}  // namespace nos
