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
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/SubtargetFeature.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>

#include <bit>
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

// rng::draw_key for one draw slot: called by a kernel with draws once per call (per 2^32 chunk of
// the index), through its absolute address.
uint64_t jit_draw_key(uint64_t seed, uint64_t step, uint64_t draw, uint64_t index_hi) {
  return dslc::rng::draw_key(dslc::rng::step_key(seed, step), static_cast<uint32_t>(draw),
                             static_cast<uint32_t>(index_hi));
}

bool has_feature(const llvm::TargetMachine& tm, const std::string& f) {
  return (tm.getTargetFeatureString().str() + ",").find(f + ",") != std::string::npos;
}

// The vector math of vecmath.h as LLVM IR, operation for operation, on `width` float lanes: what
// the kernels and the helpers they call are built from.
class VecCode {
 public:
  VecCode(llvm::LLVMContext& ctx, int width, const llvm::TargetMachine& tm)
      : ctx_(ctx), W(width), permute8_(W == 16 || (W == 8 && has_feature(tm, "+avx2"))), b_(ctx) {
    f32_ = b_.getFloatTy();
    i32_ = b_.getInt32Ty();
    i64_ = b_.getInt64Ty();
    vf_ = llvm::FixedVectorType::get(f32_, W);
    vi32_ = llvm::FixedVectorType::get(i32_, W);
  }

  llvm::Constant* cf(float x) { return llvm::ConstantFP::get(vf_, x); }
  llvm::Constant* ci32(int32_t x) {
    return llvm::ConstantInt::get(vi32_, static_cast<uint64_t>(static_cast<int64_t>(x)), true);
  }
  llvm::Value* fma(llvm::Value* a, llvm::Value* x, llvm::Value* c) {
    return b_.CreateIntrinsic(llvm::Intrinsic::fma, {vf_}, {a, x, c});
  }
  llvm::Value* unary(llvm::Intrinsic::ID id, llvm::Value* a) { return b_.CreateUnaryIntrinsic(id, a); }
  llvm::Value* select(llvm::Value* c, llvm::Value* t, llvm::Value* f) { return b_.CreateSelect(c, t, f); }

  // rng::hash32, lane-wise on 32-bit integers.
  llvm::Value* hash32(llvm::Value* x) {
    x = b_.CreateXor(x, b_.CreateLShr(x, ci32(16)));
    x = b_.CreateMul(x, ci32(static_cast<int32_t>(0x7FEB352Du)));
    x = b_.CreateXor(x, b_.CreateLShr(x, ci32(15)));
    x = b_.CreateMul(x, ci32(static_cast<int32_t>(0x846CA68Bu)));
    return b_.CreateXor(x, b_.CreateLShr(x, ci32(16)));
  }

