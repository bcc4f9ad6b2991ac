// AVX-512 Winograd F(2x2, 3x3) kernels (conv2d_winograd.h): 16 tiles per zmm.
#include <algorithm>
#include <cstring>

#include "tensor/kernels/conv2d_winograd.h"

// Last: everything below is compiled for the target ISA.
#include "tensor/kernels/isa_target_begin_avx512.h"

namespace nos::kernels::winograd::avx512 {
namespace {

__mmask16 tail_mask(std::int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1u);
}

// eo[c][r][0|1][q] = padded x at row r, column 2q (even) or 2q+1 (odd); zero outside the image.
// Reads the image rows with masked loads (no bounce buffer: a copy followed by wider reloads would
// defeat store-to-load forwarding).
void split_even_odd(const Conv2dShape& s, const Geometry& g, const float* x, float* eo) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i width = _mm512_set1_epi32(static_cast<int>(s.w));
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t r = 0; r < g.HP; ++r) {
      float* dst = eo + (c * g.HP + r) * 2 * g.RW;
      const std::int64_t ih = r - s.pad_h;
      if (ih < 0 || ih >= s.h) {
        std::memset(dst, 0, sizeof(float) * 2 * g.RW);
        continue;
      }
      const float* src = x + (c * s.h + ih) * s.w;
      for (std::int64_t q = 0; q < g.RW; q += 16) {
        const std::int64_t first = 2 * q - s.pad_w;  // image column of padded column 2q
        if (first >= s.w) {
          _mm512_storeu_ps(dst + q, _mm512_setzero_ps());
          _mm512_storeu_ps(dst + g.RW + q, _mm512_setzero_ps());
          continue;
        }
        const __m512i i0 = _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(first)));
        const __m512i i1 = _mm512_add_epi32(i0, _mm512_set1_epi32(16));
        const __mmask16 m0 = _mm512_cmpge_epi32_mask(i0, _mm512_setzero_si512()) & _mm512_cmplt_epi32_mask(i0, width);
        const __mmask16 m1 = _mm512_cmpge_epi32_mask(i1, _mm512_setzero_si512()) & _mm512_cmplt_epi32_mask(i1, width);
        __m512 a, b;
        const std::int64_t off = (c * s.h + ih) * s.w + first;  // of column `first` from the image start
        if (off >= 0 && off + 32 <= s.c_in * s.h * s.w) {
          // Inside the image buffer: plain loads, the lanes outside this row cleared by an AND
          // (masked loads from memory are slow on our Zen 5: see pool_avx512.cpp; a maskz_mov of
          // the load would be folded back into a masked load by GCC).
          a = _mm512_and_ps(_mm512_loadu_ps(x + off), _mm512_castsi512_ps(_mm512_movm_epi32(m0)));
          b = _mm512_and_ps(_mm512_loadu_ps(x + off + 16), _mm512_castsi512_ps(_mm512_movm_epi32(m1)));
        } else {
          // Masked-off lanes are neither read nor faulted on, so the address may lie before the row
          // (formed as an integer: pointer arithmetic before the array would be undefined).
          const float* at = reinterpret_cast<const float*>(reinterpret_cast<std::uintptr_t>(src) +
                                                           static_cast<std::intptr_t>(first) * 4);
          a = _mm512_maskz_loadu_ps(m0, at);
          b = _mm512_maskz_loadu_ps(m1, at + 16);
        }
        _mm512_storeu_ps(dst + q, _mm512_permutex2var_ps(a, even, b));
        _mm512_storeu_ps(dst + g.RW + q, _mm512_permutex2var_ps(a, odd, b));
      }
    }
}

