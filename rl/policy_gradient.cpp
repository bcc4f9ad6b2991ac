#include "rl/policy_gradient.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "autograd/autograd.h"
#include "rl/categorical.h"

namespace nos::rl {
namespace {

std::vector<Choices> strings_of(const std::vector<Sample>& samples) {
  std::vector<Choices> s;
  s.reserve(samples.size());
  for (const auto& x : samples) s.push_back(x.choices);
  return s;
}

double mean(std::span<const double> v) { return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

std::vector<double> arena_grads(const ParamArena& a) { return {a.grads(), a.grads() + a.size()}; }
std::vector<float> arena_values(const ParamArena& a) { return {a.values(), a.values() + a.size()}; }
void set_values(ParamArena& a, std::span<const float> base, double alpha, std::span<const double> dir) {
  float* w = a.values();
  for (size_t i = 0; i < base.size(); ++i) w[i] = static_cast<float>(base[i] + alpha * dir[i]);
}
void restore(ParamArena& a, std::span<const float> base) { std::copy(base.begin(), base.end(), a.values()); }

// -(1/B sum_i w_i log pi(s_i)) - beta/B sum_i H(s_i): the gradient of every method's objective is
// a weighted sum of log-probability gradients, with weights computed outside the graph.
ag::Var weighted_loss(const Scores& s, std::span<const double> w, double entropy_coef) {
  const auto B = static_cast<std::int64_t>(w.size());
  std::vector<float> wf(w.begin(), w.end());
  for (auto& x : wf) x = -x;
  ag::Var pg = ag::sum(ag::mul(s.log_prob, ag::Var(Tensor::from({B}, wf))));
  ag::Var ent = ag::scale(ag::sum(s.entropy), static_cast<float>(-entropy_coef / static_cast<double>(B)));
  return ag::add(pg, ent);
}

void step_adam(Controller& c, PgState& st, const PgConfig& cfg, const std::vector<Choices>& strings,
               std::span<const double> w) {
  c.arena().zero_grad();
  ag::backward(weighted_loss(c.score(strings), w, cfg.entropy_coef));
  adam_step(c.arena(), st.adam, cfg.adam);
}

void reinforce(Controller& c, PgState& st, const PgConfig& cfg, const std::vector<Choices>& strings,
               std::span<const double> adv) {
  std::vector<double> w(adv.begin(), adv.end());
  for (auto& x : w) x /= static_cast<double>(w.size());
  step_adam(c, st, cfg, strings, w);
}

void ppo(Controller& c, PgState& st, const PgConfig& cfg, const std::vector<Choices>& strings,
         std::span<const double> adv, const PolicySnapshot& old) {
  const size_t B = strings.size();
  for (int e = 0; e < cfg.ppo_epochs; ++e) {
    const Scores sc = c.score(strings);
    const auto lp = sc.log_prob.value().to_vector();
    // d/dtheta min(r A, clip(r) A) is r A dlog pi where the unclipped term is the minimum, else 0.
    std::vector<double> w(B);
    for (size_t i = 0; i < B; ++i) {
      const double r = std::exp(static_cast<double>(lp[i]) - old.log_prob[i]);
      const bool active = adv[i] >= 0 ? r < 1.0 + cfg.ppo_clip : r > 1.0 - cfg.ppo_clip;
      w[i] = active ? r * adv[i] / static_cast<double>(B) : 0.0;
    }
    c.arena().zero_grad();
    ag::backward(weighted_loss(sc, w, cfg.entropy_coef));
    adam_step(c.arena(), st.adam, cfg.adam);
  }
}

double surrogate(const PolicySnapshot& now, const PolicySnapshot& old, std::span<const double> adv,
                 double entropy_coef) {
  double s = 0;
  for (size_t i = 0; i < adv.size(); ++i)
    s += std::exp(now.log_prob[i] - old.log_prob[i]) * adv[i] + entropy_coef * now.entropy[i];
  return s / static_cast<double>(adv.size());
}

void trpo(Controller& c, const PgConfig& cfg, const std::vector<Choices>& strings, std::span<const double> adv,
          const PolicySnapshot& old, UpdateStats& stats) {
  ParamArena& arena = c.arena();
  std::vector<double> w(adv.begin(), adv.end());
  for (auto& x : w) x /= static_cast<double>(w.size());
  arena.zero_grad();
  ag::backward(weighted_loss(c.score(strings), w, cfg.entropy_coef));
  std::vector<double> g = arena_grads(arena);
  for (auto& x : g) x = -x;  // the surrogate's gradient: ascend
  stats.stepped = false;
  if (dot(g, g) == 0.0) return;

  auto fvp = [&](std::span<const double> v) {
    auto f = fisher_vector_product(c, old, v, cfg.fvp_step);
    for (size_t i = 0; i < f.size(); ++i) f[i] += cfg.cg_damping * v[i];
    return f;
  };
  // Conjugate gradient for (F + damping) x = g.
  std::vector<double> x(g.size(), 0.0), r = g, p = g;
  double rr = dot(r, r);
  for (int it = 0; it < cfg.cg_iters && rr > 1e-20; ++it) {
    const auto Ap = fvp(p);
    const double pAp = dot(p, Ap);
    if (!(pAp > 0)) break;
    const double alpha = rr / pAp;
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] += alpha * p[i];
      r[i] -= alpha * Ap[i];
    }
    const double rr_new = dot(r, r);
    for (size_t i = 0; i < p.size(); ++i) p[i] = r[i] + (rr_new / rr) * p[i];
    rr = rr_new;
  }
  const double xFx = dot(x, fvp(x));
  if (!(xFx > 0) || !std::isfinite(xFx)) return;
  const double scale = std::sqrt(2.0 * cfg.max_kl / xFx);  // 1/2 s^2 x^T F x = max_kl
  for (auto& xi : x) xi *= scale;

