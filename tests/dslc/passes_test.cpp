// The middle end: folding, simplification, operand order, IR clean-up — and that none of it
// changes what a rule computes.
#include <gtest/gtest.h>

#include "dslc/interp.h"
#include "dslc/lower.h"
#include "dslc/passes.h"
#include "tests/dslc/test_util.h"

namespace nos::dslc {
namespace {

using test::canon;

TEST(Passes, ConstantFolding) {
  EXPECT_EQ(canon("mul add one two g"), "mul 3 g");
  EXPECT_EQ(canon("mul sub one two g"), "neg g");  // (1-2)*g = -(1*g) = -g
  EXPECT_EQ(canon("mul exp 0 g"), "g");            // exp(0) = 1
  EXPECT_EQ(canon("add g 1"), "add g one");        // literal 1 is `one`
  EXPECT_EQ(canon("add g 2"), "add g two");
  EXPECT_EQ(canon("add g sub 0.25 0.5"), "sub g 0.25");        // a negative constant is neg c
  EXPECT_EQ(canon("mul g log 0"), "mul g log 0");              // -inf is not folded
  EXPECT_EQ(canon("mul g div one two"), "mul g div one two");  // div reads eps: not folded
}

TEST(Passes, Simplification) {
  EXPECT_EQ(canon("id g"), "g");
  EXPECT_EQ(canon("keep g noise"), "g");
  EXPECT_EQ(canon("neg neg g"), "g");
  EXPECT_EQ(canon("sign sign m"), "sign_m");
  EXPECT_EQ(canon("sign g"), "sign_g");
  EXPECT_EQ(canon("sign clip5 m"), "sign_m");
  EXPECT_EQ(canon("sign neg g"), "neg sign_g");
  EXPECT_EQ(canon("mul g one"), "g");
  EXPECT_EQ(canon("add 0 g"), "g");
  EXPECT_EQ(canon("sub g 0"), "g");
  EXPECT_EQ(canon("mul g g"), "g2");
  EXPECT_EQ(canon("mul g mul g g"), "g3");
  EXPECT_EQ(canon("mul neg g neg m"), "mul g m");
  EXPECT_EQ(canon("mul neg g m"), "neg mul g m");
  EXPECT_EQ(canon("add g neg m"), "sub g m");
  EXPECT_EQ(canon("add neg g m"), "sub m g");
  EXPECT_EQ(canon("sub g neg m"), "add g m");
  EXPECT_EQ(canon("add m m"), "mul m two");
  EXPECT_EQ(canon("add drop1 m drop1 m"), "add drop1 m drop1 m");  // two independent draws
  EXPECT_EQ(canon("log neg g"), "log g");
  EXPECT_EQ(canon("sqrt neg v"), "sqrt v");
  EXPECT_EQ(canon("clip3 clip5 g"), "clip5 g");
  EXPECT_EQ(canon("clip5 clip3 g"), "clip5 g");
  EXPECT_EQ(canon("clip4 neg g"), "neg clip4 g");
  EXPECT_EQ(canon("div m sqrt v"), "adam");
  EXPECT_EQ(canon("div g sqrt v"), "rmsprop");
  // Not identities in floating point: left alone.
  EXPECT_EQ(canon("mul g 0"), "mul 0 g");
  EXPECT_EQ(canon("sub g g"), "sub g g");
  EXPECT_EQ(canon("mul mul g m v"), "mul v mul g m");
}

TEST(Passes, CommutativeOperandsAreOrdered) {
  EXPECT_EQ(canon("mul exp mul sign_m sign_g g"), "mul g exp mul sign_g sign_m");
  EXPECT_EQ(canon("add m g"), "add g m");
  EXPECT_EQ(canon("sub m g"), "sub m g");  // not commutative
  EXPECT_EQ(canon("div m g"), "div m g");
}

TEST(Passes, CanonicalizationIsIdempotent) {
  test::RuleGen gen(99, false, true);
  gen.literals = true;
  for (int i = 0; i < 2000; ++i) {
    Ast a = gen.tree(1 + i % 6);
    const Ast c1 = canonicalize(a);
    const Ast c2 = canonicalize(c1);
    ASSERT_TRUE(ast_equal(c1, c2)) << print_prefix(c1) << " -> " << print_prefix(c2);
    // and the canonical text reads back to the same canonical tree
    const std::string text = print_prefix(c1);
    ASSERT_EQ(test::canon(text), text);
  }
}

TEST(Passes, CseSharesLoadsAndBiasCorrections) {
  // adam * exp(sign_g * sign_m): g, m, the bias correction of m are each computed once.
  const Compiled c = test::compile_ok("mul adam exp mul sign_g sign_m");
  int loads_m = 0, loads_g = 0, bc1 = 0;
  for (const Inst& in : c.ir.body) {
    loads_m += in.op == Op::Load && in.buf == Buf::M;
    loads_g += in.op == Op::Load && in.buf == Buf::G;
    bc1 += in.op == Op::Param && in.slot == Slot::Bc1;
  }
  EXPECT_EQ(loads_m, 1);
  EXPECT_EQ(loads_g, 1);
  EXPECT_EQ(bc1, 1);
  EXPECT_EQ(verify(c.ir), "");
}

TEST(Passes, SignOfBiasCorrectedStateSkipsTheDivision) {
  const Compiled c = test::compile_ok("mul g exp mul sign_g sign_m");
  for (const Inst& in : c.ir.body) EXPECT_FALSE(in.op == Op::Param) << print_ir(c.ir);
}

TEST(Passes, CseNeverMergesRandomDraws) {
  const Compiled c = test::compile_ok("add drop1 m drop1 m");
  int drops = 0;
  for (const Inst& in : c.ir.body) drops += in.op == Op::Drop;
  EXPECT_EQ(drops, 2);
}

TEST(Passes, DeadStateElimination) {
  // Lowered as written, keep(g, adam) loads m and v; the passes remove both from the prologue.
  Ast a = test::parse_ok("keep g adam").ast;
  Ir ir = lower(a);
  EXPECT_EQ(ir.state, kStateM | kStateV);
  optimize(ir);
  EXPECT_EQ(ir.state, 0);
  EXPECT_EQ(ir.body.size(), 1u);
  EXPECT_EQ(verify(ir), "");

  // The IR passes alone (no AST simplification) drop the multiplication by 1 but keep y.
  Ir ir2 = lower(test::parse_ok("mul one y").ast);
  EXPECT_EQ(ir2.state, kStateY);
  optimize(ir2);
  EXPECT_EQ(ir2.state, kStateY);  // still used

  Ir ir3;
  IrBuilder b{ir3};
  const uint32_t g = b.load(Buf::G);
  b.load(Buf::M);
  ir3.result = g;
  EXPECT_EQ(ir3.state, kStateM);
  EXPECT_TRUE(dce(ir3));
  EXPECT_TRUE(dead_state(ir3));
  EXPECT_EQ(ir3.state, 0);
}

TEST(Passes, IrFolding) {
  Ir ir;
  IrBuilder b{ir};
  const uint32_t two = b.constant(2.0);
  const uint32_t e = b.unary(Op::Exp, two);
  ir.result = b.binary(Op::Mul, e, b.load(Buf::G));
  EXPECT_TRUE(fold(ir));
  EXPECT_EQ(ir.body[e].op, Op::Const);
  EXPECT_EQ(ir.body[e].imm, std::exp(2.0));
}

TEST(Passes, StateIsOnlyWhatTheRuleReads) {
  EXPECT_EQ(test::compile_ok("g").ir.state, 0);                                  // SGD
  EXPECT_EQ(test::compile_ok("mul g exp mul sign_g sign_m").ir.state, kStateM);  // PowerSign
  EXPECT_EQ(test::compile_ok("adam").ir.state, kStateM | kStateV);               // Adam
  EXPECT_EQ(test::compile_ok("rmsprop").ir.state, kStateV);
  EXPECT_EQ(test::compile_ok("mul drop1 m exp g3").ir.state, kStateM);
  EXPECT_EQ(test::compile_ok("add y g").ir.state, kStateY);
}

// The central property: canonicalization and the IR passes never change a rule's value. The
// source tree (tree evaluator) and the optimized IR (interpreter) agree bit for bit, over random
// rules of the full deterministic vocabulary and element values including 0, tiny, huge, inf, NaN.
TEST(Passes, OptimizedIrComputesWhatTheSourceComputes) {
  test::RuleGen gen(2024, false, /*allow_random=*/false);
  gen.literals = true;
  Hyper h;
  h.total_steps = 20;
  const StepParams p = step_params(h, 4);
  const double vals[] = {0.0,
                         -0.0,
                         1e-300,
                         -2.5e-7,
                         0.3,
                         -0.7,
                         3.0,
                         -1e5,
                         1e300,
                         std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity(),
                         std::nan("")};
  std::vector<double> scratch;
  std::mt19937 pick(5);
  for (int i = 0; i < 3000; ++i) {
    Ast src = gen.tree(1 + i % 7);
    const Compiled c = compile(Rule{"", src, {}});
    ASSERT_EQ(verify(c.ir), "") << c.prefix;
    for (int k = 0; k < 12; ++k) {
      const Element e = test::element({.w = vals[pick() % 12],
                                       .g = vals[pick() % 12],
                                       .m = vals[pick() % 12],
                                       .v = std::fabs(vals[pick() % 12]),
                                       .y = vals[pick() % 12],
                                       .index = 3,
                                       .p = &p});
      const double want = eval_ast(src, e);
      const double got = eval_ir(c.ir, e, scratch);
      ASSERT_TRUE(test::same_value(want, got))
          << print_prefix(src) << "\ncanonical " << c.prefix << "\n"
          << print_ir(c.ir) << "g=" << e[Buf::G] << " w=" << e[Buf::W] << " m=" << e[Buf::M] << " v=" << e[Buf::V]
          << " y=" << e[Buf::Y] << ": source " << want << " vs IR " << got;
    }
  }
}

// With random symbols the draw slots are those of the canonical tree; the canonical tree and the
// IR agree.
TEST(Passes, RandomRulesIrMatchesCanonicalTree) {
  test::RuleGen gen(77, false, /*allow_random=*/true);
  Hyper h;
  h.seed = 3;
  const StepParams p = step_params(h, 9);
  std::vector<double> scratch;
  for (int i = 0; i < 2000; ++i) {
    const Compiled c = compile(Rule{"", gen.group_tree(1 + i % 3), {}});
    for (uint64_t idx = 0; idx < 8; ++idx) {
      const Element e = test::element({.w = 0.5,
                                       .g = -0.25 + 0.1 * static_cast<double>(idx),
                                       .m = 0.1,
                                       .v = 0.02,
                                       .y = -0.003,
                                       .index = idx,
                                       .p = &p});
      ASSERT_TRUE(test::same_value(eval_ast(c.canonical, e), eval_ir(c.ir, e, scratch))) << c.prefix;
    }
  }
}

}  // namespace
}  // namespace nos::dslc
