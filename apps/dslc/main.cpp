// dslc: compile update rules, print them in any form, or run one on a small weight vector.
// Exit codes: 0 ok, 1 errors in the input, 2 usage errors.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "apps/common/named_rules.h"
#include "apps/dslc/run_input.h"
#include "dslc/compile.h"
#include "dslc/emit_python.h"
#include "dslc/interp.h"
#include "dslc/parser.h"
#include "dslc/print.h"
#include "jit/kernel.h"

namespace {

using namespace nos::dslc;

constexpr int kOk = 0, kInputError = 1, kUsageError = 2;

// Rule files and gradient CSVs are small; the cap keeps /dev/zero or a wrong path from eating
// all memory before anything could be said about it.
constexpr size_t kMaxInputBytes = size_t{64} << 20;

// The whole file (or stdin for "-"); on failure, false and the reason in `why`.
bool read_all(const std::string& path, std::string& out, std::string& why) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) {
    why = std::strerror(errno);
    return false;
  }
  out.clear();
  char buf[1 << 16];
  size_t n = 0;
  bool ok = true;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (out.size() + n > kMaxInputBytes) {
      why = "larger than 64 MiB: not a rule or gradient file";
      ok = false;
      break;
    }
    out.append(buf, n);
  }
  if (ok && std::ferror(f)) {
    why = std::strerror(errno);  // EISDIR for a directory
    ok = false;
  }
  if (f != stdin) std::fclose(f);
  return ok;
}

std::string emit_one(const Compiled& c, const std::string& kind, bool many) {
  const std::string label = c.name.empty() ? "" : c.name + ": ";
  if (kind == "prefix") return label + c.prefix + "\n";
  if (kind == "infix") return label + print_infix(c.canonical) + "\n";
  if (kind == "latex") return label + print_latex(c.canonical) + "\n";
  const std::string header = many || !c.name.empty() ? "# " + (c.name.empty() ? c.prefix : c.name) + "\n" : "";
  if (kind == "ast") return header + print_ast(c.source);
  if (kind == "ir") return header + print_ir(c.ir);
  if (kind == "llvm" || kind == "asm") {
    // A symbol name from the rule's name, else from its hash.
    std::string fn;
    if (c.name.empty()) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(c.hash));
      fn = std::string("nos_rule_") + hex;
    } else {
      for (char ch : c.name) fn += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    }
    return header + (kind == "llvm" ? nos::jit::emit_llvm(c.ir, fn) : nos::jit::emit_asm(c.ir, fn));
  }
  return print_info(c) + (many ? "\n" : "");
}

bool is_name(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isalnum(ch) || ch == '_' || ch == '-'; });
}

// -e NAME for a text that is not a rule: the named rule of the rules file or the baseline it names
// (apps/common/named_rules.h, as nos-transfer -O looks names up), parsed under that name. Nothing
// if the name is unknown too, with the reason in `why`: the caller reports it after the text's own
// diagnostics.
std::optional<ParseResult> parse_named(const std::string& name, const std::string& rules_flag, std::string& why) {
  try {
    const std::filesystem::path file =
        rules_flag.empty() ? nos::app::default_rules_file() : std::filesystem::path(rules_flag);
    const auto rules = file.empty() ? std::vector<nos::app::OptimizerSpec>{} : nos::app::read_rules_file(file);
    const auto spec = nos::app::find_named(name, rules);
    if (!spec) {
      why = nos::app::unknown_name_message(name, rules, file.string());
      return std::nullopt;
    }
    ParseResult p = parse_rule(spec->rule, file.empty() ? "<baseline>" : file.string());
    if (!p.ok() || p.rules.size() != 1) {
      why = "its rule '" + spec->rule + "' is not one rule:\n" + p.errors_text();
      return std::nullopt;
    }
    p.rules[0].name = spec->name;
    return p;
  } catch (const std::exception& e) {
    why = e.what();
    return std::nullopt;
  }
}

struct Options {
  std::string file, expr, emit = "prefix", output, w0, grads, backend = "interp", rules;
  bool run = false, no_opt = false;
  Hyper hyper;
  uint64_t total_steps = 0;
};

