#include <charconv>

#include "dslc/print.h"

namespace nos::dslc {

std::string format_number(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::string("nan");
}

namespace {
void prefix(const Ast& a, std::string& out) {
  if (!out.empty()) out += ' ';
  if (a.sym == Sym::Lit) out += format_number(a.value);
  else out += symbol(a.sym).name;
  for (const Ast& c : a.args) prefix(c, out);
}
}  // namespace

std::string print_prefix(const Ast& a) {
  std::string out;
  prefix(a, out);
  return out;
}

}  // namespace nos::dslc
