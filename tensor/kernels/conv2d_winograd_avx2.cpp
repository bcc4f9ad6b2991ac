// AVX2 Winograd F(2x2, 3x3) kernels (conv2d_winograd.h): 8 tiles per ymm; the 16-tile groups of the
// shared layout are two vectors. The GEMMs run 8 channels x 8 tiles (8 accumulators: FMA latency 4
// x 2 ports keeps both FMA pipes busy with 16 registers).
#include <algorithm>
#include <cstring>

#include "tensor/kernels/conv2d_winograd.h"

// Last: everything below is compiled for the target ISA.
#include "tensor/kernels/isa_target_begin_avx2.h"

namespace nos::kernels::winograd::avx2 {
namespace {

__m256i tail_mask(std::int64_t n) {  // lanes < n set (n clamped to [0, 8])
  const int k = static_cast<int>(std::clamp<std::int64_t>(n, 0, 8));
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// even = a0 a2 a4 a6 b0 b2 b4 b6, odd = a1 a3 a5 a7 b1 b3 b5 b7.
void deinterleave(__m256 a, __m256 b, __m256& even, __m256& odd) {
  const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // a0 a2 b0 b2 | a4 a6 b4 b6
  const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
  odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

// eo[c][r][0|1][q] = padded x at row r, column 2q (even) or 2q+1 (odd); zero outside the image.
void split_even_odd(const Conv2dShape& s, const Geometry& g, const float* x, float* eo) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i width = _mm256_set1_epi32(static_cast<int>(s.w));
  const __m256i minus1 = _mm256_set1_epi32(-1);
  const std::int64_t total = s.c_in * s.h * s.w;
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t r = 0; r < g.HP; ++r) {
      float* dst = eo + (c * g.HP + r) * 2 * g.RW;
      const std::int64_t ih = r - s.pad_h;
      if (ih < 0 || ih >= s.h) {
        std::memset(dst, 0, sizeof(float) * 2 * g.RW);
        continue;
      }
      const float* src = x + (c * s.h + ih) * s.w;
      for (std::int64_t q = 0; q < g.RW; q += 8) {
        const std::int64_t first = 2 * q - s.pad_w;  // image column of padded column 2q
        if (first >= s.w) {
          _mm256_storeu_ps(dst + q, _mm256_setzero_ps());
          _mm256_storeu_ps(dst + g.RW + q, _mm256_setzero_ps());
          continue;
        }
        const __m256i i0 = _mm256_add_epi32(lane, _mm256_set1_epi32(static_cast<int>(first)));
        const __m256i i1 = _mm256_add_epi32(i0, _mm256_set1_epi32(8));
        // 0 <= i < w
        const __m256i m0 = _mm256_and_si256(_mm256_cmpgt_epi32(i0, minus1), _mm256_cmpgt_epi32(width, i0));
        const __m256i m1 = _mm256_and_si256(_mm256_cmpgt_epi32(i1, minus1), _mm256_cmpgt_epi32(width, i1));
        __m256 a, b;
        const std::int64_t off = (c * s.h + ih) * s.w + first;  // of column `first` from the image start
        if (off >= 0 && off + 16 <= total) {
          // Inside the image buffer: plain loads, and the lanes outside this row cleared by the mask
          // (vmaskmovps loads took ~20% of the AVX2 forward pass on our Zen 5).
          a = _mm256_and_ps(_mm256_loadu_ps(x + off), _mm256_castsi256_ps(m0));
          b = _mm256_and_ps(_mm256_loadu_ps(x + off + 8), _mm256_castsi256_ps(m1));
        } else {
          // At the ends of the buffer: masked-off lanes are neither read nor faulted on, so the address
          // may lie before the row (formed as an integer: pointer arithmetic before the array would be
          // undefined).
          const float* at = reinterpret_cast<const float*>(reinterpret_cast<std::uintptr_t>(src) +
                                                           static_cast<std::intptr_t>(first) * 4);
          a = _mm256_maskload_ps(at, m0);
          b = _mm256_maskload_ps(at + 8, m1);
        }
        __m256 even, odd;
        deinterleave(a, b, even, odd);
        _mm256_storeu_ps(dst + q, even);
        _mm256_storeu_ps(dst + g.RW + q, odd);
      }
    }
}

// V[xi][c][col] = (B^T d B)[xi] for the tiles of tile rows [t0, t1).
void input_transform(const Conv2dShape& s, const Geometry& g, const float* eo, std::int64_t t0, std::int64_t t1,
                     float* V) {
  const std::int64_t cols = chunk_cols(g, t0, t1);
  const std::int64_t xs = s.c_in * cols + kPlaneSkew;  // stride between the 16 positions
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t th = t0; th < t1; ++th)
      for (std::int64_t tw0 = 0; tw0 < g.TW; tw0 += 8) {
        __m256 d[4][4];
        for (int k = 0; k < 4; ++k) {
          const float* e = eo + (c * g.HP + 2 * th + k) * 2 * g.RW + tw0;
          const float* o = e + g.RW;
          d[k][0] = _mm256_loadu_ps(e);
          d[k][1] = _mm256_loadu_ps(o);
          d[k][2] = _mm256_loadu_ps(e + 1);
          d[k][3] = _mm256_loadu_ps(o + 1);
        }
        __m256 t[4][4];
        for (int j = 0; j < 4; ++j) {
          t[0][j] = _mm256_sub_ps(d[0][j], d[2][j]);
          t[1][j] = _mm256_add_ps(d[1][j], d[2][j]);
          t[2][j] = _mm256_sub_ps(d[2][j], d[1][j]);
          t[3][j] = _mm256_sub_ps(d[1][j], d[3][j]);
        }
        float* out = V + c * cols + (th - t0) * g.TW + tw0;
        for (int i = 0; i < 4; ++i) {
          _mm256_storeu_ps(out + (i * 4 + 0) * xs, _mm256_sub_ps(t[i][0], t[i][2]));
          _mm256_storeu_ps(out + (i * 4 + 1) * xs, _mm256_add_ps(t[i][1], t[i][2]));
          _mm256_storeu_ps(out + (i * 4 + 2) * xs, _mm256_sub_ps(t[i][2], t[i][1]));
          _mm256_storeu_ps(out + (i * 4 + 3) * xs, _mm256_sub_ps(t[i][1], t[i][3]));
        }
      }
}

// M[co0+m][col0 .. col0+8) = sum_c U[c][m] * V[c][col0 ..], for one transformed position.
void gemm_tile(std::int64_t c_in, const float* U, const float* V, std::int64_t cols, std::int64_t col0,
               std::int64_t rows, float* M) {
  __m256 acc[kMT];
#pragma GCC unroll 8
  for (int m = 0; m < kMT; ++m) acc[m] = _mm256_setzero_ps();
  const float* b = V + col0;
  for (std::int64_t c = 0; c < c_in; ++c) {
    const __m256 bv = _mm256_loadu_ps(b + c * cols);
#pragma GCC unroll 8
    for (int m = 0; m < kMT; ++m) acc[m] = _mm256_fmadd_ps(_mm256_broadcast_ss(U + c * kMT + m), bv, acc[m]);
  }
  // Constant indices only (unrolled, `if` inside): a loop bounded by `rows` would index acc at run
  // time, and GCC then keeps acc in memory, storing all 8 accumulators on every iteration.
#pragma GCC unroll 8
  for (int m = 0; m < kMT; ++m)
    if (m < rows) _mm256_storeu_ps(M + m * cols + col0, acc[m]);
}

// y rows 2*th, 2*th+1 = A^T M A (+ bias) for the tiles of tile rows [t0, t1).
void output_transform(const Conv2dShape& s, const Geometry& g, const float* M, const float* bias, std::int64_t t0,
                      std::int64_t t1, float* y) {
  const std::int64_t cols = chunk_cols(g, t0, t1), xs = s.c_out * cols + kPlaneSkew;
  for (std::int64_t co = 0; co < s.c_out; ++co) {
    const __m256 b = _mm256_set1_ps(bias ? bias[co] : 0.0f);
    for (std::int64_t th = t0; th < t1; ++th)
      for (std::int64_t tw0 = 0; tw0 < g.TWp; tw0 += 8) {
        const std::int64_t rem = g.OW - 2 * tw0;  // output columns left in the row
        if (rem <= 0) break;
        const float* src = M + co * cols + (th - t0) * g.TW + tw0;
        __m256 m[16];
        for (int k = 0; k < 16; ++k) m[k] = _mm256_loadu_ps(src + k * xs);
        __m256 r[2][4];
        for (int j = 0; j < 4; ++j) {
          r[0][j] = _mm256_add_ps(_mm256_add_ps(m[j], m[4 + j]), m[8 + j]);
          r[1][j] = _mm256_sub_ps(_mm256_sub_ps(m[4 + j], m[8 + j]), m[12 + j]);
        }
        const __m256i k0 = tail_mask(rem), k1 = tail_mask(rem - 8);
        for (int a = 0; a < 2; ++a) {
          const std::int64_t oh = 2 * th + a;
          if (oh >= g.OH) break;
          const __m256 y0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r[a][0], r[a][1]), r[a][2]), b);
          const __m256 y1 = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(r[a][1], r[a][2]), r[a][3]), b);
          const __m256 lo = _mm256_unpacklo_ps(y0, y1), hi = _mm256_unpackhi_ps(y0, y1);
          const __m256 o0 = _mm256_permute2f128_ps(lo, hi, 0x20), o1 = _mm256_permute2f128_ps(lo, hi, 0x31);
          float* out = y + (co * g.OH + oh) * g.OW + 2 * tw0;
          if (rem >= 16) {
            _mm256_storeu_ps(out, o0);
            _mm256_storeu_ps(out + 8, o1);
          } else {
            _mm256_maskstore_ps(out, k0, o0);
            _mm256_maskstore_ps(out + 8, k1, o1);
          }
        }
      }
  }
}

