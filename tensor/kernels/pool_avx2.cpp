// AVX2 2x2 / stride-2 max pool (pool_2x2.h): 8 outputs at a time from 16 columns of two input rows,
// the even and odd columns split by shuffles.
#include <algorithm>
#include <limits>

#include "tensor/kernels/pool_2x2.h"

// Last: everything below is compiled for the target ISA.
#include "tensor/kernels/isa_target_begin_avx2.h"

namespace nos::kernels::avx2 {
namespace {

__m256i tail_mask(std::int64_t n) {  // lanes < n set (n clamped to [0, 8])
  const int k = static_cast<int>(std::clamp<std::int64_t>(n, 0, 8));
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// even = a0 a2 a4 a6 b0 b2 b4 b6, odd = a1 a3 a5 a7 b1 b3 b5 b7.
void deinterleave(__m256 a, __m256 b, __m256& even, __m256& odd) {
  const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
  odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

}  // namespace

void maxpool2x2_plane(const Pool2dShape& s, const float* xp, float* yp, std::int32_t* ap) {
  const std::int64_t OH = s.out_h(), OW = s.out_w();
  const __m256i even_idx = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);  // column offsets of the even elements
  for (std::int64_t oh = 0; oh < OH; ++oh)
    for (std::int64_t ow0 = 0; ow0 < OW; ow0 += 8) {
      const std::int64_t c0 = 2 * ow0, left = s.w - c0;  // input columns left in the row
      const bool full = left >= 16;
      const __m256i l0 = tail_mask(left), l1 = tail_mask(left - 8);
      __m256 best = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
      const __m256i base0 = _mm256_add_epi32(even_idx, _mm256_set1_epi32(static_cast<int>(2 * oh * s.w + c0)));
      __m256i arg = base0;
      for (int i = 0; i < 2; ++i) {
        const float* row = xp + (2 * oh + i) * s.w + c0;
        const __m256 a = full ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, l0);
        const __m256 b = full ? _mm256_loadu_ps(row + 8) : _mm256_maskload_ps(row + 8, l1);
        __m256 v[2];
        deinterleave(a, b, v[0], v[1]);
        for (int j = 0; j < 2; ++j) {
          const __m256 take =
              _mm256_or_ps(_mm256_cmp_ps(v[j], best, _CMP_GT_OQ), _mm256_cmp_ps(v[j], v[j], _CMP_UNORD_Q));
          best = _mm256_blendv_ps(best, v[j], take);
          const __m256i idx = _mm256_add_epi32(base0, _mm256_set1_epi32(static_cast<int>(i * s.w + j)));
          arg = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(idx), take));
        }
      }
      if (OW - ow0 >= 8) {
        _mm256_storeu_ps(yp + oh * OW + ow0, best);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(ap + oh * OW + ow0), arg);
      } else {
        const __m256i out = tail_mask(OW - ow0);
        _mm256_maskstore_ps(yp + oh * OW + ow0, out, best);
        _mm256_maskstore_epi32(ap + oh * OW + ow0, out, arg);
      }
    }
}

}  // namespace nos::kernels::avx2

#include "tensor/kernels/isa_target_end.h"
