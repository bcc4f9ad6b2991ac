// Embedding a JIT-compiled optimizer in your own training code.
//
// The weights and gradients are plain std::vectors owned by this program; nos only compiles the
// rule and steps them. Here: least squares, minimize 0.5 * sum_i (w_i - target_i)^2, so the
// gradient is w - target. Build: cmake --build build/release --target nos-embed-optimizer
//   ./build/release/jit/nos-embed-optimizer ['RULE']        (default: PowerSign)
#include <cmath>
#include <cstdio>
#include <exception>
#include <sstream>
#include <vector>

#include "optim/optimizer.h"

int main(int argc, char** argv) {
  const char* rule = argc > 1 ? argv[1] : "mul g exp mul sign_g sign_m";
  const size_t n = 1000;
  std::vector<float> w(n, 0.0f), g(n), target(n);
  for (size_t i = 0; i < n; ++i) target[i] = std::sin(0.01f * static_cast<float>(i));

  try {
    nos::optim::OptimizerOptions options;
    options.hyper.lr = 0.01;
    options.hyper.total_steps = 500;
    options.schedule = {.kind = nos::optim::ScheduleKind::Cosine, .decay_steps = 500};
    nos::optim::Optimizer opt(rule, options);
    opt.add(w.data(), g.data(), n);
    std::printf("rule %s (canonical: %s), %zu bytes of state, %d lanes\n", rule, opt.canonical().c_str(),
                opt.state_bytes(), opt.vector_width());

    auto loss = [&] {
      double l = 0;
      for (size_t i = 0; i < n; ++i) l += 0.5 * (w[i] - target[i]) * (w[i] - target[i]);
      return l;
    };
    std::stringstream checkpoint;
    for (int t = 1; t <= 500; ++t) {
      for (size_t i = 0; i < n; ++i) g[i] = w[i] - target[i];  // your backward pass
      opt.step();
      if (t == 250) opt.save(checkpoint);  // state + step count, bit for bit
      if (t % 100 == 0) std::printf("step %3d  lr %.5f  loss %.6f\n", t, opt.learning_rate(), loss());
    }
    opt.load(checkpoint);  // back to step 250's optimizer state (the weights are yours to restore)
    std::printf("restored the checkpoint of step %llu\n", static_cast<unsigned long long>(opt.steps()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
