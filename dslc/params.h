// Hyperparameters and the per-step parameter block.
//
// Everything a rule reads that is the same for every element of a step is computed once per step,
// on the host, into StepParams: the JIT passes this block to its kernel and the interpreter reads
// the same numbers, so both backends see identical bias corrections and decay values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "dslc/state.h"

namespace nos::dslc {

struct Hyper {
  double lr = 0.01;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double beta3 = 0.999;
  double eps = 1e-8;
  double mu = 0.9;           // heavy-ball momentum of mom / nesterov
  double lion_beta2 = 0.99;  // decay of Lion's momentum (its beta1 is beta1)
  uint64_t total_steps = 0;  // T for ld/cd/rd; 0 = unknown (rules using decay need it)
  uint64_t seed = 0;
};

// Empty if usable, else what is wrong. The betas must lie in [0, 1): then every bias correction
// 1 - beta^t is in (0, 1] and v >= 0, which the passes rely on (sign(m / bc) == sign(m),
// m / (sqrt|v| + eps) == adam) and which any sensible run satisfies.
std::string validate(const Hyper& h);

// Slots of the per-step block. IR Param instructions name a slot.
enum class Slot : uint8_t {
  Lr,
  Beta1,
  OneMinusBeta1,
  Beta2,
  OneMinusBeta2,
  Beta3,
  OneMinusBeta3,
  Bc1,
  Bc2,
  Bc3,  // bias corrections 1 - beta^t
  Eps,
  Ld,
  Cd,
  Rd,     // sign-decay values at the 0-based step
  EpStd,  // standard deviation of ep at this step
  Mu,     // heavy-ball momentum
  LionBeta2,
  OneMinusLionBeta2,  // Lion's momentum decay
  Beta2Pow,           // beta2^t, in double before the cast: what is left of an accumulator started at 1
  Count
};
inline constexpr int kSlotCount = static_cast<int>(Slot::Count);
std::string_view slot_name(Slot s);

struct StepParams {
  std::array<double, kSlotCount> slot{};
  uint64_t step = 0;  // 1-based
  uint64_t seed = 0;
  double operator[](Slot s) const { return slot[static_cast<size_t>(s)]; }
};

// TensorFlow's sign-decay functions (tf.contrib.opt sign_decay.py) at 0-based step t over T steps:
//   linear:  max(0, (T - min(t, T)) / T)
//   cosine:  0.5 * (1 + cos(pi * 2 * 0.5 * min(t, T) / T))       (num_periods = 0.5)
//   restart: 0.5 * (1 + cos(pi * ((1 * min(t, T)) mod T) / T))   (num_periods = 1)
double linear_decay(uint64_t t, uint64_t total);
double cosine_decay(uint64_t t, uint64_t total);
double restart_decay(uint64_t t, uint64_t total);
// Standard deviation of ep: variance 1 / (1 + t)^0.55 at 0-based step t, as TensorFlow's
// noisy_linear_cosine_decay (initial_variance 1, variance_decay 0.55).
double ep_stddev(uint64_t t);

// The block for 1-based step `step`. Decay slots are 0 when h.total_steps == 0.
StepParams step_params(const Hyper& h, uint64_t step);

// One element's view during a step: its weight, gradient and the value a rule reads from each
// state (the updated, raw, not bias-corrected value; for Lion's l the interpolation taken before
// the update: state.h). Symbols' reference semantics read it.
struct Element {
  std::array<double, kBufCount> buf{};
  uint64_t index = 0;  // parameter index: part of the random key
  const StepParams* p = nullptr;
  double operator[](Buf b) const { return buf[static_cast<size_t>(b)]; }
  double& operator[](Buf b) { return buf[static_cast<size_t>(b)]; }
};

}  // namespace nos::dslc
