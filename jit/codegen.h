// dslc IR -> LLVM IR (internal to jit/; the public API is kernel.h).
#pragma once

#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>

#include <memory>
#include <string>

#include "dslc/ir.h"

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
}  // namespace llvm

namespace nos::jit {

// The host's CPU name and features, capped by NOS_MAX_ISA (generic, avx2, avx512; a bad value
// throws std::invalid_argument naming it), code generation at -O3.
llvm::orc::JITTargetMachineBuilder host_jit_target_machine_builder();
// A TargetMachine from host_jit_target_machine_builder().
std::unique_ptr<llvm::TargetMachine> host_target_machine();

// Code the kernels call outside their hot path, compiled once per process (jit.cpp) and called
// through its absolute address.
struct Helpers {
  // <width x float> kExpLanesHelper(<width x float>), preserve_allcc: vm::exp_f32 over the whole
  // float range (the kernels' exp for a vector that leaves its fast path; not used with 16 lanes).
  uint64_t exp_lanes = 0;
};
inline constexpr const char* kExpLanesHelper = "nos_jit_exp_lanes";
std::unique_ptr<llvm::Module> build_helper_module(llvm::LLVMContext& ctx, int width, llvm::TargetMachine& tm);

// Builds a module holding one function `name` with the KernelFn signature (kernel.h), vectorized
// with `width` float lanes for the target of `tm`. Throws std::invalid_argument for malformed IR.
std::unique_ptr<llvm::Module> build_kernel_module(llvm::LLVMContext& ctx, const dslc::Ir& ir, const std::string& name,
                                                  int width, llvm::TargetMachine& tm, const Helpers& helpers);

// Runs the pass pipeline (instruction combining); throws std::runtime_error if the module does not
// verify.
void optimize_module(llvm::Module& m, llvm::TargetMachine& tm);

// Lanes for the target machine's features (16 with AVX-512F, 8 with AVX, else 4).
int vector_width_for(const llvm::TargetMachine& tm);

}  // namespace nos::jit
