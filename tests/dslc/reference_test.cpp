// Known optimizers, with the expected sequences computed here from their published definitions:
// TensorFlow's PowerSign and AddSign (tf.contrib.opt, with and without a sign decay) and
// Kingma & Ba's Adam (Algorithm 1).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "dslc/interp.h"
#include "tests/dslc/test_util.h"

namespace nos::dslc {
namespace {

std::vector<std::vector<double>> gradient_sequence(size_t steps, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> d(0.0, 1.0);
  std::vector<std::vector<double>> out(steps, std::vector<double>(n));
  for (auto& row : out)
    for (double& g : row) g = (rng() % 11 == 0) ? 0.0 : d(rng);  // some exact zeros: sign(0) = 0
  return out;
}

double tf_sign(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }

// TensorFlow's linear_decay_fn: max(0, (T - min(t, T)) / T) at global_step t (0 on the first
// update), and no decay (1) when the optimizer is built without sign_decay_fn.
double tf_linear_decay(uint64_t t, uint64_t T) {
  const uint64_t s = std::min(t, T);
  return std::max(0.0, static_cast<double>(T - s) / static_cast<double>(T));
}

enum class SignOpt { PowerSign, AddSign };

// tf.contrib.opt.PowerSignOptimizer / AddSignOptimizer (beta = 0.9, logbase = 1, alpha = 1):
//   m_t = beta * m + (1 - beta) * g
//   PowerSign: update = lr * exp(logbase * decay * sign(g) * sign(m_t)) * g
//   AddSign:   update = lr * (alpha + decay * sign(g) * sign(m_t)) * g
std::vector<std::vector<double>> tf_sign_optimizer(SignOpt opt, bool decay, std::vector<double> w,
                                                   const std::vector<std::vector<double>>& grads, double lr) {
  std::vector<double> m(w.size(), 0.0);
  std::vector<std::vector<double>> out;
  const uint64_t T = grads.size();
  for (uint64_t step = 0; step < T; ++step) {
    const double d = decay ? tf_linear_decay(step, T) : 1.0;
    for (size_t i = 0; i < w.size(); ++i) {
      const double g = grads[step][i];
      m[i] = 0.9 * m[i] + (1 - 0.9) * g;
      const double s = d * tf_sign(g) * tf_sign(m[i]);
      const double mult = opt == SignOpt::PowerSign ? std::exp(1.0 * s) : 1.0 + s;
      w[i] -= lr * (mult * g);
    }
    out.push_back(w);
  }
  return out;
}

void expect_sequences_equal(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want,
                            const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t t = 0; t < got.size(); ++t)
    for (size_t i = 0; i < got[t].size(); ++i)
      ASSERT_DOUBLE_EQ(got[t][i], want[t][i]) << what << " step " << t + 1 << " weight " << i;
}

struct Case {
  const char* rule;
  SignOpt opt;
  bool decay;
};

TEST(Reference, PowerSignAndAddSignMatchTensorFlow) {
  const auto grads = gradient_sequence(40, 7, 1);
  const std::vector<double> w0 = {0.5, -1.0, 2.0, 0.0, 0.1, -0.3, 1e-3};
  const Case cases[] = {
      {"mul exp mul sign_g sign_m g", SignOpt::PowerSign, false},
      {"sign_g sign_m id id mul ; $1 g exp id mul", SignOpt::PowerSign, false},
      {"mul add one mul sign_g sign_m g", SignOpt::AddSign, false},
      {"mul exp mul ld mul sign_g sign_m g", SignOpt::PowerSign, true},
      {"mul add one mul ld mul sign_g sign_m g", SignOpt::AddSign, true},
  };
  for (const Case& c : cases) {
    Hyper h;
    h.lr = 0.05;
    h.total_steps = grads.size();
    const auto got = interp_run(test::compile_ok(c.rule).ir, h, w0, grads);
    expect_sequences_equal(got, tf_sign_optimizer(c.opt, c.decay, w0, grads, 0.05), c.rule);
  }
}

// Kingma & Ba 2015, Algorithm 1, with TensorFlow-style epsilon outside the square root.
TEST(Reference, AdamMatchesTheTextbook) {
  const auto grads = gradient_sequence(60, 5, 2);
  std::vector<double> w = {1.0, -1.0, 0.5, 3.0, -0.25};
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  Hyper h;
  h.lr = lr;
  for (const char* rule : {"adam", "m v id sqrt div", "div m sqrt v"}) {
    const auto got = interp_run(test::compile_ok(rule).ir, h, w, grads);
    std::vector<double> theta = w, m(w.size(), 0.0), v(w.size(), 0.0);
    std::vector<std::vector<double>> want;
    for (size_t t = 1; t <= grads.size(); ++t) {
      for (size_t i = 0; i < theta.size(); ++i) {
        const double g = grads[t - 1][i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        const double mhat = m[i] / (1 - std::pow(b1, static_cast<double>(t)));
        const double vhat = v[i] / (1 - std::pow(b2, static_cast<double>(t)));
        theta[i] -= lr * mhat / (std::sqrt(vhat) + eps);
      }
      want.push_back(theta);
    }
    expect_sequences_equal(got, want, rule);
  }
}

TEST(Reference, RmsPropAndSgd) {
  const auto grads = gradient_sequence(30, 4, 3);
  const std::vector<double> w0 = {1, 2, 3, 4};
  Hyper h;
  h.lr = 0.02;
  h.beta2 = 0.99;  // overridable hyperparameters reach the rule
  std::vector<double> w = w0, v(4, 0.0);
  const auto rms = interp_run(test::compile_ok("rmsprop").ir, h, w0, grads);
  const auto sgd = interp_run(test::compile_ok("g").ir, h, w0, grads);
  std::vector<double> ws = w0;
  for (size_t t = 1; t <= grads.size(); ++t) {
    for (size_t i = 0; i < 4; ++i) {
      const double g = grads[t - 1][i];
      v[i] = 0.99 * v[i] + (1 - 0.99) * g * g;
      w[i] -= 0.02 * g / (std::sqrt(v[i] / (1 - std::pow(0.99, static_cast<double>(t)))) + 1e-8);
      ws[i] -= 0.02 * g;
      ASSERT_DOUBLE_EQ(rms[t - 1][i], w[i]);
      ASSERT_DOUBLE_EQ(sgd[t - 1][i], ws[i]);
    }
  }
}

// tf.contrib.opt sign_decay.py, evaluated at the 0-based global step.
TEST(Reference, DecayFunctionsMatchTensorFlow) {
  const uint64_t T = 20;
  for (uint64_t t = 0; t <= 30; ++t) {
    const double s = static_cast<double>(std::min(t, T));
    EXPECT_DOUBLE_EQ(linear_decay(t, T), std::max(0.0, (T - s) / T)) << t;
    EXPECT_DOUBLE_EQ(cosine_decay(t, T), 0.5 * (1.0 + std::cos(std::numbers::pi * 2.0 * 0.5 * s / T))) << t;
    EXPECT_DOUBLE_EQ(restart_decay(t, T), 0.5 * (1.0 + std::cos(std::numbers::pi * std::fmod(1.0 * s, T) / T))) << t;
  }
  EXPECT_EQ(linear_decay(0, T), 1.0);
  EXPECT_EQ(linear_decay(10, T), 0.5);
  EXPECT_EQ(linear_decay(25, T), 0.0);
  EXPECT_EQ(cosine_decay(0, T), 1.0);
  EXPECT_NEAR(cosine_decay(10, T), 0.5, 1e-15);
  EXPECT_NEAR(cosine_decay(20, T), 0.0, 1e-15);
  EXPECT_EQ(restart_decay(20, T), 1.0);  // (1 * T) mod T = 0: TensorFlow's restart
  EXPECT_NEAR(restart_decay(10, T), 0.5, 1e-15);
}

TEST(Reference, DecayOperandsUseTheZeroBasedStep) {
  // w - lr * ld with lr = 1 and w0 = 0 accumulates -sum of ld over the steps: 1 + 0.75 + 0.5 + 0.25.
  Hyper h;
  h.lr = 1.0;
  h.total_steps = 4;
  const std::vector<std::vector<double>> grads(4, std::vector<double>{1.0});
  for (auto [rule, fn] : {std::pair{"ld", &linear_decay}, {"cd", &cosine_decay}, {"rd", &restart_decay}}) {
    const auto got = interp_run(test::compile_ok(rule).ir, h, {0.0}, grads);
    double w = 0;
    for (uint64_t t = 0; t < 4; ++t) {
      w -= fn(t, 4);
      EXPECT_DOUBLE_EQ(got[t][0], w) << rule;
    }
  }
  EXPECT_DOUBLE_EQ(interp_run(test::compile_ok("ld").ir, h, {0.0}, grads).back()[0], -2.5);
}

}  // namespace
}  // namespace nos::dslc