// V[xi][c][col] = (B^T d B)[xi] for the tiles of tile rows [t0, t1).
void input_transform(const Conv2dShape& s, const Geometry& g, const float* eo, std::int64_t t0, std::int64_t t1,
                     float* V) {
  const std::int64_t cols = chunk_cols(g, t0, t1);
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t th = t0; th < t1; ++th)
      for (std::int64_t tw0 = 0; tw0 < g.TWp; tw0 += 16) {
        __m512 d[4][4];
        for (int k = 0; k < 4; ++k) {
          const float* e = eo + (c * g.HP + 2 * th + k) * 2 * g.RW + tw0;
          const float* o = e + g.RW;
          d[k][0] = _mm512_loadu_ps(e);
          d[k][1] = _mm512_loadu_ps(o);
          d[k][2] = _mm512_loadu_ps(e + 1);
          d[k][3] = _mm512_loadu_ps(o + 1);
        }
        __m512 t[4][4];
        for (int j = 0; j < 4; ++j) {
          t[0][j] = _mm512_sub_ps(d[0][j], d[2][j]);
          t[1][j] = _mm512_add_ps(d[1][j], d[2][j]);
          t[2][j] = _mm512_sub_ps(d[2][j], d[1][j]);
          t[3][j] = _mm512_sub_ps(d[1][j], d[3][j]);
        }
        float* out = V + c * cols + (th - t0) * g.TW + tw0;
        const std::int64_t xs = s.c_in * cols + kPlaneSkew;  // stride between the 16 positions
        for (int i = 0; i < 4; ++i) {
          _mm512_storeu_ps(out + (i * 4 + 0) * xs, _mm512_sub_ps(t[i][0], t[i][2]));
          _mm512_storeu_ps(out + (i * 4 + 1) * xs, _mm512_add_ps(t[i][1], t[i][2]));
          _mm512_storeu_ps(out + (i * 4 + 2) * xs, _mm512_sub_ps(t[i][2], t[i][1]));
          _mm512_storeu_ps(out + (i * 4 + 3) * xs, _mm512_sub_ps(t[i][1], t[i][3]));
        }
      }
}

// M[co0+m][col0 .. col0+16*NV) = sum_c U[c][m] * V[c][col0 ..], for one transformed position.
template <int NV>
void gemm_tile(std::int64_t c_in, const float* U, const float* V, std::int64_t cols, std::int64_t col0,
               std::int64_t rows, float* M) {
  __m512 acc[kMT][NV];
  for (int m = 0; m < kMT; ++m)
    for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_setzero_ps();
  const float* b = V + col0;
  for (std::int64_t c = 0; c < c_in; ++c) {
    __m512 bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + c * cols + 16 * v);
#pragma GCC unroll 8
    for (int m = 0; m < kMT; ++m) {
      const __m512 a = _mm512_set1_ps(U[c * kMT + m]);
      for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_fmadd_ps(a, bv[v], acc[m][v]);
    }
  }
  // Constant indices only (unrolled, `if` inside): a loop bounded by `rows` would index acc at run
  // time, and GCC may then keep acc in memory, storing the accumulators on every iteration.
#pragma GCC unroll 8
  for (int m = 0; m < kMT; ++m)
    if (m < rows)
      for (int v = 0; v < NV; ++v) _mm512_storeu_ps(M + m * cols + col0 + 16 * v, acc[m][v]);
}

