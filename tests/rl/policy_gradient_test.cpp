// Policy gradients: the baseline, each method learning a bandit-like reward, TRPO's trust region
// and its Fisher-vector products.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "rl/policy_gradient.h"
#include "search/sampling.h"
#include "tensor/param_arena.h"

namespace nos::rl {
namespace {

using search::preset;
using search::uniform01;

TEST(Baseline, ExponentialMovingAverage) {
  Baseline b;
  const std::vector<double> r1 = {1.0, 3.0};
  const auto a1 = advantages(b, 0.9, r1);
  // First batch: b starts at the batch mean (2), advantages against it, then the EMA per reward.
  EXPECT_DOUBLE_EQ(a1[0], -1.0);
  EXPECT_DOUBLE_EQ(a1[1], 1.0);
  double expect = 2.0;
  expect = 0.9 * expect + 0.1 * 1.0;
  expect = 0.9 * expect + 0.1 * 3.0;
  EXPECT_DOUBLE_EQ(b.value, expect);
  const std::vector<double> r2 = {0.5, 0.25, 4.0};
  const auto a2 = advantages(b, 0.9, r2);
  for (size_t i = 0; i < r2.size(); ++i) EXPECT_DOUBLE_EQ(a2[i], r2[i] - expect);
  for (double r : r2) expect = 0.9 * expect + 0.1 * r;
  EXPECT_DOUBLE_EQ(b.value, expect);
  EXPECT_TRUE(b.initialized);
}

TEST(Adam, MatchesTheTextbookUpdate) {
  ParamArena arena;
  auto p = arena.add("w", {3});
  p.value.copy_from(Tensor::from({3}, {1.0f, -2.0f, 0.5f}));
  AdamState st;
  const AdamConfig cfg{.lr = 0.1};
  const std::vector<std::vector<float>> grads = {{0.5f, -1.0f, 0.0f}, {0.25f, 2.0f, -1.0f}};
  std::vector<double> w = {1.0, -2.0, 0.5}, m(3, 0.0), v(3, 0.0);
  for (size_t t = 0; t < grads.size(); ++t) {
    p.grad.copy_from(Tensor::from({3}, grads[t]));
    adam_step(arena, st, cfg);
    for (int i = 0; i < 3; ++i) {
      m[i] = 0.9 * m[i] + 0.1 * grads[t][i];
      v[i] = 0.999 * v[i] + 0.001 * grads[t][i] * grads[t][i];
      const double mh = m[i] / (1 - std::pow(0.9, t + 1)), vh = v[i] / (1 - std::pow(0.999, t + 1));
      w[i] -= 0.1 * mh / (std::sqrt(vh) + 1e-8);
      EXPECT_NEAR(p.value.data()[i], w[i], 1e-6) << "step " << t << " element " << i;
    }
  }
  EXPECT_EQ(st.t, 2);
}

TEST(PolicyGradient, MethodNames) {
  for (Method m : {Method::Reinforce, Method::Ppo, Method::Trpo}) EXPECT_EQ(parse_method(method_name(m)), m);
  EXPECT_FALSE(parse_method("a2c").has_value());
}

TEST(PolicyGradient, RejectsBadBatches) {
  Controller c(preset("tiny", 1), {.hidden = 8, .embed = 4});
  PgState st;
  std::mt19937_64 rng(1);
  const auto s = c.sample(2, rng);
  const std::vector<double> one = {1.0}, nan = {1.0, std::nan("")};
  EXPECT_THROW(update(c, st, {}, s, one), std::invalid_argument);
  EXPECT_THROW(update(c, st, {}, s, nan), std::invalid_argument);
}

// A string recorded as 4x likelier when drawn than the controller now makes it weighs 1/4 of its
// advantage (pi_old/mu); one recorded as 4x less likely is truncated at rho_bar = 1, the same
// update as on-policy. Checked for each method against the update with the advantage scaled by hand
// (a baseline fixed at 0 makes the advantage the reward).
TEST(PolicyGradient, StaleSamplesAreImportanceWeightedAndTruncated) {
  for (Method m : {Method::Reinforce, Method::Ppo, Method::Trpo}) {
    PgConfig cfg;
    cfg.method = m;
    cfg.adam.lr = 1e-3;
    auto run = [&](double logp_shift, std::vector<double> rewards) {
      Controller c(preset("tiny", 1), {.hidden = 8, .embed = 4, .seed = 5});
      std::mt19937_64 rng(9);
      auto samples = c.sample(2, rng);
      const auto now = snapshot(c, {samples[0].choices, samples[1].choices});
      for (size_t i = 0; i < 2; ++i) samples[i].log_prob = now.log_prob[i];
      samples[1].log_prob += logp_shift;
      PgState st;
      st.baseline = {.value = 0.0, .initialized = true};
      const auto stats = update(c, st, cfg, samples, rewards);
      return std::make_pair(std::vector<float>(c.arena().values(), c.arena().values() + c.arena().size()), stats);
    };
    const auto [hand, hs] = run(0.0, {0.5, -0.125});
    const auto [weighted, ws] = run(std::log(4.0), {0.5, -0.5});
    const auto [truncated, ts] = run(-std::log(4.0), {0.5, -0.5});
    const auto [on_policy, os] = run(0.0, {0.5, -0.5});
    EXPECT_NEAR(ws.min_weight, 0.25, 1e-12) << method_name(m);
    EXPECT_NEAR(ws.mean_weight, 0.625, 1e-12) << method_name(m);
    EXPECT_EQ(ts.min_weight, 1.0) << method_name(m);
    double moved = 0;
    for (size_t i = 0; i < hand.size(); ++i) {
      EXPECT_NEAR(weighted[i], hand[i], 1e-6) << method_name(m) << " parameter " << i;
      EXPECT_EQ(truncated[i], on_policy[i]) << method_name(m) << " parameter " << i;
      moved = std::max(moved, static_cast<double>(std::fabs(weighted[i] - on_policy[i])));
    }
    EXPECT_GT(moved, 1e-5) << method_name(m) << ": the weight must change the update";
  }
}

TEST(PolicyGradient, SamplesNeedTheirSamplingLogProbability) {
  Controller c(preset("tiny", 1), {.hidden = 8, .embed = 4});
  PgState st;
  std::mt19937_64 rng(1);
  auto s = c.sample(2, rng);
  s[1].log_prob = 0.5;
  const std::vector<double> r = {1.0, 0.0};
  EXPECT_THROW(update(c, st, {}, s, r), std::invalid_argument);
}

// Probability that the first operand is `g` (position 0 has no mask, and its distribution does
// not depend on the rest of the string).
double prob_first_is_g(const Controller& c) {
  std::mt19937_64 rng(0);
  return snapshot(c, {sample_uniform(c.space(), rng)}).probs[0][0];
}

double learn_bandit(Method m, PgConfig cfg, int updates) {
  Controller c(preset("paper", 1), {.hidden = 32, .embed = 16, .seed = 7});
  EXPECT_EQ(c.choices(0)[0].sym, dslc::Sym::G);
  cfg.method = m;
  PgState st;
  std::mt19937_64 rng(42);
  const double start = prob_first_is_g(c);
  EXPECT_NEAR(start, 1.0 / 16, 0.02);
  for (int u = 0; u < updates; ++u) {
    const auto samples = c.sample(cfg.batch, rng);
    std::vector<double> rewards;
    for (const auto& s : samples) rewards.push_back(s.choices[0] == 0 ? 1.0 : 0.0);
    update(c, st, cfg, samples, rewards);
  }
  const double end = prob_first_is_g(c);
  std::printf("%s: p(first operand is g) %.3f -> %.3f in %d updates\n", std::string(method_name(m)).c_str(), start, end,
              updates);
  return end;
}

TEST(PolicyGradient, ReinforceLearnsABandit) {
  PgConfig cfg;
  cfg.adam.lr = 3e-3;
  EXPECT_GT(learn_bandit(Method::Reinforce, cfg, 200), 0.5);
}

TEST(PolicyGradient, PpoLearnsABandit) {
  PgConfig cfg;
  cfg.adam.lr = 3e-3;
  EXPECT_GT(learn_bandit(Method::Ppo, cfg, 200), 0.5);
}

TEST(PolicyGradient, TrpoLearnsABandit) {
  PgConfig cfg;
  cfg.max_kl = 0.05;
  EXPECT_GT(learn_bandit(Method::Trpo, cfg, 200), 0.5);
}

// The synthetic reward: 1 when the rule contains both `exp` and `sign_m`. Over 500
// samples the controller's mean reward in the last 100 must beat uniform sampling of the space.
double synthetic_reward(const SearchSpace& s, const Choices& c) {
  const std::string t = " " + to_string(s, c) + " ";
  return t.find(" exp ") != std::string::npos && t.find(" sign_m ") != std::string::npos ? 1.0 : 0.0;
}

TEST(PolicyGradient, LearnsASyntheticRewardFasterThanRandom) {
  const SearchSpace space = preset("paper", 2);
  std::mt19937_64 rng(17);
  double random_mean = 0;
  for (int i = 0; i < 2000; ++i) random_mean += synthetic_reward(space, sample_uniform(space, rng)) / 2000;
  for (Method m : {Method::Reinforce, Method::Ppo, Method::Trpo}) {
    Controller c(space, {.hidden = 32, .embed = 16, .seed = 3});
    PgConfig cfg;
    cfg.method = m;
    cfg.adam.lr = 3e-3;
    cfg.max_kl = 0.05;
    PgState st;
    double last = 0;
    for (int u = 0; u < 100; ++u) {
      const auto samples = c.sample(cfg.batch, rng);
      std::vector<double> rewards;
      for (const auto& s : samples) rewards.push_back(synthetic_reward(space, s.choices));
      if (u >= 80)
        for (double r : rewards) last += r / (20.0 * cfg.batch);
      update(c, st, cfg, samples, rewards);
    }
    std::printf("%s: mean reward over the last 100 of 500 samples %.2f, random %.3f\n",
                std::string(method_name(m)).c_str(), last, random_mean);
    EXPECT_GT(last, 2 * random_mean + 0.1) << method_name(m);
  }
}

// The paper-sized controller, random rewards: every TRPO step stays within the accepted KL, and
// the quadratic model is good enough that steps are taken near the bound.
TEST(PolicyGradient, TrpoStepRespectsTheKlBound) {
  Controller c(preset("paper", 2));
  PgConfig cfg;
  cfg.method = Method::Trpo;
  PgState st;
  std::mt19937_64 rng(3);
  int stepped = 0;
  for (int u = 0; u < 8; ++u) {
    const auto samples = c.sample(cfg.batch, rng);
    std::vector<double> rewards;
    for (size_t i = 0; i < samples.size(); ++i) rewards.push_back(uniform01(rng));
    const auto stats = update(c, st, cfg, samples, rewards);
    std::printf("trpo update %d: kl %.5f, line search halvings %d, stepped %d\n", u, stats.kl, stats.line_search_steps,
                stats.stepped);
    EXPECT_LE(stats.kl, cfg.max_kl * 1.5) << "update " << u;
    if (stats.stepped) {
      ++stepped;
      EXPECT_GT(stats.kl, cfg.max_kl * 0.1 * std::pow(cfg.line_search_shrink, 2 * stats.line_search_steps))
          << "update " << u;
    } else {
      EXPECT_EQ(stats.kl, 0.0);
    }
  }
  EXPECT_GE(stepped, 6);
}

// F is the Hessian of the KL at the current weights: for a small step t v,
// KL(theta || theta + t v) ~ t^2/2 v^T F v; and F is symmetric.
TEST(PolicyGradient, FisherVectorProductIsTheKlHessian) {
  Controller c(preset("tiny", 2), {.hidden = 16, .embed = 8, .init_range = 0.3f, .seed = 5});
  std::mt19937_64 rng(8);
  std::vector<Choices> strings;
  for (const auto& s : c.sample(5, rng)) strings.push_back(s.choices);
  const auto snap = snapshot(c, strings);
  const auto n = static_cast<size_t>(c.arena().size());
  std::normal_distribution<double> N(0.0, 1.0);
  std::vector<double> u(n), v(n);
  for (auto& x : u) x = N(rng);
  for (auto& x : v) x = N(rng);
  const auto Fu = fisher_vector_product(c, snap, u, 1e-2);
  const auto Fv = fisher_vector_product(c, snap, v, 1e-2);
  double vFv = 0, uFv = 0, vFu = 0;
  for (size_t i = 0; i < n; ++i) {
    vFv += v[i] * Fv[i];
    uFv += u[i] * Fv[i];
    vFu += v[i] * Fu[i];
  }
  EXPECT_GT(vFv, 0);
  EXPECT_NEAR(uFv, vFu, 0.02 * (std::abs(uFv) + std::abs(vFu)) + 1e-6);
  // KL along the direction, by finite steps of the weights.
  const std::vector<float> base(c.arena().values(), c.arena().values() + n);
  const double t = 0.05 / std::sqrt(vFv);  // KL ~ 1.25e-3
  for (size_t i = 0; i < n; ++i) c.arena().values()[i] = static_cast<float>(base[i] + t * v[i]);
  const double kl = mean_kl(c, snap);
  std::copy(base.begin(), base.end(), c.arena().values());
  std::printf("u'Fv %.6g v'Fu %.6g; KL %.6g vs quadratic %.6g\n", uFv, vFu, kl, 0.5 * t * t * vFv);
  EXPECT_NEAR(kl, 0.5 * t * t * vFv, 0.1 * 0.5 * t * t * vFv);
}

}  // namespace
}  // namespace nos::rl
