#include "tensor/kernels/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/kernels/isa.h"
#include "tensor/kernels/pool_2x2.h"

namespace nos::kernels {
namespace {
// Parallel only when there is enough work to pay for waking the threads.
constexpr std::int64_t kParallelMin = 1 << 15;
}  // namespace

bool Pool2dShape::valid() const {
  return n > 0 && c > 0 && h > 0 && w > 0 && kh > 0 && kw > 0 && stride_h > 0 && stride_w > 0 && pad_h >= 0 &&
         pad_w >= 0 && 2 * pad_h <= kh && 2 * pad_w <= kw && h + 2 * pad_h >= kh && w + 2 * pad_w >= kw;
}

void maxpool2d_forward(const Pool2dShape& s, const float* x, float* y, std::int32_t* argmax) {
  const std::int64_t OH = s.out_h(), OW = s.out_w(), planes = s.n * s.c, in_plane = s.h * s.w;
  const std::int64_t out_plane = OH * OW;
  constexpr std::int64_t kChunk = 256;  // output columns handled at once (stack arrays)
  using Plane = void (*)(const Pool2dShape&, const float*, float*, std::int32_t*);
  Plane plane2x2 = nullptr;
#if defined(__x86_64__)
  if (s.kh == 2 && s.kw == 2 && s.stride_h == 2 && s.stride_w == 2 && s.pad_h == 0 && s.pad_w == 0) {
    if (active_isa() == Isa::avx512) plane2x2 = avx512::maxpool2x2_plane;
    else if (active_isa() == Isa::avx2) plane2x2 = avx2::maxpool2x2_plane;
  }
#endif
#pragma omp parallel for schedule(static) if (planes * in_plane >= kParallelMin)
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    std::int32_t* ap = argmax + p * out_plane;
    if (plane2x2) {
      plane2x2(s, xp, yp, ap);
      continue;
    }
    float best[kChunk];
    std::int32_t arg[kChunk];
    for (std::int64_t oh = 0; oh < OH; ++oh) {
      const std::int64_t h0 = oh * s.stride_h - s.pad_h;
      const std::int64_t hs = std::max<std::int64_t>(h0, 0), he = std::min(h0 + s.kh, s.h);
      for (std::int64_t c0 = 0; c0 < OW; c0 += kChunk) {
        const std::int64_t c1 = std::min(OW, c0 + kChunk);
        for (std::int64_t ow = c0; ow < c1; ++ow) {
          best[ow - c0] = -std::numeric_limits<float>::infinity();
          arg[ow - c0] = static_cast<std::int32_t>(hs * s.w + std::max<std::int64_t>(ow * s.stride_w - s.pad_w, 0));
        }
        // Window elements in row-major order, each compared for a whole row of outputs: the inner
        // loop is branch-free and vectorisable. Strict '>' keeps the first maximum; NaN wins.
        for (std::int64_t ih = hs; ih < he; ++ih)
          for (std::int64_t j = 0; j < s.kw; ++j) {
            std::int64_t lo = c0, hi = c1;  // outputs whose column ow*sw - pw + j is inside [0, w)
            while (lo < hi && lo * s.stride_w - s.pad_w + j < 0) ++lo;
            while (hi > lo && (hi - 1) * s.stride_w - s.pad_w + j >= s.w) --hi;
            const float* row = xp + ih * s.w - s.pad_w + j;
            const std::int32_t base = static_cast<std::int32_t>(ih * s.w - s.pad_w + j);
            const std::int64_t sw = s.stride_w;
            for (std::int64_t ow = lo; ow < hi; ++ow) {
              const float v = row[ow * sw];
              const bool take = (v > best[ow - c0]) | (v != v);
              best[ow - c0] = take ? v : best[ow - c0];
              arg[ow - c0] = take ? base + static_cast<std::int32_t>(ow * sw) : arg[ow - c0];
            }
          }
        for (std::int64_t ow = c0; ow < c1; ++ow) {
          yp[oh * OW + ow] = best[ow - c0];
          ap[oh * OW + ow] = arg[ow - c0];
        }
      }
    }
  }
}

void maxpool2d_backward(const Pool2dShape& s, const float* dy, const std::int32_t* argmax, float* dx) {
  const std::int64_t planes = s.n * s.c, in_plane = s.h * s.w, out_plane = s.out_h() * s.out_w();
#pragma omp parallel for schedule(static) if (planes * in_plane >= kParallelMin)
  for (std::int64_t p = 0; p < planes; ++p) {
    float* dxp = dx + p * in_plane;
    const float* dyp = dy + p * out_plane;
    const std::int32_t* ap = argmax + p * out_plane;
    std::fill_n(dxp, in_plane, 0.0f);
    for (std::int64_t o = 0; o < out_plane; ++o) dxp[ap[o]] += dyp[o];
  }
}

