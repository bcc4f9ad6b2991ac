// Optimizer: a JIT-compiled update rule bound to float buffers, stepping all of them with one call.
//
// The public embedding API of nos: no LLVM types, no nos tensors. A user keeps their own weight
// and gradient buffers, registers them with add(), and calls step() after each backward pass:
//
//   nos::optim::Optimizer opt("mul g exp mul sign_g sign_m", {.hyper = {.lr = 1e-3}});   // PowerSign
//   opt.add(weights.data(), grads.data(), weights.size());
//   for (...) { compute grads; opt.step(); }
//
// State (m, v, y, k, l) is allocated zeroed for exactly the buffers the rule reads. step() splits all
// registered elements into one contiguous range per thread (OpenMP); every element's update
// depends only on its own data and its parameter index, so results are identical for any thread
// count. Buffers must stay valid and not move while registered; a nos ParamArena is bound with
// optim/arena_optimizer.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "dslc/params.h"
#include "optim/schedule.h"

namespace nos::jit {
struct Kernel;  // jit/kernel.h: a compiled rule; not part of the installed API
}

namespace nos::optim {

struct OptimizerOptions {
  dslc::Hyper hyper;  // lr is the base rate the schedule scales; total_steps feeds ld/cd/rd
  Schedule schedule;
  int threads = 0;  // 0: OpenMP's default (omp_get_max_threads)
};

class Optimizer {
 public:
  // Parses and compiles `rule` (prefix or controller form, dslc/README.md). Throws
  // std::invalid_argument with dslc's diagnostics for a bad rule or bad hyperparameters.
  explicit Optimizer(std::string_view rule, const OptimizerOptions& options = {});
  // A rule compiled once (jit::compile_kernel(dslc::compile_rule(text))), shared by every
  // Optimizer built from it: a learning-rate sweep compiles its rule once. Throws
  // std::invalid_argument for an empty kernel or bad options, as the text constructor does.
  Optimizer(const jit::Kernel& kernel, const OptimizerOptions& options);
  ~Optimizer();
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Registers n weights and their gradients (distinct buffers, not overlapping any other
  // registered buffer). Parameter indices (the random key) follow registration order.
  // Allocates zeroed state for them; throws std::logic_error after the first step().
  void add(float* w, const float* g, size_t n);

  // One update of every registered element: step t = steps() + 1.
  void step();

  uint64_t steps() const;                // steps taken
  size_t size() const;                   // registered elements
  size_t state_bytes() const;            // bytes of optimizer state allocated
  uint8_t state_bits() const;            // dslc::StateBits of the rule
  uint64_t hash() const;                 // canonical hash of the rule
  const std::string& canonical() const;  // canonical prefix form
  double learning_rate() const;          // the rate the next step() will use
  // Overrides the schedule: every following step() uses exactly `lr` (rules still see it as
  // their `lr`), until the next call. For embedders that drive the rate themselves (nos's own
  // loops give the rate to the schedule instead). Throws std::invalid_argument unless finite and >= 0.
  void set_learning_rate(double lr);
  void set_threads(int threads);  // 0: OpenMP's default
  int vector_width() const;

  // Checkpoints: the step count and every state buffer, bit for bit. load() requires the same
  // rule (hash) and the same registered size; it throws std::runtime_error otherwise or on a
  // truncated or corrupt stream.
  void save(std::ostream& out) const;
  void load(std::istream& in);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nos::optim
