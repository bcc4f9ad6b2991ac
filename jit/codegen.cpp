// Lowering of the dslc IR to an explicitly vectorized LLVM function.
//
// Loop shape: full vectors of `width` lanes over [begin, vec_end); the tail is copied (masked
// loads) into stack vectors, runs through the same loop body, and is copied back (masked
// stores). Every lane-wise operation mirrors reference.cpp exactly (same order, same explicit
// FMAs, no fast-math flags, so LLVM may not contract or reassociate), which makes JIT and
// reference agree bit for bit.
#include "jit/codegen.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsX86.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/SubtargetFeature.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "dslc/random.h"
#include "dslc/step_program.h"
#include "jit/vecmath.h"

namespace nos::jit {

using dslc::Buf;
using dslc::Inst;
using dslc::Op;
using dslc::Slot;

namespace {

void init_llvm_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

class Emitter {
  static constexpr int kBufs = dslc::kBufCount;  // the body's first arguments, in dslc::Buf order

 public:
  Emitter(llvm::LLVMContext& ctx, llvm::Module& mod, const dslc::Ir& ir, int width)
      : ctx_(ctx), mod_(mod), ir_(dslc::step_program(ir)), W(width), b_(ctx) {
    f32_ = b_.getFloatTy();
    i32_ = b_.getInt32Ty();
    i64_ = b_.getInt64Ty();
    vf_ = llvm::FixedVectorType::get(f32_, W);
    vi32_ = llvm::FixedVectorType::get(i32_, W);
  }

