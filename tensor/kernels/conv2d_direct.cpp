#include "tensor/kernels/conv2d_direct.h"

#include <cstring>

#include "tensor/kernels/isa.h"

namespace nos::kernels::direct {

bool supported(const Conv2dShape& s) {
#if !defined(__x86_64__)
  return false;
#endif
  return active_isa() >= Isa::avx2 && s.stride_h == 1 && s.stride_w == 1 &&
         !(s.kh == 1 && s.kw == 1 && s.pad_h == 0 && s.pad_w == 0);
}

std::int64_t packed_weight_floats(const Conv2dShape& s) { return (s.c_out + kMT - 1) / kMT * kMT * s.patch(); }

std::int64_t padded_image_floats(const Conv2dShape& s) { return s.c_in * padded_h(s) * padded_w(s) + kSlack; }

void pad_image(const Conv2dShape& s, const float* x, float* xpad) {
  const std::int64_t Hp = padded_h(s), Wp = padded_w(s);
  for (std::int64_t c = 0; c < s.c_in; ++c) {
    float* dst = xpad + c * Hp * Wp;
    std::memset(dst, 0, sizeof(float) * s.pad_h * Wp);
    for (std::int64_t r = 0; r < s.h; ++r) {
      float* row = dst + (r + s.pad_h) * Wp;
      for (std::int64_t q = 0; q < s.pad_w; ++q) row[q] = 0.0f;
      std::memcpy(row + s.pad_w, x + (c * s.h + r) * s.w, sizeof(float) * s.w);
      for (std::int64_t q = s.pad_w + s.w; q < Wp; ++q) row[q] = 0.0f;
    }
    std::memset(dst + (s.h + s.pad_h) * Wp, 0, sizeof(float) * s.pad_h * Wp);
  }
  std::memset(xpad + s.c_in * Hp * Wp, 0, sizeof(float) * kSlack);
}

void pack_weights(const Conv2dShape& s, const float* weight, float* packed) {
  const std::int64_t K = s.patch(), tiles = (s.c_out + kMT - 1) / kMT;
  for (std::int64_t t = 0; t < tiles; ++t)
    for (std::int64_t k = 0; k < K; ++k)
      for (std::int64_t m = 0; m < kMT; ++m) {
        const std::int64_t co = t * kMT + m;
        packed[(t * K + k) * kMT + m] = co < s.c_out ? weight[co * K + k] : 0.0f;
      }
}

Conv2dShape backward_data_shape(const Conv2dShape& s) {
  return Conv2dShape{s.n, s.c_out, s.out_h(),          s.out_w(),         s.c_in, s.kh, s.kw,
                     1,   1,       s.kh - 1 - s.pad_h, s.kw - 1 - s.pad_w};
}

void pack_weights_backward_data(const Conv2dShape& s, const float* weight, float* packed) {
  // w'[c][co][i][j] = w[co][c][kh-1-i][kw-1-j]; the backward shape has c_out' = c_in, c_in' = c_out.
  const std::int64_t Kb = s.c_out * s.kh * s.kw, tiles = (s.c_in + kMT - 1) / kMT;
  for (std::int64_t t = 0; t < tiles; ++t)
    for (std::int64_t co = 0; co < s.c_out; ++co)
      for (std::int64_t i = 0; i < s.kh; ++i)
        for (std::int64_t j = 0; j < s.kw; ++j)
          for (std::int64_t m = 0; m < kMT; ++m) {
            const std::int64_t c = t * kMT + m, k = (co * s.kh + i) * s.kw + j;
            packed[(t * Kb + k) * kMT + m] =
                c < s.c_in ? weight[((co * s.c_in + c) * s.kh + (s.kh - 1 - i)) * s.kw + (s.kw - 1 - j)] : 0.0f;
          }
}

void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* xpad) {
#if defined(__x86_64__)
  if (active_isa() == Isa::avx512) avx512::forward_image(s, x_img, packed, bias, y_img, xpad);
  else avx2::forward_image(s, x_img, packed, bias, y_img, xpad);
#endif
}

void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dw, float* xpad) {
#if defined(__x86_64__)
  if (active_isa() == Isa::avx512) avx512::backward_weight_image(s, x_img, dy_img, dw, xpad);
  else avx2::backward_weight_image(s, x_img, dy_img, dw, xpad);
#endif
}

}  // namespace nos::kernels::direct