  llvm::Value* pow2i(llvm::Value* k) {
    return b_.CreateBitCast(b_.CreateShl(b_.CreateAdd(k, ci32(127)), ci32(23)), vf_);
  }
  // t = x 8 log2e + kExpShift rounded: t - kExpShift is n = 8k + j, t's bits hold n in their low bits.
  llvm::Value* exp_shifted(llvm::Value* x) { return fma(x, cf(vm::kLog2e8), cf(vm::kExpShift)); }
  // e^r - 1 for r = x - n ln2/8 (Cody-Waite), by vm::exp_f32's cubic.
  llvm::Value* expm1_poly(llvm::Value* x, llvm::Value* n) {
    using namespace vm;
    llvm::Value* r = fma(n, cf(-kLn2Hi8), x);
    r = fma(n, cf(-kLn2Lo8), r);
    return fma(fma(cf(kExpP[0]), r, cf(kExpP[1])), b_.CreateFMul(r, r), r);
  }
  // vm::kExp2Frac[j] for j the low 3 bits of each lane of `bits`: one permute where the target has
  // one that takes its index as it stands (vpermps reads the low 3 or 4 bits), else compares and selects.
  llvm::Value* exp2_frac(llvm::Value* bits) {
    using vm::kExp2Frac;
    if (permute8_ && W == 8) {
      llvm::Value* table = llvm::ConstantDataVector::get(ctx_, llvm::ArrayRef<float>(kExp2Frac, 8));
      return b_.CreateIntrinsic(llvm::Intrinsic::x86_avx2_permps, {}, {table, bits});
    }
    if (permute8_ && W == 16) {
      float twice[16];
      for (int k = 0; k < 16; ++k) twice[k] = kExp2Frac[k & 7];
      llvm::Value* table = llvm::ConstantDataVector::get(ctx_, llvm::ArrayRef<float>(twice, 16));
      return b_.CreateIntrinsic(llvm::Intrinsic::x86_avx512_permvar_sf_512, {}, {table, bits});
    }
    llvm::Value* j = b_.CreateAnd(bits, ci32(7));
    llvm::Value* v = cf(kExp2Frac[0]);
    for (int k = 1; k < 8; ++k) v = select(b_.CreateICmpEQ(j, ci32(k)), cf(kExp2Frac[k]), v);
    return v;
  }
  // vm::exp_f32 over the whole float range, operation for operation.
  llvm::Value* exp_full(llvm::Value* x0) {
    using namespace vm;
    llvm::Value* x = select(b_.CreateFCmpOGT(x0, cf(kExpLo)), x0, cf(kExpLo));
    x = select(b_.CreateFCmpOLT(x, cf(kExpHi)), x, cf(kExpHi));
    llvm::Value* t = exp_shifted(x);
    llvm::Value* n = b_.CreateFSub(t, cf(kExpShift));
    llvm::Value* frac = exp2_frac(b_.CreateBitCast(t, vi32_));
    llvm::Value* y = fma(frac, expm1_poly(x, n), frac);
    if (W == 16) {
      // AVX-512's vscalefps rounds y * 2^floor(n/8) once, exactly as the two exact-then-rounding
      // factors below do (y * 2^(k/2) is a normal float for every clamped n, so only the second
      // product rounds); one instruction instead of eight. It floors its exponent operand itself.
      llvm::Value* e = b_.CreateIntrinsic(
          llvm::Intrinsic::x86_avx512_mask_scalef_ps_512, {},
          {y, b_.CreateFMul(n, cf(0.125f)), llvm::PoisonValue::get(vf_), b_.getInt16(0xFFFF), b_.getInt32(4)});
      return select(b_.CreateFCmpUNO(x0, x0), x0, e);
    }
    llvm::Value* k = b_.CreateAShr(b_.CreateFPToSI(n, vi32_), ci32(3));
    llvm::Value* k1 = b_.CreateAShr(k, ci32(1));
    llvm::Value* k2 = b_.CreateSub(k, k1);
    llvm::Value* e = b_.CreateFMul(b_.CreateFMul(y, pow2i(k1)), pow2i(k2));
    return select(b_.CreateFCmpUNO(x0, x0), x0, e);
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

 protected:
  llvm::LLVMContext& ctx_;
  const int W;
  const bool permute8_;  // a vector permute can look up an 8-entry table (AVX2's vpermps, AVX-512's vpermps)
  llvm::IRBuilder<> b_;
  llvm::Type *f32_, *i32_, *i64_;
  llvm::FixedVectorType *vf_, *vi32_;
};

class Emitter : public VecCode {
  static constexpr int kBufs = dslc::kBufCount;

 public:
  Emitter(llvm::LLVMContext& ctx, llvm::Module& mod, const dslc::Ir& ir, int width, const llvm::TargetMachine& tm,
          const Helpers& helpers)
      : VecCode(ctx, width, tm), mod_(mod), ir_(dslc::step_program(ir)), helpers_(helpers) {}