// Columns of the 8x8 block r[0..7] (out[j][k] = r[k][j]).
void transpose8(const __m256 r[8], __m256 out[8]) {
  __m256 t[8], u[8];
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 2; ++k) {
    u[4 * k + 0] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    u[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    u[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    u[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  for (int k = 0; k < 4; ++k) {
    out[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
    out[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
  }
}

// dyT[(oh * 2*TWp + ow)][co] = dy[co][oh][ow] for oh < 2*TH, ow < 2*TWp (zero outside the output).
// 8 channels x 8 pixels at a time through registers: reading one pixel of every channel walks dy
// with a stride of a whole plane (4 KiB for 32x32), which cost ~30% of the weight gradient.
void transpose_dy(const Conv2dShape& s, const Geometry& g, const float* dy, float* dyT) {
  const std::int64_t CoP = cout_padded(s), OWt = 2 * g.TWp, P = g.OH * g.OW;
  std::memset(dyT, 0, sizeof(float) * 2 * g.TH * OWt * CoP);
  const std::int64_t full = g.OW / 8 * 8;
  for (std::int64_t co = 0; co < s.c_out; co += 8) {
    const std::int64_t nc = std::min<std::int64_t>(8, s.c_out - co);
    for (std::int64_t oh = 0; oh < g.OH; ++oh) {
      const float* src = dy + co * P + oh * g.OW;
      float* dst = dyT + oh * OWt * CoP + co;
      for (std::int64_t ow = 0; ow < full; ow += 8) {
        __m256 r[8], c[8];
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) r[k] = k < nc ? _mm256_loadu_ps(src + k * P + ow) : _mm256_setzero_ps();
        transpose8(r, c);
#pragma GCC unroll 8
        for (int j = 0; j < 8; ++j) _mm256_storeu_ps(dst + (ow + j) * CoP, c[j]);
      }
      for (std::int64_t ow = full; ow < g.OW; ++ow)
        for (std::int64_t k = 0; k < nc; ++k) dst[ow * CoP + k] = src[k * P + ow];
    }
  }
}

// ZT[xi][t][co] = (A dy_t A^T)[xi] for the tiles of tile rows [t0, t1), vectorised over channels.
void dy_transform(const Conv2dShape& s, const Geometry& g, const float* dyT, std::int64_t t0, std::int64_t t1,
                  float* ZT) {
  const std::int64_t CoP = cout_padded(s), OWt = 2 * g.TWp, cols = chunk_cols(g, t0, t1);
  const std::int64_t xs = cols * CoP + kPlaneSkew;
  const __m256 zero = _mm256_setzero_ps();
  for (std::int64_t th = t0; th < t1; ++th)
    for (std::int64_t tw = 0; tw < g.TW; ++tw)
      for (std::int64_t co = 0; co < CoP; co += 8) {
        const float* p0 = dyT + ((2 * th) * OWt + 2 * tw) * CoP + co;
        const float* p1 = p0 + OWt * CoP;
        const __m256 y00 = _mm256_loadu_ps(p0), y01 = _mm256_loadu_ps(p0 + CoP);
        const __m256 y10 = _mm256_loadu_ps(p1), y11 = _mm256_loadu_ps(p1 + CoP);
        __m256 r[4][2];  // rows of A dy
        r[0][0] = y00;
        r[0][1] = y01;
        r[1][0] = _mm256_add_ps(y00, y10);
        r[1][1] = _mm256_add_ps(y01, y11);
        r[2][0] = _mm256_sub_ps(y00, y10);
        r[2][1] = _mm256_sub_ps(y01, y11);
        r[3][0] = _mm256_sub_ps(zero, y10);
        r[3][1] = _mm256_sub_ps(zero, y11);
        float* out = ZT + ((th - t0) * g.TW + tw) * CoP + co;
        for (int i = 0; i < 4; ++i) {
          _mm256_storeu_ps(out + (i * 4 + 0) * xs, r[i][0]);
          _mm256_storeu_ps(out + (i * 4 + 1) * xs, _mm256_add_ps(r[i][0], r[i][1]));
          _mm256_storeu_ps(out + (i * 4 + 2) * xs, _mm256_sub_ps(r[i][0], r[i][1]));
          _mm256_storeu_ps(out + (i * 4 + 3) * xs, _mm256_sub_ps(zero, r[i][1]));
        }
      }
}

// dU[c0+m][co0 .. co0+8) += sum_t V[c0+m][t] * ZT[t][co0 ..], for one transformed position.
void wgrad_tile(const float* const* vrows, const float* ZT, std::int64_t ntiles, std::int64_t CoP, std::int64_t co0,
                std::int64_t rows, float* dU) {
  __m256 acc[kMT];
#pragma GCC unroll 8
  for (int m = 0; m < kMT; ++m) acc[m] = m < rows ? _mm256_loadu_ps(dU + m * CoP + co0) : _mm256_setzero_ps();
  for (std::int64_t t = 0; t < ntiles; ++t) {
    const __m256 bv = _mm256_loadu_ps(ZT + t * CoP + co0);
#pragma GCC unroll 8
    for (int m = 0; m < kMT; ++m) acc[m] = _mm256_fmadd_ps(_mm256_broadcast_ss(vrows[m] + t), bv, acc[m]);
  }
#pragma GCC unroll 8
  for (int m = 0; m < kMT; ++m)  // constant indices keep acc in registers (see gemm_tile)
    if (m < rows) _mm256_storeu_ps(dU + m * CoP + co0, acc[m]);
}

}  // namespace

void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* scratch) {
  const Geometry g = geometry(s);
  float* eo = scratch;
  float* V = eo + s.c_in * g.HP * 2 * g.RW;
  float* M = V + 16 * (s.c_in * g.CC + kPlaneSkew);
  split_even_odd(s, g, x_img, eo);
  const std::int64_t tiles = (s.c_out + kMT - 1) / kMT;
  for (std::int64_t t0 = 0; t0 < g.TH; t0 += g.CT) {
    const std::int64_t t1 = std::min(g.TH, t0 + g.CT), cols = chunk_cols(g, t0, t1);
    input_transform(s, g, eo, t0, t1, V);
    for (int xi = 0; xi < 16; ++xi) {
      const float* Vx = V + xi * (s.c_in * cols + kPlaneSkew);
      float* Mx = M + xi * (s.c_out * cols + kPlaneSkew);
      for (std::int64_t t = 0; t < tiles; ++t) {
        const float* U = packed + (xi * tiles + t) * s.c_in * kMT;
        const std::int64_t rows = std::min(kMT, s.c_out - t * kMT);
        float* Mt = Mx + t * kMT * cols;
        for (std::int64_t col0 = 0; col0 < cols; col0 += 8) gemm_tile(s.c_in, U, Vx, cols, col0, rows, Mt);
      }
    }
    output_transform(s, g, M, bias, t0, t1, y_img);
  }
}

void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dU, float* scratch) {
  const Geometry g = geometry(s);
  const std::int64_t CoP = cout_padded(s), maxcols = g.CC;
  float* eo = scratch;
  float* tmp = eo + s.c_in * g.HP * 2 * g.RW;
  float* V = tmp + 2 * g.RW;
  float* ZT = V + 16 * (s.c_in * maxcols + kPlaneSkew);
  float* dyT = ZT + 16 * (maxcols * CoP + kPlaneSkew);
  float* zero = dyT + 2 * g.TH * 2 * g.TWp * CoP;
  std::memset(zero, 0, sizeof(float) * maxcols);
  split_even_odd(s, g, x_img, eo);
  transpose_dy(s, g, dy_img, dyT);
  for (std::int64_t t0 = 0; t0 < g.TH; t0 += g.CT) {
    const std::int64_t t1 = std::min(g.TH, t0 + g.CT), cols = chunk_cols(g, t0, t1), ntiles = (t1 - t0) * g.TW;
    input_transform(s, g, eo, t0, t1, V);
    dy_transform(s, g, dyT, t0, t1, ZT);
    for (int xi = 0; xi < 16; ++xi) {
      const float* Vx = V + xi * (s.c_in * cols + kPlaneSkew);
      const float* Zx = ZT + xi * (cols * CoP + kPlaneSkew);
      float* dUx = dU + xi * s.c_in * CoP;
      for (std::int64_t c0 = 0; c0 < s.c_in; c0 += kMT) {
        const std::int64_t rows = std::min(kMT, s.c_in - c0);
        const float* vrows[kMT];
        for (int m = 0; m < kMT; ++m) vrows[m] = m < rows ? Vx + (c0 + m) * cols : zero;
        for (std::int64_t co0 = 0; co0 < CoP; co0 += 8) wgrad_tile(vrows, Zx, ntiles, CoP, co0, rows, dUx + c0 * CoP);
      }
    }
  }
}

}  // namespace nos::kernels::winograd::avx2

#include "tensor/kernels/isa_target_end.h"
