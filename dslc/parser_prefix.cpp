// Prefix (Polish) notation: a function symbol followed by its operands.
#include <string>

#include "dslc/parser.h"

namespace nos::dslc {

namespace {

std::string ordinal(int k) { return k == 1 ? "1st" : k == 2 ? "2nd" : std::to_string(k) + "th"; }

struct PrefixParser {
  std::vector<const Token*> toks;  // without newlines
  size_t pos = 0;
  size_t nodes = 0;
  Loc end;
  const ParseCtx& ctx;

  std::optional<Ast> node(int depth) {
    const Token& t = *toks[pos];
    if (depth > kMaxDepth) {
      ctx.error(t.loc, "rule nests too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
      return std::nullopt;
    }
    if (++nodes > kMaxNodes) {
      ctx.error(t.loc, "rule too large (more than " + std::to_string(kMaxNodes) + " nodes)");
      return std::nullopt;
    }
    ++pos;
    switch (t.kind) {
      case Tok::Number: return make_lit(t.number, t.loc);
      case Tok::Bad: ctx.error(t.loc, t.error); return std::nullopt;
      case Tok::Ref:
        ctx.error(t.loc,
                  "'" + std::string(t.text) + "' names a group of the controller form; a prefix rule cannot use it");
        return std::nullopt;
      case Tok::Semi:
        ctx.error(t.loc,
                  "unexpected ';': groups separated by ';' are the controller form, "
                  "whose groups start with an operand");
        return std::nullopt;
      case Tok::Colon: ctx.error(t.loc, "unexpected ':' (a rule name goes first: 'name: rule')"); return std::nullopt;
      case Tok::Newline: break;
      case Tok::Word: {
        const auto s = find_symbol(t.text);
        if (!s) {
          std::string msg = "unknown symbol '" + std::string(t.text) + "'";
          if (auto near = nearest_name(t.text)) msg += "; did you mean '" + std::string(*near) + "'?";
          ctx.error(t.loc, msg);
          return std::nullopt;
        }
        Ast a = make_leaf(*s, t.loc);
        const int n = arity(*s);
        for (int k = 1; k <= n; ++k) {
          if (pos >= toks.size()) {
            ctx.error(end, "missing operand: the rule ends before '" + std::string(t.text) + "' at " +
                               std::to_string(t.loc.line) + ":" + std::to_string(t.loc.col) + " has its " + ordinal(k) +
                               " operand (it takes " + std::to_string(n) + ")");
            return std::nullopt;
          }
          auto c = node(depth + 1);
          if (!c) return std::nullopt;
          a.args.push_back(std::move(*c));
        }
        return a;
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<Ast> parse_prefix(std::span<const Token> toks, Loc end, const ParseCtx& ctx) {
  PrefixParser p{{}, 0, 0, end, ctx};
  for (const Token& t : toks)
    if (t.kind != Tok::Newline) p.toks.push_back(&t);
  if (p.toks.empty()) {
    ctx.error(end, "empty rule");
    return std::nullopt;
  }
  auto a = p.node(1);
  if (!a) return std::nullopt;
  if (p.pos < p.toks.size()) {
    const Token& x = *p.toks[p.pos];
    ctx.error(x.loc, "extra tokens after a complete rule, starting at '" + std::string(x.text) + "'");
    return std::nullopt;
  }
  return a;
}

}  // namespace nos::dslc
