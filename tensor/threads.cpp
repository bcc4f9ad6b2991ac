#include "tensor/threads.h"

#include <fmt/format.h>
#include <omp.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace nos {

int num_threads() { return omp_get_max_threads(); }

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument(fmt::format("set_num_threads: {} is not a positive thread count", n));
  omp_set_num_threads(n);
}

int init_threads_from_env() {
  int n = omp_get_num_procs();
  if (const char* s = std::getenv("NOS_THREADS"); s && *s) {
    char* end = nullptr;
    const long v = std::strtol(s, &end, 10);
    if (*end != '\0' || v < 1 || v > 4096)
      throw std::invalid_argument(fmt::format("NOS_THREADS='{}': expected an integer from 1 to 4096", s));
    n = static_cast<int>(v);
  }
  set_num_threads(n);
  return n;
}

}  // namespace nos
