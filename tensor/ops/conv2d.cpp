#include "tensor/ops/conv2d.h"

#include <fmt/format.h>

#include "tensor/kernels/conv2d.h"

namespace nos {
namespace {
kernels::Conv2dShape conv_shape(const Tensor& x, const Tensor& w, const Tensor& bias, Conv2dOptions o) {
  if (x.dim() != 4 || w.dim() != 4)
    throw_shape_error("conv2d", fmt::format("expects x [N, C, H, W] and weight [Cout, Cin, KH, KW], got {} and {}",
                                            to_string(x.shape()), to_string(w.shape())));
  if (x.size(1) != w.size(1))
    throw_shape_error("conv2d", fmt::format("input {} has {} channels but weight {} expects {}", to_string(x.shape()),
                                            x.size(1), to_string(w.shape()), w.size(1)));
  if (bias.defined() && bias.shape() != Shape{w.size(0)})
    throw_shape_error("conv2d",
                      fmt::format("bias {} does not match weight {}", to_string(bias.shape()), to_string(w.shape())));
  kernels::Conv2dShape s{x.size(0), x.size(1),  x.size(2),  x.size(3), w.size(0), w.size(2),
                         w.size(3), o.stride_h, o.stride_w, o.pad_h,   o.pad_w};
  if (!s.valid())
    throw_shape_error(
        "conv2d", fmt::format("input {} with weight {}, stride {}x{} and padding {}x{} gives no output",
                              to_string(x.shape()), to_string(w.shape()), o.stride_h, o.stride_w, o.pad_h, o.pad_w));
  return s;
}
}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, Conv2dOptions o) {
  const auto s = conv_shape(x, w, bias, o);
  Tensor y = Tensor::empty({s.n, s.c_out, s.out_h(), s.out_w()});
  Tensor ws = Tensor::empty({static_cast<std::int64_t>(kernels::conv2d_workspace_floats(s))});
  kernels::conv2d_forward(s, x.data(), w.data(), bias.defined() ? bias.data() : nullptr, y.data(), ws.data());
  return y;
}

Conv2dGrads conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& dy, Conv2dOptions o, bool want_dx,
                            bool want_dw, bool want_db) {
  const auto s = conv_shape(x, w, Tensor(), o);
  if (dy.shape() != Shape{s.n, s.c_out, s.out_h(), s.out_w()})
    throw_shape_error("conv2d_backward",
                      fmt::format("output gradient {} does not match the output {}", to_string(dy.shape()),
                                  to_string({s.n, s.c_out, s.out_h(), s.out_w()})));
  Conv2dGrads g;
  if (want_dx) g.dx = Tensor::empty(x.shape());
  if (want_dw) g.dw = Tensor::empty(w.shape());
  if (want_db) g.db = Tensor::empty({s.c_out});
  Tensor ws = Tensor::empty({static_cast<std::int64_t>(kernels::conv2d_workspace_floats(s))});
  kernels::conv2d_backward(s, x.data(), w.data(), dy.data(), want_dx ? g.dx.data() : nullptr,
                           want_dw ? g.dw.data() : nullptr, want_db ? g.db.data() : nullptr, ws.data());
  return g;
}

}  // namespace nos
