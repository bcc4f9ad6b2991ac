// The controller form: groups "op1 op2 u1 u2 b", each computing b(u1(op1), u2(op2)); a later
// group may name an earlier group's output as $k. The last group is the update (paper §3.1).
#include <algorithm>
#include <string>

#include "dslc/parser.h"

namespace nos::dslc {

namespace {

constexpr const char* kSlotNames[5] = {"op1", "op2", "u1", "u2", "b"};
constexpr Kind kSlotKinds[5] = {Kind::Operand, Kind::Operand, Kind::Unary, Kind::Unary, Kind::Binary};

const char* kind_name(Kind k) {
  return k == Kind::Operand ? "an operand" : k == Kind::Unary ? "a unary function" : "a binary function";
}

struct Group {
  std::vector<const Token*> toks;
  Loc start;  // where the group begins (its first token)
};

// A checked group: its five parts, with operands either leaves or links to earlier groups. Trees
// are only built for the last group, from these links, so a rule of many groups that each
// reference big earlier ones costs memory for its groups, not for all their expansions.
struct Linked {
  Ast part[5];
  size_t ref[2] = {0, 0};  // 1-based group of op1/op2, or 0 for a leaf
  size_t size = 0;         // nodes of the expanded tree
  int depth = 0;
};

Ast expand(const std::vector<Linked>& groups, size_t k) {
  const Linked& g = groups[k];
  Ast ops[2];
  for (int i = 0; i < 2; ++i) ops[i] = g.ref[i] ? expand(groups, g.ref[i] - 1) : g.part[i];
  Ast b = make_node(g.part[4].sym, {}, g.part[4].loc);
  b.args.push_back(make_node(g.part[2].sym, {std::move(ops[0])}, g.part[2].loc));
  b.args.push_back(make_node(g.part[3].sym, {std::move(ops[1])}, g.part[3].loc));
  return b;
}

// One token in slot `slot` of group `gi` (1-based). A valid $k sets `ref` to k and returns an
// empty leaf: the group is linked, not copied (see parse_controller).
std::optional<Ast> slot_token(const Token& t, int slot, size_t gi, size_t& ref, const ParseCtx& ctx) {
  ref = 0;
  const Kind want = kSlotKinds[slot];
  switch (t.kind) {
    case Tok::Bad: ctx.error(t.loc, t.error); return std::nullopt;
    case Tok::Number:
      if (want == Kind::Operand) return make_lit(t.number, t.loc);
      ctx.error(t.loc, std::string("expected ") + kind_name(want) + " for " + kSlotNames[slot] +
                           ", found the number '" + std::string(t.text) + "'");
      return std::nullopt;
    case Tok::Ref: {
      if (want != Kind::Operand) {
        ctx.error(t.loc, std::string("expected ") + kind_name(want) + " for " + kSlotNames[slot] + ", found '" +
                             std::string(t.text) + "'");
        return std::nullopt;
      }
      if (t.ref < 1 || static_cast<size_t>(t.ref) >= gi) {
        std::string msg = "'" + std::string(t.text) + "' names no earlier group (";
        msg += gi == 1 ? std::string("group 1 has none")
                       : "group " + std::to_string(gi) + " can use $1" + (gi > 2 ? "..$" + std::to_string(gi - 1) : "");
        ctx.error(t.loc, msg + ")");
        return std::nullopt;
      }
      ref = static_cast<size_t>(t.ref);
      return Ast{};
    }
    case Tok::Word: {
      const auto s = find_symbol(t.text);
      if (!s) {
        std::string msg = "unknown symbol '" + std::string(t.text) + "'";
        auto near = nearest_name(t.text, [&](const Symbol& x) { return x.kind == want; });
        if (!near) near = nearest_name(t.text);
        if (near) msg += "; did you mean '" + std::string(*near) + "'?";
        ctx.error(t.loc, msg);
        return std::nullopt;
      }
      if (symbol(*s).kind != want) {
        ctx.error(t.loc, std::string("expected ") + kind_name(want) + " for " + kSlotNames[slot] + ", found " +
                             kind_name(symbol(*s).kind) + " '" + std::string(t.text) + "'");
        return std::nullopt;
      }
      return make_leaf(*s, t.loc);
    }
    case Tok::Semi:
    case Tok::Colon:
    case Tok::Newline: break;
  }
  ctx.error(t.loc, "unexpected '" + std::string(t.text) + "'");
  return std::nullopt;
}

}  // namespace

std::optional<Ast> parse_controller(std::span<const Token> toks, Loc end, const ParseCtx& ctx) {
  // Split on ';' and newlines. Empty groups (";;", a trailing ';', blank lines) are skipped: they
  // cannot be mistaken for anything, and rejecting them would only punish formatting.
  std::vector<Group> groups;
  Group cur;
  for (const Token& t : toks) {
    if (t.kind == Tok::Semi || t.kind == Tok::Newline) {
      if (!cur.toks.empty()) groups.push_back(std::move(cur));
      cur = Group{};
      continue;
    }
    if (t.kind == Tok::Colon) {
      ctx.error(t.loc, "unexpected ':' (a rule name goes first: 'name: rule')");
      return std::nullopt;
    }
    if (cur.toks.empty()) cur.start = t.loc;
    cur.toks.push_back(&t);
  }
  if (!cur.toks.empty()) groups.push_back(std::move(cur));
  if (groups.empty()) {
    ctx.error(end, "empty rule");
    return std::nullopt;
  }

  std::vector<Linked> linked;
  for (size_t gi = 1; gi <= groups.size(); ++gi) {
    const Group& g = groups[gi - 1];
    if (g.toks.size() != 5) {
      ctx.error(g.start, "group " + std::to_string(gi) + " has " + std::to_string(g.toks.size()) + " token" +
                             (g.toks.size() == 1 ? "" : "s") + "; a group is 'op1 op2 u1 u2 b' (5 tokens)");
      return std::nullopt;
    }
    Linked l;
    for (int s = 0; s < 5; ++s) {
      size_t ref = 0;
      auto a = slot_token(*g.toks[s], s, gi, ref, ctx);
      if (!a) return std::nullopt;
      l.part[s] = std::move(*a);
      if (s < 2) l.ref[s] = ref;
    }
    l.size = 3;
    int deepest = 1;
    for (int i = 0; i < 2; ++i) {
      l.size += l.ref[i] ? linked[l.ref[i] - 1].size : 1;
      deepest = std::max(deepest, l.ref[i] ? linked[l.ref[i] - 1].depth : 1);
    }
    l.depth = deepest + 2;
    if (l.size > kMaxNodes) {
      ctx.error(g.start, "rule too large: group " + std::to_string(gi) + " makes a tree of more than " +
                             std::to_string(kMaxNodes) + " nodes");
      return std::nullopt;
    }
    if (l.depth > kMaxDepth) {
      ctx.error(g.start, "rule nests too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
      return std::nullopt;
    }
    linked.push_back(std::move(l));
  }
  return expand(linked, linked.size() - 1);
}

}  // namespace nos::dslc
