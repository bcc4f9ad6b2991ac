// The AST shared by both syntaxes: a tree of table symbols and numeric literals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dslc/symbols.h"

namespace nos::dslc {

struct Loc {
  int line = 1, col = 1;
};

struct Ast {
  Sym sym = Sym::Lit;
  double value = 0;   // Lit only
  uint32_t draw = 0;  // random symbols only: the draw slot (see number_draws)
  Loc loc;            // where the symbol was written
  std::vector<Ast> args;
};

struct Rule {
  std::string name;  // may be empty
  Ast ast;
  Loc loc;
};

// Limits that keep every later stage bounded on any input: the controller form can double a
// tree per group through $k, and recursion depth follows nesting.
inline constexpr int kMaxDepth = 200;
inline constexpr size_t kMaxNodes = 4096;

Ast make_leaf(Sym s, Loc loc = {});
Ast make_lit(double v, Loc loc = {});
Ast make_node(Sym s, std::vector<Ast> args, Loc loc = {});

size_t ast_size(const Ast& a);
int ast_depth(const Ast& a);
// Structural equality: symbols, literal values (bitwise) and shape; ignores locations and draws.
bool ast_equal(const Ast& a, const Ast& b);
// State buffers (StateBits) the tree reads.
StateSet ast_state(const Ast& a);
bool ast_has_random(const Ast& a);
bool ast_needs_total(const Ast& a);
// Gives each random node its draw slot, 0, 1, ... in preorder; returns the number of slots.
uint32_t number_draws(Ast& a);

}  // namespace nos::dslc