  // The exported kernel takes the buffers as one array (kernel.h's KernelFn) and calls the body,
  // which takes them as separate noalias arguments: inlined, LLVM keeps knowing that a store to
  // one buffer never changes another, whatever the number of buffers in the state table.
  llvm::Function* build(const std::string& name, llvm::TargetMachine& tm) {
    llvm::Function* body = build_body(name + ".body", tm);
    llvm::Type* ptr = b_.getPtrTy();
    auto* fty = llvm::FunctionType::get(b_.getVoidTy(), {ptr, ptr, i64_, i64_, i64_, i64_, i64_}, false);
    llvm::Function* fn = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, mod_);
    set_target_attributes(fn, tm);
    const char* names[] = {"bufs", "slots", "step", "seed", "index_base", "begin", "end"};
    for (unsigned k = 0; k < fn->arg_size(); ++k) fn->getArg(k)->setName(names[k]);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn));
    std::vector<llvm::Value*> args;
    for (int k = 0; k < kBufs; ++k)
      args.push_back(b_.CreateLoad(ptr, b_.CreateConstInBoundsGEP1_64(ptr, fn->getArg(0), k),
                                   std::string(dslc::buf_name(dslc::Buf(k)))));
    for (unsigned k = 1; k < fn->arg_size(); ++k) args.push_back(fn->getArg(k));
    if (!has_draws()) {
      b_.CreateCall(body, args);
      b_.CreateRetVoid();
      return fn;
    }
    // A draw hashes the low 32 bits of the parameter index with a key that depends on the high 32
    // (dslc/random.h), computed once per body call: so the range is cut where the index crosses a
    // multiple of 2^32 (in practice never: one call). One call site, so the body is inlined once.
    llvm::BasicBlock* entry = b_.GetInsertBlock();
    auto* head = llvm::BasicBlock::Create(ctx_, "chunk", fn);
    auto* run = llvm::BasicBlock::Create(ctx_, "chunk_run", fn);
    auto* done = llvm::BasicBlock::Create(ctx_, "done", fn);
    llvm::Value* end = fn->getArg(6);
    b_.CreateBr(head);
    b_.SetInsertPoint(head);
    llvm::PHINode* lo = b_.CreatePHI(i64_, 2, "lo");
    lo->addIncoming(fn->getArg(5), entry);
    b_.CreateCondBr(b_.CreateICmpULT(lo, end), run, done);
    b_.SetInsertPoint(run);
    llvm::Value* low = b_.CreateZExt(b_.CreateTrunc(b_.CreateAdd(fn->getArg(4), lo), i32_), i64_);
    llvm::Value* span = b_.CreateSub(b_.getInt64(uint64_t{1} << 32), low);
    llvm::Value* chunk_end =
        b_.CreateAdd(lo, b_.CreateBinaryIntrinsic(llvm::Intrinsic::umin, b_.CreateSub(end, lo), span));
    args[kBufs + 4] = lo;
    args[kBufs + 5] = chunk_end;
    b_.CreateCall(body, args);
    lo->addIncoming(chunk_end, run);
    b_.CreateBr(head);
    b_.SetInsertPoint(done);
    b_.CreateRetVoid();
    return fn;
  }

 private:
  bool has_draws() const {
    for (const Inst& in : ir_.body)
      if (in.op == Op::Drop || in.op == Op::Normal) return true;
    return false;
  }

  void set_target_attributes(llvm::Function* f, llvm::TargetMachine& tm) {
    f->addFnAttr("target-cpu", tm.getTargetCPU());
    f->addFnAttr("target-features", tm.getTargetFeatureString());
    // Keep <16 x float> as single 512-bit registers even where the CPU's tuning prefers 256 bits:
    // the kernel is bound by memory, and wider operations halve the instruction count.
    const std::string bits = std::to_string(W * 32);
    f->addFnAttr("min-legal-vector-width", bits);
    f->addFnAttr("prefer-vector-width", bits);
    f->addFnAttr(llvm::Attribute::NoUnwind);
  }

  llvm::Function* build_body(const std::string& name, llvm::TargetMachine& tm) {
    llvm::Type* ptr = b_.getPtrTy();
    std::vector<llvm::Type*> params(kBufs + 1, ptr);
    for (int k = 0; k < 5; ++k) params.push_back(i64_);
    auto* fty = llvm::FunctionType::get(b_.getVoidTy(), params, false);
    fn_ = llvm::Function::Create(fty, llvm::Function::InternalLinkage, name, mod_);
    set_target_attributes(fn_, tm);
    fn_->addFnAttr(llvm::Attribute::AlwaysInline);
    for (int k = 0; k < kBufs; ++k) fn_->getArg(k)->setName(dslc::buf_name(dslc::Buf(k)));
    const char* names[] = {"slots", "step", "seed", "index_base", "begin", "end"};
    for (unsigned k = kBufs; k < fn_->arg_size(); ++k) fn_->getArg(k)->setName(names[k - kBufs]);
    for (unsigned k = 0; k < kBufs + 1; ++k) fn_->addParamAttr(k, llvm::Attribute::NoAlias);
    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn_);
    auto* start = llvm::BasicBlock::Create(ctx_, "start", fn_);
    auto* loop = llvm::BasicBlock::Create(ctx_, "loop", fn_);
    auto* latch = llvm::BasicBlock::Create(ctx_, "latch", fn_);
    auto* tail_check = llvm::BasicBlock::Create(ctx_, "tail_check", fn_);
    auto* tail_in = llvm::BasicBlock::Create(ctx_, "tail_in", fn_);
    auto* tail_out = llvm::BasicBlock::Create(ctx_, "tail_out", fn_);
    auto* exit = llvm::BasicBlock::Create(ctx_, "exit", fn_);

    // entry: values that are the same for every element.
    b_.SetInsertPoint(entry);
    llvm::Value* slots = fn_->getArg(kBufs);
    for (int s = 0; s < dslc::kSlotCount; ++s) {
      llvm::Value* p = b_.CreateConstInBoundsGEP1_64(f32_, slots, s);
      slot_[s] = b_.CreateVectorSplat(W, b_.CreateLoad(f32_, p, std::string(dslc::slot_name(Slot(s)))));
    }
    index_base_ = fn_->getArg(kBufs + 3);
    // rng::bits' keys depend only on (seed, step, draw, high half of the index), which the wrapper
    // keeps constant over one call: scalar code, once per call; each element then costs one 32-bit
    // hash (two for a normal draw).
    if (has_draws()) {
      llvm::Value* h = mix64(b_.CreateAdd(fn_->getArg(kBufs + 2), b_.getInt64(dslc::rng::kGolden)));
      h = mix64(b_.CreateXor(h, b_.CreateMul(fn_->getArg(kBufs + 1), b_.getInt64(dslc::rng::kGolden))));
      llvm::Value* first = b_.CreateAdd(index_base_, fn_->getArg(kBufs + 4));
      llvm::Value* hi = b_.CreateLShr(first, b_.getInt64(32));
      for (const Inst& in : ir_.body) {
        if ((in.op != Op::Drop && in.op != Op::Normal) || draw_key_.count(in.draw)) continue;
        llvm::Value* k = mix64(b_.CreateXor(h, b_.getInt64(uint64_t{in.draw} * 0x8CB92BA72F3D8DD7ull + 1)));
        k = mix64(b_.CreateXor(k, b_.CreateMul(hi, b_.getInt64(0xD1B54A32D192ED03ull))));
        draw_key_[in.draw] = {b_.CreateVectorSplat(W, b_.CreateTrunc(b_.CreateLShr(k, b_.getInt64(32)), i32_)),
                              b_.CreateVectorSplat(W, b_.CreateTrunc(k, i32_))};
      }
    }
    // The tail runs the same loop body once more, on one vector of stack copies: the body is
    // emitted (and compiled) once, and no load or store ever touches memory past `end`.
    llvm::Value* real[kBufs];
    llvm::Value* tmp[kBufs];
    for (int k = 0; k < kBufs; ++k) {
      real[k] = fn_->getArg(k);
      tmp[k] = b_.CreateAlloca(vf_, nullptr, "tail." + std::string(dslc::buf_name(dslc::Buf(k))));
      llvm::cast<llvm::AllocaInst>(tmp[k])->setAlignment(llvm::Align(64));
    }
    llvm::Value* begin = fn_->getArg(kBufs + 4);
    llvm::Value* end = fn_->getArg(kBufs + 5);
    b_.CreateCondBr(b_.CreateICmpULT(begin, end), start, exit);

    b_.SetInsertPoint(start);
    llvm::Value* count = b_.CreateSub(end, begin);
    llvm::Value* vec_end = b_.CreateAdd(begin, b_.CreateMul(b_.CreateUDiv(count, b_.getInt64(W)), b_.getInt64(W)));
    // The tail's lane mask (computed here, where it dominates both tail blocks).
    llvm::Value* lanes = llvm::ConstantVector::get([&] {
      std::vector<llvm::Constant*> c;
      for (int k = 0; k < W; ++k) c.push_back(b_.getInt32(k));
      return c;
    }());
    llvm::Value* left = b_.CreateTrunc(b_.CreateSub(end, vec_end), i32_);
    llvm::Value* mask = b_.CreateICmpULT(lanes, b_.CreateVectorSplat(W, left));
    b_.CreateCondBr(b_.CreateICmpULT(begin, vec_end), loop, tail_check);

    b_.SetInsertPoint(loop);
    llvm::PHINode* off = b_.CreatePHI(i64_, 3, "off");  // into the buffers below
    llvm::PHINode* idx = b_.CreatePHI(i64_, 3, "i");    // the element index
    llvm::PHINode* is_tail = b_.CreatePHI(b_.getInt1Ty(), 3, "is_tail");
    llvm::PHINode* bufs[kBufs];
    for (int k = 0; k < kBufs; ++k) bufs[k] = b_.CreatePHI(b_.getPtrTy(), 3);
    off->addIncoming(begin, start);
    idx->addIncoming(begin, start);
    is_tail->addIncoming(b_.getFalse(), start);
    for (int k = 0; k < kBufs; ++k) bufs[k]->addIncoming(real[k], start);
    llvm::Value* cur[kBufs];
    for (int k = 0; k < kBufs; ++k) cur[k] = bufs[k];
    element_block(off, idx, cur);
    b_.CreateCondBr(is_tail, tail_out, latch);

    b_.SetInsertPoint(latch);
    llvm::Value* next = b_.CreateAdd(off, b_.getInt64(W));
    off->addIncoming(next, latch);
    idx->addIncoming(next, latch);
    is_tail->addIncoming(b_.getFalse(), latch);
    for (int k = 0; k < kBufs; ++k) bufs[k]->addIncoming(bufs[k], latch);
    llvm::BranchInst* back = b_.CreateCondBr(b_.CreateICmpULT(next, vec_end), loop, tail_check);
    // The loop is vectorized by construction: keep LLVM from peeling the tail's iteration off (a
    // second copy of the body, twice the compile time) and from re-vectorizing or unrolling it.
    llvm::MDNode* self = llvm::MDNode::getTemporary(ctx_, {}).release();
    llvm::Metadata* md[] = {self, llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.unroll.disable")}),
                            llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.vectorize.enable"),
                                                     llvm::ConstantAsMetadata::get(b_.getFalse())})};
    llvm::MDNode* loop_id = llvm::MDNode::getDistinct(ctx_, md);
    loop_id->replaceOperandWith(0, loop_id);
    llvm::MDNode::deleteTemporary(self);
    back->setMetadata(llvm::LLVMContext::MD_loop, loop_id);

    b_.SetInsertPoint(tail_check);
    b_.CreateCondBr(b_.CreateICmpULT(vec_end, end), tail_in, exit);

    // Masked copies in, the body on the copies, masked copies out of what the body writes.
    const dslc::BufUse use = dslc::buffer_use(ir_);
    bool used[kBufs], written[kBufs];
    for (int k = 0; k < kBufs; ++k) used[k] = (use.read >> k) & 1, written[k] = (use.written >> k) & 1;
    b_.SetInsertPoint(tail_in);
    for (int k = 0; k < kBufs; ++k) {
      if (!used[k]) continue;
      llvm::Value* p = b_.CreateInBoundsGEP(f32_, real[k], vec_end);
      b_.CreateAlignedStore(b_.CreateMaskedLoad(vf_, p, llvm::Align(4), mask, llvm::Constant::getNullValue(vf_)),
                            tmp[k], llvm::Align(64));
    }
    off->addIncoming(b_.getInt64(0), tail_in);
    idx->addIncoming(vec_end, tail_in);
    is_tail->addIncoming(b_.getTrue(), tail_in);
    for (int k = 0; k < kBufs; ++k) bufs[k]->addIncoming(used[k] ? tmp[k] : real[k], tail_in);
    b_.CreateBr(loop);

    b_.SetInsertPoint(tail_out);
    for (int k = 0; k < kBufs; ++k) {
      if (!written[k]) continue;
      llvm::Value* p = b_.CreateInBoundsGEP(f32_, real[k], vec_end);
      b_.CreateMaskedStore(b_.CreateAlignedLoad(vf_, tmp[k], llvm::Align(64)), p, llvm::Align(4), mask);
    }
    b_.CreateBr(exit);

    b_.SetInsertPoint(exit);
    b_.CreateRetVoid();
    return fn_;
  }

  // ---- helpers -------------------------------------------------------------------------------
  llvm::Constant* cf(float x) { return llvm::ConstantFP::get(vf_, x); }
  llvm::Constant* ci32(int32_t x) {
    return llvm::ConstantInt::get(vi32_, static_cast<uint64_t>(static_cast<int64_t>(x)), true);
  }
  llvm::Value* fma(llvm::Value* a, llvm::Value* x, llvm::Value* c) {
    return b_.CreateIntrinsic(llvm::Intrinsic::fma, {vf_}, {a, x, c});
  }
  llvm::Value* unary(llvm::Intrinsic::ID id, llvm::Value* a) { return b_.CreateUnaryIntrinsic(id, a); }
  llvm::Value* select(llvm::Value* c, llvm::Value* t, llvm::Value* f) { return b_.CreateSelect(c, t, f); }

  llvm::Value* mix64(llvm::Value* z) {
    llvm::Type* t = z->getType();
    auto k = [&](uint64_t x) { return llvm::ConstantInt::get(t, x); };
    z = b_.CreateMul(b_.CreateXor(z, b_.CreateLShr(z, k(30))), k(0xBF58476D1CE4E5B9ull));
    z = b_.CreateMul(b_.CreateXor(z, b_.CreateLShr(z, k(27))), k(0x94D049BB133111EBull));
    return b_.CreateXor(z, b_.CreateLShr(z, k(31)));
  }

  // rng::hash32, lane-wise on 32-bit integers.
  llvm::Value* hash32(llvm::Value* x) {
    x = b_.CreateXor(x, b_.CreateLShr(x, ci32(16)));
    x = b_.CreateMul(x, ci32(static_cast<int32_t>(0x7FEB352Du)));
    x = b_.CreateXor(x, b_.CreateLShr(x, ci32(15)));
    x = b_.CreateMul(x, ci32(static_cast<int32_t>(0x846CA68Bu)));
    return b_.CreateXor(x, b_.CreateLShr(x, ci32(16)));
  }

  llvm::Value* load(llvm::Value* base, llvm::Value* i) {
    return b_.CreateAlignedLoad(vf_, b_.CreateInBoundsGEP(f32_, base, i), llvm::Align(4));
  }
  void store(llvm::Value* x, llvm::Value* base, llvm::Value* i) {
    b_.CreateAlignedStore(x, b_.CreateInBoundsGEP(f32_, base, i), llvm::Align(4));
  }

  // ---- vector math: mirrors vecmath.h operation for operation ----------------------------------
  llvm::Value* pow2i(llvm::Value* k) {
    return b_.CreateBitCast(b_.CreateShl(b_.CreateAdd(k, ci32(127)), ci32(23)), vf_);
  }
  llvm::Value* exp(llvm::Value* x0) {
    using namespace vm;
    llvm::Value* x = select(b_.CreateFCmpOGT(x0, cf(kExpLo)), x0, cf(kExpLo));
    x = select(b_.CreateFCmpOLT(x, cf(kExpHi)), x, cf(kExpHi));
    llvm::Value* n = unary(llvm::Intrinsic::roundeven, b_.CreateFMul(x, cf(kLog2e)));
    llvm::Value* r = fma(n, cf(-kLn2Hi), x);
    r = fma(n, cf(-kLn2Lo), r);
    llvm::Value* p = cf(kExpP[0]);
    for (int k = 1; k < 6; ++k) p = fma(p, r, cf(kExpP[k]));
    llvm::Value* y = b_.CreateFAdd(fma(p, b_.CreateFMul(r, r), r), cf(1.0f));
    if (W == 16) {
      // AVX-512's vscalefps rounds y * 2^n once, exactly as the two exact-then-rounding factors
      // below do (y * 2^(n/2) is a normal float for every clamped n, so only the second product
      // rounds); one instruction instead of eight.
      llvm::Value* e = b_.CreateIntrinsic(llvm::Intrinsic::x86_avx512_mask_scalef_ps_512, {},
                                          {y, n, llvm::PoisonValue::get(vf_), b_.getInt16(0xFFFF), b_.getInt32(4)});
      return select(b_.CreateFCmpUNO(x0, x0), x0, e);
    }
    llvm::Value* ni = b_.CreateFPToSI(n, vi32_);
    llvm::Value* n1 = b_.CreateAShr(ni, ci32(1));
    llvm::Value* n2 = b_.CreateSub(ni, n1);
    llvm::Value* e = b_.CreateFMul(b_.CreateFMul(y, pow2i(n1)), pow2i(n2));
    return select(b_.CreateFCmpUNO(x0, x0), x0, e);
  }
  // exp(x0) for x0 in {-1, -0, +0, +1, NaN} (see the body loop), as selects among vm::exp_f32's
  // own results; NaN passes through as exp_f32 passes it.
  llvm::Value* exp_of_sign(llvm::Value* x0) {
    const float e0 = vm::exp_f32(0.0f);
    if (e0 != vm::exp_f32(-0.0f)) return exp(x0);  // both zeros must give one value (they give 1)
    llvm::Value* nz = select(b_.CreateFCmpUNO(x0, x0), x0, cf(e0));
    return select(b_.CreateFCmpOGT(x0, cf(0.0f)), cf(vm::exp_f32(1.0f)),
                  select(b_.CreateFCmpOLT(x0, cf(0.0f)), cf(vm::exp_f32(-1.0f)), nz));
  }
  llvm::Value* log(llvm::Value* x0) {
    using namespace vm;
    llvm::Value* tiny = b_.CreateFCmpOLT(x0, cf(std::numeric_limits<float>::min()));
    llvm::Value* x = select(tiny, b_.CreateFMul(x0, cf(8388608.0f)), x0);
    llvm::Value* bits = b_.CreateBitCast(x, vi32_);
    llvm::Value* e = b_.CreateSub(b_.CreateLShr(bits, ci32(23)), ci32(126));
    e = b_.CreateSub(e, select(tiny, ci32(23), ci32(0)));
    llvm::Value* f = b_.CreateBitCast(b_.CreateOr(b_.CreateAnd(bits, ci32(0x007FFFFF)), ci32(0x3F000000)), vf_);
    llvm::Value* small = b_.CreateFCmpOLT(f, cf(kSqrtHalf));
    e = select(small, b_.CreateSub(e, ci32(1)), e);
    f = select(small, b_.CreateFSub(b_.CreateFAdd(f, f), cf(1.0f)), b_.CreateFSub(f, cf(1.0f)));
    llvm::Value* z = b_.CreateFMul(f, f);
    llvm::Value* p = cf(kLogP[0]);
    for (int k = 1; k < 9; ++k) p = fma(p, f, cf(kLogP[k]));
    llvm::Value* y = b_.CreateFMul(b_.CreateFMul(p, f), z);
    llvm::Value* fe = b_.CreateSIToFP(e, vf_);
    y = fma(fe, cf(kLn2Lo), y);
    y = fma(cf(-0.5f), z, y);
    llvm::Value* out = fma(fe, cf(kLn2Hi), b_.CreateFAdd(f, y));
    const float inf = std::numeric_limits<float>::infinity();
    out = select(b_.CreateFCmpOEQ(x0, cf(inf)), x0, out);
    out = select(b_.CreateFCmpOEQ(x0, cf(0.0f)), cf(-inf), out);
    out = select(b_.CreateFCmpOLT(x0, cf(0.0f)), cf(std::numeric_limits<float>::quiet_NaN()), out);
    return select(b_.CreateFCmpUNO(x0, x0), x0, out);
  }
  llvm::Value* cos_2pi(llvm::Value* u) {
    using namespace vm;
    llvm::Value* q = unary(llvm::Intrinsic::roundeven, b_.CreateFMul(u, cf(4.0f)));
    llvm::Value* x = b_.CreateFMul(b_.CreateFSub(u, b_.CreateFMul(q, cf(0.25f))), cf(kTwoPi));
    llvm::Value* z = b_.CreateFMul(x, x);
    llvm::Value* s = fma(fma(fma(cf(kSinP[0]), z, cf(kSinP[1])), z, cf(kSinP[2])), b_.CreateFMul(z, x), x);
    llvm::Value* c =
        fma(fma(fma(cf(kCosP[0]), z, cf(kCosP[1])), z, cf(kCosP[2])), b_.CreateFMul(z, z), fma(cf(-0.5f), z, cf(1.0f)));
    llvm::Value* qi = b_.CreateAnd(b_.CreateFPToSI(q, vi32_), ci32(3));
    llvm::Value* r = select(b_.CreateICmpEQ(qi, ci32(2)), b_.CreateFNeg(c), s);
    r = select(b_.CreateICmpEQ(qi, ci32(1)), b_.CreateFNeg(s), r);
    return select(b_.CreateICmpEQ(qi, ci32(0)), c, r);
  }

  // ---- one vector of elements ------------------------------------------------------------------
  // The high (hi_word) or low 32 bits of rng::bits for this vector's elements: the low half of the
  // index (constant high half within a call, see build) hashed with the draw key's word.
  llvm::Value* draw_word(uint32_t draw, bool hi_word) {
    if (!idx32_) {
      llvm::Value* lanes = llvm::ConstantVector::get([&] {
        std::vector<llvm::Constant*> c;
        for (int k = 0; k < W; ++k) c.push_back(b_.getInt32(static_cast<uint32_t>(k)));
        return c;
      }());
      idx32_ = b_.CreateAdd(b_.CreateVectorSplat(W, b_.CreateTrunc(b_.CreateAdd(index_base_, i_), i32_)), lanes);
    }
    const auto& key = draw_key_.at(draw);
    return hash32(b_.CreateXor(idx32_, hi_word ? key.first : key.second));
  }

  llvm::Value* slot(Slot s) { return slot_[static_cast<int>(s)]; }

  // One vector of elements at buffer offset `off`, element (parameter) index base + `idx`.
  void element_block(llvm::Value* off, llvm::Value* idx, llvm::Value* const* ptr) {
    llvm::Value* i = off;
    i_ = idx;
    idx32_ = nullptr;
    std::vector<llvm::Value*> r(ir_.body.size());
    // Values known to lie in {-1, -0, +0, +1, NaN}: sign(x), and products and negations of such.
    // exp of such a value (PowerSign's exp(sign(g) * sign(m)), five of the paper's Table 1 rules)
    // has only four possible results, so it is a select among constants instead of the full
    // polynomial; that polynomial made these rules compute-bound (~1.8 cycles per element on one
    // core, below what memory delivers). The constants are vm::exp_f32 itself, so the results
    // are bit for bit those of the polynomial (and of reference.cpp).
    std::vector<bool> sign_set(ir_.body.size(), false);
    for (size_t k = 0; k < ir_.body.size(); ++k) {
      const Inst& in = ir_.body[k];
      if (in.op == Op::Sign) sign_set[k] = true;
      if (in.op == Op::Neg) sign_set[k] = sign_set[in.a];
      if (in.op == Op::Mul) sign_set[k] = sign_set[in.a] && sign_set[in.b];
      if (in.op == Op::Exp && sign_set[in.a]) {
        r[k] = exp_of_sign(r[in.a]);
        continue;
      }
      llvm::Value* a = dslc::op_arity(in.op) >= 1 ? r[in.a] : nullptr;
      llvm::Value* c = dslc::op_arity(in.op) >= 2 ? r[in.b] : nullptr;
      switch (in.op) {
        case Op::Const: r[k] = cf(static_cast<float>(in.imm)); break;
        case Op::Load: r[k] = load(ptr[static_cast<int>(in.buf)], i); break;
        case Op::Store:
          store(a, ptr[static_cast<int>(in.buf)], i);
          r[k] = a;
          break;
        case Op::Param: r[k] = slot(in.slot); break;
        case Op::Neg: r[k] = b_.CreateFNeg(a); break;
        case Op::Abs: r[k] = unary(llvm::Intrinsic::fabs, a); break;
        case Op::Sign:
          r[k] = select(b_.CreateFCmpOGT(a, cf(0.0f)), cf(1.0f), select(b_.CreateFCmpOLT(a, cf(0.0f)), cf(-1.0f), a));
          break;
        case Op::Exp: r[k] = exp(a); break;
        case Op::Log: r[k] = log(a); break;
        case Op::Sqrt: r[k] = unary(llvm::Intrinsic::sqrt, a); break;
        case Op::Clip: {
          const float l = static_cast<float>(in.imm);
          r[k] = select(b_.CreateFCmpOGT(a, cf(l)), cf(l), select(b_.CreateFCmpOLT(a, cf(-l)), cf(-l), a));
          break;
        }
        case Op::Add: r[k] = b_.CreateFAdd(a, c); break;
        case Op::Sub: r[k] = b_.CreateFSub(a, c); break;
        case Op::Mul: r[k] = b_.CreateFMul(a, c); break;
        case Op::Div: r[k] = b_.CreateFDiv(a, c); break;
        case Op::Normal: {
          // bits >> 40 and bits & 0xFFFFFF of rng::bits: the high word's top 24, the low word's bottom 24.
          llvm::Value* hi = b_.CreateLShr(draw_word(in.draw, true), ci32(8));
          llvm::Value* lo = b_.CreateAnd(draw_word(in.draw, false), ci32(0xFFFFFF));
          const float inv24 = static_cast<float>(dslc::rng::kInv24);
          llvm::Value* u1 = b_.CreateFMul(b_.CreateSIToFP(b_.CreateAdd(hi, ci32(1)), vf_), cf(inv24));
          llvm::Value* u2 = b_.CreateFMul(b_.CreateSIToFP(lo, vf_), cf(inv24));
          llvm::Value* rad = unary(llvm::Intrinsic::sqrt, b_.CreateFMul(cf(-2.0f), log(u1)));
          r[k] = b_.CreateFMul(rad, cos_2pi(u2));
          break;
        }
        case Op::Drop: {
          llvm::Value* u = b_.CreateLShr(draw_word(in.draw, true), ci32(8));  // rng::uniform24
          const uint32_t thr = dslc::rng::drop_threshold(in.imm);
          r[k] = select(b_.CreateICmpULT(u, ci32(static_cast<int32_t>(thr))), cf(0.0f), a);
          break;
        }
        case Op::Count: throw std::invalid_argument("jit: bad opcode");
      }
    }
  }

  llvm::LLVMContext& ctx_;
  llvm::Module& mod_;
  const dslc::Ir ir_;  // the step program
  const int W;
  llvm::IRBuilder<> b_;
  llvm::Type *f32_, *i32_, *i64_;
  llvm::FixedVectorType *vf_, *vi32_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* slot_[dslc::kSlotCount] = {};
  llvm::Value* index_base_ = nullptr;
  llvm::Value* i_ = nullptr;
  llvm::Value* idx32_ = nullptr;
  std::map<uint32_t, std::pair<llvm::Value*, llvm::Value*>> draw_key_;  // draw -> (high, low) key word, splat
};

}  // namespace