// y rows 2*th, 2*th+1 = A^T M A (+ bias) for the tiles of tile rows [t0, t1).
void output_transform(const Conv2dShape& s, const Geometry& g, const float* M, const float* bias, std::int64_t t0,
                      std::int64_t t1, float* y) {
  const std::int64_t cols = chunk_cols(g, t0, t1), xs = s.c_out * cols + kPlaneSkew;
  const __m512i idx_lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i idx_hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  for (std::int64_t co = 0; co < s.c_out; ++co) {
    const __m512 b = _mm512_set1_ps(bias ? bias[co] : 0.0f);
    for (std::int64_t th = t0; th < t1; ++th)
      for (std::int64_t tw0 = 0; tw0 < g.TWp; tw0 += 16) {
        const float* src = M + co * cols + (th - t0) * g.TW + tw0;
        __m512 m[16];
        for (int k = 0; k < 16; ++k) m[k] = _mm512_loadu_ps(src + k * xs);
        __m512 r[2][4];
        for (int j = 0; j < 4; ++j) {
          r[0][j] = _mm512_add_ps(_mm512_add_ps(m[j], m[4 + j]), m[8 + j]);
          r[1][j] = _mm512_sub_ps(_mm512_sub_ps(m[4 + j], m[8 + j]), m[12 + j]);
        }
        const std::int64_t rem = g.OW - 2 * tw0;
        const __mmask16 k0 = tail_mask(rem), k1 = tail_mask(rem - 16);
        for (int a = 0; a < 2; ++a) {
          const std::int64_t oh = 2 * th + a;
          if (oh >= g.OH) break;
          const __m512 y0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r[a][0], r[a][1]), r[a][2]), b);
          const __m512 y1 = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(r[a][1], r[a][2]), r[a][3]), b);
          float* out = y + (co * g.OH + oh) * g.OW + 2 * tw0;
          if (rem >= 32) {  // plain stores where the row allows (masked stores are slow on Zen 5)
            _mm512_storeu_ps(out, _mm512_permutex2var_ps(y0, idx_lo, y1));
            _mm512_storeu_ps(out + 16, _mm512_permutex2var_ps(y0, idx_hi, y1));
          } else {
            _mm512_mask_storeu_ps(out, k0, _mm512_permutex2var_ps(y0, idx_lo, y1));
            _mm512_mask_storeu_ps(out + 16, k1, _mm512_permutex2var_ps(y0, idx_hi, y1));
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
// with a stride of a whole plane (4 KiB for 32x32), which cost ~30% of the AVX2 weight gradient;
// with AVX-512 gathers instead, the 32->32 backward took 15.0 ms CPU against 14.0 ms with this
// (one run each, load ~10).
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
  for (std::int64_t th = t0; th < t1; ++th)
    for (std::int64_t tw = 0; tw < g.TW; ++tw)
      for (std::int64_t co = 0; co < CoP; co += 16) {
        const float* p0 = dyT + ((2 * th) * OWt + 2 * tw) * CoP + co;
        const float* p1 = p0 + OWt * CoP;
        const __m512 y00 = _mm512_loadu_ps(p0), y01 = _mm512_loadu_ps(p0 + CoP);
        const __m512 y10 = _mm512_loadu_ps(p1), y11 = _mm512_loadu_ps(p1 + CoP);
        __m512 r[4][2];  // rows of A dy
        r[0][0] = y00;
        r[0][1] = y01;
        r[1][0] = _mm512_add_ps(y00, y10);
        r[1][1] = _mm512_add_ps(y01, y11);
        r[2][0] = _mm512_sub_ps(y00, y10);
        r[2][1] = _mm512_sub_ps(y01, y11);
        r[3][0] = _mm512_sub_ps(_mm512_setzero_ps(), y10);
        r[3][1] = _mm512_sub_ps(_mm512_setzero_ps(), y11);
        float* out = ZT + ((th - t0) * g.TW + tw) * CoP + co;
        for (int i = 0; i < 4; ++i) {
          _mm512_storeu_ps(out + (i * 4 + 0) * xs, r[i][0]);
          _mm512_storeu_ps(out + (i * 4 + 1) * xs, _mm512_add_ps(r[i][0], r[i][1]));
          _mm512_storeu_ps(out + (i * 4 + 2) * xs, _mm512_sub_ps(r[i][0], r[i][1]));
          _mm512_storeu_ps(out + (i * 4 + 3) * xs, _mm512_sub_ps(_mm512_setzero_ps(), r[i][1]));
        }
      }
}

// dU[c0+m][co0 .. co0+16*NV) += sum_t V[c0+m][t] * ZT[t][co0 ..], for one transformed position.
template <int NV>
void wgrad_tile(const float* const* vrows, const float* ZT, std::int64_t ntiles, std::int64_t CoP, std::int64_t co0,
                std::int64_t rows, float* dU) {
  __m512 acc[kMT][NV];
  for (int m = 0; m < kMT; ++m)
    for (int v = 0; v < NV; ++v)
      acc[m][v] = m < rows ? _mm512_loadu_ps(dU + m * CoP + co0 + 16 * v) : _mm512_setzero_ps();
  for (std::int64_t t = 0; t < ntiles; ++t) {
    __m512 bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(ZT + t * CoP + co0 + 16 * v);
#pragma GCC unroll 8
    for (int m = 0; m < kMT; ++m) {
      const __m512 a = _mm512_set1_ps(vrows[m][t]);
      for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_fmadd_ps(a, bv[v], acc[m][v]);
    }
  }
#pragma GCC unroll 8
  for (int m = 0; m < kMT; ++m)  // constant indices keep acc in registers (see gemm_tile)
    if (m < rows)
      for (int v = 0; v < NV; ++v) _mm512_storeu_ps(dU + m * CoP + co0 + 16 * v, acc[m][v]);
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
        std::int64_t col0 = 0;
        for (; col0 + 32 <= cols; col0 += 32) gemm_tile<2>(s.c_in, U, Vx, cols, col0, rows, Mt);
        if (col0 < cols) gemm_tile<1>(s.c_in, U, Vx, cols, col0, rows, Mt);
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
        std::int64_t co0 = 0;
        for (; co0 + 32 <= CoP; co0 += 32) wgrad_tile<2>(vrows, Zx, ntiles, CoP, co0, rows, dUx + c0 * CoP);
        if (co0 < CoP) wgrad_tile<1>(vrows, Zx, ntiles, CoP, co0, rows, dUx + c0 * CoP);
      }
    }
  }
}

}  // namespace nos::kernels::winograd::avx512

#include "tensor/kernels/isa_target_end.h"
