// Thread counts in tests: a scope that sets nos's thread count and restores it, and whether
// OpenMP grants a count at all (OMP_THREAD_LIMIT=1 would make a "2 threads" test run one).
#pragma once
// OpenMP directly (what nos::set_num_threads wraps): the kernel tests link no more than the kernels.
#include <omp.h>

namespace nos::test {

class ThreadScope {
 public:
  explicit ThreadScope(int n) : old_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ThreadScope() { omp_set_num_threads(old_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int old_;
};

inline bool threads_granted(int n) {
  const ThreadScope scope(n);
  return omp_get_max_threads() >= n;
}

}  // namespace nos::test
