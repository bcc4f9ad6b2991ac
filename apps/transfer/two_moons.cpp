#include "apps/transfer/two_moons.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <random>
#include <stdexcept>

#include "apps/transfer/run_start.h"
#include "optim/optimizer.h"

namespace nos::transfer {
namespace {

// Offsets of the parameter blocks in the flat vector.
struct Layout {
  size_t w1, b1, w2, b2, w3, b3;
  explicit Layout(int h) {
    const size_t H = static_cast<size_t>(h);
    w1 = 0, b1 = w1 + 2 * H, w2 = b1 + H, b2 = w2 + H * H, w3 = b2 + H, b3 = w3 + H;
  }
};

// log(1 + e^z), stable for large |z|.
double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

// The logit of one point; a1, a2 receive the hidden activations.
double forward(const Mlp& m, const std::vector<float>& w, const double* x, std::vector<double>& a1,
               std::vector<double>& a2) {
  const int H = m.hidden;
  const Layout L(H);
  for (int i = 0; i < H; ++i) a1[i] = std::tanh(w[L.w1 + 2 * i] * x[0] + w[L.w1 + 2 * i + 1] * x[1] + w[L.b1 + i]);
  for (int i = 0; i < H; ++i) {
    double z = w[L.b2 + i];
    for (int j = 0; j < H; ++j) z += w[L.w2 + i * H + j] * a1[j];
    a2[i] = std::tanh(z);
  }
  double out = w[L.b3];
  for (int i = 0; i < H; ++i) out += w[L.w3 + i] * a2[i];
  return out;
}

}  // namespace

MoonsSet make_moons(int n, double noise, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> angle(0, std::numbers::pi);
  std::normal_distribution<double> normal(0, 1);
  MoonsSet s;
  for (int i = 0; i < n; ++i) {
    const double t = angle(rng);
    const int label = i % 2;
    const double px = label == 0 ? std::cos(t) : 1 - std::cos(t);
    const double py = label == 0 ? std::sin(t) : 0.5 - std::sin(t);
    s.x.push_back(px + noise * normal(rng));
    s.x.push_back(py + noise * normal(rng));
    s.label.push_back(label);
  }
  return s;
}

double mlp_loss(const Mlp& m, const std::vector<float>& w, const MoonsSet& d, const std::vector<int>& rows,
                std::vector<double>* grad) {
  const int H = m.hidden;
  const Layout L(H);
  std::vector<double> a1(H), a2(H), d2(H), d1(H);
  if (grad) grad->assign(m.size(), 0.0);
  double loss = 0;
  const double inv = 1.0 / static_cast<double>(rows.size());
  for (int r : rows) {
    const double* x = &d.x[2 * static_cast<size_t>(r)];
    const double z = forward(m, w, x, a1, a2);
    const double y = d.label[r];
    loss += softplus(z) - y * z;  // −y log σ(z) − (1 − y) log(1 − σ(z))
    if (!grad) continue;
    auto& gr = *grad;
    const double dz = (1 / (1 + std::exp(-z)) - y) * inv;
    gr[L.b3] += dz;
    for (int i = 0; i < H; ++i) {
      gr[L.w3 + i] += dz * a2[i];
      d2[i] = dz * w[L.w3 + i] * (1 - a2[i] * a2[i]);
      gr[L.b2 + i] += d2[i];
    }
    for (int j = 0; j < H; ++j) {
      double s = 0;
      for (int i = 0; i < H; ++i) {
        gr[L.w2 + i * H + j] += d2[i] * a1[j];
        s += d2[i] * w[L.w2 + i * H + j];
      }
      d1[j] = s * (1 - a1[j] * a1[j]);
      gr[L.b1 + j] += d1[j];
      gr[L.w1 + 2 * j] += d1[j] * x[0];
      gr[L.w1 + 2 * j + 1] += d1[j] * x[1];
    }
  }
  return loss * inv;
}

double mlp_accuracy(const Mlp& m, const std::vector<float>& w, const MoonsSet& d) {
  std::vector<double> a1(m.hidden), a2(m.hidden);
  size_t right = 0;
  for (size_t r = 0; r < d.size(); ++r) right += (forward(m, w, &d.x[2 * r], a1, a2) > 0) == (d.label[r] == 1);
  return d.size() ? static_cast<double>(right) / static_cast<double>(d.size()) : 0;
}

MoonsData make_moons_data(const TransferConfig& c) {
  if (!(c.noise >= 0)) throw std::invalid_argument(fmt::format("two-moons: --noise must be >= 0, got {:g}", c.noise));
  std::mt19937_64 rng(c.seed);
  MoonsData d;
  d.train = make_moons(static_cast<int>(c.train), c.noise, rng);
  d.val = make_moons(static_cast<int>(c.val), c.noise, rng);
  d.test = make_moons(static_cast<int>(c.test), c.noise, rng);
  return d;
}

std::int64_t run_steps_per_epoch(const TransferConfig& c, const MoonsData& d) {
  const auto n = static_cast<std::int64_t>(d.train.size());
  const std::int64_t per_epoch = n / std::min<std::int64_t>(batch_size(c), n);
  return c.steps_per_epoch > 0 ? std::min(per_epoch, c.steps_per_epoch) : per_epoch;
}

RunRecord train_moons_run(const TransferConfig& c, const MoonsData& d, const PlannedRun& p, const EpochFn& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const Mlp mlp{c.hidden};
  const int n = static_cast<int>(d.train.size());
  const int batch = static_cast<int>(std::min<std::int64_t>(batch_size(c), n));
  const std::int64_t per_epoch = run_steps_per_epoch(c, d);
  const std::int64_t total = per_epoch * c.epochs;
  const std::int64_t taken = steps_to_take(p, total);
  std::mt19937_64 rng(p.seed);
  std::vector<float> w(mlp.size(), 0.0F), g(mlp.size(), 0.0F);
  const Layout L(c.hidden);
  auto glorot = [&](size_t at, int fan_in, int fan_out, size_t count) {
    const double a = std::sqrt(6.0 / (fan_in + fan_out));
    std::uniform_real_distribution<double> u(-a, a);
    for (size_t i = 0; i < count; ++i) w[at + i] = static_cast<float>(u(rng));
  };
  const size_t H = static_cast<size_t>(c.hidden);
  glorot(L.w1, 2, c.hidden, 2 * H);
  glorot(L.w2, c.hidden, c.hidden, H * H);
  glorot(L.w3, c.hidden, 1, H);
  optim::OptimizerOptions o = run_optimizer_options(p, p.key.lr, static_cast<std::uint64_t>(total));
  o.schedule = schedule_of(c, per_epoch, total);
  o.threads = 1;  // a few hundred weights
  optim::Optimizer opt(p.opt.rule, o);
  opt.add(w.data(), g.data(), w.size());
  std::vector<int> order(n), rows(batch);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> gd;
  RunRecord rec = start_record(p, total);
  std::int64_t steps = 0;
  for (int epoch = 1; epoch <= c.epochs && steps < taken; ++epoch) {
    const auto e0 = std::chrono::steady_clock::now();
    std::shuffle(order.begin(), order.end(), rng);
    double sum = 0;
    std::int64_t b = 0;
    for (; b < per_epoch && steps < taken; ++b, ++steps) {
      std::copy_n(order.begin() + b * batch, batch, rows.begin());
      sum += mlp_loss(mlp, w, d.train, rows, &gd);
      for (size_t i = 0; i < g.size(); ++i) g[i] = static_cast<float>(gd[i]);
      opt.step();
    }
    const double train = sum / static_cast<double>(b);
    bool finite = std::isfinite(train);
    for (float e : w) finite = finite && std::isfinite(e);
    if (!finite) {
      rec.diverged = true;
      rec.reason = fmt::format("epoch {}: training loss {} or a weight not finite", epoch, train);
      break;
    }
    EpochMetrics m{.epoch = epoch,
                   .train = train,
                   .val = mlp_accuracy(mlp, w, d.val),
                   .test = taken < total ? NAN : mlp_accuracy(mlp, w, d.test),
                   .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count(),
                   .steps = steps};
    rec.epochs.push_back(m);
    on_epoch(m);
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

}  // namespace nos::transfer
