// Both syntaxes, names, comments, aliases, literals and rule files.
#include <gtest/gtest.h>

#include "dslc/parser.h"
#include "dslc/print.h"
#include "tests/dslc/test_util.h"

namespace nos::dslc {
namespace {

using test::parse_ok;

TEST(Parser, PrefixBuildsTheTree) {
  const Rule r = parse_ok("mul exp mul sign_g sign_m g");
  EXPECT_EQ(print_prefix(r.ast), "mul exp mul sign_g sign_m g");
  ASSERT_EQ(r.ast.sym, Sym::Mul);
  ASSERT_EQ(r.ast.args.size(), 2u);
  EXPECT_EQ(r.ast.args[0].sym, Sym::Exp);
  EXPECT_EQ(r.ast.args[1].sym, Sym::G);
  EXPECT_EQ(r.ast.args[1].loc.col, 27);
}

TEST(Parser, ControllerBuildsBinaryOfUnaries) {
  const Rule r = parse_ok("sign_g sign_m id id mul ; $1 g exp id mul");
  EXPECT_EQ(print_prefix(r.ast), "mul exp mul id sign_g id sign_m id g");
}

TEST(Parser, ControllerGroupsByNewline) {
  const Rule r = parse_ok("sign_g sign_m id id mul\n$1 g exp id mul\n");
  EXPECT_EQ(print_prefix(r.ast), "mul exp mul id sign_g id sign_m id g");
}

TEST(Parser, ControllerReferenceCanBeUsedTwice) {
  const Rule r = parse_ok("g m id id add; $1 $1 id id mul");
  EXPECT_EQ(print_prefix(r.ast), "mul id add id g id m id add id g id m");
}

TEST(Parser, ControllerAcceptsLiteralsAndTrailingSemicolon) {
  const Rule r = parse_ok("0.5 g id id mul;");
  EXPECT_EQ(print_prefix(r.ast), "mul id 0.5 id g");
}

TEST(Parser, SyntaxDetection) {
  auto syntax = [](const char* s) { return detect_syntax(lex(s)); };
  EXPECT_EQ(syntax("g"), Syntax::Prefix);
  EXPECT_EQ(syntax("mul g g"), Syntax::Prefix);
  EXPECT_EQ(syntax("g g id id mul"), Syntax::Controller);
  EXPECT_EQ(syntax("0.5 g id id mul"), Syntax::Controller);
  EXPECT_EQ(syntax("$1 g id id mul"), Syntax::Controller);
  EXPECT_EQ(syntax("mul g g ; g"), Syntax::Prefix);                 // starts with a function
  EXPECT_EQ(syntax("sgn_g sign_m id id mul"), Syntax::Controller);  // 5 tokens after a typo
  EXPECT_EQ(syntax("sgn_g m"), Syntax::Prefix);
}

TEST(Parser, AliasesAndNames) {
  EXPECT_EQ(print_prefix(parse_ok("* g exp * sign_g sign_m").ast), "mul g exp mul sign_g sign_m");
  EXPECT_EQ(print_prefix(parse_ok("- / g one + m 2").ast), "sub div g one add m 2");
  const Rule r = parse_ok("powersign: mul g exp mul sign_g sign_m  # the paper's favourite");
  EXPECT_EQ(r.name, "powersign");
  EXPECT_EQ(print_prefix(r.ast), "mul g exp mul sign_g sign_m");
}

TEST(Parser, Literals) {
  const Rule r = parse_ok("add 1e-3 mul .5 g");
  ASSERT_EQ(r.ast.args[0].sym, Sym::Lit);
  EXPECT_EQ(r.ast.args[0].value, 1e-3);
  EXPECT_EQ(r.ast.args[1].args[0].value, 0.5);
}

TEST(Parser, FileOneRulePerLineWithCommentsAndBlocks) {
  const char* text =
      "# header comment\n"
      "\n"
      "sgd: g\n"
      "mul g exp mul sign_g sign_m   # unnamed\n"
      "ps:\n"
      "  sign_g sign_m id id mul\n"
      "  # a comment inside the block\n"
      "  $1 g exp id mul\n"
      "adam: m v id sqrt div\n";
  const ParseResult r = parse_file(text, "t.rules");
  ASSERT_TRUE(r.ok()) << r.errors.front().str();
  ASSERT_EQ(r.rules.size(), 4u);
  EXPECT_EQ(r.rules[0].name, "sgd");
  EXPECT_EQ(r.rules[1].name, "");
  EXPECT_EQ(r.rules[1].loc.line, 4);
  EXPECT_EQ(r.rules[2].name, "ps");
  EXPECT_EQ(print_prefix(r.rules[2].ast), "mul exp mul id sign_g id sign_m id g");
  EXPECT_EQ(r.rules[3].name, "adam");
}

TEST(Parser, FileKeepsGoodRulesAndReportsEveryBadOne) {
  const ParseResult r = parse_file("g\nmul g\nsgn_g\nadam\n", "f.rules");
  EXPECT_EQ(r.rules.size(), 2u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].loc.line, 2);
  EXPECT_EQ(r.errors[1].loc.line, 3);
}

TEST(Parser, CrlfLineEndings) {
  const ParseResult r = parse_file("a: g\r\nb: mul g g\r\n", "w.rules");
  ASSERT_TRUE(r.ok()) << r.errors.front().str();
  EXPECT_EQ(r.rules.size(), 2u);
}

TEST(Parser, PaperRulesFileParses) {
  FILE* f = std::fopen(NOS_RULES_DIR "/paper.rules", "rb");
  ASSERT_NE(f, nullptr);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  const ParseResult r = parse_file(text, "paper.rules");
  ASSERT_TRUE(r.ok()) << r.errors.front().str();
  // baselines (sgd adam rmsprop momentum lion adabelief rmsprop_tf adam_tf), Table 1,
  // PowerSign/AddSign and their ld/cd/rd variants, the two-group PowerSign, and the six
  // finalists of the discovery run (d1_01 ... d1_06).
  EXPECT_EQ(r.rules.size(), 8u + 16u + 8u + 1u + 6u);
}

}  // namespace
}  // namespace nos::dslc
