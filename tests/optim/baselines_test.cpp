// The baseline optimizers are rules like any other, compiled by the JIT; each is checked against
// its textbook definition, written out here independently (in double), over 200 steps.
//   SGD        w -= lr g
//   Momentum   k = mu k + g;  w -= lr k                       (heavy ball, PyTorch's SGD momentum)
//   Nesterov   k = mu k + g;  w -= lr (g + mu k)              (PyTorch's nesterov=True)
//   Adam       m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;  w -= lr m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps)
//   RMSProp    v = rho v + (1-rho) g^2;  w -= lr g / (sqrt(v) + eps)   (Hinton; PyTorch's RMSprop)
//   Lion       c = b1 m + (1-b1) g;  w -= lr sign(c);  m = b2 m + (1-b2) g   (Chen et al. 2023)
// and TensorFlow 1's optimizers, the ones the paper compares against, as their update ops compute
// them (training_ops ApplyRMSProp / ApplyAdam):
//   RMSProp TF ms starts at 1;  ms = rho ms + (1-rho) g^2;  w -= lr g / sqrt(ms + eps)
//              (rho 0.9, eps 1e-10: tf.train.RMSPropOptimizer's defaults, momentum 0)
//   Adam TF    m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;  lr_t = lr sqrt(1-b2^t)/(1-b1^t);
//              w -= lr_t m / (sqrt(v) + eps)                 (eps on the uncorrected v)
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "optim/optimizer.h"

