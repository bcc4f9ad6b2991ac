#include "autograd/ops/arithmetic.h"

#include <fmt/format.h>

#include "autograd/ops/internal.h"
#include "tensor/ops/broadcast.h"
#include "tensor/ops/elementwise.h"
#include "tensor/ops/matmul.h"
#include "tensor/ops/reduce.h"

namespace nos::ag {

Var add(const Var& a, const Var& b) {
  return record("add", nos::add(a.value(), b.value()), {a, b}, [](Node& n) {
    accumulate_grad(*n.inputs[0], sum_to(n.grad, n.inputs[0]->value.shape()));
    accumulate_grad(*n.inputs[1], sum_to(n.grad, n.inputs[1]->value.shape()));
  });
}

Var sub(const Var& a, const Var& b) {
  return record("sub", nos::sub(a.value(), b.value()), {a, b}, [](Node& n) {
    accumulate_grad(*n.inputs[0], sum_to(n.grad, n.inputs[0]->value.shape()));
    if (n.inputs[1]->requires_grad) accumulate_grad(*n.inputs[1], sum_to(nos::neg(n.grad), n.inputs[1]->value.shape()));
  });
}

Var mul(const Var& a, const Var& b) {
  return record("mul", nos::mul(a.value(), b.value()), {a, b}, [](Node& n) {
    Node& x = *n.inputs[0];
    Node& y = *n.inputs[1];
    if (x.requires_grad) accumulate_grad(x, sum_to(nos::mul(n.grad, y.value), x.value.shape()));
    if (y.requires_grad) accumulate_grad(y, sum_to(nos::mul(n.grad, x.value), y.value.shape()));
  });
}

Var div(const Var& a, const Var& b) {
  Tensor out = nos::div(a.value(), b.value());
  return record("div", out, {a, b}, [out](Node& n) {
    Node& x = *n.inputs[0];
    Node& y = *n.inputs[1];
    Tensor gx = nos::div(n.grad, y.value);  // d(x/y)/dx = 1/y
    if (x.requires_grad) accumulate_grad(x, sum_to(gx, x.value.shape()));
    if (y.requires_grad)
      accumulate_grad(y, sum_to(nos::neg(nos::mul(gx, out)), y.value.shape()));  // -x/y^2 = -(1/y)(x/y)
  });
}

Var scale(const Var& a, float s) {
  return record("scale", nos::scale(a.value(), s), {a},
                [s](Node& n) { accumulate_grad(*n.inputs[0], nos::scale(n.grad, s)); });
}

Var matmul(const Var& a, const Var& b) {
  return record("matmul", nos::matmul(a.value(), b.value()), {a, b}, [](Node& n) {
    Node& x = *n.inputs[0];
    Node& y = *n.inputs[1];
    if (x.requires_grad) accumulate_grad(x, nos::matmul(n.grad, y.value, false, true));  // dA = dC B^T
    if (y.requires_grad) accumulate_grad(y, nos::matmul(x.value, n.grad, true, false));  // dB = A^T dC
  });
}

Var linear(const Var& x, const Var& w, const Var& b) {
  internal::check_linear("linear", x, w, b);
  Tensor y = internal::linear_output(x.value(), w.value(), b.defined() ? &b.value() : nullptr);
  std::vector<Var> inputs{x, w};
  if (b.defined()) inputs.push_back(b);
  return record("linear", y, std::move(inputs), [](Node& n) {
    internal::linear_input_grads(*n.inputs[0], *n.inputs[1], n.grad);
    if (n.inputs.size() > 2 && n.inputs[2]->requires_grad) accumulate_grad(*n.inputs[2], sum_dim(n.grad, 0));
  });
}

Var sum(const Var& a) {
  return record("sum", nos::sum(a.value()), {a}, [](Node& n) {
    accumulate_grad(*n.inputs[0], Tensor::full(n.inputs[0]->value.shape(), n.grad.item()));
  });
}

Var mean(const Var& a) {
  return record("mean", nos::mean(a.value()), {a}, [](Node& n) {
    const auto cnt = static_cast<float>(n.inputs[0]->value.numel());
    accumulate_grad(*n.inputs[0], Tensor::full(n.inputs[0]->value.shape(), n.grad.item() / cnt));
  });
}

}  // namespace nos::ag
