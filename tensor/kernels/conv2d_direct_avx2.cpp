// AVX2 direct convolution kernels (conv2d_direct.h). 16 ymm registers: the forward tile is
// 8 channels x 8 pixels (8 accumulators: FMA latency 4 x 2 ports), backward-weight 4 channels x
// 3 kernel columns x 8 pixels (12 accumulators).
#include <algorithm>
#include <cstring>

#include "tensor/kernels/conv2d_direct.h"

// Last: everything below is compiled for the target ISA.
#include "tensor/kernels/isa_target_begin_avx2.h"

namespace nos::kernels::direct::avx2 {
namespace {
constexpr std::int64_t kNT = 8;  // output pixels per tile (one ymm)

__m256i tail_mask(std::int64_t n) {  // lanes < n set (n clamped to [0, 8])
  const int k = static_cast<int>(std::clamp<std::int64_t>(n, 0, 8));
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// acc[8] = sum over k=(c,i,j) of packed[k][m] * xpad[c][oh+i][ow0+j .. +8], stored to y rows.
template <int KW>
void forward_tile(const Conv2dShape& s, const float* xpad, const float* wtile, const float* bias_tile,
                  std::int64_t rows_valid, std::int64_t oh, std::int64_t ow0, float* y, std::int64_t P,
                  std::int64_t OW) {
  const std::int64_t Hp = padded_h(s), Wp = padded_w(s);
  const std::int64_t kw = KW > 0 ? KW : s.kw;
  __m256 acc[kMT];
#pragma GCC unroll 8
  for (int m = 0; m < kMT; ++m) acc[m] = _mm256_set1_ps(bias_tile ? bias_tile[m] : 0.0f);
  const float* w = wtile;
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t i = 0; i < s.kh; ++i) {
      const float* row = xpad + (c * Hp + oh + i) * Wp + ow0;
      for (std::int64_t j = 0; j < kw; ++j) {
        const __m256 b = _mm256_loadu_ps(row + j);
#pragma GCC unroll 8
        for (int m = 0; m < kMT; ++m) acc[m] = _mm256_fmadd_ps(_mm256_broadcast_ss(w + m), b, acc[m]);
        w += kMT;
      }
    }
  const std::int64_t rem = OW - ow0;
  float* out = y + oh * OW + ow0;
  // Constant indices only (unrolled, `if` inside): a loop bounded by rows_valid would index acc at
  // run time, and GCC then keeps acc in memory, storing every accumulator on every iteration.
  if (rem >= kNT) {
#pragma GCC unroll 8
    for (int m = 0; m < kMT; ++m)
      if (m < rows_valid) _mm256_storeu_ps(out + m * P, acc[m]);
  } else {
    const __m256i mask = tail_mask(rem);
#pragma GCC unroll 8
    for (int m = 0; m < kMT; ++m)
      if (m < rows_valid) _mm256_maskstore_ps(out + m * P, mask, acc[m]);
  }
}

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// dw[co0+a][(c*kh+i)*kw + j0+b] += sum over pixels of dy[co0+a][p] * xpad[c][oh+i][ow+j0+b],
// for a < CO, b < JN: CO x JN ymm accumulators over 8-pixel chunks of each output row.
template <int CO, int JN>
void backward_weight_tile(const Conv2dShape& s, const float* xpad, const float* dy, std::int64_t co0, std::int64_t c,
                          std::int64_t i, std::int64_t j0, float* dw) {
  const std::int64_t Hp = padded_h(s), Wp = padded_w(s), OH = s.out_h(), OW = s.out_w(), P = OH * OW;
  const std::int64_t K = s.patch();
  __m256 acc[CO][JN];
#pragma GCC unroll 4
  for (int a = 0; a < CO; ++a)
#pragma GCC unroll 3
    for (int b = 0; b < JN; ++b) acc[a][b] = _mm256_setzero_ps();
  const std::int64_t full = OW / 8 * 8;
  const __m256i tail = tail_mask(OW - full);
  for (std::int64_t oh = 0; oh < OH; ++oh) {
    const float* xrow = xpad + (c * Hp + oh + i) * Wp + j0;
    const float* drow = dy + co0 * P + oh * OW;
    for (std::int64_t o = 0; o < OW; o += 8) {
      __m256 xb[JN];
#pragma GCC unroll 3
      for (int b = 0; b < JN; ++b) xb[b] = _mm256_loadu_ps(xrow + o + b);
#pragma GCC unroll 4
      for (int a = 0; a < CO; ++a) {
        // dy lanes past the row end load as 0
        const __m256 d = o < full ? _mm256_loadu_ps(drow + a * P + o) : _mm256_maskload_ps(drow + a * P + o, tail);
#pragma GCC unroll 3
        for (int b = 0; b < JN; ++b) acc[a][b] = _mm256_fmadd_ps(d, xb[b], acc[a][b]);
      }
    }
  }
#pragma GCC unroll 4
  for (int a = 0; a < CO; ++a)
#pragma GCC unroll 3
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
  for (std::int64_t co0 = 0; co0 < s.c_out; co0 += 4) {
    switch (std::min<std::int64_t>(4, s.c_out - co0)) {
      case 4: backward_weight_co<4>(s, xpad, dy_img, co0, dw); break;
      case 3: backward_weight_co<3>(s, xpad, dy_img, co0, dw); break;
      case 2: backward_weight_co<2>(s, xpad, dy_img, co0, dw); break;
      default: backward_weight_co<1>(s, xpad, dy_img, co0, dw); break;
    }
  }
}

}  // namespace nos::kernels::direct::avx2

#include "tensor/kernels/isa_target_end.h"
