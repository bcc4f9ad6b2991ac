// Compiles the functions that follow (up to isa_target_end.h) for AVX-512 F/BW/DQ/VL + FMA, in a
// library built for x86-64-v3. A per-function target (rather than -mavx512f on the whole file) keeps
// the inline functions and template instances the file shares with the rest of the program (headers,
// the standard library) at the baseline ISA, so the linker can never pick an AVX-512 copy of them
// for code that runs on an AVX2-only CPU. Include after every other header; no include guard.
#include <immintrin.h>
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")
#endif
