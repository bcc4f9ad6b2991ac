// Thread counts in tests: a scope that sets nos's thread count and restores it, and whether
// OpenMP grants a count at all (OMP_THREAD_LIMIT=1 would make a "2 threads" test run one).
#pragma once
// tensor/threads.h's ThreadScope is header-only OpenMP: the kernel tests link no more than the kernels.
#include "tensor/threads.h"

namespace nos::test {

using nos::ThreadScope;

inline bool threads_granted(int n) {
  const ThreadScope scope(n);
  return omp_get_max_threads() >= n;
}

}  // namespace nos::test
