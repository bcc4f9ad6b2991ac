// AVX-512 direct convolution kernels (conv2d_direct.h): 8 channels x 32 pixels in 16 zmm.
#include <algorithm>
#include <cstring>

#include "tensor/kernels/conv2d_direct.h"
// GCC 12's own AVX-512 headers trip -Wuninitialized (the unused pass-through operand of the
// 256-bit extracts inside _mm512_reduce_add_ps).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Last: everything below is compiled for the target ISA.
#include "tensor/kernels/isa_target_begin_avx512.h"

namespace nos::kernels::direct::avx512 {
namespace {
constexpr std::int64_t kNT = 32;       // output pixels per tile (two zmm)
__mmask16 tail_mask(std::int64_t n) {  // first n lanes (n clamped to [0, 16])
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1u);
}

// acc[8][2] = sum over k=(c,i,j) of packed[k][m] * xpad[c][oh+i][ow0+j .. +32], stored to y rows.
template <int KW>
void forward_tile(const Conv2dShape& s, const float* xpad, const float* wtile, const float* bias_tile,
                  std::int64_t rows_valid, std::int64_t oh, std::int64_t ow0, float* y, std::int64_t P,
                  std::int64_t OW) {
  const std::int64_t Hp = padded_h(s), Wp = padded_w(s);
  const std::int64_t kw = KW > 0 ? KW : s.kw;
  __m512 acc[kMT][2];
  for (int m = 0; m < kMT; ++m) {
    const __m512 b = _mm512_set1_ps(bias_tile ? bias_tile[m] : 0.0f);
    acc[m][0] = b;
    acc[m][1] = b;
  }
  const float* w = wtile;
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t i = 0; i < s.kh; ++i) {
      const float* row = xpad + (c * Hp + oh + i) * Wp + ow0;
      for (std::int64_t j = 0; j < kw; ++j) {
        const __m512 b0 = _mm512_loadu_ps(row + j), b1 = _mm512_loadu_ps(row + j + 16);
#pragma GCC unroll 8
        for (int m = 0; m < kMT; ++m) {
          const __m512 a = _mm512_set1_ps(w[m]);
          acc[m][0] = _mm512_fmadd_ps(a, b0, acc[m][0]);
          acc[m][1] = _mm512_fmadd_ps(a, b1, acc[m][1]);
        }
        w += kMT;
      }
    }
  const std::int64_t rem = OW - ow0;
  const __mmask16 m0 = tail_mask(rem), m1 = tail_mask(rem - 16);
  float* out = y + oh * OW + ow0;
#pragma GCC unroll 8
  for (int m = 0; m < kMT; ++m) {  // constant indices keep acc in registers
    if (m >= rows_valid) break;
    if (rem >= kNT) {
      _mm512_storeu_ps(out + m * P, acc[m][0]);
      _mm512_storeu_ps(out + m * P + 16, acc[m][1]);
    } else {
      _mm512_mask_storeu_ps(out + m * P, m0, acc[m][0]);
      _mm512_mask_storeu_ps(out + m * P + 16, m1, acc[m][1]);
    }
  }
}

float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

