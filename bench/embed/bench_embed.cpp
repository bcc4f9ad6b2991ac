// nos-bench-embed [elements] [rounds]: C++ optim::Optimizer::step against the C API's
// nos_optimizer_step on the same buffers, one process, interleaved rounds, medians.
// Both go through libnos_optim.so, as an embedding user links it.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "nos/optim.h"
#include "optim/optimizer.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double time_ms(F&& f, int reps) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 10'000'000;
  int rounds = 15;
  CLI::App app{"nos-bench-embed: C++ Optimizer::step against the C API's nos_optimizer_step, interleaved"};
  app.add_option("elements", n, "elements of the one tensor")
      ->check(CLI::Range(size_t{1}, size_t{1} << 32))
      ->capture_default_str();
  app.add_option("rounds", rounds, "interleaved rounds (medians)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("nos-bench-embed: %zu elements, %d interleaved rounds of 5 steps each, medians\n", n, rounds);
  for (const char* rule : {"adam", "mul g exp mul sign_g sign_m"}) {
    std::vector<float> w1(n, 0.5f), g1(n, 0.01f), w2(n, 0.5f), g2(n, 0.01f);
    nos::optim::OptimizerOptions o;
    o.hyper.lr = 1e-6;
    nos::optim::Optimizer cpp(rule, o);
    cpp.add(w1.data(), g1.data(), n);
    nos_options co;
    nos_options_init(&co);
    co.lr = 1e-6;
    nos_optimizer* c = nullptr;
    if (nos_optimizer_create(rule, &co, &c) != NOS_OK || nos_optimizer_add(c, w2.data(), g2.data(), n) != NOS_OK) {
      std::fprintf(stderr, "%s\n", nos_last_error());
      return 1;
    }
    cpp.step();  // first touch
    nos_optimizer_step(c);
    std::vector<double> tc, tcapi, ratio;
    for (int r = 0; r < rounds; ++r) {
      const double a = time_ms([&] { cpp.step(); }, 5);
      const double b = time_ms([&] { nos_optimizer_step(c); }, 5);
      tc.push_back(a);
      tcapi.push_back(b);
      ratio.push_back(b / a);
    }
    std::printf("%-30s C++ step %.3f ms  C API step %.3f ms  C/C++ per-round ratio median %.3f\n", rule, median(tc),
                median(tcapi), median(ratio));
    nos_optimizer_free(c);
  }
  return 0;
}