namespace nos::dslc {
namespace {

// The baseline operands (mom, nesterov, rms, lion) in the double interpreter against their
// textbook definitions, written out independently.
TEST(Reference, BaselineOperandsMatchTextbook) {
  const std::vector<std::vector<double>> grads = {{0.5, -1.0}, {0.25, 0.0}, {-2.0, 0.75}, {1e-3, -0.5}, {0.3, 0.3}};
  Hyper h;
  h.lr = 0.1;
  h.beta2 = 0.9;
  struct Case {
    const char* rule;
    std::function<double(double g, double& s)> update;  // returns the step direction
  };
  const Case cases[] = {
      {"mom", [](double g, double& k) { return k = 0.9 * k + g; }},
      {"nesterov",
       [](double g, double& k) {
         k = 0.9 * k + g;
         return g + 0.9 * k;
       }},
      {"rms",
       [](double g, double& v) {
         v = 0.9 * v + 0.1 * (g * g);
         return g / (std::sqrt(v) + 1e-8);
       }},
      {"lion",
       [](double g, double& m) {
         const double c = 0.9 * m + 0.1 * g;
         m = 0.99 * m + 0.01 * g;
         return c > 0 ? 1.0 : c < 0 ? -1.0 : 0.0;
       }},
  };
  for (const Case& c : cases) {
    const Compiled comp = test::compile_ok(c.rule);
    const auto got = interp_run(comp.ir, h, {1.0, -2.0}, grads);
    std::vector<double> w = {1.0, -2.0}, s = {0.0, 0.0};
    for (size_t t = 0; t < grads.size(); ++t) {
      for (size_t i = 0; i < 2; ++i) w[i] -= 0.1 * c.update(grads[t][i], s[i]);
      for (size_t i = 0; i < 2; ++i) EXPECT_NEAR(got[t][i], w[i], 1e-15) << c.rule << " step " << t + 1;
    }
  }
}

}  // namespace
}  // namespace nos::dslc
