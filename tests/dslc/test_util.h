// Helpers shared by the dslc tests: parsing one rule that must parse, random rule trees, and
// bitwise comparison that treats every NaN as equal and +0 as -0.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dslc/compile.h"
#include "dslc/parser.h"
#include "dslc/print.h"

namespace nos::dslc::test {

inline Rule parse_ok(const std::string& text) {
  ParseResult r = parse_rule(text);
  if (!r.ok()) {
    ADD_FAILURE() << "rule '" << text << "' did not parse: " << r.errors.front().str();
    return Rule{};
  }
  EXPECT_EQ(r.rules.size(), 1u);
  return r.rules.front();
}

inline Compiled compile_ok(const std::string& text) { return compile(parse_ok(text)); }

inline std::string canon(const std::string& text) { return compile_ok(text).prefix; }

// The first error of a rule that must not parse.
inline Diagnostic parse_error(const std::string& text) {
  ParseResult r = parse_rule(text);
  if (r.ok()) {
    ADD_FAILURE() << "rule '" << text << "' parsed but should not";
    return Diagnostic{};
  }
  return r.errors.front();
}

inline bool same_value(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return a == b;  // +0 == -0: passes may flip the sign of a zero (see passes.h)
}

// Random trees over a chosen vocabulary, depth-bounded like the paper's 1-3 group rules.
struct RuleGen {
  std::mt19937_64 rng;
  std::vector<Sym> operands, unary, binary;
  bool literals = false;

  explicit RuleGen(uint64_t seed, bool paper_only, bool allow_random) : rng(seed) {
    for (const Symbol& s : symbols()) {
      if (s.id == Sym::Lit) continue;
      if (paper_only && !s.paper) continue;
      if (!allow_random && s.random) continue;
      (s.kind == Kind::Operand ? operands : s.kind == Kind::Unary ? unary : binary).push_back(s.id);
    }
  }
  Sym pick(const std::vector<Sym>& v) { return v[rng() % v.size()]; }
  Ast operand() {
    if (literals && rng() % 8 == 0) {
      static constexpr double lits[] = {0.0, 0.5, 1.0, 2.0, 3.0, 1e-3, 10.0};
      return make_lit(lits[rng() % 7]);
    }
    return make_leaf(pick(operands));
  }
  // b(u1(op1), u2(op2)) nested `groups` times, as the controller builds them.
  Ast group_tree(int groups) {
    Ast l = groups > 1 && rng() % 2 ? group_tree(groups - 1) : operand();
    Ast r = groups > 1 && rng() % 2 ? group_tree(groups - 1) : operand();
    Ast u1 = make_node(pick(unary), {std::move(l)});
    Ast u2 = make_node(pick(unary), {std::move(r)});
    return make_node(pick(binary), {std::move(u1), std::move(u2)});
  }
  // Any shape up to `depth`.
  Ast tree(int depth) {
    const int k = depth <= 1 ? 0 : static_cast<int>(rng() % 3);
    if (k == 0) return operand();
    if (k == 1) return make_node(pick(unary), {tree(depth - 1)});
    return make_node(pick(binary), {tree(depth - 1), tree(depth - 1)});
  }
};

// An element from named buffer values, for tests written with designated initializers.
struct ElementValues {
  double w = 0, g = 0, m = 0, v = 0, y = 0, k = 0, l = 0;
  uint64_t index = 0;
  const StepParams* p = nullptr;
};
inline Element element(const ElementValues& x) {
  Element e{.index = x.index, .p = x.p};
  e[Buf::W] = x.w, e[Buf::G] = x.g, e[Buf::M] = x.m, e[Buf::V] = x.v, e[Buf::Y] = x.y;
  e[Buf::K] = x.k, e[Buf::L] = x.l;
  return e;
}

}  // namespace nos::dslc::test
