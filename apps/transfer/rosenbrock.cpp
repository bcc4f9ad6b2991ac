#include "apps/transfer/rosenbrock.h"

#include <fmt/format.h>

#include <cmath>

#include "optim/optimizer.h"

namespace nos::transfer {

double rosenbrock(double x, double y) {
  const double a = 1 - x, b = y - x * x;
  return a * a + 100 * b * b;
}

std::array<double, 2> rosenbrock_grad(double x, double y) {
  const double b = y - x * x;
  return {-2 * (1 - x) - 400 * x * b, 200 * b};
}

RosenbrockRun run_rosenbrock(const std::string& rule, dslc::Hyper hyper, int iterations, double x0, double y0) {
  hyper.total_steps = static_cast<std::uint64_t>(iterations);
  // Two weights: one thread, so no OpenMP region is started per step.
  optim::Optimizer opt(rule, {.hyper = hyper, .threads = 1});
  float w[2] = {static_cast<float>(x0), static_cast<float>(y0)};
  float g[2] = {0, 0};
  opt.add(w, g, 2);
  RosenbrockRun run;
  run.path.reserve(static_cast<size_t>(iterations) + 1);
  run.path.push_back({w[0], w[1], rosenbrock(w[0], w[1])});
  for (int it = 1; it <= iterations; ++it) {
    const auto d = rosenbrock_grad(w[0], w[1]);
    g[0] = static_cast<float>(d[0]);
    g[1] = static_cast<float>(d[1]);
    opt.step();
    const double loss = rosenbrock(w[0], w[1]);
    run.path.push_back({w[0], w[1], loss});
    if (!std::isfinite(loss) || !std::isfinite(w[0]) || !std::isfinite(w[1])) {
      run.diverged = true;
      run.reason = fmt::format("loss is {} at iteration {}", loss, it);
      break;
    }
  }
  return run;
}

}  // namespace nos::transfer
