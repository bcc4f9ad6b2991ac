// JIT-compiled update kernels: a dslc rule's IR lowered to host machine code through LLVM ORC.
//
// This header has no LLVM types: the LLVM side lives in codegen.cpp and jit.cpp.
//
// A kernel updates elements [begin, end) of one flat set of buffers in place: it runs the rule's
// step program (dslc/step_program.h: the state prologue, the body, w -= lr * result), exactly the
// semantics of dslc/ir.h, in float32. Element i uses w[i], g[i], the state and
// draws random numbers for parameter index index_base + i, so splitting a range across threads
// or calls never changes a result.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "dslc/ir.h"
#include "dslc/params.h"

namespace nos::dslc {
struct Compiled;
}

namespace nos::jit {

// The per-step block as the kernel reads it: dslc::StepParams rounded to float once, on the host.
struct StepBlock {
  std::array<float, dslc::kSlotCount> slot{};
  uint64_t step = 0;
  uint64_t seed = 0;
};
StepBlock make_step_block(const dslc::StepParams& p);

// bufs[b] is buffer dslc::Buf b (w, g, then the state table's buffers); g is only read, and a
// buffer the rule does not use (state it does not read) may be null.
using KernelFn = void (*)(float* const* bufs, const float* slots, uint64_t step, uint64_t seed, uint64_t index_base,
                          uint64_t begin, uint64_t end);

// The state buffers of one kernel call, in state-table order (dslc/state.h); null where the rule
// has no such state.
using StateBufs = std::array<float*, dslc::kStateCount>;

struct CompiledKernel;  // owns the JIT code; releases it when the last Kernel goes

// A handle to compiled code. Copies share the code; the code is freed (its ORC resource tracker
// removed) when the last handle is destroyed.
struct Kernel {
  KernelFn fn = nullptr;
  uint64_t hash = 0;         // the rule's canonical hash (0 for IR given without one)
  dslc::StateSet state = 0;  // the state buffers the kernel reads and writes
  int width = 0;             // floats per vector
  std::shared_ptr<const CompiledKernel> code;
  // Set by compile_kernel(const dslc::Compiled&), empty/false for IR given alone: what an
  // optim::Optimizer built from the kernel reports and checks without the rule's text.
  std::string canonical;     // the rule's canonical prefix form
  bool needs_total = false;  // the rule reads ld/cd/rd (hyper.total_steps must be set)

  explicit operator bool() const { return fn != nullptr; }
  void operator()(float* w, const float* g, const StateBufs& s, const StepBlock& p, uint64_t index_base, uint64_t begin,
                  uint64_t end) const {
    std::array<float*, dslc::kBufCount> bufs;
    bufs[0] = w;
    bufs[1] = const_cast<float*>(g);  // never written (dslc::verify refuses a store to g)
    for (int k = 0; k < dslc::kStateCount; ++k)
      bufs[static_cast<size_t>(dslc::kFirstState + k)] = s[static_cast<size_t>(k)];
    fn(bufs.data(), p.slot.data(), p.step, p.seed, index_base, begin, end);
  }
};

// Lanes per vector on this host: 16 with AVX-512, 8 with AVX2, 4 otherwise.
int host_vector_width();
// The host CPU as LLVM names it (e.g. "znver4") and its target triple.
std::string host_cpu_name();

// Compiles `ir` (dslc::verify must accept it) for the host, or returns the cached kernel of the
// same (hash, IR). Thread-safe. Throws std::runtime_error if LLVM fails (an internal error).
Kernel compile_kernel(const dslc::Ir& ir, uint64_t hash = 0);
// A compiled rule as a value: compile_kernel(rule.ir, rule.hash) carrying the rule's canonical
// form and whether it reads ld/cd/rd, so that one compilation serves any number of Optimizers
// (dslc::compile_rule(text) -> compile_kernel -> optim::Optimizer(kernel, options)).
Kernel compile_kernel(const dslc::Compiled& rule);

// Kernels alive in the cache (compiled and still held by someone). For tests and diagnostics.
size_t cached_kernel_count();
// Total kernels compiled by this process (cache misses).
uint64_t compiled_kernel_total();

// The optimized LLVM IR of the kernel (verified), and the host assembly.
std::string emit_llvm(const dslc::Ir& ir, const std::string& name = "nos_kernel");
std::string emit_asm(const dslc::Ir& ir, const std::string& name = "nos_kernel");

}  // namespace nos::jit
