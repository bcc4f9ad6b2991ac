#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "dslc/random.h"

namespace nos::optim {

Schedule zaremba_schedule(uint64_t steps_per_epoch, int decay_start, double decay) {
  return {
      .kind = ScheduleKind::Zaremba, .decay_steps = steps_per_epoch, .decay_rate = decay, .decay_start = decay_start};
}

std::string validate(const Schedule& s) {
  if (s.kind != ScheduleKind::Constant && s.decay_steps == 0) return "schedule: decay_steps must be > 0";
  if ((s.kind == ScheduleKind::Step || s.kind == ScheduleKind::Zaremba) &&
      !(s.decay_rate >= 0.0 && std::isfinite(s.decay_rate)))
    return "schedule: decay_rate must be finite and >= 0";
  if (!std::isfinite(s.alpha) || !std::isfinite(s.beta) || !std::isfinite(s.num_periods))
    return "schedule: alpha, beta and num_periods must be finite";
  if (!(s.initial_variance >= 0.0)) return "schedule: initial_variance must be >= 0";
  if (s.kind == ScheduleKind::Zaremba && s.decay_start < 0) return "schedule: decay_start must be >= 0";
  return {};
}

double schedule_noise(const Schedule& s, uint64_t global_step) {
  // Parameter index ~0 and draw 0: a key no rule's element draw can have.
  return dslc::rng::normal(dslc::rng::bits(s.seed, global_step, ~uint64_t{0}, 0));
}

double learning_rate(const Schedule& s, double lr0, uint64_t global_step) {
  const double T = static_cast<double>(s.decay_steps);
  switch (s.kind) {
    case ScheduleKind::Constant: return lr0;
    case ScheduleKind::Step: return lr0 * std::pow(s.decay_rate, std::floor(static_cast<double>(global_step) / T));
    case ScheduleKind::Cosine: {
      const double t = static_cast<double>(std::min(global_step, s.decay_steps));
      const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * t / T));
      return lr0 * ((1.0 - s.alpha) * cosine + s.alpha);
    }
    case ScheduleKind::LinearCosine:
    case ScheduleKind::NoisyLinearCosine: {
      const double t = static_cast<double>(std::min(global_step, s.decay_steps));
      double linear = (T - t) / T;
      if (s.kind == ScheduleKind::NoisyLinearCosine) {
        const double var = s.initial_variance / std::pow(1.0 + t, s.variance_decay);
        linear += std::sqrt(var) * schedule_noise(s, global_step);
      }
      const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * 2.0 * s.num_periods * (t / T)));
      return lr0 * ((s.alpha + linear) * cosine + s.beta);
    }
    case ScheduleKind::Zaremba: {
      const auto epoch = static_cast<int>(std::min<uint64_t>(global_step / s.decay_steps + 1, 1u << 30));
      return lr0 * std::pow(s.decay_rate, std::max(0, epoch - s.decay_start));
    }
  }
  return lr0;
}

}  // namespace nos::optim
