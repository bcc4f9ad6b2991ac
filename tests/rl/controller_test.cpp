// The controller: initialisation, sampling, log-probabilities recomputed by an independent
// double-precision LSTM written here, and the gradient of the log-probability against finite
// differences. Also the masked categorical ops on their own.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "rl/categorical.h"
#include "rl/controller.h"
#include "tests/autograd/gradcheck.h"

namespace nos::rl {
namespace {

using search::group_of;
using search::preset;
using search::slot_of;

std::vector<double> param(const Controller& c, const std::string& name) {
  const auto t = c.arena().get(name).value.to_vector();
  return {t.begin(), t.end()};
}

// Embedding row of choice i at position p, from the layout the controller documents: start,
// operands, $1.., unary, binary.
int token_row(const SearchSpace& s, int p, int i) {
  const int O = static_cast<int>(s.operands.size()), U = static_cast<int>(s.unary.size());
  switch (slot_of(p)) {
    case 0:
    case 1: return i < O ? 1 + i : 1 + O + (i - O);
    case 2:
    case 3: return 1 + O + (s.groups - 1) + i;
    default: return 1 + O + (s.groups - 1) + U + i;
  }
}

// Allowed choices stated directly from the paper's constraints.
std::vector<bool> allowed_here(const SearchSpace& s, int p, const Choices& prefix) {
  const int K = static_cast<int>(choices(s, p).size()), O = static_cast<int>(s.operands.size());
  std::vector<bool> ok(K, true);
  if (slot_of(p) == 1) {
    if (s.constraints.distinct_operands) ok[prefix[p - 1]] = false;
    if (s.constraints.use_earlier_output && group_of(p) > 0 && prefix[p - 1] < O)
      for (int i = 0; i < O; ++i) ok[i] = false;
  }
  if (slot_of(p) == 4 && group_of(p) == s.groups - 1 && s.constraints.final_not_add)
    for (int i = 0; i < K; ++i)
      if (s.binary[i] == dslc::Sym::Add) ok[i] = false;
  return ok;
}

struct Reference {
  double log_prob = 0, entropy = 0;
};

// The controller's forward pass in double: embedding, LSTM (gates i, f, g, o), per-position
// softmax, masks, log-softmax.
Reference reference(const Controller& c, const Choices& x) {
  const SearchSpace& s = c.space();
  const int H = c.config().hidden, E = c.config().embed;
  const auto emb = param(c, "controller.embed.weight"), wih = param(c, "controller.lstm.l0.w_ih"),
             whh = param(c, "controller.lstm.l0.w_hh"), bias = param(c, "controller.lstm.l0.bias");
  std::vector<double> h(H, 0.0), cell(H, 0.0);
  Reference r;
  int row = 0;
  auto sigm = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  for (int p = 0; p < length(s); ++p) {
    std::vector<double> gates(4 * H);
    for (int j = 0; j < 4 * H; ++j) {
      double a = bias[j];
      for (int e = 0; e < E; ++e) a += wih[j * E + e] * emb[row * E + e];
      for (int k = 0; k < H; ++k) a += whh[j * H + k] * h[k];
      gates[j] = a;
    }
    for (int k = 0; k < H; ++k) {
      cell[k] = sigm(gates[H + k]) * cell[k] + sigm(gates[k]) * std::tanh(gates[2 * H + k]);
      h[k] = sigm(gates[3 * H + k]) * std::tanh(cell[k]);
    }
    const auto w = param(c, "controller.softmax" + std::to_string(p) + ".w"),
               b = param(c, "controller.softmax" + std::to_string(p) + ".b");
    const int K = static_cast<int>(b.size());
    const auto ok = allowed_here(s, p, x);
    std::vector<double> z(K);
    double mx = -1e300;
    for (int i = 0; i < K; ++i) {
      z[i] = b[i];
      for (int k = 0; k < H; ++k) z[i] += w[i * H + k] * h[k];
      if (ok[i]) mx = std::max(mx, z[i]);
    }
    double lse = 0;
    for (int i = 0; i < K; ++i)
      if (ok[i]) lse += std::exp(z[i] - mx);
    lse = mx + std::log(lse);
    EXPECT_TRUE(ok[x[p]]) << "position " << p;
    r.log_prob += z[x[p]] - lse;
    for (int i = 0; i < K; ++i)
      if (ok[i]) r.entropy -= std::exp(z[i] - lse) * (z[i] - lse);
    row = token_row(s, p, x[p]);
  }
  return r;
}

TEST(Controller, PaperSizesAndInitialisation) {
  Controller c(preset("paper", 2));
  EXPECT_EQ(c.config().hidden, 150);
  EXPECT_EQ(c.arena().get("controller.lstm.l0.w_hh").value.shape(), (Shape{600, 150}));
  EXPECT_EQ(c.arena().get("controller.softmax0.w").value.shape(), (Shape{16, 150}));
  EXPECT_EQ(c.arena().get("controller.softmax5.w").value.shape(), (Shape{17, 150}));
  EXPECT_EQ(c.arena().get("controller.softmax9.b").value.shape(), (Shape{5}));
  double lo = 1, hi = -1;
  for (std::int64_t i = 0; i < c.arena().size(); ++i) {
    lo = std::min(lo, static_cast<double>(c.arena().values()[i]));
    hi = std::max(hi, static_cast<double>(c.arena().values()[i]));
  }
  EXPECT_GE(lo, -0.08);
  EXPECT_LE(hi, 0.08);
  EXPECT_LT(lo, -0.07);
  EXPECT_GT(hi, 0.07);
}

TEST(Controller, SamplingIsDeterministicGivenTheRng) {
  Controller c(preset("paper", 3), {.hidden = 32, .embed = 16});
  std::mt19937_64 r1(5), r2(5);
  const auto a = c.sample(20, r1), b = c.sample(20, r2);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].choices, b[i].choices);
    EXPECT_EQ(a[i].log_prob, b[i].log_prob);
  }
}