namespace nos::optim {
namespace {

struct Textbook {
  std::vector<double> w, s1, s2;
};

using Update = std::function<void(Textbook&, size_t i, double g, int t)>;

// Runs `rule` through the JIT and `update` in double over the same gradients; the float32 JIT must
// track the double reference to a relative 1e-4 (float rounding accumulated over 200 steps).
void check_baseline(const char* rule, const OptimizerOptions& o, const Update& update, double tol = 1e-4) {
  const size_t n = 37;  // two vectors and a tail on 16 lanes
  std::vector<float> w(n), g(n);
  Textbook tb{std::vector<double>(n), std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
  for (size_t i = 0; i < n; ++i) tb.w[i] = w[i] = std::cos(0.7f * static_cast<float>(i));
  Optimizer opt(rule, o);
  opt.add(w.data(), g.data(), n);
  for (int t = 1; t <= 200; ++t) {
    for (size_t i = 0; i < n; ++i) {
      // A gradient with a steady part and noise of changing sign: exercises momentum and signs.
      g[i] = static_cast<float>(0.5 * tb.w[i] + 0.3 * std::sin(1.3 * t + 0.9 * static_cast<double>(i)));
      update(tb, i, g[i], t);
    }
    opt.step();
    for (size_t i = 0; i < n; ++i)
      ASSERT_NEAR(w[i], tb.w[i], tol * std::max(1.0, std::fabs(tb.w[i]))) << rule << " step " << t << " element " << i;
  }
}

TEST(OptimBaselines, Sgd) {
  OptimizerOptions o;
  o.hyper.lr = 0.05;
  check_baseline("g", o, [](Textbook& b, size_t i, double g, int) { b.w[i] -= 0.05 * g; });
}

TEST(OptimBaselines, HeavyBallMomentum) {
  OptimizerOptions o;
  o.hyper.lr = 0.02;  // mu = 0.9 by default
  check_baseline("mom", o, [](Textbook& b, size_t i, double g, int) {
    b.s1[i] = 0.9 * b.s1[i] + g;
    b.w[i] -= 0.02 * b.s1[i];
  });
}

TEST(OptimBaselines, NesterovMomentum) {
  OptimizerOptions o;
  o.hyper.lr = 0.02;
  o.hyper.mu = 0.9;
  check_baseline("nesterov", o, [](Textbook& b, size_t i, double g, int) {
    b.s1[i] = 0.9 * b.s1[i] + g;
    b.w[i] -= 0.02 * (g + 0.9 * b.s1[i]);
  });
}

TEST(OptimBaselines, Adam) {
  OptimizerOptions o;
  o.hyper.lr = 0.01;
  check_baseline("adam", o, [](Textbook& b, size_t i, double g, int t) {
    b.s1[i] = 0.9 * b.s1[i] + 0.1 * g;
    b.s2[i] = 0.999 * b.s2[i] + 0.001 * g * g;
    const double mh = b.s1[i] / (1 - std::pow(0.9, t)), vh = b.s2[i] / (1 - std::pow(0.999, t));
    b.w[i] -= 0.01 * mh / (std::sqrt(vh) + 1e-8);
  });
}

TEST(OptimBaselines, RmsProp) {
  OptimizerOptions o;
  o.hyper.lr = 0.001;
  o.hyper.beta2 = 0.9;  // rho
  check_baseline("rms", o, [](Textbook& b, size_t i, double g, int) {
    b.s2[i] = 0.9 * b.s2[i] + 0.1 * g * g;
    b.w[i] -= 0.001 * g / (std::sqrt(b.s2[i]) + 1e-8);
  });
}

TEST(OptimBaselines, TensorFlowRmsProp) {
  OptimizerOptions o;
  o.hyper.lr = 0.001;
  o.hyper.beta2 = 0.9;  // TF's decay
  o.hyper.eps = 1e-10;  // TF's epsilon
  check_baseline("rmsprop_tf", o, [](Textbook& b, size_t i, double g, int t) {
    if (t == 1) b.s2[i] = 1.0;  // TF initialises the mean square to 1
    b.s2[i] = 0.9 * b.s2[i] + 0.1 * g * g;
    b.w[i] -= 0.001 * g / std::sqrt(b.s2[i] + 1e-10);
  });
}

TEST(OptimBaselines, TensorFlowAdam) {
  OptimizerOptions o;
  o.hyper.lr = 0.01;
  o.hyper.eps = 1e-3;  // large enough that where eps sits changes the update
  check_baseline("adam_tf", o, [](Textbook& b, size_t i, double g, int t) {
    b.s1[i] = 0.9 * b.s1[i] + 0.1 * g;
    b.s2[i] = 0.999 * b.s2[i] + 0.001 * g * g;
    const double lr_t = 0.01 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    b.w[i] -= lr_t * b.s1[i] / (std::sqrt(b.s2[i]) + 1e-3);
  });
}

// The TF forms are other optimizers, not other spellings: at TF's settings their first steps differ
// from the textbook ones by more than the tolerance above (so the two tests above can fail).
TEST(OptimBaselines, TensorFlowFormsDifferFromTextbook) {
  auto first_steps = [](const char* rule, const OptimizerOptions& o) {
    std::vector<float> w{1.0f, -0.5f, 0.25f}, g{0.02f, -0.3f, 1e-3f};
    Optimizer opt(rule, o);
    opt.add(w.data(), g.data(), w.size());
    for (int t = 0; t < 3; ++t) opt.step();
    return w;
  };
  OptimizerOptions rms;
  rms.hyper.lr = 0.01;
  rms.hyper.beta2 = 0.9;
  rms.hyper.eps = 1e-10;
  const auto tf = first_steps("rmsprop_tf", rms), textbook = first_steps("rms", rms);
  OptimizerOptions adam;
  adam.hyper.lr = 0.01;
  adam.hyper.eps = 1e-3;
  const auto adam_tf = first_steps("adam_tf", adam), adam_paper = first_steps("adam", adam);
  for (size_t i = 0; i < tf.size(); ++i) {
    EXPECT_GT(std::fabs(tf[i] - textbook[i]), 1e-3) << "rmsprop element " << i;
    EXPECT_GT(std::fabs(adam_tf[i] - adam_paper[i]), 1e-4) << "adam element " << i;
  }
}

TEST(OptimBaselines, Lion) {
  OptimizerOptions o;
  o.hyper.lr = 1e-3;  // beta1 0.9, lion_beta2 0.99 by default
  check_baseline("lion", o, [](Textbook& b, size_t i, double g, int) {
    const double c = 0.9 * b.s1[i] + 0.1 * g;
    b.w[i] -= 1e-3 * (c > 0 ? 1.0 : c < 0 ? -1.0 : 0.0);
    b.s1[i] = 0.99 * b.s1[i] + 0.01 * g;
  });
}

// AdaBelief (Zhuang et al. 2020, Algorithm 2): m = b1 m + (1-b1) g; s = b2 s + (1-b2) (g-m)^2 + eps;
// w -= lr * m_hat / (sqrt(s_hat) + eps). Its buffer s is the state table's newest row.
TEST(OptimBaselines, AdaBelief) {
  OptimizerOptions o;
  o.hyper.lr = 1e-3;
  check_baseline("adabelief", o, [](Textbook& b, size_t i, double g, int t) {
    b.s1[i] = 0.9 * b.s1[i] + 0.1 * g;
    b.s2[i] = 0.999 * b.s2[i] + 0.001 * (g - b.s1[i]) * (g - b.s1[i]) + 1e-8;
    const double mhat = b.s1[i] / (1 - std::pow(0.9, t)), shat = b.s2[i] / (1 - std::pow(0.999, t));
    b.w[i] -= 1e-3 * mhat / (std::sqrt(shat) + 1e-8);
  });
  EXPECT_EQ(Optimizer("adabelief").state_bits(), dslc::kStateM | dslc::kStateS);
}

// Lion with decoupled weight decay (lambda = 0.1), written as a rule: lion + 0.1 w.
TEST(OptimBaselines, LionWithWeightDecay) {
  OptimizerOptions o;
  o.hyper.lr = 1e-3;
  check_baseline("add lion w1", o, [](Textbook& b, size_t i, double g, int) {
    const double c = 0.9 * b.s1[i] + 0.1 * g;
    b.w[i] -= 1e-3 * ((c > 0 ? 1.0 : c < 0 ? -1.0 : 0.0) + 0.1 * b.w[i]);
    b.s1[i] = 0.99 * b.s1[i] + 0.01 * g;
  });
}

}  // namespace
}  // namespace nos::optim
