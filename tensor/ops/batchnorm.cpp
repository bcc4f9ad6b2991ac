#include "tensor/ops/batchnorm.h"

#include <fmt/format.h>

#include "tensor/kernels/batchnorm.h"

namespace nos {
namespace {
kernels::BatchNormShape bn_shape(const char* op, const Tensor& x, std::initializer_list<const Tensor*> per_channel) {
  if (x.dim() != 4) throw_shape_error(op, fmt::format("expects [N, C, H, W], got {}", to_string(x.shape())));
  for (const Tensor* t : per_channel)
    if (t->defined() && t->shape() != Shape{x.size(1)})
      throw_shape_error(op, fmt::format("per-channel tensor {} does not match the {} channels of {}",
                                        to_string(t->shape()), x.size(1), to_string(x.shape())));
  return {x.size(0), x.size(1), x.size(2) * x.size(3)};
}
const float* ptr(const Tensor& t) { return t.defined() ? t.data() : nullptr; }
float* ptr(Tensor& t) { return t.defined() ? t.data() : nullptr; }
}  // namespace

BatchNormTrainResult batchnorm2d_train(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor running_mean,
                                       Tensor running_var, float momentum, float eps) {
  const auto s = bn_shape("batchnorm2d", x, {&gamma, &beta, &running_mean, &running_var});
  BatchNormTrainResult r{Tensor::empty(x.shape()), Tensor::empty({s.c}), Tensor::empty({s.c})};
  kernels::batchnorm2d_forward_train(s, x.data(), ptr(gamma), ptr(beta), ptr(running_mean), ptr(running_var), momentum,
                                     eps, r.y.data(), r.save_mean.data(), r.save_inv_std.data());
  return r;
}

Tensor batchnorm2d_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                        const Tensor& running_var, float eps) {
  const auto s = bn_shape("batchnorm2d", x, {&gamma, &beta, &running_mean, &running_var});
  if (!running_mean.defined() || !running_var.defined())
    throw std::invalid_argument("batchnorm2d: evaluation mode needs running statistics");
  Tensor y = Tensor::empty(x.shape());
  kernels::batchnorm2d_forward_eval(s, x.data(), ptr(gamma), ptr(beta), running_mean.data(), running_var.data(), eps,
                                    y.data());
  return y;
}

BatchNormGrads batchnorm2d_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma, const Tensor& save_mean,
                                    const Tensor& save_inv_std, bool want_dx, bool want_dgamma, bool want_dbeta) {
  const auto s = bn_shape("batchnorm2d_backward", x, {&gamma, &save_mean, &save_inv_std});
  if (dy.shape() != x.shape())
    throw_shape_error("batchnorm2d_backward", fmt::format("output gradient {} does not match input {}",
                                                          to_string(dy.shape()), to_string(x.shape())));
  BatchNormGrads g;
  if (want_dx) g.dx = Tensor::empty(x.shape());
  if (want_dgamma) g.dgamma = Tensor::empty({s.c});
  if (want_dbeta) g.dbeta = Tensor::empty({s.c});
  kernels::batchnorm2d_backward(s, x.data(), dy.data(), ptr(gamma), save_mean.data(), save_inv_std.data(), ptr(g.dx),
                                ptr(g.dgamma), ptr(g.dbeta));
  return g;
}

}  // namespace nos
