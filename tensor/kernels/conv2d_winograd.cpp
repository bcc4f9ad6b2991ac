#include "tensor/kernels/conv2d_winograd.h"

#include <algorithm>

#include "tensor/kernels/isa.h"

namespace nos::kernels::winograd {

Geometry geometry(const Conv2dShape& s) {
  Geometry g;
  g.OH = s.out_h();
  g.OW = s.out_w();
  g.TH = (g.OH + 1) / 2;
  g.TW = (g.OW + 1) / 2;
  g.TWp = (g.TW + 15) / 16 * 16;  // tiles per tile row, padded to whole vectors
  g.HP = 2 * g.TH + 2;            // padded input rows
  g.RW = g.TWp + 16;              // even/odd half-row length (room for the +1 shifted loads)
  g.CT = std::clamp<std::int64_t>(kChunkFloats / (16 * (s.c_in + s.c_out) * g.TW), 1, g.TH);
  g.CC = chunk_cols(g, 0, g.CT);
  return g;
}

bool supported(const Conv2dShape& s) {
#if !defined(__x86_64__)
  return false;
#endif
  return active_isa() >= Isa::avx2 && s.kh == 3 && s.kw == 3 && s.stride_h == 1 && s.stride_w == 1 && s.c_in >= 8;
}

std::int64_t packed_weight_floats(const Conv2dShape& s) { return 16 * ((s.c_out + kMT - 1) / kMT) * kMT * s.c_in; }

std::int64_t scratch_floats(const Conv2dShape& s) {
  const Geometry g = geometry(s);
  return s.c_in * g.HP * 2 * g.RW + 16 * ((s.c_in + s.c_out) * g.CC + 2 * kPlaneSkew) + 2 * g.RW + 64;
}

void pack_weights(const Conv2dShape& s, const float* weight, bool flip_transpose, float* packed) {
  // Output/input channels of the convolution whose weight is packed.
  const std::int64_t cout = flip_transpose ? s.c_in : s.c_out, cin = flip_transpose ? s.c_out : s.c_in;
  const std::int64_t tiles = (cout + kMT - 1) / kMT;
  std::fill_n(packed, 16 * tiles * kMT * cin, 0.0f);
  for (std::int64_t o = 0; o < cout; ++o)
    for (std::int64_t c = 0; c < cin; ++c) {
      double gk[3][3];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
          gk[i][j] = flip_transpose ? weight[((c * s.c_in + o) * 3 + (2 - i)) * 3 + (2 - j)]
                                    : weight[((o * s.c_in + c) * 3 + i) * 3 + j];
      double gg[4][3];  // G g
      for (int j = 0; j < 3; ++j) {
        gg[0][j] = gk[0][j];
        gg[1][j] = 0.5 * (gk[0][j] + gk[1][j] + gk[2][j]);
        gg[2][j] = 0.5 * (gk[0][j] - gk[1][j] + gk[2][j]);
        gg[3][j] = gk[2][j];
      }
      for (int i = 0; i < 4; ++i) {
        const double u[4] = {gg[i][0], 0.5 * (gg[i][0] + gg[i][1] + gg[i][2]), 0.5 * (gg[i][0] - gg[i][1] + gg[i][2]),
                             gg[i][2]};
        for (int j = 0; j < 4; ++j)
          packed[(((i * 4 + j) * tiles + o / kMT) * cin + c) * kMT + o % kMT] = static_cast<float>(u[j]);
      }
    }
}

std::int64_t weight_grad_accum_floats(const Conv2dShape& s) { return 16 * s.c_in * ((s.c_out + 15) / 16 * 16); }

std::int64_t weight_grad_scratch_floats(const Conv2dShape& s) {
  const Geometry g = geometry(s);
  const std::int64_t CoP = (s.c_out + 15) / 16 * 16, cols = g.CC;
  return s.c_in * g.HP * 2 * g.RW + 2 * g.RW  // even/odd split + row buffer
         + 16 * (s.c_in * cols + kPlaneSkew)  // V
         + 16 * (cols * CoP + kPlaneSkew)     // Z^T
         + 2 * g.TH * 2 * g.TWp * CoP         // dy^T
         + cols + 64;                         // a zero row
}

void weight_grad_finish(const Conv2dShape& s, const float* dU, float* dweight) {
  static constexpr double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const std::int64_t CoP = (s.c_out + 15) / 16 * 16;
  for (std::int64_t co = 0; co < s.c_out; ++co)
    for (std::int64_t c = 0; c < s.c_in; ++c)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          double acc = 0.0;
          for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b)
              acc += G[a][i] * G[b][j] * static_cast<double>(dU[((a * 4 + b) * s.c_in + c) * CoP + co]);
          dweight[((co * s.c_in + c) * 3 + i) * 3 + j] = static_cast<float>(acc);
        }
}

void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* scratch) {
#if defined(__x86_64__)
  if (active_isa() == Isa::avx512) avx512::forward_image(s, x_img, packed, bias, y_img, scratch);
  else avx2::forward_image(s, x_img, packed, bias, y_img, scratch);
#endif
}

void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dU, float* scratch) {
#if defined(__x86_64__)
  if (active_isa() == Isa::avx512) avx512::backward_weight_image(s, x_img, dy_img, dU, scratch);
  else avx2::backward_weight_image(s, x_img, dy_img, dU, scratch);
#endif
}

}  // namespace nos::kernels::winograd
