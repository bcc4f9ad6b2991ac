// libFuzzer entry point: any byte string through the parser and, for what parses, the whole
// middle end. Besides "no crash, no hang, no out-of-bounds read" it checks three properties:
//   - every error has a file:line:col inside the input;
//   - the canonical form is a fixed point: parsing and canonicalizing it again changes nothing;
//   - the optimized IR verifies and computes what the canonical tree computes.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "dslc/compile.h"
#include "dslc/interp.h"
#include "dslc/parser.h"
#include "dslc/passes.h"
#include "dslc/print.h"

using namespace nos::dslc;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz property failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check_rule(const Rule& rule) {
  const Compiled c = compile(rule);
  if (const std::string why = verify(c.ir); !why.empty()) fail("IR does not verify", why + "\n" + print_ir(c.ir));
  (void)print_infix(c.canonical);
  (void)print_latex(c.canonical);
  (void)print_ast(c.source);
  (void)print_info(c);

  const ParseResult again = parse_rule(c.prefix);
  if (!again.ok() || again.rules.size() != 1) fail("canonical form does not parse", c.prefix);
  const Compiled c2 = compile(again.rules[0]);
  if (c2.prefix != c.prefix) fail("canonical form is not a fixed point", c.prefix + "\n" + c2.prefix);

  Hyper h;
  h.total_steps = 10;
  h.seed = 7;
  const StepParams p = step_params(h, 3);
  std::vector<double> scratch;
  static constexpr double inputs[][5] = {{0.5, -0.25, 0.1, 0.01, -0.001}, {0, 0, 0, 0, 0}, {-3, 1e3, -2, 5, 7}};
  for (const auto& in : inputs) {
    Element e{.index = 5, .p = &p};
    e[Buf::W] = in[0], e[Buf::G] = in[1], e[Buf::M] = in[2], e[Buf::V] = in[3], e[Buf::Y] = in[4];
    const double want = eval_ast(c.canonical, e);
    const double got = eval_ir(c.ir, e, scratch);
    if (!(want == got || (std::isnan(want) && std::isnan(got))))
      fail("IR and tree disagree", c.prefix + "\n" + print_ir(c.ir));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const ParseResult& r : {parse_file(text, "fuzz"), parse_rule(text, "fuzz")}) {
    for (const Diagnostic& d : r.errors) {
      if (d.loc.line < 1 || d.loc.col < 1 || d.message.empty()) fail("bad diagnostic", d.str());
      (void)d.str();
    }
    for (const Rule& rule : r.rules) check_rule(rule);
  }
  return 0;
}
