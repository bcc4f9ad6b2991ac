// The middle end: rewrites that leave a rule's value unchanged (bit for bit in double precision,
// up to the sign of a zero result), so the canonical form computes exactly what was written.
//
// AST passes decide identity: equal canonical trees <=> the same rule to the search.
// IR passes clean up what lowering expands (shared loads, bias corrections, unused state).
#pragma once

#include "dslc/ast.h"
#include "dslc/ir.h"

namespace nos::dslc {

// ---- AST (each returns whether it changed anything) ----

// Deterministic functions of constants become one constant: a literal, `one`, `two`, or neg of
// one of those for a negative value (the language has no negative literals). Functions that read
// a hyperparameter (div's epsilon) are left alone, since eps can be overridden at run time.
bool fold(Ast& a);
// Algebraic identities: id x -> x, keep(x, y) -> x, x*1 -> x, x+0 -> x, -(-x) -> x,
// sign(sign x) -> sign x, sign g -> sign_g, g*g -> g2, m/(sqrt v + eps) -> adam, ... (see README).
bool simplify(Ast& a);
// Orders the operands of commutative functions (add, mul): smaller subtree first, then by prefix
// text, so that operand order never distinguishes two rules.
bool order_operands(Ast& a);
// fold + simplify + order_operands to a fixed point, then numbers the random draws.
Ast canonicalize(Ast a);

// ---- IR ----

bool fold(Ir& ir);        // instructions of constants become constants
bool simplify(Ir& ir);    // peepholes lowering exposes: sign(x / bc) -> sign x, x*1 -> x, abs(abs x)
bool cse(Ir& ir);         // one instruction per distinct value (never merges random draws)
bool dce(Ir& ir);         // removes instructions the result does not use; renumbers
bool dead_state(Ir& ir);  // drops prologue updates of state the body no longer loads
void optimize(Ir& ir);    // all of the above to a fixed point

}  // namespace nos::dslc
