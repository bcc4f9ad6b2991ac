// The symbol table: names, vocabulary, and that every row's reference semantics and lowering agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "dslc/interp.h"
#include "dslc/lower.h"
#include "dslc/symbols.h"
#include "tests/dslc/test_util.h"

namespace nos::dslc {
namespace {

TEST(Symbols, TableIsIndexedByEnumAndNamesAreUnique) {
  ASSERT_EQ(symbols().size(), static_cast<size_t>(kSymCount));
  std::set<std::string_view> names;
  for (size_t i = 0; i < symbols().size(); ++i) {
    const Symbol& s = symbols()[i];
    EXPECT_EQ(static_cast<size_t>(s.id), i);
    EXPECT_EQ(arity(s.id), static_cast<int>(s.kind));
    if (s.id == Sym::Lit) continue;
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    for (auto a : s.aliases) {
      if (!a.empty()) {
        EXPECT_TRUE(names.insert(a).second) << a;
      }
    }
    EXPECT_FALSE(s.infix.empty()) << s.name;
    EXPECT_FALSE(s.latex.empty()) << s.name;
    EXPECT_FALSE(s.doc.empty()) << s.name;
  }
}

TEST(Symbols, PaperVocabularyMatchesSection41) {
  // §4.1: 16 operands, 11 unary functions, 5 binary functions.
  int ops = 0, un = 0, bin = 0;
  for (const Symbol& s : symbols()) {
    if (!s.paper) continue;
    (s.kind == Kind::Operand ? ops : s.kind == Kind::Unary ? un : bin)++;
  }
  EXPECT_EQ(ops, 16);
  EXPECT_EQ(un, 11);
  EXPECT_EQ(bin, 5);
}

TEST(Symbols, Vocabulary) {
  EXPECT_EQ(vocabulary(Kind::Operand, true).size(), 16u);
  EXPECT_EQ(vocabulary(Kind::Unary, true).size(), 11u);
  EXPECT_EQ(vocabulary(Kind::Binary, true).size(), 5u);
  const auto all = vocabulary(Kind::Operand, false);
  EXPECT_EQ(all.size(),
            28u);  // + two, ld, cd, rd, ep, mom, nesterov, lion, rms, adabelief, rmsprop_tf, adam_tf; never Lit
  EXPECT_EQ(std::count(all.begin(), all.end(), Sym::Lit), 0);
  EXPECT_EQ(vocabulary(Kind::Unary, false).back(), Sym::Sqrt);
}

TEST(Symbols, LookupByNameAndAlias) {
  EXPECT_EQ(find_symbol("sign_g"), Sym::SignG);
  EXPECT_EQ(find_symbol("+"), Sym::Add);
  EXPECT_EQ(find_symbol("-"), Sym::Sub);
  EXPECT_EQ(find_symbol("*"), Sym::Mul);
  EXPECT_EQ(find_symbol("/"), Sym::Div);
  EXPECT_EQ(find_symbol("gamma"), Sym::Y);
  EXPECT_FALSE(find_symbol(""));
  EXPECT_FALSE(find_symbol("Sign"));  // names are case-sensitive
  EXPECT_FALSE(find_symbol("momentum"));
}

TEST(Symbols, StateOfOperands) {
  EXPECT_EQ(symbol(Sym::Adam).state, kStateM | kStateV);
  EXPECT_EQ(symbol(Sym::RmsProp).state, kStateV);
  EXPECT_EQ(symbol(Sym::SignM).state, kStateM);
  EXPECT_EQ(symbol(Sym::Y).state, kStateY);
  EXPECT_EQ(symbol(Sym::G3).state, kStateNone);
}

// For every symbol applied to element data, the table's reference semantics (eval) and its
// lowering to IR (run by the interpreter) give the same double, bit for bit.
TEST(Symbols, EvalAndLoweringAgreeForEverySymbol) {
  Hyper h;
  h.total_steps = 50;
  h.seed = 11;
  const StepParams p = step_params(h, 7);
  const double values[] = {
      0.0, -0.0, 1e-6, -3e-5, 0.37, -1.25, 4.0, 1e30, -1e-310, std::numeric_limits<double>::infinity(), std::nan("")};
  std::vector<double> scratch;
  for (const Symbol& s : symbols()) {
    Ast a;
    if (s.kind == Kind::Operand) a = s.id == Sym::Lit ? make_lit(0.75) : make_leaf(s.id);
    else if (s.kind == Kind::Unary) a = make_node(s.id, {make_leaf(Sym::G)});
    else a = make_node(s.id, {make_leaf(Sym::G), make_leaf(Sym::W1)});
    number_draws(a);
    const Ir ir = lower(a);
    ASSERT_EQ(verify(ir), "") << s.name;
    for (size_t i = 0; i < std::size(values); ++i) {
      for (size_t j = 0; j < std::size(values); j += 3) {
        const Element e = test::element({.w = values[j],
                                         .g = values[i],
                                         .m = values[(i + 1) % 11],
                                         .v = std::fabs(values[(i + 2) % 11]),
                                         .y = values[(i + 3) % 11],
                                         .index = i * 13 + j,
                                         .p = &p});
        const double want = eval_ast(a, e);
        const double got = eval_ir(ir, e, scratch);
        EXPECT_TRUE(test::same_value(want, got) && std::signbit(want) == std::signbit(got))
            << s.name << " g=" << e[Buf::G] << " w=" << e[Buf::W] << ": eval " << want << " vs IR " << got;
      }
    }
  }
}

TEST(Symbols, SignOfZeroIsZero) {
  const StepParams p = step_params(Hyper{}, 1);
  const Element e = test::element({.g = 0.0, .p = &p});
  EXPECT_EQ(eval_ast(make_leaf(Sym::SignG), e), 0.0);
  EXPECT_EQ(eval_ast(make_node(Sym::Sign, {make_lit(0.0)}), e), 0.0);
  EXPECT_EQ(eval_ast(make_node(Sym::Sign, {make_lit(-2.0)}), e), -1.0);
}

TEST(Symbols, FunctionSemantics) {
  Hyper h;
  h.eps = 1e-8;
  const StepParams p = step_params(h, 1);
  const Element e{.p = &p};
  auto un = [&](Sym s, double x) { return eval_ast(make_node(s, {make_lit(x)}), e); };
  auto bin = [&](Sym s, double x, double y) { return eval_ast(make_node(s, {make_lit(x), make_lit(y)}), e); };
  EXPECT_EQ(un(Sym::Log, -std::exp(2.0)), std::log(std::exp(2.0)));  // log|x|
  EXPECT_EQ(un(Sym::Sqrt, -9.0), 3.0);                               // sqrt|x|
  EXPECT_EQ(un(Sym::Clip5, 1.0), 1e-5);
  EXPECT_EQ(un(Sym::Clip4, -1.0), -1e-4);
  EXPECT_EQ(un(Sym::Clip3, 5e-4), 5e-4);
  EXPECT_EQ(un(Sym::Neg, 2.0), -2.0);
  EXPECT_EQ(bin(Sym::Div, 1.0, 0.0), 1.0 / 1e-8);  // x / (y + eps)
  EXPECT_EQ(bin(Sym::Keep, 3.0, 5.0), 3.0);
  EXPECT_EQ(bin(Sym::Sub, 3.0, 5.0), -2.0);
}

}  // namespace
}  // namespace nos::dslc
