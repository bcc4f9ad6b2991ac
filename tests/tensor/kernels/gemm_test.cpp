// sgemm wrapper against a double-precision triple loop, all transpose combinations and strides.
#include "tensor/kernels/gemm.h"

#include "tests/tensor/kernels/test_util.h"

namespace nos::kernels::test {
namespace {

void check(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, float beta, std::int64_t pad,
           std::uint32_t seed) {
  SCOPED_TRACE(testing::Message() << "ta=" << ta << " tb=" << tb << " m=" << m << " n=" << n << " k=" << k
                                  << " alpha=" << alpha << " beta=" << beta << " pad=" << pad);
  std::mt19937 rng(seed);
  const std::int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
  const std::int64_t lda = ac + pad, ldb = bc + pad, ldc = n + pad;
  GuardedF a(ar * lda), b(br * ldb), c0(m * ldc);
  fill_uniform(a, rng);
  fill_uniform(b, rng);
  fill_uniform(c0, rng);
  std::vector<double> want(m * ldc);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < ldc; ++j) {
      if (j >= n) {
        want[i * ldc + j] = c0[i * ldc + j];  // padding columns untouched
        continue;
      }
      double acc = 0.0;
      for (std::int64_t p = 0; p < k; ++p)
        acc += static_cast<double>(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
      want[i * ldc + j] = alpha * acc + (beta == 0.0f ? 0.0 : beta * static_cast<double>(c0[i * ldc + j]));
    }
  for (int threads : {1, 2}) {
    ThreadScope scope(threads);
    GuardedF c = c0;
    if (beta == 0.0f)  // beta == 0 must ignore (even NaN) contents of C
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = std::nanf("");
    sgemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
    EXPECT_TRUE(c.guards_intact());
    EXPECT_TRUE(near(c.data(), want, 1e-5 * (k + 1)));
  }
}

TEST(kernels_gemm, AllTransposes) {
  std::uint32_t seed = 1;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check(ta, tb, 7, 5, 3, 1.0f, 0.0f, 0, seed++);
      check(ta, tb, 33, 65, 17, 0.5f, 1.0f, 3, seed++);
      check(ta, tb, 64, 300, 288, 1.0f, 0.0f, 0, seed++);
      check(ta, tb, 1, 1, 1, -2.0f, 0.25f, 1, seed++);
    }
}

TEST(kernels_gemm, DefaultLeadingDimensionsAndEmptyK) {
  std::mt19937 rng(5);
  GuardedF a(6), b(6), c(4, 3.0f);
  fill_uniform(a, rng);
  fill_uniform(b, rng);
  sgemm(false, false, 2, 2, 3, 1.0f, a.data(), 0, b.data(), 0, 0.0f, c.data(), 0);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      double acc = 0.0;
      for (int p = 0; p < 3; ++p) acc += static_cast<double>(a[i * 3 + p]) * b[p * 2 + j];
      EXPECT_NEAR(c[i * 2 + j], acc, 1e-5);
    }
  GuardedF d(4, std::nanf(""));
  sgemm(false, false, 2, 2, 0, 1.0f, a.data(), 0, b.data(), 0, 0.0f, d.data(), 0);  // k = 0: C = 0
  for (int i = 0; i < 4; ++i) EXPECT_EQ(d[i], 0.0f);
  EXPECT_TRUE(c.guards_intact() && d.guards_intact());
}

TEST(kernels_gemm, CoreName) {
  const std::string name = blas_corename();
  EXPECT_FALSE(name.empty());
  std::printf("OpenBLAS core: %s, config: %s\n", name.c_str(), blas_config());
}

}  // namespace
}  // namespace nos::kernels::test
