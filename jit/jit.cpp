// ORC LLJIT, the kernel cache and the text emitters.
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/MCContext.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/SmallVectorMemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "jit/codegen.h"
#include "jit/kernel.h"

namespace nos::jit {

StepBlock make_step_block(const dslc::StepParams& p) {
  StepBlock b;
  for (int s = 0; s < dslc::kSlotCount; ++s) b.slot[s] = static_cast<float>(p.slot[s]);
  b.step = p.step;
  b.seed = p.seed;
  return b;
}

namespace {

// Module -> object code through one code generation pipeline built once, where ORC's SimpleCompiler
// builds a new one (~150 passes) for every module: building it cost about a sixth of compiling a
// small kernel. The legacy pass manager re-initializes its passes per module (doInitialization /
// doFinalization: the MC context and the object streamer are reset after each object). Used under
// JitState::mu, so one module at a time.
class ReusedPipelineCompiler : public llvm::orc::IRCompileLayer::IRCompiler {
 public:
  explicit ReusedPipelineCompiler(std::unique_ptr<llvm::TargetMachine> tm)
      : IRCompiler(llvm::orc::irManglingOptionsFromTargetOptions(tm->Options)), tm_(std::move(tm)), os_(buf_) {
    // Loop strength reduction finds nothing to change in a kernel's loop (one offset induction
    // variable, its preheader in place: the same code with and without it for every Table 1 rule)
    // and cost ~5% of compiling one. TargetPassConfig reads -disable-lsr while it builds the
    // pipeline, which happens here, once: the option is set for that moment only.
    llvm::cl::Option* lsr = llvm::cl::getRegisteredOptions().lookup("disable-lsr");
    if (lsr) lsr->addOccurrence(0, "disable-lsr", "true");
    llvm::MCContext* ctx = nullptr;
    const bool failed = tm_->addPassesToEmitMC(pm_, ctx, os_);
    if (lsr) lsr->reset();
    if (failed) throw std::runtime_error("jit: the target cannot emit object code");
  }
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> operator()(llvm::Module& m) override {
    buf_.clear();
    pm_.run(m);
    auto obj = std::make_unique<llvm::SmallVectorMemoryBuffer>(std::move(buf_),
                                                               m.getModuleIdentifier() + "-jitted-objectbuffer", false);
    buf_.clear();  // moved from: empty again, and still the stream's target
    return obj;
  }

 private:
  std::unique_ptr<llvm::TargetMachine> tm_;
  llvm::SmallVector<char, 0> buf_;
  llvm::raw_svector_ostream os_;
  llvm::legacy::PassManager pm_;
};

// The one JIT of the process and its cache. Kernels hold a shared_ptr to it, so it outlives every
// kernel even during static destruction.
struct JitState {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::unique_ptr<llvm::TargetMachine> tm;  // for the optimization pipeline; used under mu
  std::mutex mu;
  std::unordered_map<std::string, std::weak_ptr<CompiledKernel>> cache;
  uint64_t compiled = 0;
  int width = 0;
  std::string cpu;
  Helpers helpers;  // compiled at start-up, never removed
};

std::shared_ptr<JitState> jit_state() {
  static std::shared_ptr<JitState> st = [] {
    auto s = std::make_shared<JitState>();
    auto tm = host_target_machine();  // also initializes the native target
    s->width = vector_width_for(*tm);
    s->cpu = tm->getTargetCPU().str();
    s->tm = std::move(tm);
    auto j =
        llvm::orc::LLJITBuilder()
            .setJITTargetMachineBuilder(host_jit_target_machine_builder())
            .setCompileFunctionCreator([](llvm::orc::JITTargetMachineBuilder jtmb)
                                           -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
              auto tm = jtmb.createTargetMachine();
              if (!tm) return tm.takeError();
              return std::make_unique<ReusedPipelineCompiler>(std::move(*tm));
            })
            .create();
    if (!j) throw std::runtime_error("jit: cannot create LLJIT: " + llvm::toString(j.takeError()));
    s->jit = std::move(*j);
    auto ctx = std::make_unique<llvm::LLVMContext>();
    auto helpers = build_helper_module(*ctx, s->width, *s->tm);
    if (auto err = s->jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(helpers), std::move(ctx))))
      throw std::runtime_error("jit: helpers: " + llvm::toString(std::move(err)));
    auto exp_lanes = s->jit->lookup(kExpLanesHelper);
    if (!exp_lanes) throw std::runtime_error("jit: helpers: " + llvm::toString(exp_lanes.takeError()));
    s->helpers.exp_lanes = exp_lanes->getValue();
    return s;
  }();
  return st;
}

