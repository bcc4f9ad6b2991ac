// The whole middle end for one rule: canonical form, hash, optimized IR and its analyses.
#pragma once

#include <cstdint>
#include <string>

#include "dslc/ast.h"
#include "dslc/ir.h"

namespace nos::dslc {

struct Info {
  StateSet state = 0;         // state the prologue updates
  int state_buffers = 0;      // how many state buffers
  int bytes_per_param = 0;    // optimizer state per parameter, float32 buffers (the JIT's layout)
  int ops_per_element = 0;    // arithmetic per element: prologue + body + the update w -= lr*r
  bool depends_on_g = false;  // false for rules such as `w4` or `one` that ignore the gradient
  bool random = false;
  bool needs_total = false;  // reads ld/cd/rd: the run's total step count must be known
  uint32_t draws = 0;
};

Info analyze(const Ir& ir);

struct Compiled {
  std::string name;
  Ast source;          // as parsed (draws numbered in source order)
  Ast canonical;       // canonicalize(source)
  std::string prefix;  // print_prefix(canonical)
  uint64_t hash = 0;   // canonical_hash(canonical)
  Ir ir;               // lowered from `canonical` and optimized
  Info info;
};

struct CompileOptions {
  // false: the IR is the source tree lowered as written, with no passes (dslc --no-opt).
  bool optimize = true;
};

Compiled compile(const Rule& r, const CompileOptions& opt = {});
// parse_rule_or_throw (parser.h), then compile: the one way from rule text to a compiled rule.
Compiled compile_rule(std::string_view text, std::string_view context = "", const CompileOptions& opt = {});

// --emit=info: name, hash, canonical form, state, bytes/param, ops, g-dependence, randomness.
std::string print_info(const Compiled& c);

}  // namespace nos::dslc
