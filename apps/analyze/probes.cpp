#include "apps/analyze/probes.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>

#include "dslc/compile.h"
#include "dslc/parser.h"
#include "optim/optimizer.h"

namespace nos::analyze {
namespace {

dslc::Hyper probe_hyper(const ProbeOptions& o) {
  dslc::Hyper h = o.hyper;
  h.lr = 1;  // w starts every step at 0, so w - 1*Δ = -Δ exactly
  h.seed = o.seed;
  h.total_steps = o.total_steps;
  return h;
}

// One optimizer over n probe coordinates.
struct Runner {
  optim::Optimizer opt;
  std::vector<float> w, g, delta;

  Runner(const std::string& rule, const ProbeOptions& o, size_t n)
      : opt(rule, {.hyper = probe_hyper(o), .threads = 1}), w(n), g(n), delta(n) {
    opt.add(w.data(), g.data(), n);
  }
  // One step with gradients grad(i); returns Δ per coordinate.
  const std::vector<float>& step(const std::function<float(size_t)>& grad) {
    for (size_t i = 0; i < g.size(); ++i) {
      g[i] = grad(i);
      w[i] = 0;
    }
    opt.step();
    for (size_t i = 0; i < w.size(); ++i) delta[i] = -w[i];
    return delta;
  }
};

double mean_abs(const std::vector<float>& d) {
  double s = 0;
  for (float x : d) s += std::fabs(static_cast<double>(x));
  return d.empty() ? 0 : s / static_cast<double>(d.size());
}

std::optional<double> slope(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> lx, ly;
  for (size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(y[i]) && y[i] > 0) {
      lx.push_back(std::log10(x[i]));
      ly.push_back(std::log10(y[i]));
    }
  if (lx.size() < 3) return std::nullopt;
  const double n = static_cast<double>(lx.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < lx.size(); ++i) mx += lx[i] / n, my += ly[i] / n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < lx.size(); ++i) sxy += (lx[i] - mx) * (ly[i] - my), sxx += (lx[i] - mx) * (lx[i] - mx);
  return sxy / sxx;
}

double descent_fraction(const std::string& rule, const ProbeOptions& o) {
  const size_t n = static_cast<size_t>(o.descent_probes);
  Runner r(rule, o, n);
  std::mt19937_64 gen(o.seed);
  std::normal_distribution<float> normal(0.0F, 1.0F);
  std::vector<float> g(n);
  auto draw = [&] {
    for (auto& x : g) x = normal(gen);
  };
  for (int t = 0; t < o.warmup; ++t) {
    draw();
    r.step([&](size_t i) { return g[i]; });
  }
  draw();
  const auto& d = r.step([&](size_t i) { return g[i]; });
  size_t along = 0;
  for (size_t i = 0; i < n; ++i) along += static_cast<double>(d[i]) * g[i] > 0;
  return static_cast<double>(along) / static_cast<double>(n);
}

// max_step: the sweep of ±10^(k/4) as constant streams of 20 steps, every step counted.
std::optional<double> max_step(const std::string& rule, const ProbeOptions& o) {
  const std::vector<double> mags = sweep_magnitudes();
  const size_t per = static_cast<size_t>(std::max(1, o.replicas / 4));
  const size_t n = mags.size() * 2 * per;
  Runner r(rule, o, n);
  auto grad = [&](size_t i) {
    const size_t j = i / per;
    return static_cast<float>((j % 2 ? -1 : 1) * mags[j / 2]);
  };
  double most = 0, at_1e6 = 0, at_1e8 = 0;
  for (int t = 0; t < 20; ++t) {
    const auto& d = r.step(grad);
    for (size_t i = 0; i < n; ++i) {
      const double a = std::fabs(static_cast<double>(d[i]));
      if (!std::isfinite(a)) return std::nullopt;
      most = std::max(most, a);
      const double mag = mags[i / per / 2];
      if (mag == 1e6) at_1e6 = std::max(at_1e6, a);
      if (mag == 1e8) at_1e8 = std::max(at_1e8, a);
    }
  }
  // Bounded: the update at |g| = 1e8 is no larger than at 1e6 (a 1% allowance for rounding).
  if (at_1e8 > 1.01 * at_1e6 + std::numeric_limits<double>::min()) return std::nullopt;
  return most;
}

std::optional<double> agreement_ratio(const std::string& rule, const ProbeOptions& o) {
  const size_t n = static_cast<size_t>(o.replicas);
  double last[2] = {0, 0};
  for (int side = 0; side < 2; ++side) {
    Runner r(rule, o, n);
    for (int t = 0; t < o.warmup; ++t) r.step([](size_t) { return 1.0F; });
    last[side] = mean_abs(r.step([&](size_t) { return side == 0 ? 1.0F : -1.0F; }));
  }
  if (!std::isfinite(last[0]) || !std::isfinite(last[1]) || last[1] == 0) return std::nullopt;
  return last[0] / last[1];
}

std::optional<int> memory_steps(const std::vector<double>& resp) {
  size_t peak_at = 0;
  double peak = 0;
  for (size_t n = 0; n < resp.size(); ++n)
    if (!std::isfinite(resp[n])) return std::nullopt;
    else if (resp[n] > peak) peak = resp[n], peak_at = n;
  if (peak == 0) return 0;
  int steps = 0;
  for (size_t n = peak_at + 1; n < resp.size(); ++n, ++steps)
    if (resp[n] < peak / std::exp(1.0)) return steps;
  return std::nullopt;
}

}  // namespace

