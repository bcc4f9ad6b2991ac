#include "autograd/ops/activation.h"

#include <fmt/format.h>

#include <stdexcept>

#include "autograd/ops/internal.h"
#include "tensor/kernels/elementwise.h"

namespace nos::ag {
namespace {
// Activations whose backward needs only the forward output y (sigmoid, tanh) or input x (relu).
template <class Fwd, class Bwd>
Var unary(const char* op, const Var& x, Fwd fwd, Bwd bwd, bool backward_from_output) {
  Tensor y = Tensor::empty(x.shape());
  fwd(y.numel(), x.value().data(), y.data());
  return record(op, y, {x}, [bwd, y, backward_from_output](Node& n) {
    Tensor dx = Tensor::empty(n.grad.shape());
    const Tensor& ref = backward_from_output ? y : n.inputs[0]->value;
    bwd(ref.numel(), ref.data(), n.grad.data(), dx.data());
    accumulate_grad(*n.inputs[0], dx);
  });
}
}  // namespace

Var relu(const Var& x) { return unary("relu", x, kernels::relu_forward, kernels::relu_backward, false); }
Var sigmoid(const Var& x) { return unary("sigmoid", x, kernels::sigmoid_forward, kernels::sigmoid_backward, true); }
Var tanh(const Var& x) { return unary("tanh", x, kernels::tanh_forward, kernels::tanh_backward, true); }

Var dropout(const Var& x, float p, std::mt19937_64& rng) {
  if (!(p >= 0.0f && p < 1.0f)) throw std::invalid_argument(fmt::format("dropout: probability {} not in [0, 1)", p));
  if (p == 0.0f) return x;
  const std::int64_t n = x.value().numel();
  Tensor mask = Tensor::empty(x.shape());
  std::bernoulli_distribution keep(1.0 - p);
  const float s = 1.0f / (1.0f - p);
  float* m = mask.data();
  for (std::int64_t i = 0; i < n; ++i) m[i] = keep(rng) ? s : 0.0f;
  Tensor y = Tensor::empty(x.shape());
  kernels::dropout_forward(n, x.value().data(), m, y.data());
  return record("dropout", y, {x}, [mask](Node& n) {
    Tensor dx = Tensor::empty(n.grad.shape());
    kernels::dropout_backward(dx.numel(), n.grad.data(), mask.data(), dx.data());
    accumulate_grad(*n.inputs[0], dx);
  });
}

Var softmax_cross_entropy(const Var& logits, const Tensor& labels) {
  const Tensor& z = logits.value();
  if (z.dim() != 2 || labels.dim() != 1 || labels.size(0) != z.size(0))
    throw_shape_error("softmax_cross_entropy", fmt::format("expects logits [B, K] and labels [B], got {} and {}",
                                                           to_string(z.shape()), to_string(labels.shape())));
  internal::check_class_labels("softmax_cross_entropy", labels, z.size(1));
  const std::int64_t B = z.size(0), K = z.size(1);
  Tensor probs = Tensor::empty(z.shape());
  const float loss = kernels::softmax_cross_entropy_forward(B, K, z.data(), labels.idata(), probs.data());
  return record("softmax_cross_entropy", Tensor::full({}, loss), {logits}, [probs, labels](Node& n) {
    // The gradient overwrites the saved softmax in place: the graph runs backward once, and the
    // PTB decoder's [700, 10000] would otherwise take a second 28 MB buffer every step.
    Tensor dz = probs;
    kernels::softmax_cross_entropy_backward(probs.size(0), probs.size(1), probs.data(), labels.idata(), n.grad.item(),
                                            dz.data());
    accumulate_grad(*n.inputs[0], dz);
  });
}

}  // namespace nos::ag