// Exactly what the generated code depends on, byte for byte (the hash alone could collide, and
// --no-opt IR differs from the optimized IR of the same rule).
std::string cache_key(const dslc::Ir& ir, uint64_t hash) {
  std::string k;
  auto put = [&](const void* p, size_t n) { k.append(static_cast<const char*>(p), n); };
  put(&hash, sizeof hash);
  put(&ir.state, 1);
  put(&ir.result, sizeof ir.result);
  for (const dslc::Inst& in : ir.body) {
    const uint8_t ob[3] = {static_cast<uint8_t>(in.op), static_cast<uint8_t>(in.buf), static_cast<uint8_t>(in.slot)};
    put(ob, 3);
    put(&in.a, 4), put(&in.b, 4), put(&in.imm, 8), put(&in.draw, 4);
  }
  return k;
}

}  // namespace

struct CompiledKernel {
  std::shared_ptr<JitState> owner;
  llvm::orc::ResourceTrackerSP tracker;
  KernelFn fn = nullptr;
  CompiledKernel() = default;
  CompiledKernel(const CompiledKernel&) = delete;
  CompiledKernel& operator=(const CompiledKernel&) = delete;
  ~CompiledKernel() {
    // Frees the code and symbols of this kernel in the JIT; errors here would mean ORC state is
    // corrupt, and a destructor cannot report them, so they are consumed.
    if (tracker) llvm::consumeError(tracker->remove());
  }
};

int host_vector_width() { return jit_state()->width; }
std::string host_cpu_name() { return jit_state()->cpu; }

Kernel compile_kernel(const dslc::Ir& ir, uint64_t hash) {
  auto st = jit_state();
  const std::string key = cache_key(ir, hash);
  std::lock_guard lock(st->mu);
  Kernel k;
  k.hash = hash, k.state = ir.state, k.width = st->width;
  if (auto it = st->cache.find(key); it != st->cache.end()) {
    if (auto code = it->second.lock()) {
      k.fn = code->fn;
      k.code = std::move(code);
      return k;
    }
    st->cache.erase(it);
  }
  // Drop expired entries now and then so the map stays as small as the set of live kernels.
  if (st->cache.size() > 64 && (st->compiled & 63) == 0)
    std::erase_if(st->cache, [](const auto& e) { return e.second.expired(); });

  auto code = std::make_shared<CompiledKernel>();
  code->owner = st;
  // Names are never reused: a removed kernel's symbol is gone, but a fresh name keeps that obvious.
  const std::string name = "nos_kernel_" + std::to_string(st->compiled);
  auto ctx = std::make_unique<llvm::LLVMContext>();
  {
    auto mod = build_kernel_module(*ctx, ir, name, st->width, *st->tm, st->helpers);
    optimize_module(*mod, *st->tm);
    code->tracker = st->jit->getMainJITDylib().createResourceTracker();
    if (auto err = st->jit->addIRModule(code->tracker, llvm::orc::ThreadSafeModule(std::move(mod), std::move(ctx))))
      throw std::runtime_error("jit: addIRModule: " + llvm::toString(std::move(err)));
  }
  auto sym = st->jit->lookup(name);
  if (!sym) throw std::runtime_error("jit: lookup: " + llvm::toString(sym.takeError()));
  code->fn = sym->toPtr<KernelFn>();
  k.fn = code->fn;
  k.code = code;
  st->cache[key] = code;
  ++st->compiled;
  return k;
}

size_t cached_kernel_count() {
  auto st = jit_state();
  std::lock_guard lock(st->mu);
  size_t n = 0;
  for (const auto& [k, v] : st->cache) n += !v.expired();
  return n;
}

uint64_t compiled_kernel_total() {
  auto st = jit_state();
  std::lock_guard lock(st->mu);
  return st->compiled;
}

std::string emit_llvm(const dslc::Ir& ir, const std::string& name) {
  auto tm = host_target_machine();
  llvm::LLVMContext ctx;
  auto mod = build_kernel_module(ctx, ir, name, vector_width_for(*tm), *tm, jit_state()->helpers);
  optimize_module(*mod, *tm);
  std::string out;
  llvm::raw_string_ostream os(out);
  mod->print(os, nullptr);
  return out;
}

std::string emit_asm(const dslc::Ir& ir, const std::string& name) {
  auto tm = host_target_machine();
  llvm::LLVMContext ctx;
  auto mod = build_kernel_module(ctx, ir, name, vector_width_for(*tm), *tm, jit_state()->helpers);
  optimize_module(*mod, *tm);
  llvm::SmallString<0> buf;
  llvm::raw_svector_ostream os(buf);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::AssemblyFile))
    throw std::runtime_error("jit: the target cannot emit assembly");
  pm.run(*mod);
  return std::string(buf.str());
}

}  // namespace nos::jit
