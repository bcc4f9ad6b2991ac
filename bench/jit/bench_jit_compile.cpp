// nos-bench-jit-compile [reps=9]: compile latency of the Table 1 rules alone (rule string ->
// callable kernel: parse, canonicalize, lower, LLVM passes, machine code, symbol lookup), wall and
// thread CPU time, medians over reps x 16 compilations. Each kernel is released at once, so the
// cache never serves a repetition. Quick to run under NOS_MAX_ISA=avx2 for the AVX2 path; the
// same figure is the last table of nos-bench-jit.
#include <time.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/jit/table1.h"
#include "dslc/compile.h"
#include "dslc/parser.h"
#include "jit/kernel.h"

namespace {

double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 9;
  CLI::App app{"nos-bench-jit-compile: compile latency of the Table 1 rules, rule string to callable kernel"};
  app.add_option("reps", reps, "repetitions of the 16 rules (medians)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  (void)nos::jit::host_vector_width();  // the one-time JIT start-up is not a rule's latency
  std::vector<double> wall, cpu;
  for (int rep = 0; rep < reps; ++rep)
    for (const nos::bench::Rule& r : nos::bench::kTable1) {
      const auto a = std::chrono::steady_clock::now();
      const double c0 = thread_cpu_ms();
      const nos::dslc::ParseResult p = nos::dslc::parse_rule(r.text);
      const nos::dslc::Compiled c = nos::dslc::compile(p.rules.at(0));
      const nos::jit::Kernel k = nos::jit::compile_kernel(c.ir, c.hash);
      cpu.push_back(thread_cpu_ms() - c0);
      wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
      if (!k) return 1;
    }
  std::printf(
      "compile latency, Table 1 (%d x 16), host %s, %d lanes: wall median %.2f ms (min %.2f), thread CPU median "
      "%.2f ms (min %.2f)\n",
      reps, nos::jit::host_cpu_name().c_str(), nos::jit::host_vector_width(), median(wall),
      *std::min_element(wall.begin(), wall.end()), median(cpu), *std::min_element(cpu.begin(), cpu.end()));
  return 0;
}
