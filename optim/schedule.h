// Learning-rate schedules, as TensorFlow 1.x defines them (tf.train.*_decay), and Zaremba et al.'s
// per-epoch decay for the PTB LSTM, evaluated on the host once per step. `global_step` is 0-based,
// like TensorFlow's during an update.
#pragma once

#include <cstdint>
#include <string>

namespace nos::optim {

enum class ScheduleKind {
  Constant,           // lr
  Step,               // exponential_decay(staircase=True): lr * decay_rate ^ floor(step / decay_steps)
  Cosine,             // cosine_decay(alpha)
  LinearCosine,       // linear_cosine_decay(num_periods, alpha, beta)
  NoisyLinearCosine,  // noisy_linear_cosine_decay(initial_variance, variance_decay, num_periods, alpha, beta)
  // Zaremba, Sutskever & Vinyals (2014): lr * decay_rate ^ max(0, epoch - decay_start), the same
  // rate for every step of the 1-based epoch = floor(step / decay_steps) + 1 (decay_steps: the
  // steps of one epoch). Small LSTM: x0.5 per epoch past the 4th (nn/train/zaremba.h).
  Zaremba,
};

struct Schedule {
  ScheduleKind kind = ScheduleKind::Constant;
  uint64_t decay_steps = 0;                              // must be > 0 for every kind but Constant
  double decay_rate = 0.1;                               // Step, Zaremba
  int decay_start = 4;                                   // Zaremba: the last epoch at the base rate
  double alpha = 0.0;                                    // Cosine, LinearCosine, NoisyLinearCosine
  double beta = 0.001;                                   // LinearCosine, NoisyLinearCosine
  double num_periods = 0.5;                              // LinearCosine, NoisyLinearCosine
  double initial_variance = 1.0, variance_decay = 0.55;  // NoisyLinearCosine
  uint64_t seed = 0;  // NoisyLinearCosine: its noise is a pure function of (seed, step)
};

// Zaremba's schedule for epochs of `steps_per_epoch` steps.
Schedule zaremba_schedule(uint64_t steps_per_epoch, int decay_start, double decay);

// Empty if usable, else what is wrong.
std::string validate(const Schedule& s);

// The learning rate at 0-based `global_step` for base rate lr0.
double learning_rate(const Schedule& s, double lr0, uint64_t global_step);

// The standard normal NoisyLinearCosine adds (scaled by its standard deviation) at a step.
double schedule_noise(const Schedule& s, uint64_t global_step);

}  // namespace nos::optim
