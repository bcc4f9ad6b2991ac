#include "tensor/kernels/isa.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace nos::kernels {
namespace {

Isa detect() {
#if defined(__x86_64__) && defined(NOS_HAVE_AVX512_KERNELS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return Isa::avx512;
#endif
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
#endif
  return Isa::generic;
}

Isa env_ceiling() {
  const char* v = std::getenv("NOS_MAX_ISA");
  if (!v || !*v) return Isa::avx512;
  return parse_isa(v);
}

// -1: no test ceiling.
std::atomic<int> g_ceiling{-1};

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "generic";
  }
}

Isa parse_isa(std::string_view name, std::string_view what) {
  for (Isa i : {Isa::generic, Isa::avx2, Isa::avx512})
    if (name == isa_name(i)) return i;
  throw std::invalid_argument(std::string(what) + "=" + std::string(name) + ": expected one of generic, avx2, avx512");
}

Isa cpu_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  static const Isa env = env_ceiling();
  int isa = std::min(static_cast<int>(cpu_isa()), static_cast<int>(env));
  const int ceiling = g_ceiling.load(std::memory_order_relaxed);
  if (ceiling >= 0) isa = std::min(isa, ceiling);
  return static_cast<Isa>(isa);
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (int i = 0; i <= static_cast<int>(cpu_isa()); ++i) out.push_back(static_cast<Isa>(i));
  return out;
}

std::string kernel_paths() {
  const Isa isa = active_isa();
  const std::string name = isa_name(isa);
  const bool fast = isa != Isa::generic;
  std::string s = "kernel isa: " + name + " (cpu supports " + isa_name(cpu_isa()) + ")\n";
  s += "conv2d 3x3 stride 1: " + (fast ? "winograd F(2x2,3x3) " + name : std::string("im2col + sgemm")) + "\n";
  s += "conv2d other stride 1: " + (fast ? "direct " + name : std::string("im2col + sgemm")) + "\n";
  s += "conv2d 1x1 pad 0: sgemm (OpenBLAS); stride > 1: im2col + sgemm\n";
  s += "maxpool 2x2/2: " + (fast ? name : std::string("generic loop")) + "\n";
  return s;
}

IsaCeiling::IsaCeiling(Isa max) : previous_(g_ceiling.exchange(static_cast<int>(max))) {}
IsaCeiling::~IsaCeiling() { g_ceiling.store(previous_); }

}  // namespace nos::kernels
