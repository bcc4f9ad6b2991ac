#include "tensor/kernels/conv2d.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "tensor/kernels/conv2d_direct.h"
#include "tensor/kernels/conv2d_winograd.h"
#include "tensor/kernels/gemm.h"

namespace nos::kernels {
namespace {

// Target size of one column block (floats): 288 x 224 columns ~ 256 KiB stays in L2 with the
// weight and output block beside it.
constexpr std::int64_t kColBlockFloats = 64 * 1024;

std::int64_t round_up16(std::int64_t v) { return (v + 15) / 16 * 16; }

bool is_pointwise(const Conv2dShape& s) {
  return s.kh == 1 && s.kw == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_h == 0 && s.pad_w == 0;
}

// Output rows per column block.
std::int64_t block_rows(const Conv2dShape& s) {
  const std::int64_t per_row = s.patch() * s.out_w();
  return std::clamp<std::int64_t>(kColBlockFloats / std::max<std::int64_t>(per_row, 1), 1, s.out_h());
}

int thread_count(int threads) {
  if (omp_in_parallel()) return 1;
  return threads > 0 ? threads : omp_get_max_threads();
}

int worker_count(const Conv2dShape& s, int threads) {
  return static_cast<int>(std::clamp<std::int64_t>(s.n, 1, thread_count(threads)));
}

struct ThreadSpace {
  float* wino;  // Winograd scratch (forward or backward-data), if used
  float* col;   // patch x block columns (im2col of x)
  float* dcol;  // patch x block columns (gradient of the columns)
  float* dw;    // c_out x patch partial weight gradient
  float* db;    // c_out partial bias gradient
};

bool wino_forward(const Conv2dShape& s) { return winograd::supported(s); }
bool wino_backward(const Conv2dShape& s) {
  return direct::supported(s) && winograd::supported(direct::backward_data_shape(s));
}

bool wino_wgrad(const Conv2dShape& s) { return direct::supported(s) && winograd::supported(s); }

// Floats of the per-thread weight-gradient accumulator.
std::int64_t dw_floats(const Conv2dShape& s) {
  return round_up16(wino_wgrad(s) ? std::max(s.c_out * s.patch(), winograd::weight_grad_accum_floats(s))
                                  : s.c_out * s.patch());
}

std::int64_t wino_floats(const Conv2dShape& s) {
  std::int64_t n = 0;
  if (wino_forward(s)) n = winograd::scratch_floats(s);
  if (wino_wgrad(s)) n = std::max(n, winograd::weight_grad_scratch_floats(s));
  if (wino_backward(s)) n = std::max(n, winograd::scratch_floats(direct::backward_data_shape(s)));
  return round_up16(n);
}

std::int64_t base_per_thread_floats(const Conv2dShape& s) {
  if (direct::supported(s))
    return round_up16(direct::padded_image_floats(s)) +
           round_up16(direct::padded_image_floats(direct::backward_data_shape(s))) + dw_floats(s) + round_up16(s.c_out);
  const std::int64_t cols = is_pointwise(s) ? 0 : block_rows(s) * s.out_w();
  return 2 * round_up16(s.patch() * cols) + round_up16(s.c_out * s.patch()) + round_up16(s.c_out);
}

std::int64_t per_thread_floats(const Conv2dShape& s) { return wino_floats(s) + base_per_thread_floats(s); }

// Packed weights for the direct or Winograd kernels (forward, then backward-data), shared by the threads.
std::int64_t shared_floats(const Conv2dShape& s) {
  if (!direct::supported(s)) return 0;
  const Conv2dShape bs = direct::backward_data_shape(s);
  const std::int64_t f = wino_forward(s) ? winograd::packed_weight_floats(s) : direct::packed_weight_floats(s);
  const std::int64_t b = wino_backward(s) ? winograd::packed_weight_floats(bs) : direct::packed_weight_floats(bs);
  return round_up16(f) + round_up16(b);
}
float* packed_forward(const Conv2dShape& s, float* ws) { return ws; }
float* packed_backward(const Conv2dShape& s, float* ws) {
  return ws + round_up16(wino_forward(s) ? winograd::packed_weight_floats(s) : direct::packed_weight_floats(s));
}

ThreadSpace thread_space(const Conv2dShape& s, float* ws, int tid) {
  ThreadSpace t;
  t.wino = ws + shared_floats(s) + tid * per_thread_floats(s);
  float* base = t.wino + wino_floats(s);
  if (direct::supported(s)) {
    t.col = base;                                                 // padded x
    t.dcol = t.col + round_up16(direct::padded_image_floats(s));  // padded dy
    t.dw = t.dcol + round_up16(direct::padded_image_floats(direct::backward_data_shape(s)));
  } else {
    const std::int64_t cols = is_pointwise(s) ? 0 : block_rows(s) * s.out_w();
    t.col = base;
    t.dcol = t.col + round_up16(s.patch() * cols);
    t.dw = t.dcol + round_up16(s.patch() * cols);
  }
  t.db = t.dw + dw_floats(s);
  return t;
}

// Runs f(image, tid) for every image, images split in contiguous ranges over `workers` threads.
template <class F>
void for_images(std::int64_t n, int workers, F&& f) {
  if (workers <= 1) {
    for (std::int64_t i = 0; i < n; ++i) f(i, 0);
    return;
  }
#pragma omp parallel num_threads(workers)
  {
    const int t = omp_get_thread_num();
    const std::int64_t lo = n * t / workers, hi = n * (t + 1) / workers;
    for (std::int64_t i = lo; i < hi; ++i) f(i, t);
  }
}

// Output columns ow in [lo, hi) read input column ow*stride - pad + k inside [0, w).
void valid_range(std::int64_t out, std::int64_t in, std::int64_t stride, std::int64_t pad, std::int64_t k,
                 std::int64_t& lo, std::int64_t& hi) {
  lo = 0;
  while (lo < out && lo * stride - pad + k < 0) ++lo;
  hi = out;
  while (hi > lo && (hi - 1) * stride - pad + k >= in) --hi;
}

// col[(c*kh+i)*kw+j][(oh-r0)*ow + ow] = x[c][oh*sh-ph+i][ow*sw-pw+j] (0 outside), oh in [r0, r1).
void im2col(const Conv2dShape& s, const float* x, std::int64_t r0, std::int64_t r1, float* col) {
  const std::int64_t OW = s.out_w(), cols = (r1 - r0) * OW;
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t i = 0; i < s.kh; ++i)
      for (std::int64_t j = 0; j < s.kw; ++j) {
        float* dst = col + ((c * s.kh + i) * s.kw + j) * cols;
        std::int64_t lo, hi;
        valid_range(OW, s.w, s.stride_w, s.pad_w, j, lo, hi);
        for (std::int64_t oh = r0; oh < r1; ++oh) {
          float* d = dst + (oh - r0) * OW;
          const std::int64_t ih = oh * s.stride_h - s.pad_h + i;
          if (ih < 0 || ih >= s.h) {
            std::memset(d, 0, sizeof(float) * OW);
            continue;
          }
          const float* src = x + (c * s.h + ih) * s.w - s.pad_w + j;
          for (std::int64_t o = 0; o < lo; ++o) d[o] = 0.0f;
          if (s.stride_w == 1) {
            if (hi > lo) std::memcpy(d + lo, src + lo, sizeof(float) * (hi - lo));
          } else {
            const std::int64_t sw = s.stride_w;
            for (std::int64_t o = lo; o < hi; ++o) d[o] = src[o * sw];
          }
          for (std::int64_t o = hi; o < OW; ++o) d[o] = 0.0f;
        }
      }
}

// x[c][ih][iw] += col[...] for the same index map as im2col.
void col2im(const Conv2dShape& s, const float* col, std::int64_t r0, std::int64_t r1, float* x) {
  const std::int64_t OW = s.out_w(), cols = (r1 - r0) * OW;
  for (std::int64_t c = 0; c < s.c_in; ++c)
    for (std::int64_t i = 0; i < s.kh; ++i)
      for (std::int64_t j = 0; j < s.kw; ++j) {
        const float* src = col + ((c * s.kh + i) * s.kw + j) * cols;
        std::int64_t lo, hi;
        valid_range(OW, s.w, s.stride_w, s.pad_w, j, lo, hi);
        for (std::int64_t oh = r0; oh < r1; ++oh) {
          const std::int64_t ih = oh * s.stride_h - s.pad_h + i;
          if (ih < 0 || ih >= s.h) continue;
          const float* d = src + (oh - r0) * OW;
          float* dst = x + (c * s.h + ih) * s.w - s.pad_w + j;
          if (s.stride_w == 1) {
#pragma omp simd
            for (std::int64_t o = lo; o < hi; ++o) dst[o] += d[o];
          } else {
            const std::int64_t sw = s.stride_w;
            for (std::int64_t o = lo; o < hi; ++o) dst[o * sw] += d[o];
          }
        }
      }
}

}  // namespace

