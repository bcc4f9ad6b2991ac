#include "dslc/compile.h"

#include "dslc/hash.h"
#include "dslc/lower.h"
#include "dslc/parser.h"
#include "dslc/passes.h"
#include "dslc/print.h"
#include "dslc/step_program.h"

namespace nos::dslc {

Info analyze(const Ir& ir) {
  Info info;
  info.state = ir.state;
  info.state_buffers = state_count(ir.state);
  info.bytes_per_param = 4 * info.state_buffers;
  // Arithmetic of the whole step as the evaluators run it: the prologue, the live body and the
  // update w - lr * r (everything a store depends on but constants, loads and parameters).
  const Ir prog = step_program(ir);
  std::vector<bool> used(prog.body.size(), false);
  for (size_t i = prog.body.size(); i-- > 0;) {
    const Inst& in = prog.body[i];
    if (!used[i] && in.op != Op::Store) continue;
    if (op_arity(in.op) >= 1) used[in.a] = true;
    if (op_arity(in.op) >= 2) used[in.b] = true;
    if (in.op != Op::Const && in.op != Op::Load && in.op != Op::Param && in.op != Op::Store) ++info.ops_per_element;
  }
  std::vector<bool> live(ir.body.size(), false);
  live[ir.result] = true;
  for (size_t i = ir.body.size(); i-- > 0;) {
    if (!live[i]) continue;
    const Inst& in = ir.body[i];
    if (op_arity(in.op) >= 1) live[in.a] = true;
    if (op_arity(in.op) >= 2) live[in.b] = true;
    if (in.op == Op::Load && in.buf != Buf::W) info.depends_on_g = true;
    if (op_is_random(in.op)) info.random = true;
    if (in.op == Op::Param && (in.slot == Slot::Ld || in.slot == Slot::Cd || in.slot == Slot::Rd))
      info.needs_total = true;
  }
  info.draws = ir.draws;
  return info;
}

Compiled compile(const Rule& r, const CompileOptions& opt) {
  Compiled c;
  c.name = r.name;
  c.source = r.ast;
  number_draws(c.source);
  c.canonical = canonicalize(c.source);
  c.prefix = print_prefix(c.canonical);
  c.hash = canonical_hash(c.canonical);
  if (opt.optimize) {
    c.ir = lower(c.canonical);
    optimize(c.ir);
  } else {
    c.ir = lower(c.source);
  }
  c.info = analyze(c.ir);
  return c;
}

Compiled compile_rule(std::string_view text, std::string_view context, const CompileOptions& opt) {
  return compile(parse_rule_or_throw(text, context), opt);
}

std::string print_info(const Compiled& c) {
  const Info& i = c.info;
  const std::string state = state_names(i.state);
  std::string out;
  out += "rule:          " + (c.name.empty() ? std::string("(unnamed)") : c.name) + "\n";
  out += "canonical:     " + c.prefix + "\n";
  out += "hash:          " + hash_hex(c.hash) + "\n";
  out += "state:         " + state + "\n";
  out += "bytes/param:   " + std::to_string(i.bytes_per_param) + "\n";
  out += "ops/element:   " + std::to_string(i.ops_per_element) + "\n";
  out += "depends on g:  " + std::string(i.depends_on_g ? "yes" : "no") + "\n";
  out += "random draws:  " + std::to_string(i.draws) + "\n";
  out += "needs total:   " + std::string(i.needs_total ? "yes" : "no") + "\n";
  return out;
}

}  // namespace nos::dslc
