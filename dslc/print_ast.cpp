#include "dslc/print.h"

namespace nos::dslc {

namespace {
const char* kind_name(Kind k) { return k == Kind::Operand ? "operand" : k == Kind::Unary ? "unary" : "binary"; }

void tree(const Ast& a, int depth, std::string& out) {
  out.append(static_cast<size_t>(depth) * 2, ' ');
  const Symbol& s = symbol(a.sym);
  if (a.sym == Sym::Lit) out += "literal " + format_number(a.value);
  else out += std::string(kind_name(s.kind)) + " " + std::string(s.name);
  if (s.random) out += " [draw " + std::to_string(a.draw) + "]";
  out += "  @" + std::to_string(a.loc.line) + ":" + std::to_string(a.loc.col) + "\n";
  for (const Ast& c : a.args) tree(c, depth + 1, out);
}
}  // namespace

std::string print_ast(const Ast& a) {
  std::string out;
  tree(a, 0, out);
  return out;
}

}  // namespace nos::dslc
