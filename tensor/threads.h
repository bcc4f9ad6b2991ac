// The one thread pool: OpenMP's. OpenBLAS is linked in its OpenMP build, so BLAS calls and our
// own kernels share the same threads instead of two pools fighting over the cores; a BLAS call
// made inside one of our parallel regions runs single-threaded.
#pragma once

#include <omp.h>

namespace nos {

// Threads used by parallel regions started from the calling thread. OpenMP keeps this setting
// per thread, so a search worker can run single-threaded while the controller uses every core.
int num_threads();
void set_num_threads(int n);

// Reads NOS_THREADS (default: all cores) and applies it to the calling thread. Throws
// std::invalid_argument naming the variable if it is not a positive integer.
int init_threads_from_env();

// Sets the calling thread's count for a scope and gives the previous one back: the one guard for
// "run this single-threaded" (a search worker's child, a recurrence's BLAS calls, the controller)
// and for tests. Header-only OpenMP, so code that links nothing but OpenMP can use it.
class ThreadScope {
 public:
  explicit ThreadScope(int n) : saved_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ThreadScope() { omp_set_num_threads(saved_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_;
};

}  // namespace nos
