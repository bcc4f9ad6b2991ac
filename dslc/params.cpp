#include "dslc/params.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace nos::dslc {

std::string_view slot_name(Slot s) {
  static constexpr std::array<std::string_view, kSlotCount> names = {
      "lr",  "beta1", "1-beta1", "beta2", "1-beta2", "beta3", "1-beta3",    "bc1",          "bc2",    "bc3",
      "eps", "ld",    "cd",      "rd",    "ep_std",  "mu",    "lion_beta2", "1-lion_beta2", "beta2^t"};
  return names[static_cast<size_t>(s)];
}

std::string validate(const Hyper& h) {
  const std::pair<const char*, double> betas[] = {
      {"beta1", h.beta1}, {"beta2", h.beta2}, {"beta3", h.beta3}, {"mu", h.mu}, {"lion_beta2", h.lion_beta2}};
  for (const auto& [name, b] : betas)
    if (!(b >= 0.0 && b < 1.0)) return std::string(name) + " must be in [0, 1)";
  if (!std::isfinite(h.lr)) return "lr must be finite";
  if (!(h.eps >= 0.0) || !std::isfinite(h.eps)) return "eps must be finite and >= 0";
  return {};
}

double linear_decay(uint64_t t, uint64_t total) {
  if (total == 0) return 0.0;
  const uint64_t c = std::min(t, total);
  return std::max(0.0, static_cast<double>(total - c) / static_cast<double>(total));
}

double cosine_decay(uint64_t t, uint64_t total) {
  if (total == 0) return 0.0;
  const double fraction = 2.0 * 0.5 * static_cast<double>(std::min(t, total)) / static_cast<double>(total);
  return 0.5 * (1.0 + std::cos(std::numbers::pi * fraction));
}

double restart_decay(uint64_t t, uint64_t total) {
  if (total == 0) return 0.0;
  const double num = std::fmod(1.0 * static_cast<double>(std::min(t, total)), static_cast<double>(total));
  return 0.5 * (1.0 + std::cos(std::numbers::pi * (num / static_cast<double>(total))));
}

double ep_stddev(uint64_t t) { return std::sqrt(1.0 / std::pow(1.0 + static_cast<double>(t), 0.55)); }

StepParams step_params(const Hyper& h, uint64_t step) {
  StepParams p;
  auto set = [&](Slot s, double v) { p.slot[static_cast<size_t>(s)] = v; };
  const double t = static_cast<double>(step);
  const uint64_t t0 = step == 0 ? 0 : step - 1;
  set(Slot::Lr, h.lr);
  set(Slot::Beta1, h.beta1);
  set(Slot::OneMinusBeta1, 1.0 - h.beta1);
  set(Slot::Beta2, h.beta2);
  set(Slot::OneMinusBeta2, 1.0 - h.beta2);
  set(Slot::Beta3, h.beta3);
  set(Slot::OneMinusBeta3, 1.0 - h.beta3);
  set(Slot::Bc1, 1.0 - std::pow(h.beta1, t));
  set(Slot::Bc2, 1.0 - std::pow(h.beta2, t));
  set(Slot::Bc3, 1.0 - std::pow(h.beta3, t));
  set(Slot::Eps, h.eps);
  set(Slot::Ld, linear_decay(t0, h.total_steps));
  set(Slot::Cd, cosine_decay(t0, h.total_steps));
  set(Slot::Rd, restart_decay(t0, h.total_steps));
  set(Slot::EpStd, ep_stddev(t0));
  set(Slot::Mu, h.mu);
  set(Slot::LionBeta2, h.lion_beta2);
  set(Slot::OneMinusLionBeta2, 1.0 - h.lion_beta2);
  set(Slot::Beta2Pow, std::pow(h.beta2, t));
  p.step = step;
  p.seed = h.seed;
  return p;
}

}  // namespace nos::dslc
