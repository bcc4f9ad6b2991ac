// Mechanism probes: what a compiled update rule does, measured by stepping its JIT kernel.
//
// Every coordinate of an nos optimizer is updated independently, so one optim::Optimizer over n
// coordinates runs n probes at once. Probes use lr = 1 and put w = 0 before every step, so the
// update of a coordinate is exactly Δ = −w after the step (w ← w − lr·Δ), and rules that read w
// see w = 0. Random rules draw by parameter index: probes that compare two runs (impulse vs no
// impulse, agreeing vs disagreeing sign) give both runs the same indices, hence the same draws.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dslc/params.h"

namespace nos::analyze {

struct ProbeOptions {
  uint64_t seed = 0;            // random gradients of the descent probe, and the rule's own draws
  uint64_t total_steps = 1000;  // T for ld/cd/rd (the probes run at steps t <= ~200)
  int descent_probes = 4096;    // coordinates of the descent probe
  int warmup = 50;              // steps that warm the state before descent/agreement probes
  int impulse_at = 101;         // the step that carries the impulse (zero gradients before and after)
  double impulse = 0.01;        // its size: small, so the response is the rule's linearisation around
                                // zero gradients (a unit impulse inflates e^{g²}-type rules' peaks)
  int horizon = 100;            // steps after the impulse that are followed
  int replicas = 64;            // coordinates averaged by the scale, impulse and agreement probes
  dslc::Hyper hyper;            // betas, eps, mu; lr, seed and total_steps are set by the probes
};

// The decay values a schedule multiplies by at the 0-based steps 0, T/2 and T.
struct DecayPoints {
  double at_start = 0, at_half = 0, at_end = 0;
};

struct Mechanisms {
  std::string name, rule, canonical;
  double descent_fraction = 0;
  std::optional<double> scale_exponent;         // nullopt: fewer than 3 finite nonzero points
  std::optional<int> memory_steps;              // nullopt: still >= peak/e after `horizon` steps
  std::optional<double> max_step;               // nullopt: unbounded (or non-finite) over the sweep
  std::optional<double> sign_agreement_ratio;   // nullopt: the disagreeing update is 0 or not finite
  std::map<std::string, DecayPoints> schedule;  // ld/cd/rd the rule reads; empty: no schedule
  bool stochastic = false;
  int draws = 0;
  double state_bytes_per_param = 0;
};

// Parses, compiles and probes one rule (prefix or controller text). Throws std::invalid_argument
// with dslc's diagnostics for a bad rule.
Mechanisms probe_rule(const std::string& name, const std::string& rule, const ProbeOptions& o = {});

// ---- the curves behind the numbers, for plots and tests ----

// Δ after `steps` steps of the constant gradient c, the mean of |Δ| over `replicas` coordinates
// (each c on the same parameter indices), for every c. Entries may be inf or NaN.
std::vector<double> steady_response(const std::string& rule, const std::vector<double>& c, int steps,
                                    const ProbeOptions& o);

// Δ for each probe gradient x after `warmup` steps of the gradient +1 (so m̂ ≈ v̂ ≈ 1): the update
// as a function of the current gradient at a warm state whose momentum is positive.
std::vector<double> warm_curve(const std::string& rule, const std::vector<double>& x, const ProbeOptions& o);

// Mean over replicas of |Δ(impulse) − Δ(no impulse)| at steps impulse_at + n, n = 0..horizon, for
// the gradient o.impulse at step impulse_at and zero gradients at every other step.
std::vector<double> impulse_response(const std::string& rule, const ProbeOptions& o);

// The log-spaced gradient magnitudes of the max_step sweep: 10^(k/4), k = -32..32 (1e-8 .. 1e8).
std::vector<double> sweep_magnitudes();

}  // namespace nos::analyze
