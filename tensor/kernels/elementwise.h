// Elementwise activations, dropout and fused softmax + cross-entropy on flat float32 arrays.
// Loops are OpenMP-parallel above ~32K elements; every output element is computed by one thread,
// so results are bitwise the same at any thread count (the cross-entropy loss sums per-row losses
// in row order after the parallel part, so it is thread-count independent too).
#pragma once
#include <cstdint>

namespace nos::kernels {

// y = max(x, 0), NaN stays NaN (as in PyTorch). In place (y == x) allowed.
void relu_forward(std::int64_t n, const float* x, float* y);
// dx = dy where x > 0 (x may be the forward input or output), else 0. dx == dy allowed.
void relu_backward(std::int64_t n, const float* x, const float* dy, float* dx);

// y = 1 / (1 + exp(-x)). In place allowed.
void sigmoid_forward(std::int64_t n, const float* x, float* y);
// dx = dy * y * (1 - y), from the forward output y. dx == dy allowed.
void sigmoid_backward(std::int64_t n, const float* y, const float* dy, float* dx);

// y = tanh(x). In place allowed.
void tanh_forward(std::int64_t n, const float* x, float* y);
// dx = dy * (1 - y^2), from the forward output y. dx == dy allowed.
void tanh_backward(std::int64_t n, const float* y, const float* dy, float* dx);

// y = x * mask, dx = dy * mask. The caller draws the mask with values 0 and 1/(1-p).
void dropout_forward(std::int64_t n, const float* x, const float* mask, float* y);
void dropout_backward(std::int64_t n, const float* dy, const float* mask, float* dx);

// Fused softmax + cross-entropy over logits [batch, classes] with int32 labels in [0, classes).
// Returns the mean loss over the batch, -1/batch * sum_b log softmax(logits_b)[label_b], computed
// with a stable log-sum-exp. probs ([batch, classes], may be null) receives the softmax; it may
// be the logits themselves.
float softmax_cross_entropy_forward(std::int64_t batch, std::int64_t classes, const float* logits,
                                    const std::int32_t* labels, float* probs);
// dlogits = dloss / batch * (probs - onehot(labels)), dloss the gradient of the mean loss.
// In place (dlogits == probs) allowed.
void softmax_cross_entropy_backward(std::int64_t batch, std::int64_t classes, const float* probs,
                                    const std::int32_t* labels, float dloss, float* dlogits);
// The same, and colsum[classes] = the column sums of dlogits (a bias's gradient) in the same pass,
// bitwise equal to summing the rows in order.
void softmax_cross_entropy_backward_colsum(std::int64_t batch, std::int64_t classes, const float* probs,
                                           const std::int32_t* labels, float dloss, float* dlogits, float* colsum);

}  // namespace nos::kernels
