#include "autograd/ops/linear_cross_entropy.h"

#include <fmt/format.h>

#include "autograd/ops/internal.h"
#include "tensor/kernels/elementwise.h"

namespace nos::ag {

Var linear_cross_entropy(const Var& x, const Var& w, const Var& b, const Tensor& labels) {
  internal::check_linear("linear_cross_entropy", x, w, b);
  const std::int64_t N = x.value().size(0), out = w.value().size(0);
  if (labels.dim() != 1 || labels.size(0) != N)
    throw_shape_error("linear_cross_entropy", fmt::format("expects labels [{}], got {}", N, to_string(labels.shape())));
  internal::check_class_labels("linear_cross_entropy", labels, out);

  // The logits exactly as linear() computes them, then the softmax over them, in place; without
  // a backward pass to come (evaluation) the loss needs only the log-sum-exp, not the normalised
  // softmax.
  Tensor z = internal::linear_output(x.value(), w.value(), b.defined() ? &b.value() : nullptr);
  const bool backward =
      grad_enabled() && (x.requires_grad() || w.requires_grad() || (b.defined() && b.requires_grad()));
  const float loss =
      kernels::softmax_cross_entropy_forward(N, out, z.data(), labels.idata(), backward ? z.data() : nullptr);

  std::vector<Var> inputs{x, w};
  if (b.defined()) inputs.push_back(b);
  return record("linear_cross_entropy", Tensor::full({}, loss), std::move(inputs), [z, labels](Node& n) {
    Node* bi = n.inputs.size() > 2 ? n.inputs[2].get() : nullptr;
    const std::int64_t N = z.size(0), out = z.size(1);
    Tensor dz = z;  // the softmax becomes the logit gradient in place (the graph runs backward once)
    if (bi && bi->requires_grad) {
      Tensor db = Tensor::empty({out});
      kernels::softmax_cross_entropy_backward_colsum(N, out, z.data(), labels.idata(), n.grad.item(), dz.data(),
                                                     db.data());
      accumulate_grad(*bi, db);
    } else {
      kernels::softmax_cross_entropy_backward(N, out, z.data(), labels.idata(), n.grad.item(), dz.data());
    }
    internal::linear_input_grads(*n.inputs[0], *n.inputs[1], dz);
  });
}

}  // namespace nos::ag
