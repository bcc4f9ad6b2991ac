// Which SIMD instruction set the kernels use, decided at run time from the CPU (not the build host).
//
// The library is compiled for x86-64-v3 (AVX2 + FMA); the AVX-512 kernels live in their own
// translation units (*_avx512.cpp, compiled for AVX-512 through `#pragma GCC target`) and run only
// when the CPU reports AVX-512F/BW/DQ/VL. The environment variable NOS_MAX_ISA (generic, avx2,
// avx512) caps the choice, in the spirit of oneDNN's ONEDNN_MAX_CPU_ISA, so that an AVX-512 machine
// can test and benchmark the AVX2 paths; "generic" selects the im2col + sgemm convolution and the
// plain loops. The ceiling is the one process-wide setting besides the thread pool: kernels read it
// on every call, so it must not change between sizing a workspace and using it (only tests change it,
// through IsaCeiling).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace nos::kernels {

enum class Isa : int { generic = 0, avx2 = 1, avx512 = 2 };

// "generic", "avx2", "avx512".
const char* isa_name(Isa isa);
// Parses an ISA name (as NOS_MAX_ISA takes it); throws std::invalid_argument naming `what` otherwise.
Isa parse_isa(std::string_view name, std::string_view what = "NOS_MAX_ISA");

// The best ISA this CPU (and this build) supports.
Isa cpu_isa();
// The ISA the kernels use: cpu_isa(), capped by NOS_MAX_ISA (read once; a bad value throws
// std::invalid_argument naming the variable) and by an active IsaCeiling.
Isa active_isa();
// Every ISA from generic up to cpu_isa() (what the kernel tests iterate over).
std::vector<Isa> supported_isas();

// One line per kernel family naming the path active_isa() selects, for nos-info.
std::string kernel_paths();

// Caps active_isa() at `max` while alive (tests and benchmarks). Not thread-safe against running kernels.
class IsaCeiling {
 public:
  explicit IsaCeiling(Isa max);
  ~IsaCeiling();
  IsaCeiling(const IsaCeiling&) = delete;
  IsaCeiling& operator=(const IsaCeiling&) = delete;

 private:
  int previous_;
};

}  // namespace nos::kernels