// Writes `out` to -o's file, or to stdout.
// Every write is checked, the final flush and close too: a full disk fails there, not at <<.
int write_output(const std::string& out, const Options& o) {
  if (o.output.empty()) {
    std::cout << out << std::flush;
    if (!std::cout) {
      std::cerr << "dslc: cannot write standard output: " << std::strerror(errno) << "\n";
      return kInputError;
    }
    return kOk;
  }
  std::FILE* f = std::fopen(o.output.c_str(), "wb");
  const bool ok = f && std::fwrite(out.data(), 1, out.size(), f) == out.size() && std::fflush(f) == 0;
  const int err = errno;
  const bool closed = f && std::fclose(f) == 0;
  if (!ok || !closed) {
    std::cerr << "dslc: cannot write " << o.output << ": " << std::strerror(ok ? errno : err) << "\n";
    return kInputError;
  }
  return kOk;
}

int run_rule(const Compiled& c, const Options& o) {
  std::string err;
  if (o.w0.empty()) {
    std::cerr << "dslc: --w0 is empty: give the initial weights, comma separated (1,2,3)\n";
    return kInputError;
  }
  auto w0 = parse_vector(o.w0, err);
  if (!w0) {
    std::cerr << "dslc: --w0: " << err << "\n";
    return kInputError;
  }
  std::string text;
  if (!read_all(o.grads, text, err)) {
    std::cerr << "dslc: cannot read --grads " << o.grads << ": " << err << "\n";
    return kInputError;
  }
  auto grads = parse_grads(text, o.grads, w0->size(), err);
  if (!grads) {
    std::cerr << err << "\n";
    return kInputError;
  }
  Hyper h = o.hyper;
  h.total_steps = o.total_steps ? o.total_steps : grads->size();
  std::vector<std::vector<double>> steps;
  if (o.backend == "jit") {
    // float32 buffers through the compiled kernel, exactly as the optimizer runtime steps them.
    const nos::jit::Kernel k = nos::jit::compile_kernel(c.ir, c.hash);
    const size_t n = w0->size();
    std::vector<float> w(w0->begin(), w0->end()), g(n);
    std::vector<std::vector<float>> state(kStateCount);
    nos::jit::StateBufs sb{};
    for (int b = 0; b < kStateCount; ++b) {
      state[b].assign(n, state_init(state_buf(b)));
      sb[b] = state[b].data();
    }
    for (size_t t = 0; t < grads->size(); ++t) {
      for (size_t i = 0; i < n; ++i) g[i] = static_cast<float>((*grads)[t][i]);
      k(w.data(), g.data(), sb, nos::jit::make_step_block(step_params(h, t + 1)), 0, 0, n);
      steps.emplace_back(w.begin(), w.end());
    }
  } else {
    steps = interp_run(c.ir, h, *w0, *grads);
  }
  std::string out;
  char buf[64];
  for (const auto& w : steps) {
    for (size_t i = 0; i < w.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%s%.9g", i ? "," : "", w[i]);
      out += buf;
    }
    out += "\n";
  }
  return write_output(out, o);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "dslc: the nos update-rule compiler. Reads rules in prefix or controller form "
      "(see dslc/README.md), prints them, or runs one with --run."};
  app.add_option("file", o.file, "rule file (one rule per line), or - for standard input");
  app.add_option("-e,--expr", o.expr,
                 "a single rule given on the command line, or the name of one (powersign, t1_07, adam, momentum)");
  app.add_option("--rules", o.rules,
                 "-e NAME: the rules file to look the name up in (default: rules/paper.rules, looked for upwards "
                 "from here and from the executable)");
  app.add_option("--emit", o.emit, "what to print for each rule")
      ->check(CLI::IsMember({"ast", "ir", "prefix", "infix", "latex", "info", "llvm", "asm", "torch", "numpy"}))
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "write output to this file instead of standard output");
  app.add_flag("--no-opt", o.no_opt, "--emit=ir: lower the rule as written, without passes");
  app.add_flag("--run", o.run, "apply the rule to --w0 with the gradients of --grads; print w per step");
  app.add_option("--w0", o.w0, "--run: initial weights, comma separated (1,2,3)");
  app.add_option("--grads", o.grads, "--run: CSV file, one line of gradients per step");
  app.add_option("--lr", o.hyper.lr, "--run: learning rate")->capture_default_str();
  app.add_option("--beta1", o.hyper.beta1, "--run: decay of m")->capture_default_str();
  app.add_option("--beta2", o.hyper.beta2, "--run: decay of v")->capture_default_str();
  app.add_option("--beta3", o.hyper.beta3, "--run: decay of y (gamma)")->capture_default_str();
  app.add_option("--eps", o.hyper.eps, "--run: epsilon of div, adam, rmsprop")->capture_default_str();
  app.add_option("--mu", o.hyper.mu, "--run: heavy-ball momentum of mom, nesterov")->capture_default_str();
  app.add_option("--lion-beta2", o.hyper.lion_beta2, "--run: decay of lion's momentum")->capture_default_str();
  app.add_option("--total-steps", o.total_steps, "--run: T for ld/cd/rd (default: the number of gradient lines)");
  app.add_option("--seed", o.hyper.seed, "--run: seed of the random symbols")->capture_default_str();
  app.add_option("--backend", o.backend, "--run: interp (double-precision interpreter) or jit (float32 LLVM kernel)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsageError;
  }

  const bool have_expr = app.count("--expr") > 0;
  if (o.file.empty() == !have_expr) {
    std::cerr << "dslc: give exactly one of FILE, - (stdin) or -e RULE; see --help\n";
    return kUsageError;
  }
  if (o.run) {
    if (o.backend != "interp" && o.backend != "jit") {
      std::cerr << "dslc: --backend: unknown backend '" << o.backend << "' (expected interp or jit)\n";
      return kUsageError;
    }
    if (app.count("--w0") == 0 || o.grads.empty()) {
      std::cerr << "dslc: --run needs --w0 and --grads\n";
      return kUsageError;
    }
    if (const std::string why = validate(o.hyper); !why.empty()) {
      std::cerr << "dslc: " << why << "\n";
      return kUsageError;
    }
  }

  ParseResult parsed;
  if (have_expr) {
    if (o.expr.find_first_not_of(" \t\r\n") == std::string::npos) {
      std::cerr << "<expr>:1:1: error: -e got an empty rule\n";
      return kInputError;
    }
    parsed = parse_rule(o.expr, "<expr>");
    if (!parsed.ok() && is_name(o.expr)) {
      std::string why;
      if (auto named = parse_named(o.expr, o.rules, why)) {
        parsed = std::move(*named);
      } else {
        for (const Diagnostic& d : parsed.errors) std::cerr << d.str() << "\n";
        std::cerr << "dslc: -e " << o.expr << ": not a rule, and as a name: " << why << "\n";
        return kInputError;
      }
    }
  } else {
    std::string text, why;
    if (!read_all(o.file, text, why)) {
      std::cerr << "dslc: cannot read " << o.file << ": " << why << "\n";
      return kInputError;
    }
    parsed = parse_file(text, o.file == "-" ? "<stdin>" : o.file);
  }
  for (const Diagnostic& d : parsed.errors) std::cerr << d.str() << "\n";
  if (!parsed.ok()) return kInputError;
  if (parsed.rules.empty()) {
    std::cerr << (have_expr       ? "<expr>"
                  : o.file == "-" ? "<stdin>"
                                  : o.file)
              << ":1:1: error: no rules (the input is empty or holds only comments)\n";
    return kInputError;
  }

  const CompileOptions copt{.optimize = !o.no_opt};
  if (o.run) {
    if (parsed.rules.size() != 1) {
      std::cerr << "dslc: --run applies one rule; the input has " << parsed.rules.size() << "\n";
      return kUsageError;
    }
    return run_rule(compile(parsed.rules[0], copt), o);
  }

  std::string out;
  if (o.emit == "torch" || o.emit == "numpy") {  // one Python file for all rules (dslc/emit_python.h)
    std::vector<Compiled> all;
    for (const Rule& r : parsed.rules) all.push_back(compile(r, copt));
    return write_output(emit_python_port(all, o.emit == "torch" ? PortKind::Torch : PortKind::Numpy), o);
  }
  const bool many = parsed.rules.size() > 1;
  for (const Rule& r : parsed.rules) {
    out += emit_one(compile(r, copt), o.emit, many);
  }
  return write_output(out, o);
}
