// two-moons: two interleaving half circles in the plane with Gaussian noise (scikit-learn's
// make_moons, as in Maheswaranathan et al. 2021), classified by a small MLP
// 2 → H → H → 1 (tanh hidden layers, a logit out, binary cross-entropy). Training, validation and
// test points are independent draws from the data seed; the MLP is initialised from the run's seed
// (Glorot uniform, zero biases), one optim::Optimizer over all its weights.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "apps/transfer/config.h"
#include "apps/transfer/image_task.h"
#include "apps/transfer/records.h"
#include "apps/transfer/sweep.h"

namespace nos::transfer {

struct MoonsSet {
  std::vector<double> x;   // n × 2, row-major
  std::vector<int> label;  // 0: the upper moon, 1: the lower one
  size_t size() const { return label.size(); }
};

// n points, label i % 2: upper moon (cos t, sin t), lower moon (1 − cos t, 0.5 − sin t), t uniform
// in [0, π], plus N(0, noise²) on each coordinate.
MoonsSet make_moons(int n, double noise, std::mt19937_64& rng);

// The MLP's weights as one flat vector: W1 (H × 2), b1 (H), W2 (H × H), b2 (H), w3 (H), b3.
struct Mlp {
  int hidden = 0;
  size_t size() const { return static_cast<size_t>(hidden) * (2 + 1 + hidden + 1 + 1) + 1; }
};

// Mean binary cross-entropy over the points `rows` of `d` at weights `w`; if grad is non-null it
// receives the gradient (resized to m.size()).
double mlp_loss(const Mlp& m, const std::vector<float>& w, const MoonsSet& d, const std::vector<int>& rows,
                std::vector<double>* grad);
double mlp_accuracy(const Mlp& m, const std::vector<float>& w, const MoonsSet& d);

struct MoonsData {
  MoonsSet train, val, test;
};
// c.train, c.val, c.test points with c.noise, from c.seed.
MoonsData make_moons_data(const TransferConfig& c);

// The steps of one epoch: minibatches of batch_size(c) (at most the training points), at most
// c.steps_per_epoch.
std::int64_t run_steps_per_epoch(const TransferConfig& c, const MoonsData& d);

// Per epoch (shuffled minibatches of batch_size(c)): train = mean training loss of the epoch's
// batches, val, test = accuracy in [0, 1]. A run stopped by halving (p.key.steps) is measured
// where it stops, never on the test points (test NaN).
RunRecord train_moons_run(const TransferConfig& c, const MoonsData& d, const PlannedRun& p, const EpochFn& on_epoch);

}  // namespace nos::transfer
