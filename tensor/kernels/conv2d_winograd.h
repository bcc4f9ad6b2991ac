// Internal: Winograd F(2x2, 3x3) convolution for 3x3 kernels with stride 1, used by conv2d.cpp.
//
// Per image: the zero-padded input is split into even and odd columns (so the 4x4 input tiles of 16
// neighbouring 2x2 output tiles are plain vector loads), transformed (V = B^T d B) into
// [16][c_in][tiles]; 16 small GEMMs M_xi = U_xi V_xi with U = G g G^T packed as [16][c_out/8][c_in][8]
// run in a micro-kernel (AVX-512: 8 channels x 32 tiles; AVX2: 8 x 8); the output transform (A^T M A) writes the
// 2x2 outputs interleaved back into NCHW. Tiles are processed in chunks of tile rows so that V and M
// stay in L2. 2.25x fewer multiplies than direct convolution; the extra rounding of the transforms
// is ~1e-6 relative. Layouts (tile rows padded to 16 tiles, channels of dy^T to 16) are the same for
// every ISA; forward_image / backward_weight_image dispatch on active_isa() to
// conv2d_winograd_avx512.cpp or conv2d_winograd_avx2.cpp.
#pragma once
#include <cstdint>

#include "tensor/kernels/conv2d.h"

namespace nos::kernels::winograd {

inline constexpr std::int64_t kMT = 8;                   // output channels per GEMM tile
inline constexpr std::int64_t kChunkFloats = 96 * 1024;  // V + M per chunk of tile rows (~384 KiB)
// The 16 planes of V and M are spaced by a multiple of 4 KiB plus this many floats: without it the
// 16 streams of the transforms land in the same L1 sets.
inline constexpr std::int64_t kPlaneSkew = 48;

// Output size, tiles (TH x TW; the even/odd split rows hold TWp = TW rounded up to 16), padded input
// rows HP, even/odd half-row length RW, tile rows per chunk CT, and CC >= chunk_cols of any chunk.
struct Geometry {
  std::int64_t OH, OW, TH, TW, TWp, HP, RW, CT, CC;
};
Geometry geometry(const Conv2dShape& s);
// Columns (tiles) of V and M for the chunk of tile rows [t0, t1): the tiles are numbered row by row
// without padding, (th - t0) * TW + tw, so small outputs (8x8: TW = 4) do not multiply padding;
// rounded up to 16 (whole vectors; the input transform's last vector of a row spills < 16 columns
// into the next row, which overwrites it, or past the end, into the plane skew).
inline std::int64_t chunk_cols(const Geometry& g, std::int64_t t0, std::int64_t t1) {
  return ((t1 - t0) * g.TW + 15) / 16 * 16;
}
// Output channels padded to whole vectors (layout of dy^T and of the weight-gradient accumulator).
inline std::int64_t cout_padded(const Conv2dShape& s) { return (s.c_out + 15) / 16 * 16; }

// 3x3, stride 1, enough channels to amortise the transforms, on an ISA with a Winograd kernel (AVX2+).
bool supported(const Conv2dShape& s);
// Floats of the packed transformed weights of `s`.
std::int64_t packed_weight_floats(const Conv2dShape& s);
// Floats of per-thread scratch for one image.
std::int64_t scratch_floats(const Conv2dShape& s);
// U = G g G^T for weight [c_out][c_in][3][3]. With flip_transpose, packs instead the weight of the
// backward-data convolution: g'[ci][co][i][j] = g[co][ci][2-i][2-j] (then `s` is the forward shape
// and the packed weight belongs to direct::backward_data_shape(s)).
void pack_weights(const Conv2dShape& s, const float* weight, bool flip_transpose, float* packed);
// One image: y_img = conv(x_img) (+ bias, may be null).
void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* scratch);

// Backward-weight: each thread accumulates dU [16][c_in][c_out rounded up to 16] over its images
// (zero it first), the threads' dU are summed, and weight_grad_finish maps the sum to
// dweight = G^T dU G (overwritten).
std::int64_t weight_grad_accum_floats(const Conv2dShape& s);
std::int64_t weight_grad_scratch_floats(const Conv2dShape& s);
void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dU, float* scratch);
void weight_grad_finish(const Conv2dShape& s, const float* dU, float* dweight);

// The per-ISA implementations behind forward_image and backward_weight_image (x86-64 only).
namespace avx512 {
void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* scratch);
void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dU, float* scratch);
}  // namespace avx512
namespace avx2 {
void forward_image(const Conv2dShape& s, const float* x_img, const float* packed, const float* bias, float* y_img,
                   float* scratch);
void backward_weight_image(const Conv2dShape& s, const float* x_img, const float* dy_img, float* dU, float* scratch);
}  // namespace avx2

}  // namespace nos::kernels::winograd