bool Conv2dShape::valid() const {
  return n > 0 && c_in > 0 && h > 0 && w > 0 && c_out > 0 && kh > 0 && kw > 0 && stride_h > 0 && stride_w > 0 &&
         pad_h >= 0 && pad_w >= 0 && pad_h < kh && pad_w < kw && h + 2 * pad_h >= kh && w + 2 * pad_w >= kw;
}

std::size_t conv2d_workspace_floats(const Conv2dShape& s, int threads) {
  return static_cast<std::size_t>(shared_floats(s) + worker_count(s, threads) * per_thread_floats(s));
}

void conv2d_forward(const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y,
                    float* workspace) {
  const std::int64_t K = s.patch(), P = s.out_h() * s.out_w(), OW = s.out_w(), OH = s.out_h();
  const std::int64_t in_img = s.c_in * s.h * s.w, out_img = s.c_out * P, rows = block_rows(s);
  const bool pointwise = is_pointwise(s);
  if (direct::supported(s)) {
    float* packed = packed_forward(s, workspace);
    const bool wino = wino_forward(s);
    if (wino) winograd::pack_weights(s, weight, false, packed);
    else direct::pack_weights(s, weight, packed);
    for_images(s.n, worker_count(s, 0), [&](std::int64_t img, int tid) {
      const ThreadSpace t = thread_space(s, workspace, tid);
      if (wino) winograd::forward_image(s, x + img * in_img, packed, bias, y + img * out_img, t.wino);
      else direct::forward_image(s, x + img * in_img, packed, bias, y + img * out_img, t.col);
    });
    return;
  }
  for_images(s.n, worker_count(s, 0), [&](std::int64_t img, int tid) {
    const float* xi = x + img * in_img;
    float* yi = y + img * out_img;
    const ThreadSpace t = thread_space(s, workspace, tid);
    for (std::int64_t r0 = 0; r0 < OH; r0 += pointwise ? OH : rows) {
      const std::int64_t r1 = pointwise ? OH : std::min(OH, r0 + rows), p0 = r0 * OW, cols = (r1 - r0) * OW;
      const float* b = xi;
      if (!pointwise) {
        im2col(s, xi, r0, r1, t.col);
        b = t.col;
      }
      if (bias)
        for (std::int64_t co = 0; co < s.c_out; ++co) std::fill_n(yi + co * P + p0, cols, bias[co]);
      sgemm(false, false, s.c_out, cols, K, 1.0f, weight, K, b, pointwise ? P : cols, bias ? 1.0f : 0.0f, yi + p0, P);
    }
  });
}

