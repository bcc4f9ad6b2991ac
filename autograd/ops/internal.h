// Pieces several ops' implementations share; not part of the autograd API. The linear map's
// checks, output and input gradients serve linear() and linear_cross_entropy() (whose bitwise
// equality rests on computing them the same way); the class-label checks serve both
// cross-entropies.
#pragma once
#include "autograd/var.h"

namespace nos::ag::internal {

// x [N, in], w [out, in], b [out] or undefined; throws naming `op` otherwise.
void check_linear(const char* op, const Var& x, const Var& w, const Var& b);
// x W^T + b: the bias broadcast into the output, then sgemm adds onto it.
Tensor linear_output(const Tensor& x, const Tensor& w, const Tensor* b);
// dX = dY W and dW = dY^T X into x's and w's gradients (those that require one); a parameter's
// owned gradient (an arena view) takes dW straight from sgemm (beta = 1).
void linear_input_grads(Node& x, Node& w, const Tensor& dy);

// labels int32, each in [0, classes); throws naming `op` and the first bad example otherwise.
void check_class_labels(const char* op, const Tensor& labels, std::int64_t classes);

}  // namespace nos::ag::internal
