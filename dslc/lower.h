// AST -> IR, one table row at a time (Symbol::lower).
#pragma once

#include "dslc/ast.h"
#include "dslc/ir.h"

namespace nos::dslc {

// Straight lowering, no clean-up: run optimize() (passes.h) on the result. Random nodes keep the
// draw slots of the tree (see number_draws); the prologue covers exactly the state loaded.
Ir lower(const Ast& a);

}  // namespace nos::dslc
