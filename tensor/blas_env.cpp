#include "tensor/blas_env.h"

#include <fmt/format.h>
#include <unistd.h>

#include "tensor/kernels/gemm.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace nos {
namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
bool is_avx512_core(const std::string& core) {
  const std::string c = lower(core);
  return c == "skylakex" || c == "cooperlake" || c == "sapphirerapids";
}
constexpr const char* kGuard = "NOS_BLAS_REEXEC";
}  // namespace

std::string blas_core_name() { return kernels::blas_corename(); }

std::string best_blas_coretype() {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return avx512 ? "SkylakeX" : "";
}

std::string blas_coretype_advice() {
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  const std::string best = best_blas_coretype();
  if (!forced || !*forced || best.empty() || is_avx512_core(forced)) return "";
  return fmt::format(
      "OPENBLAS_CORETYPE={} forces OpenBLAS below this CPU's AVX-512 kernels "
      "(sgemm runs at about half speed); nos runs with OPENBLAS_CORETYPE={} instead. "
      "Set NOS_KEEP_OPENBLAS_CORETYPE=1 to keep {}.",
      forced, best, forced);
}

void ensure_blas_coretype(int argc, char** argv) {
  if (std::getenv("NOS_KEEP_OPENBLAS_CORETYPE")) return;
  const std::string advice = blas_coretype_advice();
  if (advice.empty()) return;
  if (std::getenv(kGuard)) {  // we already re-executed once and it is still wrong: do not loop
    fmt::print(stderr, "nos: warning: {}\n", advice);
    return;
  }
  setenv("OPENBLAS_CORETYPE", best_blas_coretype().c_str(), 1);
  setenv(kGuard, "1", 1);
  execv("/proc/self/exe", argv);
  fmt::print(stderr, "nos: warning: could not re-execute to fix OPENBLAS_CORETYPE; {}\n", advice);
}

}  // namespace nos
