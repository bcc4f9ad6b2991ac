#include "autograd/ops/batchnorm.h"

#include <cmath>

#include "tensor/ops/batchnorm.h"
#include "tensor/ops/broadcast.h"
#include "tensor/ops/elementwise.h"
#include "tensor/ops/reduce.h"

namespace nos::ag {
namespace {
Tensor value_or_none(const Var& v) { return v.defined() ? v.value() : Tensor(); }
}  // namespace

Var batchnorm2d_train(const Var& x, const Var& gamma, const Var& beta, Tensor running_mean, Tensor running_var,
                      float momentum, float eps) {
  auto r = nos::batchnorm2d_train(x.value(), value_or_none(gamma), value_or_none(beta), running_mean, running_var,
                                  momentum, eps);
  // inputs: x, then gamma and beta when present (their positions are remembered for backward).
  std::vector<Var> inputs{x};
  const int gi = gamma.defined() ? static_cast<int>(inputs.size()) : -1;
  if (gamma.defined()) inputs.push_back(gamma);
  const int bi = beta.defined() ? static_cast<int>(inputs.size()) : -1;
  if (beta.defined()) inputs.push_back(beta);
  return record("batchnorm2d", r.y, std::move(inputs), [gi, bi, mean = r.save_mean, inv = r.save_inv_std](Node& n) {
    Node& xi = *n.inputs[0];
    Node* g = gi >= 0 ? n.inputs[gi].get() : nullptr;
    Node* b = bi >= 0 ? n.inputs[bi].get() : nullptr;
    auto grads = nos::batchnorm2d_backward(xi.value, n.grad, g ? g->value : Tensor(), mean, inv, xi.requires_grad,
                                           g && g->requires_grad, b && b->requires_grad);
    if (xi.requires_grad) accumulate_grad(xi, grads.dx);
    if (g && g->requires_grad) accumulate_grad(*g, grads.dgamma);
    if (b && b->requires_grad) accumulate_grad(*b, grads.dbeta);
  });
}

Var batchnorm2d_eval(const Var& x, const Var& gamma, const Var& beta, const Tensor& running_mean,
                     const Tensor& running_var, float eps) {
  Tensor y =
      nos::batchnorm2d_eval(x.value(), value_or_none(gamma), value_or_none(beta), running_mean, running_var, eps);
  const std::int64_t C = x.value().size(1);
  // y = a * x + c per channel with a = gamma / sqrt(rv + eps); the backward needs only a and xhat.
  Tensor a = Tensor::empty({1, C, 1, 1});
  for (std::int64_t c = 0; c < C; ++c)
    a.data()[c] = (gamma.defined() ? gamma.value().data()[c] : 1.0f) / std::sqrt(running_var.data()[c] + eps);
  std::vector<Var> inputs{x};
  if (gamma.defined()) inputs.push_back(gamma);
  if (beta.defined()) inputs.push_back(beta);
  const bool has_gamma = gamma.defined(), has_beta = beta.defined();
  return record("batchnorm2d_eval", y, std::move(inputs),
                [a, running_mean, running_var, eps, has_gamma, has_beta](Node& n) {
                  Node& xi = *n.inputs[0];
                  if (xi.requires_grad) accumulate_grad(xi, nos::mul(n.grad, a));
                  const std::int64_t C = xi.value.size(1);
                  if (has_gamma && n.inputs[1]->requires_grad) {
                    Tensor m = Tensor::empty({1, C, 1, 1}), inv = Tensor::empty({1, C, 1, 1});
                    for (std::int64_t c = 0; c < C; ++c) {
                      m.data()[c] = running_mean.data()[c];
                      inv.data()[c] = 1.0f / std::sqrt(running_var.data()[c] + eps);
                    }
                    Tensor xhat = nos::mul(nos::sub(xi.value, m), inv);
                    accumulate_grad(*n.inputs[1], sum_to(nos::mul(n.grad, xhat), {1, C, 1, 1}).reshape({C}));
                  }
                  if (has_beta) {
                    Node& b = *n.inputs[has_gamma ? 2 : 1];
                    if (b.requires_grad) accumulate_grad(b, sum_to(n.grad, {1, C, 1, 1}).reshape({C}));
                  }
                });
}

}  // namespace nos::ag
