// AVX-512 2x2 / stride-2 max pool (pool_2x2.h): 16 outputs at a time from two input rows, the even
// and odd columns split by permutes.
#include <limits>

#include "tensor/kernels/pool_2x2.h"

// Last: everything below is compiled for the target ISA.
#include "tensor/kernels/isa_target_begin_avx512.h"

namespace nos::kernels::avx512 {

void maxpool2x2_plane(const Pool2dShape& s, const float* xp, float* yp, std::int32_t* ap) {
  const std::int64_t OH = s.out_h(), OW = s.out_w();
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  const __m512i even_idx = even;  // column offsets 2k of the even elements
  auto tail = [](std::int64_t n) -> __mmask16 {
    return n >= 16 ? static_cast<__mmask16>(0xFFFF) : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1u);
  };
  for (std::int64_t oh = 0; oh < OH; ++oh)
    for (std::int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
      const std::int64_t c0 = 2 * ow0, left = s.w - c0;  // input columns left in the row
      const __mmask16 l0 = tail(left), l1 = tail(left - 16);
      __m512 best = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
      const __m512i base0 = _mm512_add_epi32(even_idx, _mm512_set1_epi32(static_cast<int>(2 * oh * s.w + c0)));
      __m512i arg = base0;
      for (int i = 0; i < 2; ++i) {
        const float* row = xp + (2 * oh + i) * s.w + c0;
        // Plain loads unless the row ends inside these 32 columns: masked loads and stores made this
        // kernel 3x slower than the AVX2 one on our Zen 5.
        const bool full = left >= 32;
        const __m512 a = full ? _mm512_loadu_ps(row) : _mm512_maskz_loadu_ps(l0, row);
        const __m512 b = full ? _mm512_loadu_ps(row + 16) : _mm512_maskz_loadu_ps(l1, row + 16);
        const __m512 v[2] = {_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b)};
        for (int j = 0; j < 2; ++j) {
          const __mmask16 take =
              _mm512_cmp_ps_mask(v[j], best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v[j], v[j], _CMP_UNORD_Q);
          best = _mm512_mask_blend_ps(take, best, v[j]);
          const __m512i idx = _mm512_add_epi32(base0, _mm512_set1_epi32(static_cast<int>(i * s.w + j)));
          arg = _mm512_mask_blend_epi32(take, arg, idx);
        }
      }
      const __mmask16 out = tail(OW - ow0);
      if (OW - ow0 >= 16) {
        _mm512_storeu_ps(yp + oh * OW + ow0, best);
        _mm512_storeu_si512(ap + oh * OW + ow0, arg);
      } else {
        _mm512_mask_storeu_ps(yp + oh * OW + ow0, out, best);
        _mm512_mask_storeu_epi32(ap + oh * OW + ow0, out, arg);
      }
    }
}

}  // namespace nos::kernels::avx512

#include "tensor/kernels/isa_target_end.h"