void avgpool2d_forward(const Pool2dShape& s, const float* x, float* y, bool count_include_pad) {
  const std::int64_t OH = s.out_h(), OW = s.out_w(), planes = s.n * s.c, in_plane = s.h * s.w;
  const std::int64_t out_plane = OH * OW;
#pragma omp parallel for schedule(static) if (planes * in_plane >= kParallelMin)
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    for (std::int64_t oh = 0; oh < OH; ++oh) {
      const std::int64_t h0 = oh * s.stride_h - s.pad_h;
      const std::int64_t hs = std::max<std::int64_t>(h0, 0), he = std::min(h0 + s.kh, s.h);
      const std::int64_t hp = std::min(h0 + s.kh, s.h + s.pad_h) - h0;  // rows inside the padded input
      for (std::int64_t ow = 0; ow < OW; ++ow) {
        const std::int64_t w0 = ow * s.stride_w - s.pad_w;
        const std::int64_t ws = std::max<std::int64_t>(w0, 0), we = std::min(w0 + s.kw, s.w);
        const std::int64_t wp = std::min(w0 + s.kw, s.w + s.pad_w) - w0;
        float acc = 0.0f;
        for (std::int64_t ih = hs; ih < he; ++ih)
          for (std::int64_t iw = ws; iw < we; ++iw) acc += xp[ih * s.w + iw];
        const std::int64_t count = count_include_pad ? hp * wp : (he - hs) * (we - ws);
        yp[oh * OW + ow] = acc / static_cast<float>(count);
      }
    }
  }
}

void avgpool2d_backward(const Pool2dShape& s, const float* dy, float* dx, bool count_include_pad) {
  const std::int64_t OH = s.out_h(), OW = s.out_w(), planes = s.n * s.c, in_plane = s.h * s.w;
  const std::int64_t out_plane = OH * OW;
#pragma omp parallel for schedule(static) if (planes * in_plane >= kParallelMin)
  for (std::int64_t p = 0; p < planes; ++p) {
    float* dxp = dx + p * in_plane;
    const float* dyp = dy + p * out_plane;
    std::fill_n(dxp, in_plane, 0.0f);
    for (std::int64_t oh = 0; oh < OH; ++oh) {
      const std::int64_t h0 = oh * s.stride_h - s.pad_h;
      const std::int64_t hs = std::max<std::int64_t>(h0, 0), he = std::min(h0 + s.kh, s.h);
      const std::int64_t hp = std::min(h0 + s.kh, s.h + s.pad_h) - h0;
      for (std::int64_t ow = 0; ow < OW; ++ow) {
        const std::int64_t w0 = ow * s.stride_w - s.pad_w;
        const std::int64_t ws = std::max<std::int64_t>(w0, 0), we = std::min(w0 + s.kw, s.w);
        const std::int64_t wp = std::min(w0 + s.kw, s.w + s.pad_w) - w0;
        const std::int64_t count = count_include_pad ? hp * wp : (he - hs) * (we - ws);
        const float g = dyp[oh * OW + ow] / static_cast<float>(count);
        for (std::int64_t ih = hs; ih < he; ++ih)
          for (std::int64_t iw = ws; iw < we; ++iw) dxp[ih * s.w + iw] += g;
      }
    }
  }
}

void global_avgpool_forward(std::int64_t n, std::int64_t c, std::int64_t hw, const float* x, float* y) {
  const std::int64_t planes = n * c;
  const float inv = 1.0f / static_cast<float>(hw);
#pragma omp parallel for schedule(static) if (planes * hw >= kParallelMin)
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * hw;
    float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
    for (std::int64_t i = 0; i < hw; ++i) acc += xp[i];
    y[p] = acc * inv;
  }
}

void global_avgpool_backward(std::int64_t n, std::int64_t c, std::int64_t hw, const float* dy, float* dx) {
  const std::int64_t planes = n * c;
  const float inv = 1.0f / static_cast<float>(hw);
#pragma omp parallel for schedule(static) if (planes * hw >= kParallelMin)
  for (std::int64_t p = 0; p < planes; ++p) std::fill_n(dx + p * hw, hw, dy[p] * inv);
}

}  // namespace nos::kernels
