#include "autograd/ops/internal.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "tensor/ops/matmul.h"

namespace nos::ag::internal {

void check_linear(const char* op, const Var& x, const Var& w, const Var& b) {
  if (x.value().dim() != 2 || w.value().dim() != 2)
    throw_shape_error(op, fmt::format("expects x [N, in] and w [out, in], got {} and {}", to_string(x.shape()),
                                      to_string(w.shape())));
  if (x.value().size(1) != w.value().size(1))
    throw_shape_error(op, fmt::format("input {} has {} features but weight {} expects {}", to_string(x.shape()),
                                      x.value().size(1), to_string(w.shape()), w.value().size(1)));
  if (b.defined() && b.shape() != Shape{w.value().size(0)})
    throw_shape_error(op, fmt::format("bias {} does not match weight {}", to_string(b.shape()), to_string(w.shape())));
}

Tensor linear_output(const Tensor& x, const Tensor& w, const Tensor* b) {
  const std::int64_t out = w.size(0);
  Tensor y = Tensor::empty({x.size(0), out});
  if (b)
    for (std::int64_t i = 0; i < y.size(0); ++i) std::memcpy(y.data() + i * out, b->data(), sizeof(float) * out);
  matmul_into(y, x, w, false, true, 1.0f, b ? 1.0f : 0.0f);
  return y;
}

void linear_input_grads(Node& x, Node& w, const Tensor& dy) {
  if (x.requires_grad) accumulate_grad(x, nos::matmul(dy, w.value));  // dX = dY W
  if (w.requires_grad) {                                              // dW = dY^T X
    // From a zeroed gradient the result is bitwise that of writing a temporary and adding it
    // (0 + x is exact), without the temporary (the PTB decoder's is 2M floats).
    if (w.grad.defined() && w.grad_owned) matmul_into(w.grad, dy, x.value, true, false, 1.0f, 1.0f);
    else accumulate_grad(w, nos::matmul(dy, x.value, true, false));
  }
}

void check_class_labels(const char* op, const Tensor& labels, std::int64_t classes) {
  if (labels.dtype() != DType::i32) throw_shape_error(op, "labels must be int32");
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    if (labels.idata()[i] < 0 || labels.idata()[i] >= classes)
      throw std::out_of_range(
          fmt::format("{}: label {} of example {} is outside [0, {})", op, labels.idata()[i], i, classes));
}

}  // namespace nos::ag::internal