  // One function with kernel.h's KernelFn signature. The buffers come as one array, so LLVM cannot
  // know that a store to one never changes another: every load and store carries alias-scope
  // metadata instead (one scope per buffer), which is what inlining a body with noalias arguments
  // produced, without an inliner run per kernel.
  llvm::Function* build(const std::string& name, llvm::TargetMachine& tm) {
    llvm::Type* ptr = b_.getPtrTy();
    auto* fty = llvm::FunctionType::get(b_.getVoidTy(), {ptr, ptr, i64_, i64_, i64_, i64_, i64_}, false);
    fn_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, mod_);
    set_target_attributes(fn_, tm);
    const char* names[] = {"bufs", "slots", "step", "seed", "index_base", "begin", "end"};
    for (unsigned k = 0; k < fn_->arg_size(); ++k) fn_->getArg(k)->setName(names[k]);
    fn_->addParamAttr(0, llvm::Attribute::NoAlias);
    fn_->addParamAttr(1, llvm::Attribute::NoAlias);
    make_alias_scopes();

    // entry: the buffer pointers and the values that are the same for every element.
    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn_);
    b_.SetInsertPoint(entry);
    llvm::Value* real[kBufs];
    for (int k = 0; k < kBufs; ++k)
      real[k] = b_.CreateLoad(ptr, b_.CreateConstInBoundsGEP1_64(ptr, fn_->getArg(0), k),
                              std::string(dslc::buf_name(dslc::Buf(k))));
    for (int s = 0; s < dslc::kSlotCount; ++s) {
      llvm::Value* p = b_.CreateConstInBoundsGEP1_64(f32_, fn_->getArg(1), s);
      slot_[s] = b_.CreateVectorSplat(W, b_.CreateLoad(f32_, p, std::string(dslc::slot_name(Slot(s)))));
    }
    // A division by a per-step value is a multiplication by its reciprocal (divides_by_param).
    for (const Inst& in : ir_.body)
      if (dslc::divides_by_param(ir_, in)) {
        const int s = static_cast<int>(ir_.body[in.b].slot);
        if (!inv_slot_[s]) inv_slot_[s] = b_.CreateFDiv(cf(1.0f), slot_[s]);
      }
    index_base_ = fn_->getArg(4);
    // The tail runs the same loop body once more, on one vector of stack copies: the body is
    // emitted (and compiled) once, and no load or store ever touches memory past `end`.
    llvm::Value* tmp[kBufs];
    for (int k = 0; k < kBufs; ++k) {
      tmp[k] = b_.CreateAlloca(vf_, nullptr, "tail." + std::string(dslc::buf_name(dslc::Buf(k))));
      llvm::cast<llvm::AllocaInst>(tmp[k])->setAlignment(llvm::Align(64));
    }
    llvm::Value* begin = fn_->getArg(5);
    llvm::Value* end = fn_->getArg(6);
    auto* done = llvm::BasicBlock::Create(ctx_, "done", fn_);
    if (!has_draws()) {
      emit_range(begin, end, real, tmp, done);
      b_.SetInsertPoint(done);
      b_.CreateRetVoid();
      return fn_;
    }
    // A draw hashes the low 32 bits of the parameter index with a key that depends on the high 32
    // (dslc/random.h), so a range whose index crosses a multiple of 2^32 (in practice never) is cut
    // there and each part stepped by a call of this function to itself: the element loop stays a
    // single, unnested loop. The keys are computed once per call by jit_draw_key, compiled C++:
    // the same SplitMix64 rounds in the kernel's IR made instruction selection several times slower.
    auto* split = llvm::BasicBlock::Create(ctx_, "split", fn_);
    auto* run = llvm::BasicBlock::Create(ctx_, "run", fn_);
    llvm::Value* first = b_.CreateAdd(index_base_, begin);
    llvm::Value* span = b_.CreateSub(b_.getInt64(uint64_t{1} << 32), b_.CreateAnd(first, b_.getInt64(0xFFFFFFFFu)));
    llvm::Value* crosses = b_.CreateAnd(b_.CreateICmpULT(begin, end), b_.CreateICmpUGT(b_.CreateSub(end, begin), span));
    b_.CreateCondBr(crosses, split, run, llvm::MDBuilder(ctx_).createBranchWeights(1, 1 << 20));
    b_.SetInsertPoint(split);
    std::vector<llvm::Value*> args;
    for (unsigned k = 0; k < 5; ++k) args.push_back(fn_->getArg(k));
    llvm::Value* mid = b_.CreateAdd(begin, span);
    args.push_back(begin), args.push_back(mid);
    b_.CreateCall(fn_, args);
    args[5] = mid, args[6] = end;
    b_.CreateCall(fn_, args);
    b_.CreateBr(done);
    b_.SetInsertPoint(run);
    llvm::Value* hi = b_.CreateLShr(first, b_.getInt64(32));
    auto* key_ty = llvm::FunctionType::get(i64_, {i64_, i64_, i64_, i64_}, false);
    llvm::Value* key_fn = b_.CreateIntToPtr(b_.getInt64(reinterpret_cast<uintptr_t>(&jit_draw_key)), ptr);
    for (const Inst& in : ir_.body) {
      if ((in.op != Op::Drop && in.op != Op::Normal) || draw_key_.count(in.draw)) continue;
      llvm::Value* k = b_.CreateCall(key_ty, key_fn, {fn_->getArg(3), fn_->getArg(2), b_.getInt64(in.draw), hi});
      draw_key_[in.draw] = {b_.CreateVectorSplat(W, b_.CreateTrunc(b_.CreateLShr(k, b_.getInt64(32)), i32_)),
                            b_.CreateVectorSplat(W, b_.CreateTrunc(k, i32_))};
    }
    emit_range(begin, end, real, tmp, done);
    b_.SetInsertPoint(done);
    b_.CreateRetVoid();
    return fn_;
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