namespace {

// NOS_MAX_ISA (the variable tensor/kernels/isa.h reads: generic, avx2, avx512) caps the JIT's target
// features as it caps the hand-written kernels, so the AVX2 kernels an AVX2-only CPU would get can
// be run and measured on an AVX-512 host. 0 generic (SSE), 1 avx2, 2 avx512 (no cap).
int isa_ceiling() {
  const char* v = std::getenv("NOS_MAX_ISA");
  if (!v || !*v) return 2;
  const std::string s(v);
  if (s == "generic") return 0;
  if (s == "avx2") return 1;
  if (s == "avx512") return 2;
  throw std::invalid_argument("NOS_MAX_ISA=" + s + ": expected one of generic, avx2, avx512");
}

// Whether feature `f` (without its +/- sign) lies above the ceiling.
bool above_ceiling(const std::string& f, int ceiling) {
  auto starts = [&](const char* p) { return f.rfind(p, 0) == 0; };
  if (ceiling >= 2) return false;
  if (starts("avx512") || starts("avx10") || starts("amx") || f == "evex512") return true;
  if (ceiling >= 1) return false;
  return starts("avx") || f == "fma" || f == "fma4" || f == "f16c" || f == "xop" || f == "vaes" || f == "vpclmulqdq";
}

}  // namespace

