// Optimizer(const jit::Kernel&, options): a rule compiled once, shared by many optimizers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dslc/compile.h"
#include "jit/kernel.h"
#include "optim/optimizer.h"

namespace nos::optim {
namespace {

std::vector<float> run(Optimizer& opt, int steps) {
  std::vector<float> w(37), g(37);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * static_cast<float>(i) - 1.0f;
  opt.add(w.data(), g.data(), w.size());
  for (int t = 0; t < steps; ++t) {
    for (size_t i = 0; i < w.size(); ++i) g[i] = w[i] * w[i] - 0.5f;
    opt.step();
  }
  return w;
}

TEST(OptimKernelConstructor, OneCompilationServesEveryRateBitForBitAsTheText) {
  const char* rule = "mul g exp mul sign_g sign_m";  // PowerSign
  const jit::Kernel k = jit::compile_kernel(dslc::compile_rule(rule, "optimizer"));
  const std::uint64_t compiled = jit::compiled_kernel_total();
  for (double lr : {1e-3, 1e-2, 1e-1}) {
    const OptimizerOptions o{.hyper = {.lr = lr}};
    Optimizer from_kernel(k, o), from_text(rule, o);
    EXPECT_EQ(run(from_kernel, 5), run(from_text, 5)) << "lr " << lr;
    EXPECT_EQ(from_kernel.canonical(), from_text.canonical());
    EXPECT_EQ(from_kernel.hash(), from_text.hash());
    EXPECT_EQ(from_kernel.state_bits(), from_text.state_bits());
  }
  EXPECT_EQ(jit::compiled_kernel_total(), compiled);  // the text constructor found the kernel cached
}

TEST(OptimKernelConstructor, ChecksWhatTheTextConstructorChecks) {
  EXPECT_THROW(Optimizer(jit::Kernel{}, {}), std::invalid_argument);  // not compiled
  const jit::Kernel decayed = jit::compile_kernel(dslc::compile_rule("mul g ld", "optimizer"));
  EXPECT_TRUE(decayed.needs_total);
  try {
    Optimizer(decayed, {});
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "optimizer: the rule reads ld/cd/rd: set hyper.total_steps");
  }
  EXPECT_NO_THROW(Optimizer(decayed, {.hyper = {.total_steps = 10}}));
  const jit::Kernel adam = jit::compile_kernel(dslc::compile_rule("adam", "optimizer"));
  EXPECT_THROW(Optimizer(adam, {.hyper = {.beta1 = 1.0}}), std::invalid_argument);
}

}  // namespace
}  // namespace nos::optim
