// Infix and LaTeX: both fill the table's patterns, parenthesizing by precedence.
#include <array>

#include "dslc/print.h"

namespace nos::dslc {

namespace {

struct Printed {
  std::string text;
  int prec;
};

Printed render(const Ast& a, bool latex) {
  const Symbol& s = symbol(a.sym);
  if (a.sym == Sym::Lit) {
    std::string t = format_number(a.value);
    if (latex) {
      // 1e-05 -> 10^{-5}-style is nicer, but only for exact powers; otherwise keep the digits.
      const auto e = t.find('e');
      if (e != std::string::npos) {
        std::string mant = t.substr(0, e), ex = t.substr(e + 1);
        if (!ex.empty() && ex[0] == '+') ex.erase(0, 1);
        while (ex.size() > 1 && (ex[0] == '0' || (ex[0] == '-' && ex[1] == '0'))) ex.erase(ex[0] == '-' ? 1 : 0, 1);
        t = (mant == "1" ? "" : mant + " \\cdot ") + "10^{" + ex + "}";
      }
    }
    return {t, 4};
  }
  const std::string_view pat = latex ? s.latex : s.infix;
  if (pat == "$0") return render(a.args[0], latex);  // id is transparent
  // A LaTeX fraction is an atom whose numerator sits in braces, unlike infix "x / (y + eps)".
  const bool fraction = latex && pat.starts_with("\\frac");
  const int prec = fraction ? 4 : s.prec;
  const std::array<uint8_t, 2> arg_prec = fraction ? std::array<uint8_t, 2>{0, 1} : s.arg_prec;
  std::vector<Printed> args;
  for (const Ast& c : a.args) args.push_back(render(c, latex));
  std::string out;
  for (size_t i = 0; i < pat.size(); ++i) {
    if (pat[i] == '$' && i + 1 < pat.size() && (pat[i + 1] == '0' || pat[i + 1] == '1')) {
      const size_t k = static_cast<size_t>(pat[i + 1] - '0');
      ++i;
      if (k >= args.size()) continue;
      const bool paren = args[k].prec < arg_prec[k];
      if (paren) out += latex ? "\\left(" : "(";
      out += args[k].text;
      if (paren) out += latex ? "\\right)" : ")";
    } else {
      out += pat[i];
    }
  }
  return {out, prec};
}

}  // namespace

std::string print_infix(const Ast& a) { return render(a, false).text; }
std::string print_latex(const Ast& a) { return render(a, true).text; }

}  // namespace nos::dslc