TEST(Controller, LogProbsMatchAnIndependentRecomputation) {
  for (int n = 1; n <= 3; ++n) {
    // A wide init range makes the distributions far from uniform, so errors cannot hide.
    Controller c(preset("paper", n), {.hidden = 20, .embed = 7, .init_range = 0.5f, .seed = 3});
    std::mt19937_64 rng(n);
    const auto samples = c.sample(40, rng);
    std::vector<Choices> strings;
    for (const auto& s : samples) strings.push_back(s.choices);
    const Scores sc = c.score(strings);
    const auto lp = sc.log_prob.value().to_vector(), ent = sc.entropy.value().to_vector();
    for (size_t i = 0; i < samples.size(); ++i) {
      const Reference r = reference(c, samples[i].choices);
      EXPECT_NEAR(samples[i].log_prob, r.log_prob, 1e-4 * (1 + std::abs(r.log_prob))) << i;
      EXPECT_NEAR(samples[i].entropy, r.entropy, 1e-4 * (1 + r.entropy)) << i;
      EXPECT_NEAR(lp[i], r.log_prob, 1e-4 * (1 + std::abs(r.log_prob))) << i;
      EXPECT_NEAR(ent[i], r.entropy, 1e-4 * (1 + r.entropy)) << i;
    }
  }
}

TEST(Controller, SampleFrequenciesFollowTheProbabilities) {
  // One-group tiny space: the probability of the first operand is its softmax, so the empirical
  // frequency of each first operand must match exp(log p) averaged over strings.
  Controller c(preset("tiny", 1), {.hidden = 8, .embed = 4, .init_range = 1.0f, .seed = 9});
  std::mt19937_64 rng(1);
  const auto samples = c.sample(20000, rng);
  std::vector<Choices> one = {samples[0].choices};
  const auto z = c.logits(one)[0].value().to_vector();
  std::vector<double> p(z.size());
  double sum = 0;
  for (size_t i = 0; i < z.size(); ++i) sum += (p[i] = std::exp(z[i]));
  std::vector<int> count(z.size(), 0);
  for (const auto& s : samples) ++count[s.choices[0]];
  for (size_t i = 0; i < z.size(); ++i) EXPECT_NEAR(count[i] / 20000.0, p[i] / sum, 0.015) << i;
}

TEST(Controller, LogProbGradientMatchesFiniteDifferences) {
  SearchSpace s = preset("tiny", 2);
  Controller c(s, {.hidden = 3, .embed = 2, .init_range = 0.5f, .seed = 4});
  std::mt19937_64 rng(2);
  std::vector<Choices> strings;
  for (const auto& x : c.sample(4, rng)) strings.push_back(x.choices);
  const std::vector<float> w = {0.7f, -1.3f, 0.4f, 2.0f};
  auto loss = [&] {
    const Scores sc = c.score(strings);
    return ag::add(ag::sum(ag::mul(sc.log_prob, ag::Var(Tensor::from({4}, w)))), ag::scale(ag::sum(sc.entropy), 0.3f));
  };
  c.arena().zero_grad();
  ag::backward(loss());
  const std::vector<float> analytic(c.arena().grads(), c.arena().grads() + c.arena().size());
  ag::NoGradGuard no_grad;
  float* v = c.arena().values();
  const float eps = 1e-2f;
  int checked = 0;
  for (std::int64_t i = 0; i < c.arena().size(); ++i) {
    const float saved = v[i];
    v[i] = saved + eps;
    const double up = loss().value().item();
    v[i] = saved - eps;
    const double down = loss().value().item();
    v[i] = saved;
    const double numeric = (up - down) / (2.0 * eps);
    EXPECT_NEAR(analytic[i], numeric, 2e-3 + 2e-2 * std::abs(numeric)) << "parameter float " << i;
    if (analytic[i] != 0) ++checked;
  }
  EXPECT_GT(checked, c.arena().size() / 3);
}

TEST(Categorical, MaskedOpsGradients) {
  std::mt19937 rng(3);
  const Tensor mask = Tensor::from({3, 5}, {1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1});
  const Tensor chosen = Tensor::from_ints({3}, {3, 2, 4});
  ag::Var z(test::random_tensor({3, 5}, rng, -2, 2), true);
  test::gradcheck([&](const std::vector<ag::Var>& in) { return masked_log_prob(in[0], mask, chosen); }, {z},
                  {.eps = 1e-2f, .atol = 1e-3f, .rtol = 1e-2f});
  test::gradcheck([&](const std::vector<ag::Var>& in) { return masked_entropy(in[0], mask); }, {z},
                  {.eps = 1e-2f, .atol = 1e-3f, .rtol = 1e-2f});
  // Masked entries carry no probability and no gradient.
  ag::Var z2(test::random_tensor({3, 5}, rng, -2, 2), true);
  ag::backward(ag::sum(ag::add(masked_log_prob(z2, mask, chosen), masked_entropy(z2, mask))));
  const auto g = z2.grad().to_vector();
  for (int i = 0; i < 15; ++i)
    if (mask.data()[i] == 0) {
      EXPECT_EQ(g[i], 0.0f) << i;
    }
  EXPECT_THROW(masked_log_prob(z2, mask, Tensor::from_ints({3}, {2, 2, 4})),
               std::invalid_argument);  // chose a masked entry
}

}  // namespace
}  // namespace nos::rl
