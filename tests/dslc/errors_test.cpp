// Every kind of malformed rule, with its location and message.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "dslc/diagnostics.h"
#include "dslc/parser.h"
#include "tests/dslc/test_util.h"

namespace nos::dslc {
namespace {

using test::parse_error;

TEST(Errors, FormatIsFileLineColError) {
  const ParseResult r = parse_file("g\n\n  mul g frob\n", "rules/x.rules");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(), "rules/x.rules:3:9: error: unknown symbol 'frob'");
}

TEST(Errors, UnknownSymbolSuggestsNearestName) {
  Diagnostic d = parse_error("mul exp mul sign_g sgn_m g");
  EXPECT_EQ(d.str(), "<expr>:1:20: error: unknown symbol 'sgn_m'; did you mean 'sign_m'?");
  EXPECT_EQ(parse_error("Adam").message, "unknown symbol 'Adam'; did you mean 'adam'?");
  EXPECT_EQ(parse_error("mul g clip g").message, "unknown symbol 'clip'; did you mean 'clip5'?");
  EXPECT_EQ(parse_error("exp rmsrop").message, "unknown symbol 'rmsrop'; did you mean 'rmsprop'?");
  // Nothing plausible: no suggestion rather than a silly one.
  EXPECT_EQ(parse_error("mul g momentum").message, "unknown symbol 'momentum'");
}

TEST(Errors, ControllerSuggestsNameOfTheExpectedKind) {
  // In the b slot, "ad" is nearest to the binary 'add', not to the operand 'adam'.
  EXPECT_EQ(parse_error("g g id id ad").message, "unknown symbol 'ad'; did you mean 'add'?");
}

TEST(Errors, MissingOperand) {
  Diagnostic d = parse_error("mul exp mul sign_g sign_m");
  EXPECT_EQ(d.loc.line, 1);
  EXPECT_EQ(d.loc.col, 26);  // just past the end
  EXPECT_EQ(d.message, "missing operand: the rule ends before 'mul' at 1:1 has its 2nd operand (it takes 2)");
  EXPECT_EQ(parse_error("exp").message,
            "missing operand: the rule ends before 'exp' at 1:1 has its 1st operand (it takes 1)");
}

TEST(Errors, ExtraTokens) {
  Diagnostic d = parse_error("mul g g m");
  EXPECT_EQ(d.loc.col, 9);
  EXPECT_EQ(d.message, "extra tokens after a complete rule, starting at 'm'");
}

TEST(Errors, ReferenceToNoEarlierGroup) {
  Diagnostic d = parse_error("g g id id add; $2 g id id mul");
  EXPECT_EQ(d.loc.col, 16);
  EXPECT_EQ(d.message, "'$2' names no earlier group (group 2 can use $1)");
  EXPECT_EQ(parse_error("$1 g id id mul").message, "'$1' names no earlier group (group 1 has none)");
  EXPECT_EQ(parse_error("g g id id add; g g id id add; $7 g id id mul").message,
            "'$7' names no earlier group (group 3 can use $1..$2)");
  EXPECT_EQ(parse_error("g g id id add; $0 g id id mul").message, "'$0' is not a group reference; write $1, $2, ...");
  EXPECT_EQ(parse_error("mul $1 g").message, "'$1' names a group of the controller form; a prefix rule cannot use it");
}

TEST(Errors, EmptyRule) {
  EXPECT_EQ(parse_error("").message, "empty rule");
  EXPECT_EQ(parse_error("   # only a comment").message, "empty rule");
  EXPECT_EQ(parse_error("name:").message, "empty rule");
  EXPECT_EQ(parse_error(" ; ;").message, "empty rule");
  const ParseResult r = parse_file("blk:\nnext: g\n", "f");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(), "f:1:5: error: empty rule: 'blk:' is followed by no indented lines");
  EXPECT_EQ(r.rules.size(), 1u);
}

TEST(Errors, GroupWithWrongNumberOfTokens) {
  Diagnostic d = parse_error("g g id id mul; $1 g exp mul");
  EXPECT_EQ(d.loc.col, 16);
  EXPECT_EQ(d.message, "group 2 has 4 tokens; a group is 'op1 op2 u1 u2 b' (5 tokens)");
  EXPECT_EQ(parse_error("g g id id mul add").message, "group 1 has 6 tokens; a group is 'op1 op2 u1 u2 b' (5 tokens)");
  EXPECT_EQ(parse_error("g g id id mul;\n$1").message, "group 2 has 1 token; a group is 'op1 op2 u1 u2 b' (5 tokens)");
}

TEST(Errors, ControllerSlotOfTheWrongKind) {
  EXPECT_EQ(parse_error("g g id exp m").message, "expected a binary function for b, found an operand 'm'");
  EXPECT_EQ(parse_error("g g add id mul").message, "expected a unary function for u1, found a binary function 'add'");
  EXPECT_EQ(parse_error("g exp id id mul").message, "expected an operand for op2, found a unary function 'exp'");
  EXPECT_EQ(parse_error("g g id 2 mul").message, "expected a unary function for u2, found the number '2'");
}