llvm::orc::JITTargetMachineBuilder host_jit_target_machine_builder() {
  init_llvm_once();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) throw std::runtime_error("jit: cannot detect the host target: " + llvm::toString(jtmb.takeError()));
  if (const int ceiling = isa_ceiling(); ceiling < 2) {
    llvm::SubtargetFeatures capped;
    for (const std::string& f : jtmb->getFeatures().getFeatures()) {
      const bool on = !f.empty() && f[0] == '+';
      const std::string name = f.empty() || (f[0] != '+' && f[0] != '-') ? f : f.substr(1);
      capped.AddFeature(name, on && !above_ceiling(name, ceiling));
    }
    jtmb->setFeatures(capped.getString());
  }
  jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  return std::move(*jtmb);
}

std::unique_ptr<llvm::TargetMachine> host_target_machine() {
  auto tm = host_jit_target_machine_builder().createTargetMachine();
  if (!tm) throw std::runtime_error("jit: cannot create a target machine: " + llvm::toString(tm.takeError()));
  return std::move(*tm);
}

int vector_width_for(const llvm::TargetMachine& tm) {
  const std::string f = tm.getTargetFeatureString().str() + ",";
  if (f.find("+avx512f,") != std::string::npos) return 16;
  if (f.find("+avx,") != std::string::npos) return 8;
  return 4;
}

