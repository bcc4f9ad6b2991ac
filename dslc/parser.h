// Parsing rule text in either syntax into the one AST.
//
//   prefix:      mul exp mul sign_g sign_m g
//   controller:  sign_g sign_m id id mul ; $1 g exp id mul
//
// A rule whose first token is a function is prefix; one whose first token is an operand, a number
// or $k and that has more than one token is controller form. (A prefix rule can only start with an
// operand if it is that single operand, so the two never overlap.)
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dslc/ast.h"
#include "dslc/diagnostics.h"
#include "dslc/lexer.h"

namespace nos::dslc {

struct ParseResult {
  std::vector<Rule> rules;
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty(); }
  std::string errors_text() const;  // the diagnostics, one per line ("file:line:col: error: ...")
};

// A rule file: one rule per line, optionally named ("name: rule"), '#' comments. A controller
// rule may also be written one group per line under a bare "name:" line, its groups indented.
// Errors are collected for every bad rule; good rules are still returned.
ParseResult parse_file(std::string_view text, std::string_view file);

// Exactly one rule (as given with dslc -e), optionally named; newlines separate controller groups.
ParseResult parse_rule(std::string_view text, std::string_view file = "<expr>");

// The one rule of `text`, or std::invalid_argument: "<context>: bad rule '<text>'" and dslc's
// diagnostics, one per line ("<context>: " is left out when context is empty).
Rule parse_rule_or_throw(std::string_view text, std::string_view context = "", std::string_view file = "<rule>");

// ---- lower level: one rule's tokens (name already removed) ----

struct ParseCtx {
  std::string file;
  std::vector<Diagnostic>* errors;
  void error(Loc at, std::string message) const { errors->push_back({file, at, std::move(message)}); }
};

enum class Syntax { Prefix, Controller };
Syntax detect_syntax(std::span<const Token> toks);

// `end` is where the rule ends, for "missing operand" errors. Newline tokens separate groups in the
// controller form and are ignored by the prefix form. Both return nullopt after reporting errors.
std::optional<Ast> parse_prefix(std::span<const Token> toks, Loc end, const ParseCtx& ctx);
std::optional<Ast> parse_controller(std::span<const Token> toks, Loc end, const ParseCtx& ctx);
std::optional<Ast> parse_tokens(std::span<const Token> toks, Loc end, const ParseCtx& ctx);

}  // namespace nos::dslc