std::vector<double> sweep_magnitudes() {
  std::vector<double> m;
  for (int k = -32; k <= 32; ++k) m.push_back(k % 4 == 0 ? std::pow(10.0, k / 4) : std::pow(10.0, k / 4.0));
  return m;
}

std::vector<double> steady_response(const std::string& rule, const std::vector<double>& c, int steps,
                                    const ProbeOptions& o) {
  std::vector<double> out;
  for (double x : c) {
    Runner r(rule, o, static_cast<size_t>(o.replicas));
    double d = 0;
    for (int t = 0; t < steps; ++t) d = mean_abs(r.step([&](size_t) { return static_cast<float>(x); }));
    out.push_back(d);
  }
  return out;
}

std::vector<double> warm_curve(const std::string& rule, const std::vector<double>& x, const ProbeOptions& o) {
  Runner r(rule, o, x.size());
  for (int t = 0; t < o.warmup; ++t) r.step([](size_t) { return 1.0F; });
  const auto& d = r.step([&](size_t i) { return static_cast<float>(x[i]); });
  return {d.begin(), d.end()};
}

std::vector<double> impulse_response(const std::string& rule, const ProbeOptions& o) {
  const size_t n = static_cast<size_t>(o.replicas);
  Runner with(rule, o, n), without(rule, o, n);
  std::vector<double> resp;
  const int last = o.impulse_at + o.horizon;
  for (int t = 1; t <= last; ++t) {
    const auto& a = with.step([&](size_t) { return t == o.impulse_at ? static_cast<float>(o.impulse) : 0.0F; });
    const auto& b = without.step([](size_t) { return 0.0F; });
    if (t < o.impulse_at) continue;
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    resp.push_back(s / static_cast<double>(n));
  }
  return resp;
}

Mechanisms probe_rule(const std::string& name, const std::string& rule, const ProbeOptions& o) {
  const dslc::Compiled c = dslc::compile_rule(rule);
  // The JIT cache frees a kernel with its last handle: this optimizer holds it for all the probes'
  // optimizers below, so the rule is compiled by LLVM once, not once per probe.
  const Runner keep(rule, o, 1);
  Mechanisms m;
  m.name = name;
  m.rule = rule;
  m.canonical = c.prefix;
  m.stochastic = c.info.random;
  m.draws = static_cast<int>(c.info.draws);
  m.state_bytes_per_param = static_cast<double>(keep.opt.state_bytes()) / static_cast<double>(keep.opt.size());
  m.descent_fraction = descent_fraction(rule, o);
  std::vector<double> decades;
  for (int k = -4; k <= 2; ++k) decades.push_back(std::pow(10.0, k));
  m.scale_exponent = slope(decades, steady_response(rule, decades, 100, o));
  m.memory_steps = memory_steps(impulse_response(rule, o));
  m.max_step = max_step(rule, o);
  m.sign_agreement_ratio = agreement_ratio(rule, o);
  const uint64_t T = o.total_steps;
  for (const auto& inst : c.ir.body) {
    if (inst.op != dslc::Op::Param) continue;
    double (*f)(uint64_t, uint64_t) = nullptr;
    const char* key = nullptr;
    if (inst.slot == dslc::Slot::Ld) f = dslc::linear_decay, key = "ld";
    if (inst.slot == dslc::Slot::Cd) f = dslc::cosine_decay, key = "cd";
    if (inst.slot == dslc::Slot::Rd) f = dslc::restart_decay, key = "rd";
    if (f) m.schedule[key] = {f(0, T), f(T / 2, T), f(T, T)};
  }
  return m;
}

}  // namespace nos::analyze
