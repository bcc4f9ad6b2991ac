// Printers: the AST in prefix (canonical text), infix, LaTeX and as a tree; the IR; rule info.
#pragma once

#include <string>

#include "dslc/ast.h"
#include "dslc/ir.h"

namespace nos::dslc {

// Shortest text that reads back as the same double ("0.5", "1e-08").
std::string format_number(double v);

std::string print_prefix(const Ast& a);  // mul g exp mul sign_g sign_m
std::string print_infix(const Ast& a);   // g * exp(sign(g) * sign(m))
std::string print_latex(const Ast& a);   // g \cdot e^{\operatorname{sign}(g) \cdot ...}
std::string print_ast(const Ast& a);     // one node per line, indented, with line:col
std::string print_ir(const Ir& ir);

}  // namespace nos::dslc
