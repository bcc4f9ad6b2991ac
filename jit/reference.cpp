#include "jit/reference.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "dslc/random.h"
#include "dslc/step_program.h"
#include "jit/vecmath.h"

namespace nos::jit {

using dslc::Buf;
using dslc::Op;
using dslc::Slot;

namespace {

float normal_f32(uint64_t bits) {
  const float inv24 = static_cast<float>(dslc::rng::kInv24);
  const float u1 = static_cast<float>(static_cast<int32_t>(bits >> 40) + 1) * inv24;
  const float u2 = static_cast<float>(static_cast<int32_t>(bits & 0xFFFFFFu)) * inv24;
  return std::sqrt(-2.0f * vm::log_f32(u1)) * vm::cos_2pi_f32(u2);
}

}  // namespace

void reference_step(const dslc::Ir& ir, float* w, const float* g, const StateBufs& st, const StepBlock& p,
                    uint64_t index_base, uint64_t begin, uint64_t end) {
  const dslc::Ir prog = dslc::step_program(ir);
  std::array<float*, dslc::kBufCount> buf{};
  buf[static_cast<size_t>(Buf::W)] = w;
  buf[static_cast<size_t>(Buf::G)] = const_cast<float*>(g);  // the program never stores to g
  for (int k = 0; k < dslc::kStateCount; ++k)
    buf[static_cast<size_t>(dslc::kFirstState + k)] = st[static_cast<size_t>(k)];
  auto s = [&](Slot k) { return p.slot[static_cast<size_t>(k)]; };
  std::vector<float> r(prog.body.size());
  for (uint64_t i = begin; i < end; ++i) {
    const uint64_t index = index_base + i;
    for (size_t k = 0; k < prog.body.size(); ++k) {
      const dslc::Inst& in = prog.body[k];
      const float a = dslc::op_arity(in.op) >= 1 ? r[in.a] : 0.0f;
      const float b = dslc::op_arity(in.op) >= 2 ? r[in.b] : 0.0f;
      float out = 0;
      switch (in.op) {
        case Op::Const: out = static_cast<float>(in.imm); break;
        case Op::Load: out = buf[static_cast<size_t>(in.buf)][i]; break;
        case Op::Store: buf[static_cast<size_t>(in.buf)][i] = out = a; break;
        case Op::Param: out = s(in.slot); break;
        case Op::Neg: out = -a; break;
        case Op::Abs: out = std::fabs(a); break;
        case Op::Sign: out = a > 0 ? 1.0f : a < 0 ? -1.0f : a; break;
        case Op::Exp: out = vm::exp_f32(a); break;
        case Op::Log: out = vm::log_f32(a); break;
        case Op::Sqrt: out = std::sqrt(a); break;
        case Op::Clip: {
          const float l = static_cast<float>(in.imm);
          out = a > l ? l : a < -l ? -l : a;
          break;
        }
        case Op::Add: out = a + b; break;
        case Op::Sub: out = a - b; break;
        case Op::Mul: out = a * b; break;
        case Op::Div: out = dslc::divides_by_param(prog, in) ? a * (1.0f / b) : a / b; break;
        case Op::Normal: out = normal_f32(dslc::rng::bits(p.seed, p.step, index, in.draw)); break;
        case Op::Drop:
          out = dslc::rng::dropped(dslc::rng::bits(p.seed, p.step, index, in.draw), in.imm) ? 0.0f : a;
          break;
        case Op::Count: throw std::invalid_argument("reference_step: bad opcode");
      }
      r[k] = out;
    }
  }
}

}  // namespace nos::jit
