// Batch normalisation over NCHW float32 tensors (statistics per channel over n*h*w), like
// torch.nn.BatchNorm2d.
//
// Channels are spread over omp_get_max_threads() threads and each channel is reduced by one thread
// in a fixed order (double accumulators), so results are bitwise the same at any thread count.
#pragma once
#include <cstdint>

namespace nos::kernels {

struct BatchNormShape {
  std::int64_t n = 1, c = 1, hw = 1;  // hw = h*w
};

// Training forward. mean/var over the batch, normalised with the biased variance:
//   y = gamma * (x - mean) * inv_std + beta,  inv_std = 1/sqrt(var_biased + eps).
// Running statistics (if running_mean/running_var are non-null) are updated like PyTorch:
//   running = (1 - momentum) * running + momentum * batch_stat, with the unbiased variance
//   (var_biased * m / (m - 1), m = n*hw; the biased one when m == 1).
// save_mean and save_inv_std ([c]) receive mean and inv_std for the backward pass.
// gamma/beta may be null (affine = false: gamma = 1, beta = 0).
void batchnorm2d_forward_train(const BatchNormShape& s, const float* x, const float* gamma, const float* beta,
                               float* running_mean, float* running_var, float momentum, float eps, float* y,
                               float* save_mean, float* save_inv_std);

// Eval forward with the running statistics: y = gamma * (x - rm) / sqrt(rv + eps) + beta.
void batchnorm2d_forward_eval(const BatchNormShape& s, const float* x, const float* gamma, const float* beta,
                              const float* running_mean, const float* running_var, float eps, float* y);

// Backward of the training forward (batch statistics):
//   xhat = (x - mean) * inv_std, dbeta = sum dy, dgamma = sum dy * xhat,
//   dx = gamma * inv_std / m * (m * dy - dbeta - xhat * dgamma).
// dgamma/dbeta may be null (not wanted); dx may be null. gamma null means 1.
void batchnorm2d_backward(const BatchNormShape& s, const float* x, const float* dy, const float* gamma,
                          const float* save_mean, const float* save_inv_std, float* dx, float* dgamma, float* dbeta);

}  // namespace nos::kernels
