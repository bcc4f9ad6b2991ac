#include "apps/transfer/linreg.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "apps/transfer/run_start.h"
#include "optim/optimizer.h"

namespace nos::transfer {
namespace {

// Orthonormalises the columns of a rows × cols row-major matrix in place (modified Gram-Schmidt,
// twice for accuracy). Gaussian columns are independent with probability 1.
void orthonormalise(std::vector<double>& a, int rows, int cols) {
  for (int pass = 0; pass < 2; ++pass)
    for (int j = 0; j < cols; ++j) {
      for (int k = 0; k < j; ++k) {
        double dot = 0;
        for (int i = 0; i < rows; ++i) dot += a[i * cols + j] * a[i * cols + k];
        for (int i = 0; i < rows; ++i) a[i * cols + j] -= dot * a[i * cols + k];
      }
      double norm = 0;
      for (int i = 0; i < rows; ++i) norm += a[i * cols + j] * a[i * cols + j];
      norm = std::sqrt(norm);
      for (int i = 0; i < rows; ++i) a[i * cols + j] /= norm;
    }
}

}  // namespace

LinregProblem make_linreg(int n, int d, double kappa, double sigma, std::uint64_t seed) {
  if (d < 1 || n < d)
    throw std::invalid_argument(fmt::format("linreg: need samples >= dim >= 1, got {} samples, dim {}", n, d));
  if (!(kappa >= 1)) throw std::invalid_argument(fmt::format("linreg: --condition must be >= 1, got {:g}", kappa));
  if (!(sigma >= 0)) throw std::invalid_argument(fmt::format("linreg: --noise must be >= 0, got {:g}", sigma));
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> u(static_cast<size_t>(n) * d), v(static_cast<size_t>(d) * d);
  for (auto& e : u) e = normal(rng);
  for (auto& e : v) e = normal(rng);
  orthonormalise(u, n, d);
  orthonormalise(v, d, d);
  std::vector<double> s(d);
  for (int i = 0; i < d; ++i)
    s[i] = std::sqrt(static_cast<double>(n)) * std::pow(kappa, d == 1 ? 0.0 : -0.5 * i / (d - 1));
  LinregProblem p;
  p.n = n;
  p.d = d;
  p.x.assign(static_cast<size_t>(n) * d, 0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) {
      double e = 0;
      for (int k = 0; k < d; ++k) e += u[i * d + k] * s[k] * v[j * d + k];  // (U diag(s) Vᵀ)_ij
      p.x[i * d + j] = e;
    }
  std::vector<double> w_true(d);
  for (auto& e : w_true) e = normal(rng) / std::sqrt(static_cast<double>(d));
  p.y.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    double e = 0;
    for (int j = 0; j < d; ++j) e += p.x[i * d + j] * w_true[j];
    p.y[i] = e + sigma * normal(rng);
  }
  // w* = V diag(1/s) Uᵀ y.
  std::vector<double> uty(d, 0);
  for (int k = 0; k < d; ++k)
    for (int i = 0; i < n; ++i) uty[k] += u[i * d + k] * p.y[i];
  p.w_star.assign(d, 0);
  for (int j = 0; j < d; ++j)
    for (int k = 0; k < d; ++k) p.w_star[j] += v[j * d + k] * uty[k] / s[k];
  p.f_star = linreg_loss(p, p.w_star);
  return p;
}

double linreg_loss(const LinregProblem& p, const std::vector<double>& w) {
  double sum = 0;
  for (int i = 0; i < p.n; ++i) {
    double r = -p.y[i];
    for (int j = 0; j < p.d; ++j) r += p.x[i * p.d + j] * w[j];
    sum += r * r;
  }
  return sum / (2.0 * p.n);
}

std::int64_t run_steps_per_epoch(const TransferConfig& c, const LinregProblem& prob) {
  const std::int64_t batch = std::min<std::int64_t>(batch_size(c), prob.n);
  const std::int64_t per_epoch = prob.n / batch;
  return c.steps_per_epoch > 0 ? std::min(per_epoch, c.steps_per_epoch) : per_epoch;
}

RunRecord train_linreg_run(const TransferConfig& c, const LinregProblem& prob, const PlannedRun& p,
                           const EpochFn& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const int n = prob.n, d = prob.d;
  const int batch = static_cast<int>(std::min<std::int64_t>(batch_size(c), n));
  const std::int64_t per_epoch = run_steps_per_epoch(c, prob);
  const std::int64_t total = per_epoch * c.epochs;
  const std::int64_t taken = steps_to_take(p, total);
  std::mt19937_64 rng(p.seed);
  std::normal_distribution<float> normal(0.0F, 1.0F / std::sqrt(static_cast<float>(d)));
  std::vector<float> w(d), g(d);
  for (auto& e : w) e = normal(rng);
  optim::OptimizerOptions o = run_optimizer_options(p, p.key.lr, static_cast<std::uint64_t>(total));
  o.schedule = schedule_of(c, per_epoch, total);
  o.threads = 1;  // a few dozen weights: no OpenMP region per step
  optim::Optimizer opt(p.opt.rule, o);
  opt.add(w.data(), g.data(), static_cast<size_t>(d));
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> wd(d), gd(d);
  double w_star_norm = 0;
  for (double e : prob.w_star) w_star_norm += e * e;
  w_star_norm = std::sqrt(w_star_norm);
  RunRecord rec = start_record(p, total);
  std::int64_t steps = 0;
  for (int epoch = 1; epoch <= c.epochs && steps < taken; ++epoch) {
    const auto e0 = std::chrono::steady_clock::now();
    std::shuffle(order.begin(), order.end(), rng);
    for (std::int64_t b = 0; b < per_epoch && steps < taken; ++b, ++steps) {
      std::fill(gd.begin(), gd.end(), 0.0);
      for (int r = 0; r < batch; ++r) {
        const int i = order[b * batch + r];
        double res = -prob.y[i];
        for (int j = 0; j < d; ++j) res += prob.x[i * d + j] * w[j];
        for (int j = 0; j < d; ++j) gd[j] += res * prob.x[i * d + j] / batch;
      }
      for (int j = 0; j < d; ++j) g[j] = static_cast<float>(gd[j]);
      opt.step();
    }
    for (int j = 0; j < d; ++j) wd[j] = w[j];
    const double f = linreg_loss(prob, wd);
    double dist = 0;
    for (int j = 0; j < d; ++j) dist += (wd[j] - prob.w_star[j]) * (wd[j] - prob.w_star[j]);
    if (!std::isfinite(f)) {
      rec.diverged = true;
      rec.reason = fmt::format("epoch {}: loss is {}", epoch, f);
      break;
    }
    EpochMetrics m{.epoch = epoch,
                   .train = f,
                   .val = f - prob.f_star,
                   .test = std::sqrt(dist) / w_star_norm,
                   .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count(),
                   .steps = steps};
    rec.epochs.push_back(m);
    on_epoch(m);
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

}  // namespace nos::transfer