TEST(Errors, BadCharactersAndNumbers) {
  Diagnostic d = parse_error("mul g @");
  EXPECT_EQ(d.loc.col, 7);
  EXPECT_EQ(d.message, "unexpected character '@'");
  EXPECT_EQ(parse_error("mul g \xc3\xa9").message, "unexpected byte 0xc3");
  EXPECT_EQ(parse_error("add g 1.2.3").message, "malformed number '1.2.3'");
  EXPECT_EQ(parse_error("add g 1e999").message, "number '1e999' is out of range");
  EXPECT_EQ(parse_error("add g 3x").message, "malformed number '3x'");
  EXPECT_EQ(parse_error(std::string("mul g \0 g", 9)).message, "unexpected byte 0x00");
}

TEST(Errors, StrayPunctuation) {
  EXPECT_EQ(parse_error("mul g : g").message, "unexpected ':' (a rule name goes first: 'name: rule')");
  EXPECT_EQ(parse_error("mul ; g g").message,
            "unexpected ';': groups separated by ';' are the controller form, whose groups start with an operand");
}

TEST(Errors, DepthAndSizeLimits) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "neg ";
  deep += "g";
  EXPECT_EQ(parse_error(deep).message, "rule nests too deeply (more than 200 levels)");
  // Each group doubles the tree through $k; the size limit stops it long before memory does.
  std::string doubling = "g g id id add";
  for (int k = 1; k < 40; ++k) doubling += "; $" + std::to_string(k) + " $" + std::to_string(k) + " id id add";
  const Diagnostic d = parse_error(doubling);
  EXPECT_NE(d.message.find("rule too large"), std::string::npos) << d.message;
  // A wide, shallow prefix rule is bounded too.
  std::function<std::string(int)> balanced = [&](int d) {
    return d == 0 ? std::string("g") : "add " + balanced(d - 1) + " " + balanced(d - 1);
  };
  EXPECT_TRUE(parse_rule(balanced(11)).ok());  // 4095 nodes
  EXPECT_EQ(parse_error(balanced(12)).message, "rule too large (more than 4096 nodes)");
}

// Groups are linked, not copied: 20,000 groups that each reference a 2,045-node group would need
// gigabytes if every group's tree were built, yet only the last group's tree is.
TEST(Errors, ManyGroupsReferencingLargeOnesStayCheap) {
  std::string text = "g g id id add";
  for (int k = 1; k < 9; ++k) text += "; $" + std::to_string(k) + " $" + std::to_string(k) + " id id add";
  for (int k = 0; k < 20000; ++k) text += "; $9 $9 id id add";
  text += "; $9 g id id mul";
  const ParseResult r = parse_rule(text);
  ASSERT_TRUE(r.ok()) << r.errors.front().str();
  EXPECT_EQ(ast_size(r.rules[0].ast), 2045u + 4u);
}

TEST(Errors, LinesAndColumnsInFiles) {
  const ParseResult r = parse_file("ok: g\nbad: mul g\n\n   frob: g g id id mull\n", "r.rules");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].str(),
            "r.rules:2:11: error: missing operand: the rule ends before 'mul' at 2:6 has its 2nd operand (it takes 2)");
  EXPECT_EQ(r.errors[1].str(), "r.rules:4:20: error: unknown symbol 'mull'; did you mean 'mul'?");
}

TEST(Errors, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("sign", "sgn"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("ADAM", "adam"), 0u);
}

// Not a fuzzer, but a cheap always-on check in the unit suite: random byte strings and random
// token soups never crash, and every error points inside the input.
TEST(Errors, RandomInputsNeverCrash) {
  std::mt19937 rng(1234);
  const char* words[] = {"g", "m", "mul", "add", "exp", "id", "$1", "$2", ";", ":", "\n", "1e-3", "x", "#", "sign_g"};
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      if (i % 2) s += static_cast<char>(rng() % 256);
      else s += std::string(words[rng() % std::size(words)]) + " ";
    }
    for (const ParseResult& r : {parse_rule(s), parse_file(s, "f")}) {
      for (const Diagnostic& d : r.errors) {
        EXPECT_GE(d.loc.line, 1);
        EXPECT_GE(d.loc.col, 1);
        EXPECT_FALSE(d.message.empty());
      }
      for (const Rule& rule : r.rules) (void)compile(rule);
    }
  }
}

// The one path from text to a compiled rule: the rule back, or every diagnostic in one message
// that names the caller's context and the text.
TEST(Errors, CompileRuleThrowsWithContextTextAndDiagnostics) {
  EXPECT_EQ(compile_rule("mul g exp mul sign_g sign_m").prefix, "mul g exp mul sign_g sign_m");
  try {
    (void)compile_rule("mul g sgn_m", "optimizer");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "optimizer: bad rule 'mul g sgn_m'\n<rule>:1:7: error: unknown symbol 'sgn_m'; did you mean 'sign_m'?");
  }
  try {
    (void)parse_rule_or_throw("");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "bad rule ''\n<rule>:1:1: error: empty rule");
  }
}

}  // namespace
}  // namespace nos::dslc
