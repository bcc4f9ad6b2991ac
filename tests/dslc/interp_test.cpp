// The interpreter and the counter-based generator.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dslc/interp.h"
#include "dslc/random.h"
#include "tests/dslc/test_util.h"

namespace nos::dslc {
namespace {

TEST(Random, BitsArePureFunctionsOfTheKey) {
  EXPECT_EQ(rng::bits(1, 2, 3, 4), rng::bits(1, 2, 3, 4));
  // Every key component matters, and swapping components does not collide.
  const uint64_t base = rng::bits(1, 2, 3, 4);
  EXPECT_NE(base, rng::bits(2, 2, 3, 4));
  EXPECT_NE(base, rng::bits(1, 3, 3, 4));
  EXPECT_NE(base, rng::bits(1, 2, 4, 4));
  EXPECT_NE(base, rng::bits(1, 2, 3, 5));
  EXPECT_NE(rng::bits(0, 1, 2, 0), rng::bits(0, 2, 1, 0));
  // Fixed values: the JIT must reproduce exactly these bits.
  EXPECT_EQ(rng::mix64(0), 0u);
  EXPECT_EQ(rng::mix64(rng::kGolden), 0xe220a8397b1dcdafull);  // SplitMix64(seed 0), first output
}

TEST(Random, UniformAndNormalDistributions) {
  const size_t n = 200000;
  double sum = 0, sum2 = 0, usum = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t b = rng::bits(9, 1, i, 0);
    const double u = rng::uniform(b);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    usum += u;
    const double z = rng::normal(b);
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(usum / n, 0.5, 0.005);
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(std::sqrt(sum2 / n), 1.0, 0.01);
}

// The per-element hash is a 32-bit one (rng::hash32) keyed per (seed, step, draw): draws of
// neighbouring indices, consecutive steps, two draw slots and two seeds must be independent, the
// two words of one draw (Box-Muller's u1 and u2) uncorrelated, and the uniform flat. Each
// tolerance is 5 standard deviations of the statistic under independence.
TEST(Random, DrawsAreIndependentAcrossIndicesStepsSlotsAndSeeds) {
  const size_t n = size_t{1} << 20;
  const double p = 0.3;
  auto drop = [&](uint64_t seed, uint64_t step, uint64_t i, uint32_t draw) {
    return rng::dropped(rng::bits(seed, step, i, draw), p);
  };
  const double want = p * p * n, tol = 5 * std::sqrt(n * p * p * (1 - p * p));
  size_t both_step = 0, both_next = 0, both_slot = 0, both_seed = 0, alone = 0;
  std::vector<size_t> bucket(256, 0);
  double s1 = 0, s2 = 0, s11 = 0, s22 = 0, s12 = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool d = drop(4, 10, i, 0);
    alone += d;
    both_step += d && drop(4, 11, i, 0);
    both_next += d && drop(4, 10, i + 1, 0);
    both_slot += d && drop(4, 10, i, 1);
    both_seed += d && drop(5, 10, i, 0);
    const uint64_t b = rng::bits(4, 10, i, 0);
    ++bucket[b >> 56];
    const double u1 = static_cast<double>(b >> 40), u2 = static_cast<double>(b & 0xFFFFFFu);
    s1 += u1, s2 += u2, s11 += u1 * u1, s22 += u2 * u2, s12 += u1 * u2;
  }
  EXPECT_NEAR(static_cast<double>(alone), p * n, 5 * std::sqrt(n * p * (1 - p)));
  EXPECT_NEAR(static_cast<double>(both_step), want, tol);
  EXPECT_NEAR(static_cast<double>(both_next), want, tol);
  EXPECT_NEAR(static_cast<double>(both_slot), want, tol);
  EXPECT_NEAR(static_cast<double>(both_seed), want, tol);
  const double cov = s12 / n - (s1 / n) * (s2 / n);
  const double corr = cov / std::sqrt((s11 / n - (s1 / n) * (s1 / n)) * (s22 / n - (s2 / n) * (s2 / n)));
  EXPECT_LT(std::fabs(corr), 5.0 / std::sqrt(static_cast<double>(n)));
  double chi2 = 0;
  for (size_t c : bucket) chi2 += (c - n / 256.0) * (c - n / 256.0) / (n / 256.0);
  EXPECT_LT(chi2, 255 + 5 * std::sqrt(2.0 * 255));  // chi-square, 255 degrees of freedom
}

TEST(Random, DropThresholdIsExactInteger) {
  EXPECT_EQ(rng::drop_threshold(0.5), 1u << 23);
  EXPECT_EQ(rng::drop_threshold(0.1), 1677722u);   // ceil(0.1 * 2^24)
  EXPECT_EQ(rng::drop_threshold(0.1f), 1677722u);  // same threshold from a float p
}

double sample_std(const Compiled& c, uint64_t step, size_t n) {
  std::vector<double> w(n, 0.0), g(n, 1.0);
  State s = make_state(c.ir.state, n);
  Hyper h;
  h.lr = 1.0;
  h.seed = 5;
  interp_step(c.ir, step_params(h, step), w, g, s);
  double sum2 = 0;
  for (double x : w) sum2 += x * x;
  return std::sqrt(sum2 / n);
}

TEST(Interp, NoiseAndAnnealedNoiseHaveTheirStandardDeviations) {
  EXPECT_NEAR(sample_std(test::compile_ok("noise"), 1, 100000), 0.01, 0.0002);
  const Compiled ep = test::compile_ok("ep");
  EXPECT_NEAR(sample_std(ep, 1, 100000), 1.0, 0.02);           // t = 0: variance 1
  const double want = std::sqrt(1.0 / std::pow(100.0, 0.55));  // step 100 is t = 99
  EXPECT_NEAR(sample_std(ep, 100, 100000), want, want * 0.02);
}

TEST(Interp, RandomResultsDoNotDependOnChunking) {
  const Compiled c = test::compile_ok("add drop3 g mul noise ep");
  const size_t n = 1000;
  std::vector<double> g(n);
  for (size_t i = 0; i < n; ++i) g[i] = std::sin(static_cast<double>(i));
  std::vector<double> whole(n, 1.0), chunked(n, 1.0);
  const StepParams p = step_params(Hyper{.seed = 17}, 3);
  State s = make_state(c.ir.state, n);
  interp_step(c.ir, p, whole, g, s);
  for (size_t begin = 0; begin < n; begin += 333) {
    const size_t len = std::min<size_t>(333, n - begin);
    State sc = make_state(c.ir.state, len);
    interp_step(c.ir, p, std::span(chunked).subspan(begin, len), std::span<const double>(g).subspan(begin, len), sc,
                begin);
  }
  EXPECT_EQ(whole, chunked);
}

TEST(Interp, SeedAndStepChangeTheDraws) {
  const Compiled c = test::compile_ok("noise");
  const std::vector<std::vector<double>> grads(2, std::vector<double>(4, 0.0));
  const auto a = interp_run(c.ir, Hyper{.seed = 1}, {0, 0, 0, 0}, grads);
  const auto b = interp_run(c.ir, Hyper{.seed = 2}, {0, 0, 0, 0}, grads);
  const auto a2 = interp_run(c.ir, Hyper{.seed = 1}, {0, 0, 0, 0}, grads);
  EXPECT_EQ(a, a2);
  EXPECT_NE(a, b);
  EXPECT_NE(a[0][0] - 0.0, a[1][0] - a[0][0]);  // step 2 draws differently from step 1
}

TEST(Interp, TreeAndIrStepsAgreeOverManySteps) {
  test::RuleGen gen(8, false, true);
  const std::vector<std::vector<double>> grads = {
      {0.3, -1.0, 0.0}, {0.1, 0.2, -0.4}, {-2.0, 0.0, 0.5}, {0.7, 0.7, 0.7}};
  Hyper h;
  h.total_steps = 4;
  h.seed = 99;
  for (int i = 0; i < 500; ++i) {
    const Compiled c = compile(Rule{"", gen.group_tree(1 + i % 3), {}});
    std::vector<double> w1 = {1, 2, 3}, w2 = w1;
    const StateSet every = static_cast<StateSet>((1u << kStateCount) - 1);
    State s1 = make_state(c.ir.state, 3), s2 = make_state(every, 3);
    for (uint64_t t = 1; t <= 4; ++t) {
      const StepParams p = step_params(h, t);
      interp_step(c.ir, p, w1, grads[t - 1], s1);
      ast_step(c.canonical, every, p, w2, grads[t - 1], s2);
    }
    for (size_t k = 0; k < 3; ++k) ASSERT_TRUE(test::same_value(w1[k], w2[k])) << c.prefix;
  }
}

TEST(Interp, HyperparameterValidation) {
  EXPECT_EQ(validate(Hyper{}), "");
  EXPECT_EQ(validate(Hyper{.beta1 = 1.0}), "beta1 must be in [0, 1)");
  EXPECT_EQ(validate(Hyper{.beta3 = -0.1}), "beta3 must be in [0, 1)");
  EXPECT_EQ(validate(Hyper{.eps = -1}), "eps must be finite and >= 0");
  EXPECT_EQ(validate(Hyper{.beta2 = 0.0}), "");
}

TEST(Interp, SizeMismatchesAreRejected) {
  const Compiled c = test::compile_ok("adam");
  std::vector<double> w(3, 0.0), g(2, 0.0);
  State s = make_state(c.ir.state, 3);
  EXPECT_THROW(interp_step(c.ir, step_params(Hyper{}, 1), w, g, s), std::invalid_argument);
  std::vector<double> g3(3, 0.0);
  State small = make_state(c.ir.state, 1);
  EXPECT_THROW(interp_step(c.ir, step_params(Hyper{}, 1), w, g3, small), std::invalid_argument);
  EXPECT_NO_THROW(interp_step(c.ir, step_params(Hyper{}, 1), w, g3, s));
}

TEST(Interp, StateIsAllocatedOnlyForWhatTheRuleUses) {
  const State s = make_state(test::compile_ok("mul g exp mul sign_g sign_m").ir.state, 10);
  EXPECT_EQ(s[Buf::M].size(), 10u);
  EXPECT_TRUE(s[Buf::V].empty());
  EXPECT_TRUE(s[Buf::Y].empty());
}

TEST(Interp, AnalysesPerRule) {
  const Info sgd = test::compile_ok("g").info;
  EXPECT_EQ(sgd.bytes_per_param, 0);
  EXPECT_TRUE(sgd.depends_on_g);
  EXPECT_EQ(sgd.ops_per_element, 2);
  const Info adam = test::compile_ok("adam").info;
  EXPECT_EQ(adam.state_buffers, 2);
  EXPECT_EQ(adam.bytes_per_param, 8);
  // prologue m (3) + v (4), body: div m/bc1, div v/bc2, sqrt, add eps, div (5), update (2).
  EXPECT_EQ(adam.ops_per_element, 3 + 4 + 5 + 2);
  EXPECT_FALSE(test::compile_ok("w4").info.depends_on_g);
  EXPECT_FALSE(test::compile_ok("keep one g").info.depends_on_g);
  EXPECT_TRUE(test::compile_ok("keep y one").info.depends_on_g);
  EXPECT_TRUE(test::compile_ok("mul ld g").info.needs_total);
  EXPECT_TRUE(test::compile_ok("drop1 g").info.random);
  EXPECT_FALSE(test::compile_ok("keep g drop1 g").info.random);
}

}  // namespace
}  // namespace nos::dslc
