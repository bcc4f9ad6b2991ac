#include "rl/categorical.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace nos::rl {
namespace {

void check_shapes(const char* op, const ag::Var& logits, const Tensor& allowed) {
  if (logits.shape().size() != 2 || allowed.shape() != logits.shape())
    throw_shape_error(op, fmt::format("logits {} and mask {} must be the same [B, K]", to_string(logits.shape()),
                                      to_string(allowed.shape())));
}

// Masked probabilities of every row, in double: the backward passes reuse them.
std::vector<double> row_probs(const Tensor& z, const Tensor& allowed) {
  const std::int64_t B = z.size(0), K = z.size(1);
  std::vector<double> p(static_cast<size_t>(B * K));
  for (std::int64_t b = 0; b < B; ++b) masked_softmax(z.data() + b * K, allowed.data() + b * K, K, p.data() + b * K);
  return p;
}

}  // namespace

void masked_softmax(const float* z, const float* allowed, std::int64_t k, double* p) {
  double mx = -std::numeric_limits<double>::infinity();
  for (std::int64_t i = 0; i < k; ++i)
    if (allowed[i] != 0.0f) mx = std::max(mx, static_cast<double>(z[i]));
  if (mx == -std::numeric_limits<double>::infinity())
    throw std::invalid_argument("masked_softmax: every choice is masked");
  double sum = 0;
  for (std::int64_t i = 0; i < k; ++i) {
    p[i] = allowed[i] != 0.0f ? std::exp(static_cast<double>(z[i]) - mx) : 0.0;
    sum += p[i];
  }
  for (std::int64_t i = 0; i < k; ++i) p[i] /= sum;
}

ag::Var masked_log_prob(const ag::Var& logits, const Tensor& allowed, const Tensor& chosen) {
  check_shapes("masked_log_prob", logits, allowed);
  const std::int64_t B = logits.shape()[0], K = logits.shape()[1];
  if (chosen.dtype() != DType::i32 || chosen.numel() != B)
    throw_shape_error("masked_log_prob", fmt::format("chosen must be int32 [{}]", B));
  auto p = row_probs(logits.value(), allowed);
  std::vector<std::int32_t> c(chosen.idata(), chosen.idata() + B);
  Tensor out = Tensor::empty({B});
  for (std::int64_t b = 0; b < B; ++b) {
    if (c[b] < 0 || c[b] >= K || allowed.data()[b * K + c[b]] == 0.0f)
      throw std::invalid_argument(
          fmt::format("masked_log_prob: row {} chose {}, which is masked or out of range", b, c[b]));
    out.data()[b] = static_cast<float>(std::log(p[b * K + c[b]]));
  }
  return ag::record("masked_log_prob", std::move(out), {logits},
                    [p = std::move(p), c = std::move(c), B, K](ag::Node& n) {
                      // d log p_c / d z_k = [k == c] - p_k; masked entries have p_k = 0 and get nothing.
                      Tensor g = Tensor::zeros({B, K});
                      const float* go = n.grad.data();
                      for (std::int64_t b = 0; b < B; ++b)
                        for (std::int64_t k = 0; k < K; ++k)
                          g.data()[b * K + k] = static_cast<float>(go[b] * ((k == c[b] ? 1.0 : 0.0) - p[b * K + k]));
                      ag::accumulate_grad(*n.inputs[0], g);
                    });
}

ag::Var masked_entropy(const ag::Var& logits, const Tensor& allowed) {
  check_shapes("masked_entropy", logits, allowed);
  const std::int64_t B = logits.shape()[0], K = logits.shape()[1];
  auto p = row_probs(logits.value(), allowed);
  std::vector<double> h(static_cast<size_t>(B), 0.0);
  Tensor out = Tensor::empty({B});
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t k = 0; k < K; ++k)
      if (p[b * K + k] > 0) h[b] -= p[b * K + k] * std::log(p[b * K + k]);
    out.data()[b] = static_cast<float>(h[b]);
  }
  return ag::record("masked_entropy", std::move(out), {logits},
                    [p = std::move(p), h = std::move(h), B, K](ag::Node& n) {
                      // H = -sum p log p, so dH/dz_k = -p_k (log p_k + H).
                      Tensor g = Tensor::zeros({B, K});
                      const float* go = n.grad.data();
                      for (std::int64_t b = 0; b < B; ++b)
                        for (std::int64_t k = 0; k < K; ++k) {
                          const double pk = p[b * K + k];
                          if (pk > 0) g.data()[b * K + k] = static_cast<float>(-go[b] * pk * (std::log(pk) + h[b]));
                        }
                      ag::accumulate_grad(*n.inputs[0], g);
                    });
}

}  // namespace nos::rl
