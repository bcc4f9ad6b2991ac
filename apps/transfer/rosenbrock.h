// The Rosenbrock function (§5.1, Figure 6): f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at
// (1, 1) at the end of a long, curved, flat valley. Each optimizer walks from a start point for a
// fixed number of iterations with the exact gradient.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "dslc/params.h"

namespace nos::transfer {

double rosenbrock(double x, double y);
// (df/dx, df/dy) = (-2(1 - x) - 400 x (y - x^2), 200 (y - x^2)).
std::array<double, 2> rosenbrock_grad(double x, double y);

struct RosenbrockPoint {
  double x = 0, y = 0, loss = 0;
};

struct RosenbrockRun {
  std::vector<RosenbrockPoint> path;  // the start, then the point after each iteration
  bool diverged = false;              // the loss or a coordinate stopped being finite
  std::string reason;
};

// `iterations` steps of `rule` (JIT-compiled; float32 weights like every nos optimizer) from
// (x0, y0). hyper.total_steps is set to `iterations` so decayed rules know the run's length.
RosenbrockRun run_rosenbrock(const std::string& rule, dslc::Hyper hyper, int iterations, double x0, double y0);

}  // namespace nos::transfer
