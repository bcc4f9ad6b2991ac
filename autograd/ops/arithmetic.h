// Differentiable elementwise arithmetic (with broadcasting), matrix products and reductions.
#pragma once
#include "autograd/var.h"

namespace nos::ag {

Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);
Var scale(const Var& a, float s);

Var matmul(const Var& a, const Var& b);                // [m,k] @ [k,n]
Var linear(const Var& x, const Var& w, const Var& b);  // x [N,in], w [out,in], b [out] or undefined

Var sum(const Var& a);   // -> one element
Var mean(const Var& a);  // -> one element

}  // namespace nos::ag
