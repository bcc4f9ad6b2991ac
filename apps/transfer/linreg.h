// linreg: random linear regression (Maheswaranathan et al. 2021's first task) with a chosen
// condition number and noise. The design X = U·diag(s)·Vᵀ is built from random orthonormal U
// (n × d) and V (d × d) with singular values s_i = √n·κ^(−i/(2(d−1))), so the Hessian XᵀX/n has
// eigenvalues log-spaced from 1 down to 1/κ; y = X·w_true + σ·ε. The objective is
// f(w) = ‖Xw − y‖²/(2n), and because the SVD is known the least-squares optimum is exact:
// w* = V·diag(1/s)·Uᵀy, f* = f(w*). Minibatch epochs over the n rows, one optim::Optimizer over w.
#pragma once

#include <cstdint>
#include <vector>

#include "apps/transfer/config.h"
#include "apps/transfer/image_task.h"
#include "apps/transfer/records.h"
#include "apps/transfer/sweep.h"

namespace nos::transfer {

struct LinregProblem {
  int n = 0, d = 0;
  std::vector<double> x;       // n × d, row-major
  std::vector<double> y;       // n
  std::vector<double> w_star;  // d: the exact least-squares solution
  double f_star = 0;           // f(w_star)
};

// The problem of a seed: n rows, d columns, condition number kappa >= 1, noise sigma >= 0.
// Throws std::invalid_argument for n < d, d < 1, kappa < 1 or sigma < 0.
LinregProblem make_linreg(int n, int d, double kappa, double sigma, std::uint64_t seed);

// f(w) = ‖Xw − y‖²/(2n).
double linreg_loss(const LinregProblem& p, const std::vector<double>& w);

// The steps of one epoch: minibatches of batch_size(c) (at most n) rows, at most c.steps_per_epoch.
std::int64_t run_steps_per_epoch(const TransferConfig& c, const LinregProblem& prob);

// Per epoch (a shuffled pass in minibatches of batch_size(c)): train = f(w), val = f(w) − f*
// (the excess loss, the score), test = ‖w − w*‖/‖w*‖. w starts at N(0, 1/d) drawn with the
// run's seed, the same for every optimizer at a repeat. A run stopped by halving (p.key.steps) is
// measured where it stops (test, the distance to w*, is no held-out data, so it is kept).
RunRecord train_linreg_run(const TransferConfig& c, const LinregProblem& prob, const PlannedRun& p,
                           const EpochFn& on_epoch);

}  // namespace nos::transfer
