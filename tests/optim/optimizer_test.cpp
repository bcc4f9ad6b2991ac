// The optimizer runtime: state allocation, checkpoints, schedules, the ParamArena binding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "optim/arena_optimizer.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"

namespace nos::optim {
namespace {

TEST(OptimOptimizer, AllocatesOnlyTheStateTheRuleReads) {
  std::vector<float> w(100), g(100);
  struct Case {
    const char* rule;
    size_t buffers;
  };
  for (const Case& c : {Case{"g", 0}, Case{"mul g exp mul sign_g sign_m", 1}, Case{"adam", 2}, Case{"rmsprop", 1},
                        Case{"add y mul m v", 3}, Case{"drop5 noise", 0}, Case{"mom", 1}, Case{"lion", 1},
                        Case{"add mul lion nesterov adam", 4}}) {
    Optimizer opt(c.rule);
    opt.add(w.data(), g.data(), 60);
    opt.add(w.data() + 60, g.data() + 60, 40);
    EXPECT_EQ(opt.size(), 100u);
    EXPECT_EQ(opt.state_bytes(), c.buffers * 100 * sizeof(float)) << c.rule;
  }
}

TEST(OptimOptimizer, RejectsBadRulesAndHyperparameters) {
  EXPECT_THROW(Optimizer("mul g sgn_m"), std::invalid_argument);
  OptimizerOptions o;
  o.hyper.beta1 = 1.0;
  EXPECT_THROW(Optimizer("adam", o), std::invalid_argument);
  EXPECT_THROW(Optimizer("mul g ld"), std::invalid_argument);  // needs total_steps
  OptimizerOptions s;
  s.schedule.kind = ScheduleKind::Cosine;  // decay_steps 0
  EXPECT_THROW(Optimizer("g", s), std::invalid_argument);
}

TEST(OptimOptimizer, SgdStepsEveryRegisteredBuffer) {
  std::vector<float> a(37, 1.0f), ga(37, 2.0f), b(5, -1.0f), gb(5, 0.5f);
  OptimizerOptions o;
  o.hyper.lr = 0.25;
  Optimizer opt("g", o);
  opt.add(a.data(), ga.data(), a.size());
  opt.add(b.data(), gb.data(), b.size());
  opt.step();
  for (float x : a) EXPECT_EQ(x, 1.0f - 0.25f * 2.0f);
  for (float x : b) EXPECT_EQ(x, -1.0f - 0.25f * 0.5f);
  EXPECT_EQ(opt.steps(), 1u);
  EXPECT_THROW(opt.add(a.data(), ga.data(), 1), std::logic_error);
}

TEST(OptimOptimizer, SetLearningRateOverridesTheSchedule) {
  std::vector<float> w(19, 0.0f), g(19, 1.0f);
  OptimizerOptions o;
  o.hyper.lr = 1.0;
  o.schedule = {.kind = ScheduleKind::Step, .decay_steps = 1, .decay_rate = 0.5};
  Optimizer opt("g", o);
  opt.add(w.data(), g.data(), w.size());
  opt.step();  // the schedule: lr 1
  EXPECT_EQ(w[0], -1.0f);
  EXPECT_EQ(opt.learning_rate(), 0.5);
  opt.set_learning_rate(0.25);  // from now on the caller's rate, whatever the schedule says
  EXPECT_EQ(opt.learning_rate(), 0.25);
  opt.step();
  opt.step();
  for (float x : w) EXPECT_EQ(x, -1.5f);
  opt.set_learning_rate(0.0);
  opt.step();
  EXPECT_EQ(w[18], -1.5f);
  EXPECT_THROW(opt.set_learning_rate(-1.0), std::invalid_argument);
  EXPECT_THROW(opt.set_learning_rate(std::nan("")), std::invalid_argument);
  EXPECT_EQ(opt.learning_rate(), 0.0);  // a rejected rate changes nothing
}

// Heavy ball with the rate set before every step, as nos-train drives it: the textbook
// recurrence (in double; float rounding over 6 steps stays far below the tolerance), and the
// rate really changes the step.
TEST(OptimOptimizer, MomentumWithACallerDrivenRateMatchesTheTextbook) {
  const size_t n = 37;
  std::vector<float> w(n), g(n);
  std::vector<double> ref(n), vel(n, 0.0);
  for (size_t i = 0; i < n; ++i) ref[i] = w[i] = 0.1f * static_cast<float>(i) - 1.0f;
  OptimizerOptions o;
  o.hyper.mu = 0.5;
  Optimizer opt("mom", o);
  opt.add(w.data(), g.data(), n);
  for (int t = 1; t <= 6; ++t) {
    const double rate = 1.0 / t;
    for (size_t i = 0; i < n; ++i) g[i] = std::sin(static_cast<float>(i * t));
    opt.set_learning_rate(rate);
    opt.step();
    for (size_t i = 0; i < n; ++i) {
      vel[i] = 0.5 * vel[i] + g[i];
      ref[i] -= rate * vel[i];
      ASSERT_NEAR(w[i], ref[i], 1e-5 * std::max(1.0, std::fabs(ref[i]))) << "step " << t << " element " << i;
    }
  }
}

// Save after k steps, keep going; a fresh optimizer loaded from the checkpoint and given the same
// weights and gradients continues bit for bit the same.
TEST(OptimOptimizer, CheckpointRestoresStateExactly) {
  const size_t n = 1001;
  auto grad = [](size_t i, int t) { return std::sin(0.1f * static_cast<float>(i) + 0.7f * static_cast<float>(t)); };
  std::vector<float> w(n, 0.5f), g(n);
  OptimizerOptions o;
  o.hyper.seed = 3;
  o.schedule = {.kind = ScheduleKind::Cosine, .decay_steps = 20};
  const char* rule = "add mul adam exp m mul drop1 y ep";
  Optimizer a(rule, o);
  a.add(w.data(), g.data(), n);
  for (int t = 0; t < 5; ++t) {
    for (size_t i = 0; i < n; ++i) g[i] = grad(i, t);
    a.step();
  }
  std::stringstream ck;
  a.save(ck);
  std::vector<float> w2 = w;
  for (int t = 5; t < 9; ++t) {
    for (size_t i = 0; i < n; ++i) g[i] = grad(i, t);
    a.step();
  }
  std::vector<float> g2(n);
  Optimizer b(rule, o);
  b.add(w2.data(), g2.data(), n);
  b.load(ck);
  EXPECT_EQ(b.steps(), 5u);
  EXPECT_EQ(b.learning_rate(), a.learning_rate() == 0 ? 0 : learning_rate(o.schedule, o.hyper.lr, 5));
  for (int t = 5; t < 9; ++t) {
    for (size_t i = 0; i < n; ++i) g2[i] = grad(i, t);
    b.step();
  }
  EXPECT_EQ(std::memcmp(w.data(), w2.data(), n * sizeof(float)), 0);

  // Wrong rule, wrong size, truncated stream.
  std::stringstream ck2(ck.str());
  Optimizer other("adam", o);
  other.add(w2.data(), g2.data(), n);
  EXPECT_THROW(other.load(ck2), std::runtime_error);
  Optimizer small(rule, o);
  small.add(w2.data(), g2.data(), n - 1);
  std::stringstream ck3(ck.str());
  EXPECT_THROW(small.load(ck3), std::runtime_error);
  std::stringstream cut(ck.str().substr(0, ck.str().size() - 3));
  Optimizer c(rule, o);
  c.add(w2.data(), g2.data(), n);
  EXPECT_THROW(c.load(cut), std::runtime_error);
  EXPECT_EQ(c.steps(), 0u);
}

TEST(OptimOptimizer, StepsAParamArena) {
  ParamArena arena;
  auto p1 = arena.add("conv.w", Shape{3, 4});
  auto p2 = arena.add("fc.b", Shape{10});
  float* v = arena.values();
  float* g = arena.grads();
  for (int64_t i = 0; i < arena.size(); ++i) v[i] = 1.0f, g[i] = static_cast<float>(i);
  OptimizerOptions o;
  o.hyper.lr = 0.5;
  Optimizer opt("g", o);
  add_arena(opt, arena);
  EXPECT_EQ(opt.size(), 22u);
  opt.step();
  for (int64_t i = 0; i < arena.size(); ++i) EXPECT_EQ(v[i], 1.0f - 0.5f * static_cast<float>(i));
  (void)p1, (void)p2;
}

// TensorFlow 1.x definitions (tf.train.cosine_decay, linear_cosine_decay,
// noisy_linear_cosine_decay, exponential_decay with staircase), written out independently.
TEST(OptimSchedule, MatchesTensorFlowDefinitions) {
  const double pi = 3.14159265358979323846;
  const double lr = 0.1;
  for (uint64_t t : {0ull, 1ull, 7ull, 50ull, 99ull, 100ull, 250ull}) {
    const double T = 100, tc = std::min<double>(static_cast<double>(t), T);
    EXPECT_EQ(learning_rate(Schedule{}, lr, t), lr);
    Schedule st{.kind = ScheduleKind::Step, .decay_steps = 30, .decay_rate = 0.5};
    EXPECT_DOUBLE_EQ(learning_rate(st, lr, t), lr * std::pow(0.5, std::floor(static_cast<double>(t) / 30)));
    Schedule cs{.kind = ScheduleKind::Cosine, .decay_steps = 100, .alpha = 0.1};
    EXPECT_DOUBLE_EQ(learning_rate(cs, lr, t), lr * (0.9 * 0.5 * (1 + std::cos(pi * tc / T)) + 0.1));
    Schedule lc{.kind = ScheduleKind::LinearCosine, .decay_steps = 100};
    const double linear = (T - tc) / T, cosine = 0.5 * (1 + std::cos(pi * 2 * 0.5 * tc / T));
    EXPECT_DOUBLE_EQ(learning_rate(lc, lr, t), lr * ((0.0 + linear) * cosine + 0.001));
    Schedule nl{.kind = ScheduleKind::NoisyLinearCosine, .decay_steps = 100, .seed = 9};
    const double sd = std::sqrt(1.0 / std::pow(1 + tc, 0.55));
    EXPECT_DOUBLE_EQ(learning_rate(nl, lr, t), lr * ((linear + sd * schedule_noise(nl, t)) * cosine + 0.001));
  }
  // The noise is a standard normal: mean ~0, variance ~1 over many steps; deterministic per seed.
  Schedule nl{.kind = ScheduleKind::NoisyLinearCosine, .decay_steps = 100, .seed = 1};
  double s = 0, s2 = 0;
  const int N = 20000;
  for (int t = 0; t < N; ++t) {
    const double z = schedule_noise(nl, static_cast<uint64_t>(t));
    s += z, s2 += z * z;
  }
  EXPECT_NEAR(s / N, 0.0, 0.03);
  EXPECT_NEAR(s2 / N, 1.0, 0.05);
  EXPECT_EQ(schedule_noise(nl, 3), schedule_noise(nl, 3));
}

TEST(OptimSchedule, DrivesTheOptimizerLearningRate) {
  std::vector<float> w(3, 0.0f), g(3, 1.0f);
  OptimizerOptions o;
  o.hyper.lr = 1.0;
  o.schedule = {.kind = ScheduleKind::Step, .decay_steps = 2, .decay_rate = 0.5};
  Optimizer opt("g", o);
  opt.add(w.data(), g.data(), 3);
  const float want[] = {-1.0f, -2.0f, -2.5f, -3.0f, -3.25f};
  for (float x : want) {
    opt.step();
    EXPECT_EQ(w[0], x);
  }
}

}  // namespace
}  // namespace nos::optim
