// Policy-gradient updates of the controller (paper §3.2): REINFORCE, PPO (clipped) and TRPO.
//
// All three maximise the expected reward of sampled strings with an exponential-moving-average
// reward baseline and an entropy bonus:
//
//   A_i = R_i - b                   (b before this batch; the first batch's mean when b is new)
//   REINFORCE  loss = -1/B sum_i A_i log pi(s_i) - beta/B sum_i H(s_i),  one Adam step
//   PPO        r_i = pi(s_i)/pi_old(s_i); maximise 1/B sum_i min(r_i A_i, clip(r_i, 1±eps) A_i)
//              + beta/B sum_i H(s_i), `ppo_epochs` Adam steps over the whole batch
//   TRPO       maximise the surrogate 1/B sum_i r_i A_i + beta/B sum_i H(s_i) subject to
//              KL(pi_old || pi) <= max_kl: natural-gradient direction by conjugate gradient on
//              Fisher-vector products, scaled to the KL bound, then a backtracking line search
//              that needs the surrogate to improve and the measured KL to stay within
//              kl_accept * max_kl (1.5, as OpenAI baselines' TRPO). No Adam: the trust region
//              sets the step.
//
// H(s_i) is the sum over positions of the entropy of the masked distribution along string i;
// KL(pi_old || pi) is the mean over the batch of the summed per-position KL along each string.
// pi_old is the controller as it is when update() starts (recomputed), so the trust region is
// measured against the current policy. The strings may have been drawn by an older policy mu
// (the search's lookahead samples batch k+1 before the update on batch k): each advantage is
// weighted by rho_i = min(rho_bar, pi_old(s_i) / mu(s_i)) from Sample::log_prob, the
// log-probability recorded at sampling (V-trace's truncation, Espeholt et al. 2018; with the
// trust region against pi_old as in decoupled PPO, Hilton et al. 2021):
//   REINFORCE  -1/B sum_i rho_i A_i log pi(s_i)
//   PPO        1/B sum_i rho_i min(r_i A_i, clip(r_i, 1±eps) A_i),   r_i = pi / pi_old
//   TRPO       1/B sum_i rho_i r_i A_i   s.t.  KL(pi_old || pi) <= max_kl
// On-policy strings (mu = pi_old) have rho_i = 1 up to rounding.
//
// Fisher-vector products use the Gauss-Newton form of the KL's Hessian, which for a categorical
// policy is exact: F v = 1/B sum_{i,p} J_ip^T (diag(p) - p p^T) J_ip v, with J_ip the Jacobian of
// position p's logits. J v is a central finite difference of the logits (two forward passes at
// theta ± h v/|v|, no graph), and J^T u is one backward pass of sum(logits * u). No double
// backward is needed, and F stays positive semi-definite for conjugate gradient.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "rl/adam.h"
#include "rl/controller.h"

namespace nos::rl {

enum class Method { Reinforce, Ppo, Trpo };
std::string_view method_name(Method m);  // "reinforce", "ppo", "trpo"
std::optional<Method> parse_method(std::string_view name);

struct PgConfig {
  Method method = Method::Trpo;  // the paper's choice
  int batch = 5;                 // strings per update (paper §4.2); the caller samples this many
  double entropy_coef = 0.0015;  // paper §4.2
  double baseline_decay = 0.95;  // per reward
  AdamConfig adam;               // lr 1e-5 (paper §4.2); REINFORCE and PPO
  // PPO
  double ppo_clip = 0.2;
  int ppo_epochs = 4;
  // TRPO
  double max_kl = 0.01;
  int cg_iters = 10;
  double cg_damping = 1e-2;  // F + damping*I, keeps CG stable where the batch says nothing
  int line_search_steps = 10;
  double line_search_shrink = 0.5;
  double kl_accept = 1.5;  // a step is accepted while KL <= kl_accept * max_kl
  double fvp_step = 1e-2;  // length of the finite-difference step for J v, in parameter space
  // Off-policy correction: importance weights pi_old/mu are truncated at rho_bar (V-trace's 1).
  double rho_bar = 1.0;
};

// The reward baseline: an exponential moving average, one reward at a time.
struct Baseline {
  double value = 0;
  bool initialized = false;
};

// A_i = R_i - b with b as it is before this batch (set to the batch mean if not yet initialized);
// then b <- decay*b + (1-decay)*R_i for each reward in order.
std::vector<double> advantages(Baseline& b, double decay, std::span<const double> rewards);

// Everything a checkpoint needs besides the controller's arena and the sampling rng.
struct PgState {
  Baseline baseline;
  AdamState adam;
  std::int64_t updates = 0;
};

struct UpdateStats {
  double mean_reward = 0;
  double baseline = 0;        // after the update
  double entropy = 0;         // mean string entropy before the update
  double kl = 0;              // KL(pi_old || pi_new) on this batch, measured after the update
  int line_search_steps = 0;  // TRPO: step halvings before acceptance
  bool stepped = true;        // TRPO: false if the line search found no acceptable step
  double mean_weight = 0;     // mean importance weight rho_i of the batch (1: on-policy)
  double min_weight = 1;      // its smallest
};

// One update from a batch of samples and their rewards (same order). Any batch size >= 1. Each
// sample's log_prob must be the one recorded when it was drawn (Controller::sample sets it);
// a positive or non-finite one is std::invalid_argument.
UpdateStats update(Controller& c, PgState& st, const PgConfig& cfg, const std::vector<Sample>& samples,
                   std::span<const double> rewards);

// ---- lower level (TRPO's pieces; tests use them) ----

// The masked distributions of the controller along given strings.
struct PolicySnapshot {
  std::vector<Choices> strings;
  std::vector<std::vector<double>> probs;  // per position: [B * K_p], row-major
  std::vector<double> log_prob, entropy;   // per string
};
PolicySnapshot snapshot(const Controller& c, const std::vector<Choices>& strings);
// Mean over strings of sum over positions of KL(old || current controller).
double mean_kl(const Controller& c, const PolicySnapshot& old);
double kl_between(const PolicySnapshot& old, const PolicySnapshot& now);  // same strings
// F v at the snapshot's weights (the controller must still hold them), without damping.
std::vector<double> fisher_vector_product(Controller& c, const PolicySnapshot& at, std::span<const double> v,
                                          double fd_step);

}  // namespace nos::rl
