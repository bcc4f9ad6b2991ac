#include "tensor/kernels/batchnorm.h"

#include <algorithm>
#include <cmath>

namespace nos::kernels {
namespace {
constexpr std::int64_t kParallelMin = 1 << 14;

// Sum of p[0..len) and of squares of (p - shift), with float lanes per plane and double across planes.
inline void plane_sums(const float* p, std::int64_t len, float shift, double& sum, double& sumsq) {
  float s = 0.0f, q = 0.0f;
#pragma omp simd reduction(+ : s, q)
  for (std::int64_t i = 0; i < len; ++i) {
    const float d = p[i] - shift;
    s += d;
    q += d * d;
  }
  sum += s;
  sumsq += q;
}
}  // namespace

void batchnorm2d_forward_train(const BatchNormShape& s, const float* x, const float* gamma, const float* beta,
                               float* running_mean, float* running_var, float momentum, float eps, float* y,
                               float* save_mean, float* save_inv_std) {
  const std::int64_t m = s.n * s.hw, cstride = s.hw, nstride = s.c * s.hw;
#pragma omp parallel for schedule(static) if (s.n * s.c * s.hw >= kParallelMin)
  for (std::int64_t c = 0; c < s.c; ++c) {
    // Shifted sums (shift = first element) avoid cancellation in E[x^2] - E[x]^2.
    const float shift = x[c * cstride];
    double sum = 0.0, sumsq = 0.0;
    for (std::int64_t n = 0; n < s.n; ++n) plane_sums(x + n * nstride + c * cstride, s.hw, shift, sum, sumsq);
    const double dmean = sum / static_cast<double>(m);
    const double var = std::max(0.0, sumsq / static_cast<double>(m) - dmean * dmean);
    const double mean = dmean + shift;
    const float inv_std = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(eps)));
    const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
    const float scale = g * inv_std, fmean = static_cast<float>(mean);
    const float bias = b - fmean * scale;
    for (std::int64_t n = 0; n < s.n; ++n) {
      const float* xp = x + n * nstride + c * cstride;
      float* yp = y + n * nstride + c * cstride;
#pragma omp simd
      for (std::int64_t i = 0; i < s.hw; ++i) yp[i] = xp[i] * scale + bias;
    }
    if (save_mean) save_mean[c] = fmean;
    if (save_inv_std) save_inv_std[c] = inv_std;
    if (running_mean) running_mean[c] = static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * mean);
    if (running_var) {
      const double unbiased = m > 1 ? var * static_cast<double>(m) / static_cast<double>(m - 1) : var;
      running_var[c] = static_cast<float>((1.0 - momentum) * running_var[c] + momentum * unbiased);
    }
  }
}

void batchnorm2d_forward_eval(const BatchNormShape& s, const float* x, const float* gamma, const float* beta,
                              const float* running_mean, const float* running_var, float eps, float* y) {
  const std::int64_t cstride = s.hw, nstride = s.c * s.hw;
#pragma omp parallel for collapse(2) schedule(static) if (s.n * s.c * s.hw >= kParallelMin)
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t c = 0; c < s.c; ++c) {
      const float inv_std = static_cast<float>(1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps));
      const float scale = (gamma ? gamma[c] : 1.0f) * inv_std;
      const float bias = (beta ? beta[c] : 0.0f) - running_mean[c] * scale;
      const float* xp = x + n * nstride + c * cstride;
      float* yp = y + n * nstride + c * cstride;
#pragma omp simd
      for (std::int64_t i = 0; i < s.hw; ++i) yp[i] = xp[i] * scale + bias;
    }
}

void batchnorm2d_backward(const BatchNormShape& s, const float* x, const float* dy, const float* gamma,
                          const float* save_mean, const float* save_inv_std, float* dx, float* dgamma, float* dbeta) {
  const std::int64_t m = s.n * s.hw, cstride = s.hw, nstride = s.c * s.hw;
#pragma omp parallel for schedule(static) if (s.n * s.c * s.hw >= kParallelMin)
  for (std::int64_t c = 0; c < s.c; ++c) {
    const float mean = save_mean[c], inv_std = save_inv_std[c];
    double sdy = 0.0, sdyx = 0.0;  // sum dy, sum dy * (x - mean)
    for (std::int64_t n = 0; n < s.n; ++n) {
      const float* xp = x + n * nstride + c * cstride;
      const float* dp = dy + n * nstride + c * cstride;
      float a = 0.0f, b = 0.0f;
#pragma omp simd reduction(+ : a, b)
      for (std::int64_t i = 0; i < s.hw; ++i) {
        a += dp[i];
        b += dp[i] * (xp[i] - mean);
      }
      sdy += a;
      sdyx += b;
    }
    const float db = static_cast<float>(sdy), dg = static_cast<float>(sdyx * inv_std);
    if (dbeta) dbeta[c] = db;
    if (dgamma) dgamma[c] = dg;
    if (dx) {
      // dx = k * (dy - db/m - (x - mean) * inv_std^2 * dg_raw/m), k = gamma * inv_std.
      const float k = (gamma ? gamma[c] : 1.0f) * inv_std;
      const float mdy = static_cast<float>(sdy / static_cast<double>(m));
      const float cx = static_cast<float>(sdyx / static_cast<double>(m)) * inv_std * inv_std;
      for (std::int64_t n = 0; n < s.n; ++n) {
        const float* xp = x + n * nstride + c * cstride;
        const float* dp = dy + n * nstride + c * cstride;
        float* out = dx + n * nstride + c * cstride;
#pragma omp simd
        for (std::int64_t i = 0; i < s.hw; ++i) out[i] = k * (dp[i] - mdy - (xp[i] - mean) * cx);
      }
    }
  }
}

}  // namespace nos::kernels
