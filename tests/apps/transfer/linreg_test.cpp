// The linreg task: the problem has the asked condition number and its exact optimum.
#include "apps/transfer/linreg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace nos::transfer {
namespace {

// H·v with H = XᵀX/n.
std::vector<double> hessian_times(const LinregProblem& p, const std::vector<double>& v) {
  std::vector<double> xv(p.n, 0), out(p.d, 0);
  for (int i = 0; i < p.n; ++i)
    for (int j = 0; j < p.d; ++j) xv[i] += p.x[i * p.d + j] * v[j];
  for (int i = 0; i < p.n; ++i)
    for (int j = 0; j < p.d; ++j) out[j] += p.x[i * p.d + j] * xv[i] / p.n;
  return out;
}

// The largest eigenvalue of shift·I − H (shift = 0: of H), by power iteration.
double top_eigenvalue(const LinregProblem& p, double shift, double sign) {
  std::vector<double> v(p.d, 1.0);
  double lambda = 0;
  for (int it = 0; it < 20000; ++it) {
    std::vector<double> hv = hessian_times(p, v);
    double norm = 0;
    for (int j = 0; j < p.d; ++j) hv[j] = shift * v[j] + sign * hv[j], norm += hv[j] * hv[j];
    norm = std::sqrt(norm);
    double dot = 0, vv = 0;
    for (int j = 0; j < p.d; ++j) dot += v[j] * hv[j], vv += v[j] * v[j];
    lambda = dot / vv;
    for (int j = 0; j < p.d; ++j) v[j] = hv[j] / norm;
  }
  return lambda;
}

TEST(TransferLinreg, HessianHasTheAskedConditionNumber) {
  const LinregProblem p = make_linreg(200, 8, 50, 0.1, 3);
  const double lmax = top_eigenvalue(p, 0, 1);
  const double lmin = 1.0 - top_eigenvalue(p, 1.0, -1);  // top of I − H is 1 − λmin
  EXPECT_NEAR(lmax, 1.0, 1e-9);
  EXPECT_NEAR(lmin, 1.0 / 50, 1e-6);
}

TEST(TransferLinreg, OptimumIsTheExactLeastSquaresSolution) {
  const LinregProblem p = make_linreg(100, 10, 1000, 0.3, 5);
  // The normal equations: Xᵀ(Xw* − y) = 0.
  for (int j = 0; j < p.d; ++j) {
    double g = 0;
    for (int i = 0; i < p.n; ++i) {
      double r = -p.y[i];
      for (int k = 0; k < p.d; ++k) r += p.x[i * p.d + k] * p.w_star[k];
      g += p.x[i * p.d + j] * r;
    }
    EXPECT_NEAR(g / p.n, 0.0, 1e-12) << j;
  }
  // Any other point is worse: f(w* + δ) − f* = δᵀHδ/2 > 0.
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal(0, 1e-2);
  for (int t = 0; t < 10; ++t) {
    std::vector<double> w = p.w_star;
    for (auto& e : w) e += normal(rng);
    EXPECT_GT(linreg_loss(p, w), p.f_star);
  }
  EXPECT_DOUBLE_EQ(p.f_star, linreg_loss(p, p.w_star));
}

TEST(TransferLinreg, NoiselessProblemHasZeroOptimum) {
  const LinregProblem p = make_linreg(50, 5, 10, 0.0, 2);
  EXPECT_NEAR(p.f_star, 0.0, 1e-25);
}

TEST(TransferLinreg, SameSeedSameProblem) {
  const LinregProblem a = make_linreg(60, 6, 10, 0.1, 9), b = make_linreg(60, 6, 10, 0.1, 9),
                      c = make_linreg(60, 6, 10, 0.1, 10);
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.y, b.y);
  EXPECT_NE(a.x, c.x);
}

TEST(TransferLinreg, BadSettingsAreErrorsNamingTheFlag) {
  EXPECT_THROW(make_linreg(5, 10, 10, 0.1, 1), std::invalid_argument);
  try {
    make_linreg(50, 5, 0.5, 0.1, 1);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--condition"), std::string::npos);
  }
}

TEST(TransferLinreg, FullBatchSgdConvergesToTheOptimum) {
  // lr = 1 with λmax = 1, λmin = 1/κ = 0.1: the error contracts by at least 0.9 per step, so after
  // 300 full-batch steps the excess loss is below 0.9^600 · f(w0) ≈ 0.
  TransferConfig c;
  c.task = "linreg";
  c.train = 100;
  c.dim = 5;
  c.condition = 10;
  c.epochs = 300;
  c.batch = 100;
  const LinregProblem prob = make_linreg(100, 5, 10, 0.1, c.seed);
  PlannedRun p{.opt = {"sgd", "g", "g"}, .key = {"sgd", 1.0, 1e-8, 0}, .seed = 1};
  int calls = 0;
  const RunRecord r = train_linreg_run(c, prob, p, [&](const EpochMetrics&) { ++calls; });
  ASSERT_FALSE(r.diverged);
  EXPECT_EQ(calls, 300);
  ASSERT_EQ(r.epochs.size(), 300u);
  EXPECT_LT(r.epochs.back().val, 1e-9);
  EXPECT_LT(r.epochs.back().test, 1e-4);
  EXPECT_GT(r.epochs.front().val, r.epochs.back().val);
}

TEST(TransferLinreg, TooLargeARateDiverges) {
  TransferConfig c;
  c.task = "linreg";
  c.train = 100;
  c.dim = 5;
  c.epochs = 200;
  c.batch = 100;
  const LinregProblem prob = make_linreg(100, 5, 10, 0.1, c.seed);
  PlannedRun p{.opt = {"sgd", "g", "g"}, .key = {"sgd", 3.0, 1e-8, 0}, .seed = 1};  // lr > 2/λmax
  const RunRecord r = train_linreg_run(c, prob, p, [](const EpochMetrics&) {});
  EXPECT_TRUE(r.diverged);
  EXPECT_NE(r.reason.find("loss is"), std::string::npos);
}

}  // namespace
}  // namespace nos::transfer