  const auto base = arena_values(arena);
  const double before = surrogate(old, old, adv, cfg.entropy_coef);
  double alpha = 1.0;
  for (int j = 0; j < cfg.line_search_steps; ++j, alpha *= cfg.line_search_shrink) {
    set_values(arena, base, alpha, x);
    const auto now = snapshot(c, strings);
    const double kl = kl_between(old, now);
    if (std::isfinite(kl) && kl <= cfg.kl_accept * cfg.max_kl && surrogate(now, old, adv, cfg.entropy_coef) > before) {
      stats.line_search_steps = j;
      stats.stepped = true;
      return;
    }
  }
  restore(arena, base);
  stats.line_search_steps = cfg.line_search_steps;
}

}  // namespace

std::string_view method_name(Method m) {
  switch (m) {
    case Method::Reinforce: return "reinforce";
    case Method::Ppo: return "ppo";
    default: return "trpo";
  }
}

std::optional<Method> parse_method(std::string_view name) {
  if (name == "reinforce") return Method::Reinforce;
  if (name == "ppo") return Method::Ppo;
  if (name == "trpo") return Method::Trpo;
  return std::nullopt;
}

std::vector<double> advantages(Baseline& b, double decay, std::span<const double> rewards) {
  if (!b.initialized && !rewards.empty()) {
    b.value = mean(rewards);
    b.initialized = true;
  }
  std::vector<double> adv;
  adv.reserve(rewards.size());
  for (double r : rewards) adv.push_back(r - b.value);
  for (double r : rewards) b.value = decay * b.value + (1.0 - decay) * r;
  return adv;
}

PolicySnapshot snapshot(const Controller& c, const std::vector<Choices>& strings) {
  ag::NoGradGuard no_grad;
  const auto z = c.logits(strings);
  const auto m = c.masks(strings);
  const size_t B = strings.size();
  PolicySnapshot s;
  s.strings = strings;
  s.log_prob.assign(B, 0.0);
  s.entropy.assign(B, 0.0);
  for (int pos = 0; pos < c.length(); ++pos) {
    const auto K = static_cast<std::int64_t>(c.choices(pos).size());
    std::vector<double> p(B * K);
    for (size_t b = 0; b < B; ++b) {
      double* row = p.data() + b * K;
      masked_softmax(z[pos].value().data() + b * K, m[pos].data() + b * K, K, row);
      s.log_prob[b] += std::log(row[strings[b][pos]]);
      for (std::int64_t k = 0; k < K; ++k)
        if (row[k] > 0) s.entropy[b] -= row[k] * std::log(row[k]);
    }
    s.probs.push_back(std::move(p));
  }
  return s;
}

double mean_kl(const Controller& c, const PolicySnapshot& old) { return kl_between(old, snapshot(c, old.strings)); }

double kl_between(const PolicySnapshot& old, const PolicySnapshot& now) {
  double kl = 0;
  for (size_t pos = 0; pos < old.probs.size(); ++pos)
    for (size_t i = 0; i < old.probs[pos].size(); ++i) {
      const double p = old.probs[pos][i], q = now.probs[pos][i];
      if (p > 0) kl += p * (std::log(p) - std::log(q));
    }
  return kl / static_cast<double>(old.strings.size());
}

