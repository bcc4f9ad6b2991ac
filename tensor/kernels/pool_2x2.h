// Internal: the 2x2 / stride-2 / no-padding max pool of one plane, per ISA, used by pool.cpp.
// Same order and NaN rule as pool.cpp's generic loop: first maximum in row-major window order, NaN wins.
#pragma once
#include <cstdint>

#include "tensor/kernels/pool.h"

namespace nos::kernels {

// y plane [out_h][out_w] and argmax plane from the input plane xp [h][w].
namespace avx512 {
void maxpool2x2_plane(const Pool2dShape& s, const float* xp, float* yp, std::int32_t* ap);
}
namespace avx2 {
void maxpool2x2_plane(const Pool2dShape& s, const float* xp, float* yp, std::int32_t* ap);
}

}  // namespace nos::kernels