// dw[co0+a][(c*kh+i)*kw + j0+b] += sum over pixels of dy[co0+a][p] * xpad[c][oh+i][ow+j0+b],
// for a < CO, b < JN: CO x JN zmm accumulators over 16-pixel chunks of each output row.
template <int CO, int JN>
void backward_weight_tile(const Conv2dShape& s, const float* xpad, const float* dy, std::int64_t co0, std::int64_t c,
                          std::int64_t i, std::int64_t j0, float* dw) {
  const std::int64_t Hp = padded_h(s), Wp = padded_w(s), OH = s.out_h(), OW = s.out_w(), P = OH * OW;
  const std::int64_t K = s.patch();
  __m512 acc[CO][JN];
#pragma GCC unroll 8
  for (int a = 0; a < CO; ++a)
#pragma GCC unroll 4
    for (int b = 0; b < JN; ++b) acc[a][b] = _mm512_setzero_ps();
  for (std::int64_t oh = 0; oh < OH; ++oh) {
    const float* xrow = xpad + (c * Hp + oh + i) * Wp + j0;
    const float* drow = dy + co0 * P + oh * OW;
    for (std::int64_t o = 0; o < OW; o += 16) {
      const __mmask16 mask = tail_mask(OW - o);  // dy lanes past the row end load as 0
      __m512 xb[JN];
#pragma GCC unroll 4
      for (int b = 0; b < JN; ++b) xb[b] = _mm512_loadu_ps(xrow + o + b);
#pragma GCC unroll 8
      for (int a = 0; a < CO; ++a) {
        // Plain loads except in the row's last, partial vector (masked loads are slow on Zen 5).
        const __m512 d =
            o + 16 <= OW ? _mm512_loadu_ps(drow + a * P + o) : _mm512_maskz_loadu_ps(mask, drow + a * P + o);
#pragma GCC unroll 4
        for (int b = 0; b < JN; ++b) acc[a][b] = _mm512_fmadd_ps(d, xb[b], acc[a][b]);
      }
    }
  }
#pragma GCC unroll 8
  for (int a = 0; a < CO; ++a)
#pragma GCC unroll 4
    for (int b = 0; b < JN; ++b) dw[(co0 + a) * K + (c * s.kh + i) * s.kw + j0 + b] += hsum(acc[a][b]);
}

template <int CO>
void backward_weight_co(const Conv2dShape& s, const float* xpad, const float* dy, std::int64_t co0, float* dw) {
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t i = 0; i < s.kh; ++i)
      for (std::int64_t j0 = 0; j0 < s.kw; j0 += 3) {
        switch (std::min<std::int64_t>(3, s.kw - j0)) {
          case 3: backward_weight_tile<CO, 3>(s, xpad, dy, co0, c, i, j0, dw); break;
          case 2: backward_weight_tile<CO, 2>(s, xpad, dy, co0, c, i, j0, dw); break;
          default: backward_weight_tile<CO, 1>(s, xpad, dy, co0, c, i, j0, dw); break;
        }
      }
}

}  // namespace

void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* xpad) {
  pad_image(s, x_img, xpad);
  const std::int64_t K = s.patch(), OH = s.out_h(), OW = s.out_w(), P = OH * OW;
  const std::int64_t tiles = (s.c_out + kMT - 1) / kMT;
  float bias_pad[kMT];
  for (std::int64_t t = 0; t < tiles; ++t) {
    const std::int64_t rows = std::min(kMT, s.c_out - t * kMT);
    const float* bt = nullptr;
    if (bias) {
      for (std::int64_t m = 0; m < kMT; ++m) bias_pad[m] = m < rows ? bias[t * kMT + m] : 0.0f;
      bt = bias_pad;
    }
    const float* wt = packed + t * K * kMT;
    float* yt = y_img + t * kMT * P;
    for (std::int64_t oh = 0; oh < OH; ++oh)
      for (std::int64_t ow0 = 0; ow0 < OW; ow0 += kNT) {
        if (s.kw == 3) forward_tile<3>(s, xpad, wt, bt, rows, oh, ow0, yt, P, OW);
        else forward_tile<0>(s, xpad, wt, bt, rows, oh, ow0, yt, P, OW);
      }
  }
}

void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dw, float* xpad) {
  pad_image(s, x_img, xpad);
  for (std::int64_t co0 = 0; co0 < s.c_out; co0 += 8) {
    switch (std::min<std::int64_t>(8, s.c_out - co0)) {
      case 8: backward_weight_co<8>(s, xpad, dy_img, co0, dw); break;
      case 7: backward_weight_co<7>(s, xpad, dy_img, co0, dw); break;
      case 6: backward_weight_co<6>(s, xpad, dy_img, co0, dw); break;
      case 5: backward_weight_co<5>(s, xpad, dy_img, co0, dw); break;
      case 4: backward_weight_co<4>(s, xpad, dy_img, co0, dw); break;
      case 3: backward_weight_co<3>(s, xpad, dy_img, co0, dw); break;
      case 2: backward_weight_co<2>(s, xpad, dy_img, co0, dw); break;
      default: backward_weight_co<1>(s, xpad, dy_img, co0, dw); break;
    }
  }
}

}  // namespace nos::kernels::direct::avx512

#include "tensor/kernels/isa_target_end.h"
