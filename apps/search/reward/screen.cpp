#include "apps/search/reward/screen.h"

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <vector>

#include "optim/optimizer.h"

namespace nos::search {
namespace {

constexpr size_t kProbes = 1024;       // coordinates: one optimizer steps them all at once
constexpr int kWarmup = 20;            // steps that warm m, v and the other state before the probe step
constexpr double kWeightScale = 0.05;  // std of the probe weights: the child ConvNet's initial weights' order

ScreenProbe probe(const jit::Kernel& kernel, double scale) {
  // Two optimizers over the same coordinates see the same gradients during the warm-up, then
  // different ones at the probe step: their updates differ unless the rule ignores the gradient.
  // Same parameter indices, same seed: a random rule draws the same numbers in both. The weights
  // are reset to child-network-like values before every step (not 0: a rule that reads w, such as
  // g*w or exp(g/(w+eps)), must be probed where it will run).
  const optim::OptimizerOptions o{.hyper = {.lr = 1, .total_steps = 1000, .seed = 0}, .threads = 1};
  optim::Optimizer a(kernel, o), b(kernel, o);
  std::vector<float> w0(kProbes), wa(kProbes), ga(kProbes), wb(kProbes), gb(kProbes);
  a.add(wa.data(), ga.data(), kProbes);
  b.add(wb.data(), gb.data(), kProbes);
  std::mt19937_64 gen(12345);
  std::normal_distribution<double> normal(0.0, scale), weight(0.0, kWeightScale);
  for (float& w : w0) w = static_cast<float>(weight(gen));
  auto step = [&](bool same) {
    for (size_t i = 0; i < kProbes; ++i) {
      ga[i] = static_cast<float>(normal(gen));
      gb[i] = same ? ga[i] : static_cast<float>(normal(gen));
      wa[i] = wb[i] = w0[i];
    }
    a.step();
    b.step();
  };
  for (int t = 0; t < kWarmup; ++t) step(true);
  step(false);
  ScreenProbe p{.scale = scale};
  size_t along = 0, moved = 0;
  for (size_t i = 0; i < kProbes; ++i) {
    // The update at lr 1, exact in double (float subtraction of nearby values is exact); one
    // below half an ulp of w does not move it, which training could not see either.
    const double d = static_cast<double>(w0[i]) - static_cast<double>(wa[i]);
    if (!std::isfinite(d) || !std::isfinite(static_cast<double>(wb[i]))) p.finite = false;
    if (wa[i] != wb[i]) p.responds = true;
    if (d == 0) continue;
    ++moved;
    along += d * ga[i] > 0;
  }
  p.moved = static_cast<double>(moved) / kProbes;
  p.along = moved ? static_cast<double>(along) / static_cast<double>(moved) : 0;
  return p;
}

}  // namespace

Screen screen_rule(const jit::Kernel& kernel) {
  Screen s{.small = probe(kernel, 1e-2), .unit = probe(kernel, 1)};
  if (!s.small.finite) {
    s.reject = "not finite: inf or NaN updates at gradient scale 1e-2";
  } else if (s.small.moved == 0 && s.unit.moved == 0) {
    s.reject = "inert: the update is zero";
  } else if (!s.small.responds && !s.unit.responds) {
    s.reject = "inert: the update does not change with the gradient";
  } else if (s.small.along < kAscentBelow && s.unit.along < kAscentBelow) {
    s.reject = fmt::format(
        "ascent: {:.0f}% and {:.0f}% of the moved coordinates go down the gradient at scales 1e-2 "
        "and 1 (below {:.0f}%)",
        100 * s.small.along, 100 * s.unit.along, 100 * kAscentBelow);
  }
  return s;
}

}  // namespace nos::search
