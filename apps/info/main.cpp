// nos-info: what nos sees on this machine: threads, the BLAS core type and whether the
// environment forces a weaker one, CPU features, and where it looks for data.
#include <fmt/format.h>

#include <string>

#include "nn/data/data_path.h"
#include "tensor/blas_env.h"
#include "tensor/cpu_name.h"
#include "tensor/kernels/isa.h"
#include "tensor/threads.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      fmt::print(
          "Usage: nos-info\nPrints the CPU, the threads (NOS_THREADS), the OpenBLAS core type and advice, AVX-512 "
          "support and the data search path (--data, NOS_DATA_DIR, defaults). Takes no options.\n");
      return 0;
    }
    fmt::print(stderr, "nos-info: error: unknown argument '{}' (nos-info takes no options; see --help)\n", a);
    return 2;
  }
  nos::ensure_blas_coretype(argc, argv);
  try {
    fmt::print("cpu: {}\n", nos::cpu_name());
    fmt::print("threads: {}\n", nos::init_threads_from_env());
    fmt::print("{}", nos::kernels::kernel_paths());
  } catch (const std::exception& e) {
    fmt::print(stderr, "nos-info: error: {}\n", e.what());
    return 1;
  }
  const std::string best = nos::best_blas_coretype();
  fmt::print("openblas core: {}\n", nos::blas_core_name());
  fmt::print("cpu avx512: {}\n", best.empty() ? "no" : "yes");
  const std::string advice = nos::blas_coretype_advice();
  fmt::print("openblas coretype advice: {}\n", advice.empty() ? "none" : advice);
  fmt::print("data search path:\n");
  for (const auto& p : nos::data::search_roots()) fmt::print("  {}\n", p.lexically_normal().string());
  return 0;
}
