// Ends the region opened by isa_target_begin_*.h. No include guard.
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
