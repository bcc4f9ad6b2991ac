#include "dslc/ast.h"

#include <algorithm>
#include <cstring>

namespace nos::dslc {

Ast make_leaf(Sym s, Loc loc) {
  Ast a;
  a.sym = s;
  a.loc = loc;
  return a;
}
Ast make_lit(double v, Loc loc) {
  Ast a = make_leaf(Sym::Lit, loc);
  a.value = v;
  return a;
}
Ast make_node(Sym s, std::vector<Ast> args, Loc loc) {
  Ast a = make_leaf(s, loc);
  a.args = std::move(args);
  return a;
}

size_t ast_size(const Ast& a) {
  size_t n = 1;
  for (const Ast& c : a.args) n += ast_size(c);
  return n;
}

int ast_depth(const Ast& a) {
  int d = 0;
  for (const Ast& c : a.args) d = std::max(d, ast_depth(c));
  return d + 1;
}

bool ast_equal(const Ast& a, const Ast& b) {
  if (a.sym != b.sym || a.args.size() != b.args.size()) return false;
  if (a.sym == Sym::Lit && std::memcmp(&a.value, &b.value, sizeof a.value) != 0) return false;
  for (size_t i = 0; i < a.args.size(); ++i)
    if (!ast_equal(a.args[i], b.args[i])) return false;
  return true;
}

StateSet ast_state(const Ast& a) {
  StateSet s = symbol(a.sym).state;
  for (const Ast& c : a.args) s |= ast_state(c);
  return state_closure(s);
}

bool ast_has_random(const Ast& a) {
  if (symbol(a.sym).random) return true;
  return std::any_of(a.args.begin(), a.args.end(), ast_has_random);
}

bool ast_needs_total(const Ast& a) {
  if (symbol(a.sym).needs_total) return true;
  return std::any_of(a.args.begin(), a.args.end(), ast_needs_total);
}

namespace {
void number(Ast& a, uint32_t& next) {
  if (symbol(a.sym).random) a.draw = next++;
  for (Ast& c : a.args) number(c, next);
}
}  // namespace

uint32_t number_draws(Ast& a) {
  uint32_t next = 0;
  number(a, next);
  return next;
}

}  // namespace nos::dslc