  // One alias scope per buffer: an access to buffer k is in scope k and aliases no other scope.
  void make_alias_scopes() {
    llvm::MDBuilder md(ctx_);
    llvm::MDNode* domain = md.createAnonymousAliasScopeDomain("nos.buffers");
    llvm::MDNode* scope[kBufs];
    for (int k = 0; k < kBufs; ++k) scope[k] = md.createAnonymousAliasScope(domain, dslc::buf_name(dslc::Buf(k)));
    for (int k = 0; k < kBufs; ++k) {
      std::vector<llvm::Metadata*> others;
      for (int j = 0; j < kBufs; ++j)
        if (j != k) others.push_back(scope[j]);
      alias_scope_[k] = llvm::MDNode::get(ctx_, {scope[k]});
      noalias_[k] = llvm::MDNode::get(ctx_, others);
    }
  }
  void tag(llvm::Instruction* access, int buf) {
    access->setMetadata(llvm::LLVMContext::MD_alias_scope, alias_scope_[buf]);
    access->setMetadata(llvm::LLVMContext::MD_noalias, noalias_[buf]);
  }

  // The element loop over [begin, end) of the buffers `real` (whole vectors, then the tail through
  // the stack copies `tmp`); branches to `exit` when done. The tail runs the loop once more, over
  // [0, W) of the copies; which of the two passes ended is checked after the loop, not in it.
  void emit_range(llvm::Value* begin, llvm::Value* end, llvm::Value* const* real, llvm::Value* const* tmp,
                  llvm::BasicBlock* exit) {
    auto* start = llvm::BasicBlock::Create(ctx_, "start", fn_);
    auto* pre = llvm::BasicBlock::Create(ctx_, "pre", fn_);
    auto* loop = llvm::BasicBlock::Create(ctx_, "loop", fn_);
    auto* loop_exit = llvm::BasicBlock::Create(ctx_, "loop_exit", fn_);
    auto* tail_check = llvm::BasicBlock::Create(ctx_, "tail_check", fn_);
    auto* tail_in = llvm::BasicBlock::Create(ctx_, "tail_in", fn_);
    auto* tail_out = llvm::BasicBlock::Create(ctx_, "tail_out", fn_);
    b_.CreateCondBr(b_.CreateICmpULT(begin, end), start, exit);

    b_.SetInsertPoint(start);
    llvm::Value* vec_end = b_.CreateAdd(begin, b_.CreateAnd(b_.CreateSub(end, begin), b_.getInt64(~uint64_t(W - 1))));
    llvm::Value* lanes = llvm::ConstantVector::get([&] {
      std::vector<llvm::Constant*> c;
      for (int k = 0; k < W; ++k) c.push_back(b_.getInt32(k));
      return c;
    }());
    // The tail's lane mask (computed here, where it dominates both tail blocks).
    llvm::Value* mask =
        b_.CreateICmpULT(lanes, b_.CreateVectorSplat(W, b_.CreateTrunc(b_.CreateSub(end, vec_end), i32_)));
    // The low 32 bits of the parameter indices of a vector, for the draws: a vector induction
    // variable (a scalar index beside the offset was a second induction variable for loop passes
    // to work on, and two instructions per vector to broadcast).
    auto index_vec = [&](llvm::Value* i) {
      return b_.CreateAdd(b_.CreateVectorSplat(W, b_.CreateTrunc(b_.CreateAdd(index_base_, i), i32_)), lanes);
    };
    llvm::Value* idx0 = has_draws() ? index_vec(begin) : nullptr;
    b_.CreateCondBr(b_.CreateICmpULT(begin, vec_end), pre, tail_check);

    // The loop's one preheader, entered for the whole vectors and again for the tail: what loop
    // passes and machine LICM (constants hoisted out of the loop) need, already in place.
    b_.SetInsertPoint(pre);
    llvm::PHINode* off0 = b_.CreatePHI(i64_, 2, "off0");  // into the buffers below
    llvm::PHINode* lim = b_.CreatePHI(i64_, 2, "lim");    // where this pass ends
    llvm::PHINode* is_tail = b_.CreatePHI(b_.getInt1Ty(), 2, "is_tail");
    llvm::PHINode* idx_first = has_draws() ? b_.CreatePHI(vi32_, 2, "idx0") : nullptr;
    llvm::PHINode* bufs[kBufs];
    for (int k = 0; k < kBufs; ++k) bufs[k] = b_.CreatePHI(b_.getPtrTy(), 2);
    off0->addIncoming(begin, start);
    lim->addIncoming(vec_end, start);
    is_tail->addIncoming(b_.getFalse(), start);
    if (idx_first) idx_first->addIncoming(idx0, start);
    for (int k = 0; k < kBufs; ++k) bufs[k]->addIncoming(real[k], start);
    b_.CreateBr(loop);

    b_.SetInsertPoint(loop);
    llvm::PHINode* off = b_.CreatePHI(i64_, 2, "off");
    llvm::PHINode* idx = has_draws() ? b_.CreatePHI(vi32_, 2, "idx") : nullptr;
    off->addIncoming(off0, pre);
    if (idx) idx->addIncoming(idx_first, pre);
    llvm::Value* cur[kBufs];
    for (int k = 0; k < kBufs; ++k) cur[k] = bufs[k];
    element_block(off, idx, cur);
    llvm::Value* next = b_.CreateAdd(off, b_.getInt64(W));
    llvm::BasicBlock* latch = b_.GetInsertBlock();  // the body may have added blocks (exp's branch)
    off->addIncoming(next, latch);
    if (idx)
      idx->addIncoming(
          b_.CreateAdd(idx, llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(W), b_.getInt32(W))), latch);
    llvm::BranchInst* back = b_.CreateCondBr(b_.CreateICmpULT(next, lim), loop, loop_exit);
    // The loop is vectorized by construction: keep LLVM from re-vectorizing or unrolling it.
    llvm::MDNode* self = llvm::MDNode::getTemporary(ctx_, {}).release();
    llvm::Metadata* md[] = {self, llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.unroll.disable")}),
                            llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.vectorize.enable"),
                                                     llvm::ConstantAsMetadata::get(b_.getFalse())})};
    llvm::MDNode* loop_id = llvm::MDNode::getDistinct(ctx_, md);
    loop_id->replaceOperandWith(0, loop_id);
    llvm::MDNode::deleteTemporary(self);
    back->setMetadata(llvm::LLVMContext::MD_loop, loop_id);

    b_.SetInsertPoint(loop_exit);
    b_.CreateCondBr(is_tail, tail_out, tail_check);

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
      auto* in = b_.CreateMaskedLoad(vf_, p, llvm::Align(4), mask, llvm::Constant::getNullValue(vf_));
      tag(in, k);
      b_.CreateAlignedStore(in, tmp[k], llvm::Align(64));
    }
    off0->addIncoming(b_.getInt64(0), tail_in);
    lim->addIncoming(b_.getInt64(W), tail_in);
    is_tail->addIncoming(b_.getTrue(), tail_in);
    if (idx_first) idx_first->addIncoming(index_vec(vec_end), tail_in);
    for (int k = 0; k < kBufs; ++k) bufs[k]->addIncoming(used[k] ? tmp[k] : real[k], tail_in);
    b_.CreateBr(pre);

    b_.SetInsertPoint(tail_out);
    for (int k = 0; k < kBufs; ++k) {
      if (!written[k]) continue;
      llvm::Value* p = b_.CreateInBoundsGEP(f32_, real[k], vec_end);
      tag(b_.CreateMaskedStore(b_.CreateAlignedLoad(vf_, tmp[k], llvm::Align(64)), p, llvm::Align(4), mask), k);
    }
    b_.CreateBr(exit);
  }

  llvm::Value* load(int buf, llvm::Value* base, llvm::Value* i) {
    llvm::LoadInst* x = b_.CreateAlignedLoad(vf_, b_.CreateInBoundsGEP(f32_, base, i), llvm::Align(4));
    tag(x, buf);
    return x;
  }
  void store(int buf, llvm::Value* x, llvm::Value* base, llvm::Value* i) {
    tag(b_.CreateAlignedStore(x, b_.CreateInBoundsGEP(f32_, base, i), llvm::Align(4)), buf);
  }

  // exp on 8 or 4 lanes: when every lane has |x| <= kExpFast, the cubic times the table entry with
  // k added to its exponent bits (2^(j/8) * 2^k and the product are then normal floats, exactly
  // what vm::exp_f32's two factors give); otherwise (a larger |x|, an infinity, a NaN) a call to
  // the helper, exp_full compiled once per process. The fast path has no clamps, no NaN select
  // and two integer operations instead of two multiplies and four: the exp rules of Table 1 were
  // compute-bound on Zen 3's AVX2 (bench/results-2026-12-07-zen3-jit.md). AVX-512 keeps the full
  // form: vscalefps already scales in one instruction.
  llvm::Value* exp(llvm::Value* x0) {
    if (W == 16) return exp_full(x0);
    using namespace vm;
    llvm::Value* any_bad;
    if (W == 8) {
      // kExpFast's bits minus |x|'s have their sign bit set exactly in a bad lane (NaN's bits are
      // above too), and vtestps reads sign bits: no compare on the two FMA pipes, which the
      // polynomial keeps busy (a float compare runs there on Zen 3).
      llvm::Value* absbits = b_.CreateBitCast(unary(llvm::Intrinsic::fabs, x0), vi32_);
      llvm::Value* d = b_.CreateBitCast(b_.CreateSub(ci32(std::bit_cast<int32_t>(kExpFast)), absbits), vf_);
      any_bad = b_.CreateICmpNE(b_.CreateIntrinsic(llvm::Intrinsic::x86_avx_vtestz_ps_256, {}, {d, d}), b_.getInt32(1));
    } else {
      any_bad = b_.CreateOrReduce(b_.CreateFCmpUGT(unary(llvm::Intrinsic::fabs, x0), cf(kExpFast)));  // NaN too
    }
    auto* fast = llvm::BasicBlock::Create(ctx_, "exp_fast", fn_);
    auto* slow = llvm::BasicBlock::Create(ctx_, "exp_slow", fn_);
    auto* join = llvm::BasicBlock::Create(ctx_, "exp_join", fn_);
    b_.CreateCondBr(any_bad, slow, fast, llvm::MDBuilder(ctx_).createBranchWeights(1, 1 << 20));
    b_.SetInsertPoint(fast);
    llvm::Value* t = exp_shifted(x0);
    llvm::Value* tbits = b_.CreateBitCast(t, vi32_);
    // k = n >> 3 in the exponent field: t's bits are kExpShift's (low 23 zero) plus n.
    llvm::Value* k = b_.CreateAnd(b_.CreateShl(tbits, ci32(20)), ci32(static_cast<int32_t>(0xFF800000u)));
    llvm::Value* scaled = b_.CreateBitCast(b_.CreateAdd(b_.CreateBitCast(exp2_frac(tbits), vi32_), k), vf_);
    llvm::Value* e = fma(scaled, expm1_poly(x0, b_.CreateFSub(t, cf(kExpShift))), scaled);
    b_.CreateBr(join);
    b_.SetInsertPoint(slow);
    // preserve_allcc: the helper saves every register it touches, so the values the loop keeps in
    // vector registers stay there instead of being spilled around the call in the hot path.
    auto* ty = llvm::FunctionType::get(vf_, {vf_}, false);
    llvm::CallInst* es = b_.CreateCall(ty, b_.CreateIntToPtr(b_.getInt64(helpers_.exp_lanes), b_.getPtrTy()), {x0});
    es->setCallingConv(llvm::CallingConv::PreserveAll);
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    llvm::PHINode* out = b_.CreatePHI(vf_, 2);
    out->addIncoming(e, fast);
    out->addIncoming(es, slow);
    return out;
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

  // ---- one vector of elements ------------------------------------------------------------------
  // The high (hi_word) or low 32 bits of rng::bits for this vector's elements: the low half of the
  // index (constant high half within a call, see build) hashed with the draw key's word.
  llvm::Value* draw_word(uint32_t draw, bool hi_word) {
    const auto& key = draw_key_.at(draw);
    return hash32(b_.CreateXor(idx_, hi_word ? key.first : key.second));
  }

  llvm::Value* slot(Slot s) { return slot_[static_cast<int>(s)]; }

  // One vector of elements at buffer offset `off`; `idx` holds the low 32 bits of their parameter
  // indices (null without draws).
  void element_block(llvm::Value* off, llvm::Value* idx, llvm::Value* const* ptr) {
    llvm::Value* i = off;
    idx_ = idx;
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
        case Op::Load: r[k] = load(static_cast<int>(in.buf), ptr[static_cast<int>(in.buf)], i); break;
        case Op::Store:
          store(static_cast<int>(in.buf), a, ptr[static_cast<int>(in.buf)], i);
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
        case Op::Div:
          r[k] = dslc::divides_by_param(ir_, in) ? b_.CreateFMul(a, inv_slot_[static_cast<int>(ir_.body[in.b].slot)])
                                                 : b_.CreateFDiv(a, c);
          break;
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

  llvm::Module& mod_;
  const dslc::Ir ir_;  // the step program
  llvm::Function* fn_ = nullptr;
  llvm::Value* slot_[dslc::kSlotCount] = {};
  llvm::Value* inv_slot_[dslc::kSlotCount] = {};  // 1 / slot, for divides_by_param
  llvm::MDNode* alias_scope_[kBufs] = {};
  llvm::MDNode* noalias_[kBufs] = {};
  llvm::Value* index_base_ = nullptr;
  const Helpers helpers_;
  llvm::Value* idx_ = nullptr;
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
  // What LLJIT sets anyway when it links with JITLink (x86-64 ELF): stated here so that
  // emit_asm (dslc --emit=asm) shows the code that runs, RIP-relative constant loads and all,
  // rather than the large code model's movabs pairs.
  jtmb->setCodeModel(llvm::CodeModel::Small);
  jtmb->setRelocationModel(llvm::Reloc::PIC_);
  return std::move(*jtmb);
}

std::unique_ptr<llvm::TargetMachine> host_target_machine() {
  auto tm = host_jit_target_machine_builder().createTargetMachine();
  if (!tm) throw std::runtime_error("jit: cannot create a target machine: " + llvm::toString(tm.takeError()));
  return std::move(*tm);
}

int vector_width_for(const llvm::TargetMachine& tm) {
  if (has_feature(tm, "+avx512f")) return 16;
  if (has_feature(tm, "+avx")) return 8;
  return 4;
}

std::unique_ptr<llvm::Module> build_helper_module(llvm::LLVMContext& ctx, int width, llvm::TargetMachine& tm) {
  auto mod = std::make_unique<llvm::Module>("nos_jit_helpers", ctx);
  mod->setDataLayout(tm.createDataLayout());
  mod->setTargetTriple(tm.getTargetTriple().str());
  struct Helper : VecCode {
    Helper(llvm::LLVMContext& c, int w, llvm::Module& m, llvm::TargetMachine& tm) : VecCode(c, w, tm) {
      auto* f = llvm::Function::Create(llvm::FunctionType::get(vf_, {vf_}, false), llvm::Function::ExternalLinkage,
                                       kExpLanesHelper, m);
      f->setCallingConv(llvm::CallingConv::PreserveAll);
      f->addFnAttr("target-cpu", tm.getTargetCPU());
      f->addFnAttr("target-features", tm.getTargetFeatureString());
      f->addFnAttr("min-legal-vector-width", std::to_string(W * 32));
      f->addFnAttr(llvm::Attribute::NoUnwind);
      b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f));
      b_.CreateRet(exp_full(f->getArg(0)));
    }
  } helper(ctx, width, *mod, tm);
  std::string err;
  llvm::raw_string_ostream es(err);
  if (llvm::verifyModule(*mod, &es)) throw std::runtime_error("jit: helper IR does not verify: " + err);
  return mod;
}

