// Thin wrapper over cblas_sgemm (row-major).
#pragma once
#include <cstdint>

namespace nos::kernels {

// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major.
// op(A) is m x k (A is k x m when trans_a), op(B) is k x n (B is n x k when trans_b).
// lda/ldb/ldc are the row strides of A, B, C as stored; pass 0 for "tightly packed".
// beta == 0 overwrites C (NaNs in C do not propagate). Threads: OpenBLAS uses
// omp_get_max_threads() outside a parallel region and one thread inside one.
void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
           std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc);

// What OpenBLAS says about itself (e.g. "Haswell", "SkylakeX"): depends on OPENBLAS_CORETYPE.
const char* blas_corename();
const char* blas_config();

}  // namespace nos::kernels
