// Rules in files and strings: syntax detection, names, one rule per line, group blocks.
#include <algorithm>

#include "dslc/parser.h"

#include <stdexcept>

namespace nos::dslc {

Syntax detect_syntax(std::span<const Token> toks) {
  // The first token decides: a prefix rule starts with a function, a controller group with an
  // operand. Only a first token that is no symbol at all needs the rest of the rule as a hint.
  size_t n = 0;
  bool separators = false;
  const Token* first = nullptr;
  for (const Token& t : toks) {
    if (t.kind == Tok::Newline) continue;
    if (t.kind == Tok::Semi || t.kind == Tok::Ref) separators = true;
    if (t.kind != Tok::Semi && !first) first = &t;
    n += t.kind != Tok::Semi;
  }
  if (!first) return separators ? Syntax::Controller : Syntax::Prefix;
  if (first->kind == Tok::Word) {
    if (const auto s = find_symbol(first->text)) {
      if (!is_operand(*s)) return Syntax::Prefix;
      return n > 1 || separators ? Syntax::Controller : Syntax::Prefix;
    }
    return separators || (n > 1 && n % 5 == 0) ? Syntax::Controller : Syntax::Prefix;
  }
  if (first->kind == Tok::Number || first->kind == Tok::Ref)
    return n > 1 || separators ? Syntax::Controller : Syntax::Prefix;
  return Syntax::Prefix;
}

std::optional<Ast> parse_tokens(std::span<const Token> toks, Loc end, const ParseCtx& ctx) {
  // A lexing error anywhere makes the rule's meaning unknowable; report the first one.
  for (const Token& t : toks)
    if (t.kind == Tok::Bad) {
      ctx.error(t.loc, t.error);
      return std::nullopt;
    }
  return detect_syntax(toks) == Syntax::Controller ? parse_controller(toks, end, ctx) : parse_prefix(toks, end, ctx);
}

namespace {

Loc end_of(std::span<const Token> toks, Loc fallback) {
  if (toks.empty()) return fallback;
  const Token& t = toks.back();
  return {t.loc.line, t.loc.col + static_cast<int>(t.text.size())};
}

bool named(std::span<const Token> line) {
  return line.size() >= 2 && line[0].kind == Tok::Word && line[1].kind == Tok::Colon;
}

// Parses one rule from tokens that may start with "name:".
void parse_one(std::span<const Token> toks, Loc end, const ParseCtx& ctx, ParseResult& out) {
  Rule r;
  r.loc = toks.empty() ? end : toks.front().loc;
  if (named(toks)) {
    r.name = std::string(toks[0].text);
    toks = toks.subspan(2);
  }
  const size_t before = ctx.errors->size();
  auto a = parse_tokens(toks, end, ctx);
  if (a && ctx.errors->size() == before) {
    r.ast = std::move(*a);
    out.rules.push_back(std::move(r));
  }
}

}  // namespace

ParseResult parse_file(std::string_view text, std::string_view file) {
  ParseResult out;
  const ParseCtx ctx{std::string(file), &out.errors};
  const std::vector<Token> toks = lex(text);
  // Lines as token spans (without their newline).
  std::vector<std::span<const Token>> lines;
  std::vector<Loc> line_end;
  size_t start = 0;
  for (size_t i = 0; i <= toks.size(); ++i) {
    if (i == toks.size() || toks[i].kind == Tok::Newline) {
      lines.emplace_back(toks.data() + start, i - start);
      line_end.push_back(i < toks.size() ? toks[i].loc : end_of(lines.back(), {1, 1}));
      start = i + 1;
    }
  }
  for (size_t li = 0; li < lines.size(); ++li) {
    const auto line = lines[li];
    if (line.empty()) continue;
    if (named(line) && line.size() == 2) {
      // "name:" alone: the rule is the following indented lines, one controller group (or a
      // continued prefix rule) per line.
      size_t last = li;
      for (size_t lj = li + 1; lj < lines.size(); ++lj) {
        if (lines[lj].empty()) continue;
        if (lines[lj].front().loc.col == 1) break;
        last = lj;
      }
      if (last == li) {
        ctx.error(line_end[li], "empty rule: '" + std::string(line[0].text) + ":' is followed by no indented lines");
        continue;
      }
      const Token* b = line.data();
      const Token* e = lines[last].data() + lines[last].size();
      parse_one(std::span<const Token>(b, e), line_end[last], ctx, out);
      li = last;
      continue;
    }
    parse_one(line, line_end[li], ctx, out);
  }
  return out;
}

ParseResult parse_rule(std::string_view text, std::string_view file) {
  ParseResult out;
  const ParseCtx ctx{std::string(file), &out.errors};
  const std::vector<Token> toks = lex(text);
  std::span<const Token> all(toks);
  // Leading/trailing blank lines are not groups.
  while (!all.empty() && all.front().kind == Tok::Newline) all = all.subspan(1);
  while (!all.empty() && all.back().kind == Tok::Newline) all = all.first(all.size() - 1);
  parse_one(all, end_of(all, {1, 1}), ctx, out);
  return out;
}

std::string ParseResult::errors_text() const {
  std::string out;
  for (const Diagnostic& d : errors) out += (out.empty() ? "" : "\n") + d.str();
  return out;
}

Rule parse_rule_or_throw(std::string_view text, std::string_view context, std::string_view file) {
  ParseResult p = parse_rule(text, file);
  if (p.ok() && p.rules.size() == 1) return std::move(p.rules.front());
  std::string msg = (context.empty() ? "" : std::string(context) + ": ") + "bad rule '" + std::string(text) + "'";
  if (!p.ok()) msg += "\n" + p.errors_text();
  if (p.ok()) msg += "\nexpected one rule, found " + std::to_string(p.rules.size());
  throw std::invalid_argument(msg);
}

}  // namespace nos::dslc