std::vector<double> fisher_vector_product(Controller& c, const PolicySnapshot& at, std::span<const double> v,
                                          double fd_step) {
  SingleThreaded one_thread;
  ParamArena& arena = c.arena();
  if (static_cast<std::int64_t>(v.size()) != arena.size())
    throw std::invalid_argument("fisher_vector_product: size mismatch");
  const double norm = std::sqrt(dot(v, v));
  if (norm == 0) return std::vector<double>(v.size(), 0.0);
  const double h = fd_step / norm;
  const auto base = arena_values(arena);
  std::vector<Tensor> plus, minus;
  {
    ag::NoGradGuard no_grad;
    set_values(arena, base, h, v);
    for (auto& z : c.logits(at.strings)) plus.push_back(z.value());
    set_values(arena, base, -h, v);
    for (auto& z : c.logits(at.strings)) minus.push_back(z.value());
  }
  restore(arena, base);
  // u = (diag(p) - p p^T) J v / B per row; masked entries have p = 0 and drop out.
  const auto B = static_cast<std::int64_t>(at.strings.size());
  const auto z = c.logits(at.strings);
  ag::Var loss;
  for (int pos = 0; pos < c.length(); ++pos) {
    const std::int64_t K = static_cast<std::int64_t>(c.choices(pos).size());
    std::vector<float> u(static_cast<size_t>(B * K));
    for (std::int64_t b = 0; b < B; ++b) {
      const double* p = at.probs[pos].data() + b * K;
      std::vector<double> jv(K);
      double pjv = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        jv[k] = (static_cast<double>(plus[pos].data()[b * K + k]) - minus[pos].data()[b * K + k]) / (2 * h);
        pjv += p[k] * jv[k];
      }
      for (std::int64_t k = 0; k < K; ++k)
        u[b * K + k] = static_cast<float>(p[k] * (jv[k] - pjv) / static_cast<double>(B));
    }
    ag::Var term = ag::sum(ag::mul(z[pos], ag::Var(Tensor::from({B, K}, u))));
    loss = pos == 0 ? term : ag::add(loss, term);
  }
  arena.zero_grad();
  ag::backward(loss);
  return arena_grads(arena);
}

UpdateStats update(Controller& c, PgState& st, const PgConfig& cfg, const std::vector<Sample>& samples,
                   std::span<const double> rewards) {
  SingleThreaded one_thread;  // backward passes run here too
  if (samples.empty()) throw std::invalid_argument("update: no samples");
  if (samples.size() != rewards.size())
    throw std::invalid_argument(fmt::format("update: {} samples but {} rewards", samples.size(), rewards.size()));
  for (double r : rewards)
    if (!std::isfinite(r))
      throw std::invalid_argument("update: a reward is not finite (give failed runs a finite reward)");
  const auto strings = strings_of(samples);
  for (size_t i = 0; i < strings.size(); ++i)
    if (auto why = check(c.space(), strings[i]); !why.empty())
      throw std::invalid_argument(fmt::format("update: sample {} is not a string of the space: {}", i, why));

  for (size_t i = 0; i < samples.size(); ++i)
    if (!(samples[i].log_prob <= 0.0) || !std::isfinite(samples[i].log_prob))
      throw std::invalid_argument(
          fmt::format("update: sample {} has no sampling-time log-probability ({})", i, samples[i].log_prob));

  UpdateStats stats;
  stats.mean_reward = mean(rewards);
  const auto old = snapshot(c, strings);
  stats.entropy = mean(old.entropy);
  auto adv = advantages(st.baseline, cfg.baseline_decay, rewards);
  // Off-policy correction: a string drawn by an older policy mu (the lookahead samples batch k+1
  // before the update on batch k) weighs rho_i = min(rho_bar, pi_old(s_i) / mu(s_i)), V-trace's
  // truncated importance weight. Every method's objective is linear in A_i, so scaling A_i by
  // rho_i weights REINFORCE's gradient, TRPO's surrogate and PPO's clipped term alike, while the
  // trust region (TRPO's KL, PPO's clip of pi/pi_old) stays measured against pi_old, the
  // controller as it is now: the decoupled form of Hilton et al. 2021.
  stats.min_weight = 1.0;
  for (size_t i = 0; i < adv.size(); ++i) {
    const double rho = std::min(cfg.rho_bar, std::exp(old.log_prob[i] - samples[i].log_prob));
    adv[i] *= rho;
    stats.mean_weight += rho / static_cast<double>(adv.size());
    stats.min_weight = std::min(stats.min_weight, rho);
  }
  switch (cfg.method) {
    case Method::Reinforce: reinforce(c, st, cfg, strings, adv); break;
    case Method::Ppo: ppo(c, st, cfg, strings, adv, old); break;
    case Method::Trpo: trpo(c, cfg, strings, adv, old, stats); break;
  }
  c.arena().zero_grad();
  stats.kl = mean_kl(c, old);
  stats.baseline = st.baseline.value;
  ++st.updates;
  return stats;
}

}  // namespace nos::rl
