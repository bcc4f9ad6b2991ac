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

// Builds a module holding one function `name` with the KernelFn signature (kernel.h), vectorized
// with `width` float lanes for the target of `tm`. Throws std::invalid_argument for malformed IR.
std::unique_ptr<llvm::Module> build_kernel_module(llvm::LLVMContext& ctx, const dslc::Ir& ir, const std::string& name,
                                                  int width, llvm::TargetMachine& tm);

// Runs the pass pipeline (inlining, instcombine, CSE, CFG cleanup); throws std::runtime_error if the module does not verify before or after.
void optimize_module(llvm::Module& m, llvm::TargetMachine& tm);

// Lanes for the target machine's features (16 with AVX-512F, 8 with AVX, else 4).
int vector_width_for(const llvm::TargetMachine& tm);

}  // namespace nos::jit
