// nos-analyze's probes against the answers the rules' definitions give. Every expected value is
// derived here from the math (closed forms for the default betas and the probe protocol of
// apps/analyze/probes.h), not taken from a run of the tool.
#include "apps/analyze/probes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "apps/analyze/report.h"

namespace nos::analyze {
namespace {

const ProbeOptions kOpt;  // defaults: W = 50 warm-up steps, impulse at 101, T = 1000
const double kE2 = std::exp(2.0);

// P(update·g > 0) when the update has the sign of X + g, g ~ N(0, 1), X ~ N(0, s2) independent:
// the orthant probability of two normals with correlation 1/sqrt(1 + s2).
double along_probability(double s2) { return 0.5 + std::asin(1 / std::sqrt(1 + s2)) / std::numbers::pi; }

// s2 for momentum-like state a ← b·a + c·g after W i.i.d. N(0, 1) gradients, when the update has
// the sign of b·a + c·g_new: var(b·a) / c² = b² Σ_{i<W} b^{2i}.
double warm_s2(double b, int w) {
  double sum = 0;
  for (int i = 0; i < w; ++i) sum += std::pow(b, 2 * i);
  return b * b * sum;
}

// Statistical tolerance of a fraction over 4096 probes: > 3 standard errors.
constexpr double kFractionTol = 0.025;

// The number of steps after the peak at n = 0 a decaying response stays >= peak/e.
template <class F>
int steps_above(F response) {
  const double peak = response(0);
  int n = 1;
  while (response(n) >= peak / std::exp(1.0)) ++n;
  return n - 1;
}

TEST(AnalyzeProbes, Sgd) {
  const Mechanisms m = probe_rule("sgd", "g", kOpt);
  EXPECT_EQ(m.canonical, "g");
  EXPECT_EQ(m.descent_fraction, 1.0);
  ASSERT_TRUE(m.scale_exponent);
  EXPECT_NEAR(*m.scale_exponent, 1.0, 1e-6);
  EXPECT_EQ(m.memory_steps, 0);
  EXPECT_FALSE(m.max_step);  // Δ = g is unbounded
  ASSERT_TRUE(m.sign_agreement_ratio);
  EXPECT_EQ(*m.sign_agreement_ratio, 1.0);
  EXPECT_TRUE(m.schedule.empty());
  EXPECT_FALSE(m.stochastic);
  EXPECT_EQ(m.state_bytes_per_param, 0);
}

TEST(AnalyzeProbes, HeavyBallMomentum) {
  const double mu = kOpt.hyper.mu;
  const Mechanisms m = probe_rule("momentum", "mom", kOpt);
  // Δ = μk + g with k the sum of W past gradients weighted μ^i.
  EXPECT_NEAR(m.descent_fraction, along_probability(warm_s2(mu, kOpt.warmup)), kFractionTol);
  EXPECT_NEAR(*m.scale_exponent, 1.0, 1e-4);
  // The impulse response is μ^n: μ^9 = 0.387 >= 1/e > μ^10 = 0.349.
  EXPECT_EQ(m.memory_steps, steps_above([&](int n) { return std::pow(mu, n); }));
  EXPECT_EQ(m.memory_steps, 9);
  EXPECT_FALSE(m.max_step);
  // After W steps of +1, k = Σ_{i<W} μ^i; the next step adds +1 or -1.
  double k = 0;
  for (int i = 0; i < kOpt.warmup; ++i) k += std::pow(mu, i);
  EXPECT_NEAR(*m.sign_agreement_ratio, (mu * k + 1) / (mu * k - 1), 1e-5);
  EXPECT_EQ(m.state_bytes_per_param, 4);
}

TEST(AnalyzeProbes, Adam) {
  const double b1 = kOpt.hyper.beta1, b2 = kOpt.hyper.beta2, eps = kOpt.hyper.eps;
  const Mechanisms m = probe_rule("adam", "adam", kOpt);
  // sign(Δ) = sign(m̂) = sign(β1·m + (1-β1)·g): the momentum form with b = β1.
  EXPECT_NEAR(m.descent_fraction, along_probability(warm_s2(b1, kOpt.warmup)), kFractionTol);
  EXPECT_NEAR(*m.scale_exponent, 0.0, 1e-3);  // c / (c + ε) over c = 1e-4 .. 1e2
  // After an impulse a at step t0 = 101 on zero gradients, m = a(1-β1)β1^n, v = a²(1-β2)β2^n:
  // Δ does not depend on a (ε aside).
  const int t0 = kOpt.impulse_at;
  auto adam_at = [&](int n) {
    const double mh = (1 - b1) * std::pow(b1, n) / (1 - std::pow(b1, t0 + n));
    const double vh = (1 - b2) * std::pow(b2, n) / (1 - std::pow(b2, t0 + n));
    return mh / (std::sqrt(vh) + eps);
  };
  EXPECT_EQ(m.memory_steps, steps_above(adam_at));
  // |Δ| <= 1 for all g (exactly m̂/|ĝ| = 1 at the first step), up to float rounding.
  ASSERT_TRUE(m.max_step);
  EXPECT_NEAR(*m.max_step, 1.0, 1e-5);
  // After W steps of +1, m = 1 - β1^W and v is the same for +1 and -1.
  const double mw = 1 - std::pow(b1, kOpt.warmup);
  EXPECT_NEAR(*m.sign_agreement_ratio, (b1 * mw + (1 - b1)) / (b1 * mw - (1 - b1)), 1e-4);
  EXPECT_EQ(m.state_bytes_per_param, 8);
  EXPECT_FALSE(m.stochastic);
}

TEST(AnalyzeProbes, RmsProp) {
  const Mechanisms m = probe_rule("rmsprop", "rmsprop", kOpt);
  EXPECT_EQ(m.descent_fraction, 1.0);  // g / (√v̂ + ε) has g's sign
  EXPECT_NEAR(*m.scale_exponent, 0.0, 1e-3);
  EXPECT_EQ(m.memory_steps, 0);  // zero gradient, zero update
  ASSERT_TRUE(m.max_step);
  EXPECT_NEAR(*m.max_step, 1.0, 1e-5);
  EXPECT_NEAR(*m.sign_agreement_ratio, 1.0, 1e-6);
  EXPECT_EQ(m.state_bytes_per_param, 4);
}

TEST(AnalyzeProbes, Lion) {
  const double b1 = kOpt.hyper.beta1, b2 = kOpt.hyper.lion_beta2;
  const Mechanisms m = probe_rule("lion", "lion", kOpt);
  // Δ = sign(β1·l + (1-β1)·g), l ← β2·l + (1-β2)·g: var(β1·l)/(1-β1)² = β1²(1-β2)²/(1-β1)² Σ β2^{2i}.
  const double s2 = warm_s2(b2, kOpt.warmup) / (b2 * b2) * b1 * b1 * (1 - b2) * (1 - b2) / ((1 - b1) * (1 - b1));
  EXPECT_NEAR(m.descent_fraction, along_probability(s2), kFractionTol);
  EXPECT_EQ(*m.scale_exponent, 0.0);
  EXPECT_FALSE(m.memory_steps);  // sign(l) stays 1 while l decays: the response never fades
  EXPECT_EQ(m.max_step, 1.0);
  EXPECT_EQ(*m.sign_agreement_ratio, 1.0);
  EXPECT_EQ(m.state_bytes_per_param, 4);
}

TEST(AnalyzeProbes, SignOfTheGradient) {
  const Mechanisms m = probe_rule("sign", "sign_g", kOpt);
  EXPECT_EQ(m.descent_fraction, 1.0);
  EXPECT_EQ(*m.scale_exponent, 0.0);
  EXPECT_EQ(m.memory_steps, 0);
  EXPECT_EQ(m.max_step, 1.0);
  EXPECT_EQ(*m.sign_agreement_ratio, 1.0);
  EXPECT_EQ(m.state_bytes_per_param, 0);
}

TEST(AnalyzeProbes, ClippedGradient) {
  const Mechanisms m = probe_rule("clip", "clip4 g", kOpt);
  EXPECT_EQ(m.descent_fraction, 1.0);
  EXPECT_EQ(*m.scale_exponent, 0.0);  // every probed c >= 1e-4 is clipped
  EXPECT_EQ(m.memory_steps, 0);
  ASSERT_TRUE(m.max_step);
  EXPECT_EQ(*m.max_step, static_cast<double>(1e-4F));
  EXPECT_EQ(*m.sign_agreement_ratio, 1.0);
}

TEST(AnalyzeProbes, SquaredGradient) {
  const Mechanisms m = probe_rule("g2", "g2", kOpt);
  EXPECT_NEAR(m.descent_fraction, 0.5, kFractionTol);  // g² > 0: along −g only when g > 0
  EXPECT_NEAR(*m.scale_exponent, 2.0, 1e-4);
  EXPECT_EQ(m.memory_steps, 0);
  EXPECT_FALSE(m.max_step);
  EXPECT_EQ(*m.sign_agreement_ratio, 1.0);
}

TEST(AnalyzeProbes, PowerSign) {
  const Mechanisms m = probe_rule("powersign", "mul g exp mul sign_g sign_m", kOpt);
  EXPECT_EQ(m.descent_fraction, 1.0);  // g·e^{±1} keeps g's sign
  EXPECT_NEAR(*m.scale_exponent, 1.0, 1e-4);
  EXPECT_EQ(m.memory_steps, 0);
  EXPECT_FALSE(m.max_step);
  EXPECT_NEAR(*m.sign_agreement_ratio, kE2, kE2 * 1e-5);  // e^1 / e^-1
  EXPECT_EQ(m.state_bytes_per_param, 4);
}

TEST(AnalyzeProbes, AddSign) {
  const Mechanisms m = probe_rule("addsign", "mul add one mul sign_g sign_m g", kOpt);
  // (1 + sign(g)sign(m))·g is 2g when the signs agree and 0 otherwise: along −g exactly when
  // sign(g) = sign(m̂), the momentum form with b = β1.
  EXPECT_NEAR(m.descent_fraction, along_probability(warm_s2(kOpt.hyper.beta1, kOpt.warmup)), kFractionTol);
  EXPECT_NEAR(*m.scale_exponent, 1.0, 1e-4);
  EXPECT_EQ(m.memory_steps, 0);
  EXPECT_FALSE(m.max_step);
  EXPECT_FALSE(m.sign_agreement_ratio);  // 2|g| / 0
}

// The decayed forms at the probe step t = W + 1 (0-based W) of T: ld = (T - W)/T,
// cd = (1 + cos(πW/T))/2, rd the same as cd while W < T.
TEST(AnalyzeProbes, DecayedPowerSignAndAddSign) {
  const double T = static_cast<double>(kOpt.total_steps), W = kOpt.warmup;
  const double ld = (T - W) / T, cd = 0.5 * (1 + std::cos(std::numbers::pi * W / T));
  const Mechanisms pld = probe_rule("powersign_ld", "mul g exp mul ld mul sign_g sign_m", kOpt);
  EXPECT_NEAR(*pld.sign_agreement_ratio, std::exp(2 * ld), std::exp(2 * ld) * 1e-5);
  EXPECT_EQ(pld.descent_fraction, 1.0);
  ASSERT_EQ(pld.schedule.size(), 1u);
  const DecayPoints p = pld.schedule.at("ld");
  EXPECT_EQ(p.at_start, 1.0);
  EXPECT_EQ(p.at_half, 0.5);
  EXPECT_EQ(p.at_end, 0.0);

  const Mechanisms ald = probe_rule("addsign_ld", "mul add one mul ld mul sign_g sign_m g", kOpt);
  // 1 − ld > 0: disagreeing signs still step along −g, so every probe descends.
  EXPECT_EQ(ald.descent_fraction, 1.0);
  EXPECT_NEAR(*ald.sign_agreement_ratio, (1 + ld) / (1 - ld), (1 + ld) / (1 - ld) * 1e-4);
  EXPECT_NEAR(*ald.scale_exponent, 1.0, 1e-4);

  const Mechanisms acd = probe_rule("addsign_cd", "mul add one mul cd mul sign_g sign_m g", kOpt);
  EXPECT_NEAR(*acd.sign_agreement_ratio, (1 + cd) / (1 - cd), (1 + cd) / (1 - cd) * 1e-3);
  EXPECT_NEAR(acd.schedule.at("cd").at_half, 0.5, 1e-12);
  EXPECT_NEAR(acd.schedule.at("cd").at_end, 0.0, 1e-12);

  const Mechanisms prd = probe_rule("powersign_rd", "mul g exp mul rd mul sign_g sign_m", kOpt);
  EXPECT_NEAR(*prd.sign_agreement_ratio, std::exp(2 * cd), std::exp(2 * cd) * 1e-5);
  EXPECT_NEAR(prd.schedule.at("rd").at_start, 1.0, 1e-12);
  EXPECT_NEAR(prd.schedule.at("rd").at_half, 0.5, 1e-12);
  EXPECT_NEAR(prd.schedule.at("rd").at_end, 1.0, 1e-12);  // restarts at T
}

TEST(AnalyzeProbes, DroppedPowerSignIsStochasticAndDeterministicForASeed) {
  const std::string rule = "mul drop3 g exp mul sign_g sign_m";
  const Mechanisms a = probe_rule("t1_05", rule, kOpt);
  EXPECT_TRUE(a.stochastic);
  EXPECT_EQ(a.draws, 1);
  EXPECT_NEAR(a.descent_fraction, 0.7, kFractionTol);  // 30% of the updates are dropped to 0
  // The agreeing and disagreeing runs share parameter indices, hence their drops: exactly e².
  EXPECT_NEAR(*a.sign_agreement_ratio, kE2, kE2 * 1e-5);
  EXPECT_NEAR(*a.scale_exponent, 1.0, 1e-4);
  const Mechanisms b = probe_rule("t1_05", rule, kOpt);
  EXPECT_EQ(to_json(a, kOpt).dump(), to_json(b, kOpt).dump());
  ProbeOptions other = kOpt;
  other.seed = 7;
  EXPECT_NE(probe_rule("t1_05", rule, other).descent_fraction, a.descent_fraction);
}

TEST(AnalyzeProbes, MomentumTimesExpOfGSquaredHasMomentumsMemory) {
  // m·e^{g²} (Table 1's t1_06) linearised around g = 0 is m: the small impulse sees its memory.
  const double b1 = kOpt.hyper.beta1;
  EXPECT_EQ(probe_rule("t1_06", "mul m exp g2", kOpt).memory_steps,
            steps_above([&](int n) { return std::pow(b1, n); }));
}

TEST(AnalyzeProbes, ImpulseResponseOfMomentumIsGeometric) {
  const auto r = impulse_response("mom", kOpt);
  ASSERT_EQ(r.size(), static_cast<size_t>(kOpt.horizon) + 1);
  for (int n = 0; n <= 20; ++n) EXPECT_NEAR(r[n], kOpt.impulse * std::pow(kOpt.hyper.mu, n), kOpt.impulse * 1e-5) << n;
}

TEST(AnalyzeProbes, BadRuleIsAnErrorWithDslcDiagnostics) {
  try {
    probe_rule("bad", "mul g exp foo", kOpt);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown symbol 'foo'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(probe_rule("bad", "mul g", kOpt), std::invalid_argument);
}

TEST(AnalyzeReport, JsonHasEveryMetricAndNullsWhereUndefined) {
  const auto j = to_json(probe_rule("addsign", "mul add one mul sign_g sign_m g", kOpt), kOpt);
  for (const char* key : {"rule", "canonical", "descent_fraction", "scale_exponent", "memory_steps", "max_step",
                          "sign_agreement_ratio", "schedule", "stochastic", "state_bytes_per_param"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_TRUE(j["max_step"].is_null());
  EXPECT_TRUE(j["sign_agreement_ratio"].is_null());
  EXPECT_TRUE(j["schedule"].is_null());
  EXPECT_EQ(j["canonical"], "mul g add one mul sign_g sign_m");
  const auto ld = to_json(probe_rule("powersign_ld", "mul g exp mul ld mul sign_g sign_m", kOpt), kOpt);
  EXPECT_EQ(ld["schedule"]["ld"], nlohmann::json({1.0, 0.5, 0.0}));
}

}  // namespace
}  // namespace nos::analyze
