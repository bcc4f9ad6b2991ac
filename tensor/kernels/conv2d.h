// 2-D convolution over NCHW float32 tensors: forward, backward-data, backward-weight (+ bias).
//
// Layouts: x [n, c_in, h, w], weight [c_out, c_in, kh, kw], bias [c_out],
//          y [n, c_out, out_h, out_w]. Cross-correlation, like PyTorch (no kernel flip).
//
// Method (chosen per shape, images spread over omp_get_max_threads() threads, one image per task):
//  - 3x3, stride 1, c_in >= 8 (AVX2 or AVX-512, chosen at run time: isa.h): Winograd F(2x2, 3x3)
//    (conv2d_winograd.h) for the forward pass, the weight gradient and, with the flipped kernel,
//    backward-data;
//  - other stride-1 kernels (AVX2 or AVX-512): direct implicit-GEMM micro-kernels on a zero-padded
//    copy of the image (conv2d_direct.h);
//  - everything else (stride > 1, or NOS_MAX_ISA=generic): per image, im2col of a block of output rows into a
//    column buffer that stays in L2, then sgemm (M = c_out, N = block pixels, K = c_in*kh*kw), run
//    single-threaded inside the parallel region; 1x1 / stride 1 / padding 0 skips im2col.
// With fewer images than threads the images run one after another (sgemm may then use the threads).
//
// Workspace: every call takes `workspace`, at least conv2d_workspace_floats(shape, threads) floats,
// where `threads` is the omp_get_max_threads() in effect at the call (default argument). No kernel
// allocates memory. Outputs must not alias inputs.
//
// Determinism: forward and backward-data give bitwise the same result at any thread count (each
// image is computed by one thread the same way).
// Backward-weight/bias sum over images in per-thread partial sums that are added at the end, so
// dweight/dbias change with the thread count by float reassociation only (~1e-6 relative).
#pragma once
#include <cstddef>
#include <cstdint>

namespace nos::kernels {

struct Conv2dShape {
  std::int64_t n = 1, c_in = 1, h = 1, w = 1;  // input
  std::int64_t c_out = 1, kh = 1, kw = 1;      // weight
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;

  std::int64_t out_h() const { return (h + 2 * pad_h - kh) / stride_h + 1; }
  std::int64_t out_w() const { return (w + 2 * pad_w - kw) / stride_w + 1; }
  std::int64_t patch() const { return c_in * kh * kw; }  // GEMM K
  // True when the shape is well formed (positive sizes, output at least 1x1, padding < kernel).
  bool valid() const;

  // Square kernel, same stride and padding in both dimensions.
  static Conv2dShape square(std::int64_t n, std::int64_t c_in, std::int64_t h, std::int64_t w, std::int64_t c_out,
                            std::int64_t k, std::int64_t stride, std::int64_t pad) {
    return Conv2dShape{n, c_in, h, w, c_out, k, k, stride, stride, pad, pad};
  }
};

// Floats of workspace any conv2d_* call below needs with `threads` threads (<= 0: omp_get_max_threads()).
std::size_t conv2d_workspace_floats(const Conv2dShape& s, int threads = 0);

// y = conv(x, weight) + bias (bias may be null).
void conv2d_forward(const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y,
                    float* workspace);

// dx = conv_transpose(dy, weight) (dx is overwritten).
void conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* weight, float* dx, float* workspace);

// dweight = sum_n dy (*) x, dbias = sum dy (overwritten; dbias may be null).
void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dweight, float* dbias,
                            float* workspace);

// Both backward passes in one sweep over the images (dy is read once while in cache).
// Any of dx, dweight, dbias may be null to skip it. Outputs are overwritten.
void conv2d_backward(const Conv2dShape& s, const float* x, const float* weight, const float* dy, float* dx,
                     float* dweight, float* dbias, float* workspace);

}  // namespace nos::kernels
