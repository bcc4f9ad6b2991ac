#include "autograd/ops/linear_cross_entropy.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "tensor/kernels/elementwise.h"
#include "tensor/ops/matmul.h"

namespace nos::ag {

Var linear_cross_entropy(const Var& x, const Var& w, const Var& b, const Tensor& labels) {
  if (x.value().dim() != 2 || w.value().dim() != 2 || x.value().size(1) != w.value().size(1))
    throw_shape_error("linear_cross_entropy", fmt::format("expects x [N, in] and w [out, in], got {} and {}",
                                                          to_string(x.shape()), to_string(w.shape())));
  const std::int64_t N = x.value().size(0), out = w.value().size(0);
  if (b.defined() && b.shape() != Shape{out})
    throw_shape_error("linear_cross_entropy", fmt::format("bias {} does not match weight {}", to_string(b.shape()),
                                                          to_string(w.shape())));
  if (labels.dim() != 1 || labels.size(0) != N)
    throw_shape_error("linear_cross_entropy", fmt::format("expects labels [{}], got {}", N, to_string(labels.shape())));
  if (labels.dtype() != DType::i32) throw_shape_error("linear_cross_entropy", "labels must be int32");
  for (std::int64_t i = 0; i < N; ++i)
    if (labels.idata()[i] < 0 || labels.idata()[i] >= out)
      throw std::out_of_range(fmt::format("linear_cross_entropy: label {} of example {} is outside [0, {})",
                                          labels.idata()[i], i, out));

  // The logits exactly as linear() computes them (bias broadcast, then sgemm adds onto it) ...
  Tensor z = Tensor::empty({N, out});
  if (b.defined())
    for (std::int64_t i = 0; i < N; ++i) std::memcpy(z.data() + i * out, b.value().data(), sizeof(float) * out);
  matmul_into(z, x.value(), w.value(), false, true, 1.0f, b.defined() ? 1.0f : 0.0f);
  // ... then the softmax over them, in place; without a backward pass to come (evaluation) the
  // loss needs only the log-sum-exp, not the normalised softmax.
  const bool backward = grad_enabled() && (x.requires_grad() || w.requires_grad() || (b.defined() && b.requires_grad()));
  const float loss = kernels::softmax_cross_entropy_forward(N, out, z.data(), labels.idata(), backward ? z.data() : nullptr);

  std::vector<Var> inputs{x, w};
  if (b.defined()) inputs.push_back(b);
  return record("linear_cross_entropy", Tensor::full({}, loss), std::move(inputs), [z, labels](Node& n) {
    Node& xi = *n.inputs[0];
    Node& wi = *n.inputs[1];
    Node* bi = n.inputs.size() > 2 ? n.inputs[2].get() : nullptr;
    const std::int64_t N = z.size(0), out = z.size(1);
    Tensor dz = z;  // the softmax becomes the logit gradient in place (the graph runs backward once)
    if (bi && bi->requires_grad) {
      Tensor db = Tensor::empty({out});
      kernels::softmax_cross_entropy_backward_colsum(N, out, z.data(), labels.idata(), n.grad.item(), dz.data(), db.data());
      accumulate_grad(*bi, db);
    } else {
      kernels::softmax_cross_entropy_backward(N, out, z.data(), labels.idata(), n.grad.item(), dz.data());
    }
    if (xi.requires_grad) accumulate_grad(xi, nos::matmul(dz, wi.value));  // dX = dZ W
    if (wi.requires_grad) {                                                 // dW = dZ^T X, into an owned gradient
      if (wi.grad.defined() && wi.grad_owned)
        matmul_into(wi.grad, dz, xi.value, true, false, 1.0f, 1.0f);
      else
        accumulate_grad(wi, nos::matmul(dz, xi.value, true, false));
    }
  });
}

}  // namespace nos::ag