std::unique_ptr<llvm::Module> build_kernel_module(llvm::LLVMContext& ctx, const dslc::Ir& ir, const std::string& name,
                                                  int width, llvm::TargetMachine& tm, const Helpers& helpers) {
  if (const std::string why = dslc::verify(ir); !why.empty()) throw std::invalid_argument("jit: bad IR: " + why);
  auto mod = std::make_unique<llvm::Module>(name, ctx);
  mod->setDataLayout(tm.createDataLayout());
  mod->setTargetTriple(tm.getTargetTriple().str());
  Emitter(ctx, *mod, ir, width, tm, helpers).build(name, tm);
  return mod;
}

void optimize_module(llvm::Module& m, llvm::TargetMachine& tm) {
  std::string err;
  llvm::raw_string_ostream es(err);
  if (llvm::verifyModule(m, &es)) throw std::runtime_error("jit: generated IR does not verify: " + err);
  // The code is vectorized, its loop shaped and its buffers' aliasing stated by construction, so
  // the O3 pipeline (~4 ms of CPU per kernel) has nothing left to do that instruction selection
  // does not do anyway; one round of instruction combining remains (it folds e.g. the lower bound
  // of a clip of a square). EarlyCSE and SimplifyCFG, run here before, changed no hot loop of
  // Table 1, Adam, PowerSign, SGD, a noise rule or Lion on znver3. No pass here may change float
  // results: there are no fast-math flags to license it. Passes are LLVM's own and trusted, so
  // the result is not verified again.
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
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::InstCombinePass());
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.run(m, mam);
}

}  // namespace nos::jit
