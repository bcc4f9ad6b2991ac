// Compiles the functions that follow (up to isa_target_end.h) for AVX2 + FMA, whatever the build's
// baseline (see isa_target_begin_avx512.h). Include after every other header; no include guard.
#include <immintrin.h>
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