void conv2d_backward(const Conv2dShape& s, const float* x, const float* weight, const float* dy, float* dx,
                     float* dweight, float* dbias, float* workspace) {
  const std::int64_t K = s.patch(), P = s.out_h() * s.out_w(), OW = s.out_w(), OH = s.out_h();
  const std::int64_t in_img = s.c_in * s.h * s.w, out_img = s.c_out * P, rows = block_rows(s);
  const bool pointwise = is_pointwise(s);
  const int workers = worker_count(s, 0);
  if (dweight || dbias)
    for (int t = 0; t < workers; ++t) {
      const ThreadSpace ts = thread_space(s, workspace, t);
      if (dweight) std::fill_n(ts.dw, dw_floats(s), 0.0f);
      if (dbias) std::fill_n(ts.db, s.c_out, 0.0f);
    }
  const bool use_direct = direct::supported(s);
  const Conv2dShape bs = direct::backward_data_shape(s);
  const bool wino_dx = wino_backward(s);
  if (use_direct && dx) {
    if (wino_dx) winograd::pack_weights(s, weight, true, packed_backward(s, workspace));
    else direct::pack_weights_backward_data(s, weight, packed_backward(s, workspace));
  }
  for_images(s.n, workers, [&](std::int64_t img, int tid) {
    const float* xi = x ? x + img * in_img : nullptr;
    const float* dyi = dy + img * out_img;
    float* dxi = dx ? dx + img * in_img : nullptr;
    const ThreadSpace t = thread_space(s, workspace, tid);
    if (use_direct) {
      if (dweight && wino_wgrad(s)) winograd::backward_weight_image(s, xi, dyi, t.dw, t.wino);
      else if (dweight) direct::backward_weight_image(s, xi, dyi, t.dw, t.col);
      if (dx && wino_dx) winograd::forward_image(bs, dyi, packed_backward(s, workspace), nullptr, dxi, t.wino);
      else if (dx) direct::forward_image(bs, dyi, packed_backward(s, workspace), nullptr, dxi, t.dcol);
    } else if (pointwise) {
      if (dweight) sgemm(false, true, s.c_out, K, P, 1.0f, dyi, P, xi, P, 1.0f, t.dw, K);
      if (dx) sgemm(true, false, K, P, s.c_out, 1.0f, weight, K, dyi, P, 0.0f, dxi, P);
    } else {
      if (dx) std::fill_n(dxi, in_img, 0.0f);
      for (std::int64_t r0 = 0; r0 < OH; r0 += rows) {
        const std::int64_t r1 = std::min(OH, r0 + rows), p0 = r0 * OW, cols = (r1 - r0) * OW;
        if (dweight) {
          im2col(s, xi, r0, r1, t.col);
          sgemm(false, true, s.c_out, K, cols, 1.0f, dyi + p0, P, t.col, cols, 1.0f, t.dw, K);
        }
        if (dx) {
          sgemm(true, false, K, cols, s.c_out, 1.0f, weight, K, dyi + p0, P, 0.0f, t.dcol, cols);
          col2im(s, t.dcol, r0, r1, dxi);
        }
      }
    }
    if (dbias)
      for (std::int64_t co = 0; co < s.c_out; ++co) {
        const float* d = dyi + co * P;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (std::int64_t p = 0; p < P; ++p) acc += d[p];
        t.db[co] += acc;
      }
  });
  // Reduce the per-thread partial sums in thread order.
  if (dweight && wino_wgrad(s)) {
    float* acc = thread_space(s, workspace, 0).dw;
    const std::int64_t len = winograd::weight_grad_accum_floats(s);
    for (int t = 1; t < workers; ++t) {
      const float* src = thread_space(s, workspace, t).dw;
      for (std::int64_t i = 0; i < len; ++i) acc[i] += src[i];
    }
    winograd::weight_grad_finish(s, acc, dweight);
  } else if (dweight) {
    const ThreadSpace t0 = thread_space(s, workspace, 0);
    std::copy_n(t0.dw, s.c_out * K, dweight);
    for (int t = 1; t < workers; ++t) {
      const float* src = thread_space(s, workspace, t).dw;
      for (std::int64_t i = 0; i < s.c_out * K; ++i) dweight[i] += src[i];
    }
  }
  if (dbias) {
    std::copy_n(thread_space(s, workspace, 0).db, s.c_out, dbias);
    for (int t = 1; t < workers; ++t) {
      const float* src = thread_space(s, workspace, t).db;
      for (std::int64_t i = 0; i < s.c_out; ++i) dbias[i] += src[i];
    }
  }
}

void conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* weight, float* dx, float* workspace) {
  conv2d_backward(s, nullptr, weight, dy, dx, nullptr, nullptr, workspace);
}

void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dweight, float* dbias,
                            float* workspace) {
  conv2d_backward(s, x, nullptr, dy, nullptr, dweight, dbias, workspace);
}

}  // namespace nos::kernels
