// Gradient checking against central finite differences.
//
// The function's output y is reduced to a scalar with fixed random weights R (loss = sum(y * R)),
// so every output element contributes a different amount and a transposed or misplaced gradient
// cannot pass by symmetry. Float tensors limit the accuracy of the differences, so tolerances
// are stated per test.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

#include "autograd/ops/arithmetic.h"
#include "autograd/var.h"

namespace nos::test {

inline Tensor random_tensor(const Shape& s, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<std::size_t>(nos::numel(s)));
  for (auto& x : v) x = d(rng);
  return Tensor::from(s, v);
}

struct GradcheckOptions {
  float eps = 1e-2f;
  float atol = 1e-2f;
  float rtol = 1e-2f;
};

// Checks d loss / d input for every element of every input that requires a gradient.
inline void gradcheck(const std::function<ag::Var(const std::vector<ag::Var>&)>& f, std::vector<ag::Var> inputs,
                      GradcheckOptions opt = {}, unsigned seed = 7) {
  std::mt19937 rng(seed);
  for (auto& in : inputs) in.node()->grad = Tensor();  // an input reused from an earlier check starts clean
  ag::Var y = f(inputs);
  const ag::Var weights(random_tensor(y.shape(), rng));
  auto loss_of = [&](const ag::Var& out) { return ag::sum(ag::mul(out, weights)); };
  ag::backward(loss_of(y));

  ag::NoGradGuard no_grad;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    ASSERT_TRUE(inputs[k].grad().defined()) << "input " << k << " got no gradient";
    const std::vector<float> analytic = inputs[k].grad().to_vector();
    float* x = inputs[k].value().data();
    for (std::int64_t i = 0; i < inputs[k].value().numel(); ++i) {
      const float saved = x[i];
      x[i] = saved + opt.eps;
      const double up = loss_of(f(inputs)).value().item();
      x[i] = saved - opt.eps;
      const double down = loss_of(f(inputs)).value().item();
      x[i] = saved;
      const double numeric = (up - down) / (2.0 * opt.eps);
      EXPECT_NEAR(analytic[i], numeric, opt.atol + opt.rtol * std::abs(numeric)) << "input " << k << ", element " << i;
    }
  }
}

}  // namespace nos::test