std::unique_ptr<llvm::Module> build_kernel_module(llvm::LLVMContext& ctx, const dslc::Ir& ir, const std::string& name,
                                                  int width, llvm::TargetMachine& tm) {
  if (const std::string why = dslc::verify(ir); !why.empty()) throw std::invalid_argument("jit: bad IR: " + why);
  auto mod = std::make_unique<llvm::Module>(name, ctx);
  mod->setDataLayout(tm.createDataLayout());
  mod->setTargetTriple(tm.getTargetTriple().str());
  Emitter(ctx, *mod, ir, width).build(name, tm);
  return mod;
}

void optimize_module(llvm::Module& m, llvm::TargetMachine& tm) {
  std::string err;
  llvm::raw_string_ostream es(err);
  if (llvm::verifyModule(m, &es)) throw std::runtime_error("jit: generated IR does not verify: " + err);
  // The code is vectorized, unrolled as wanted and its loop shaped by construction, so the O3
  // pipeline (loop, vectorizer, inliner heuristics, ~4 ms of CPU per kernel, half the compile
  // latency) has nothing left to do that instruction selection does not do anyway: the body is
  // inlined into the wrapper, then one round of instruction combining, CSE and CFG cleanup. The
  // hot loops come out the same as under O3 (an instruction more or less in a few drop* loops);
  // compile latency over Table 1 went from 8.2 to 5.0 ms of CPU (bench/README.md). No pass here
  // may change float results: there are no fast-math flags to license it.
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::AlwaysInlinerPass());
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::EarlyCSEPass());
  fpm.addPass(llvm::SimplifyCFGPass());
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.run(m, mam);
  if (llvm::verifyModule(m, &es)) throw std::runtime_error("jit: optimized IR does not verify: " + err);
}

}  // namespace nos::jit
