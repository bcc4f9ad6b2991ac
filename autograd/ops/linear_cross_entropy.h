// A classifier's output layer and its loss as one node: the mean softmax cross-entropy of the
// logits x W^T + b against int32 labels. Same values and gradients as
// softmax_cross_entropy(linear(x, w, b), labels), bit for bit, with less memory traffic: the
// PTB decoder's logits are [700, 10000] (28 MB) a step. The one logits buffer becomes the softmax
// and then, in place, the logit gradient; and the bias gradient is summed while that gradient is
// written, instead of in a second read of it.
#pragma once
#include "autograd/var.h"

namespace nos::ag {

// x [N, in], w [out, in], b [out] (or undefined: no bias), labels int32 [N] in [0, out).
Var linear_cross_entropy(const Var& x, const Var& w, const Var& b, const Tensor& labels);

}  // namespace nos::ag
