// Helpers for the kernel tests: guarded buffers (sentinels before and after the data catch
// overruns), random fills, tolerant comparisons and a thread-count scope.
#pragma once
// GCC 12 warns falsely about the fill of a size_t-sized vector in Guarded.
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/threads.h"

namespace nos::kernels::test {

inline constexpr std::size_t kGuard = 64;

// A buffer of n elements with kGuard sentinel elements on each side.
template <class T>
class Guarded {
 public:
  explicit Guarded(std::size_t n, T fill = T{}) : n_(n), buf_(n + 2 * kGuard, sentinel()) {
    for (std::size_t i = 0; i < n; ++i) buf_[kGuard + i] = fill;
  }
  T* data() { return buf_.data() + kGuard; }
  const T* data() const { return buf_.data() + kGuard; }
  std::size_t size() const { return n_; }
  T& operator[](std::size_t i) { return buf_[kGuard + i]; }
  const T& operator[](std::size_t i) const { return buf_[kGuard + i]; }
  // True when no sentinel was overwritten.
  bool guards_intact() const {
    for (std::size_t i = 0; i < kGuard; ++i)
      if (!same(buf_[i]) || !same(buf_[kGuard + n_ + i])) return false;
    return true;
  }

 private:
  static T sentinel() {
    if constexpr (std::is_floating_point_v<T>) return static_cast<T>(-7.25e30);
    else return static_cast<T>(-123456789);
  }
  static bool same(T v) { return std::memcmp(&v, &kSentinel, sizeof(T)) == 0; }
  static inline const T kSentinel = sentinel();
  std::size_t n_;
  std::vector<T> buf_;
};

using GuardedF = Guarded<float>;
using GuardedI = Guarded<std::int32_t>;

// Output buffers start as NaN so that an element the kernel forgets to write fails the test.
inline GuardedF output_buffer(std::size_t n) { return GuardedF(n, std::nanf("")); }

inline void fill_uniform(GuardedF& b, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = d(rng);
}

// Every |got - want| <= atol + rtol * |want|; reports the first few mismatches.
inline ::testing::AssertionResult near(const float* got, const std::vector<double>& want, double atol,
                                       double rtol = 1e-4) {
  int bad = 0;
  std::string msg;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double err = std::abs(static_cast<double>(got[i]) - want[i]);
    if (!(err <= atol + rtol * std::abs(want[i]))) {
      if (bad < 5)
        msg += " [" + std::to_string(i) + "] got " + std::to_string(got[i]) + " want " + std::to_string(want[i]) + ";";
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << want.size() << " differ:" << msg;
}

inline double max_abs_diff(const float* a, const float* b, std::size_t n) {
  double m = 0.0;
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

using nos::test::ThreadScope;

}  // namespace nos::kernels::test
