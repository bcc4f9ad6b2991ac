// Internal: direct (implicit-GEMM) convolution for stride 1, used by conv2d.cpp.
//
// Instead of an im2col buffer (c_in*kh*kw rows per output pixel), each image is copied once into a
// zero-padded buffer; a micro-kernel then computes 8 output channels x a run of output pixels of one
// row in vector accumulators (AVX-512: 8 x 32 pixels in 16 zmm; AVX2: 8 x 8 pixels in 8 ymm),
// reading the input rows shifted by the kernel column straight from the padded buffer (unaligned
// loads), and the weights from a packed [tile][k][8] copy (the same layout for every ISA).
// Backward-data is the same kernel on dy with the kernel flipped and c_in/c_out swapped;
// backward-weight accumulates output channels x 3 kernel columns x one vector of pixels in registers.
// The shape helpers and packing here are ISA-independent; forward_image / backward_weight_image
// dispatch on active_isa() to conv2d_direct_avx512.cpp or conv2d_direct_avx2.cpp.
#pragma once
#include <cstddef>
#include <cstdint>

#include "tensor/kernels/conv2d.h"

namespace nos::kernels::direct {

inline constexpr std::int64_t kMT = 8;      // output channels per packed weight tile
inline constexpr std::int64_t kSlack = 64;  // floats after the padded image for vector over-reads

// True when the direct kernels handle this shape (stride 1, not 1x1 / pad 0) on the active ISA.
bool supported(const Conv2dShape& s);

// Floats of the packed weights for `s` (forward layout; pass the swapped shape for backward-data).
std::int64_t packed_weight_floats(const Conv2dShape& s);
// Floats of the zero-padded copy of one input image of `s` (with slack for vector over-reads).
std::int64_t padded_image_floats(const Conv2dShape& s);
inline std::int64_t padded_h(const Conv2dShape& s) { return s.h + 2 * s.pad_h; }
inline std::int64_t padded_w(const Conv2dShape& s) { return s.w + 2 * s.pad_w; }
// Copies x_img [c][h][w] into xpad [c][h+2ph][w+2pw] with zero borders, and zeros the slack.
void pad_image(const Conv2dShape& s, const float* x, float* xpad);

// Packs weight [c_out][c_in][kh][kw] as [ceil(c_out/8)][c_in*kh*kw][8] (zeros for missing rows).
void pack_weights(const Conv2dShape& s, const float* weight, float* packed);
// The shape whose forward convolution is the backward-data pass of `s` (stride 1 only).
Conv2dShape backward_data_shape(const Conv2dShape& s);
// Packs the flipped, transposed weight so that forward(backward_data_shape(s)) computes dx.
void pack_weights_backward_data(const Conv2dShape& s, const float* weight, float* packed);

// One image: y_img [c_out][oh][ow] = conv(x_img) (+ bias, may be null). xpad: padded_image_floats.
void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* xpad);
// One image: dw [c_out][c_in*kh*kw] += dy_img (*) x_img. xpad: padded_image_floats (of s).
void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dw, float* xpad);

// The per-ISA implementations behind the two functions above (x86-64 only).
namespace avx512 {
void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* xpad);
void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dw, float* xpad);
}  // namespace avx512
namespace avx2 {
void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* xpad);
void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dw, float* xpad);
}  // namespace avx2

}  // namespace nos::kernels::direct
