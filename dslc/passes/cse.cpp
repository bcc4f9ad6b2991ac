// Common-subexpression elimination and dead-code elimination on the IR.
#include <cstring>
#include <map>
#include <tuple>

#include "dslc/passes.h"

namespace nos::dslc {

namespace {
using Key = std::tuple<uint8_t, uint8_t, uint8_t, uint32_t, uint32_t, uint64_t, uint32_t>;
Key key_of(const Inst& in) {
  uint64_t bits;
  std::memcpy(&bits, &in.imm, sizeof bits);
  const int n = op_arity(in.op);
  return {static_cast<uint8_t>(in.op),
          in.op == Op::Load ? static_cast<uint8_t>(in.buf) : uint8_t{0},
          in.op == Op::Param ? static_cast<uint8_t>(in.slot) : uint8_t{0},
          n >= 1 ? in.a : 0u,
          n >= 2 ? in.b : 0u,
          bits,
          op_is_random(in.op) ? in.draw : 0u};
}
}  // namespace

bool cse(Ir& ir) {
  bool changed = false;
  std::map<Key, uint32_t> seen;
  std::vector<uint32_t> repl(ir.body.size());
  for (uint32_t i = 0; i < ir.body.size(); ++i) {
    Inst& in = ir.body[i];
    const int n = op_arity(in.op);
    if (n >= 1) in.a = repl[in.a];
    if (n >= 2) in.b = repl[in.b];
    // Two instructions with the same draw slot are the same draw, so merging them is exact too.
    auto [it, fresh] = seen.emplace(key_of(in), i);
    repl[i] = it->second;
    changed |= !fresh;
  }
  ir.result = repl[ir.result];
  if (changed) dce(ir);
  return changed;
}

bool dce(Ir& ir) {
  std::vector<bool> live(ir.body.size(), false);
  live[ir.result] = true;
  for (size_t i = ir.body.size(); i-- > 0;) {
    if (!live[i]) continue;
    const Inst& in = ir.body[i];
    const int n = op_arity(in.op);
    if (n >= 1) live[in.a] = true;
    if (n >= 2) live[in.b] = true;
  }
  std::vector<uint32_t> renum(ir.body.size(), 0);
  std::vector<Inst> out;
  for (size_t i = 0; i < ir.body.size(); ++i) {
    if (!live[i]) continue;
    Inst in = ir.body[i];
    const int n = op_arity(in.op);
    if (n >= 1) in.a = renum[in.a];
    if (n >= 2) in.b = renum[in.b];
    renum[i] = static_cast<uint32_t>(out.size());
    out.push_back(in);
  }
  const bool changed = out.size() != ir.body.size();
  ir.result = renum[ir.result];
  ir.body = std::move(out);
  return changed;
}

}  // namespace nos::dslc
