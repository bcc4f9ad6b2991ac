#include "apps/common/named_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "dslc/params.h"
#include "dslc/parser.h"
#include "dslc/print.h"

namespace nos::app {
namespace {

std::string fold_name(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

OptimizerSpec spec_of(std::string name, const dslc::Rule& r) {
  return {std::move(name), dslc::print_prefix(r.ast), dslc::print_infix(r.ast)};
}

// A literal rule, or nullopt with the parser's diagnostics in `why`.
std::optional<OptimizerSpec> parse_literal(const std::string& name, const std::string& text, std::string& why) {
  try {
    return spec_of(name, dslc::parse_rule_or_throw(text, "", "<optimizer>"));
  } catch (const std::invalid_argument& e) {
    why = e.what();
    return std::nullopt;
  }
}

}  // namespace

std::vector<OptimizerSpec> read_rules_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read rules file {}", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.rfind("\xEF\xBB\xBF", 0) == 0) s.erase(0, 3);  // a UTF-8 byte-order mark, as some editors write
  const dslc::ParseResult p = dslc::parse_file(s, file.string());
  if (!p.ok()) throw std::runtime_error(p.errors_text());
  std::vector<OptimizerSpec> out;
  std::map<std::string, const dslc::Rule*> by_name;  // folded name -> first rule of that name
  for (const auto& r : p.rules) {
    if (r.name.empty()) continue;
    // -O looks names up case- and '-'/'_'-blind, so "A" and "a" would silently be one optimizer.
    const auto [it, fresh] = by_name.emplace(fold_name(r.name), &r);
    if (!fresh)
      throw std::runtime_error(
          fmt::format("{}:{}:{}: error: rule name '{}' is already used by '{}' at line {}{}", file.string(), r.loc.line,
                      r.loc.col, r.name, it->second->name, it->second->loc.line,
                      it->second->name == r.name ? "" : " (names are compared ignoring case and - vs _)"));
    out.push_back(spec_of(r.name, r));
  }
  return out;
}

const std::vector<OptimizerSpec>& baselines() {
  static const std::vector<OptimizerSpec> b = [] {
    std::vector<OptimizerSpec> v;
    for (const auto& [name, rule] : std::vector<std::pair<std::string, std::string>>{{"sgd", "g"},
                                                                                     {"momentum", "mom"},
                                                                                     {"adam", "adam"},
                                                                                     {"rmsprop", "rmsprop"},
                                                                                     {"lion", "lion"},
                                                                                     {"rmsprop_tf", "rmsprop_tf"},
                                                                                     {"adam_tf", "adam_tf"}}) {
      std::string why;
      v.push_back(*parse_literal(name, rule, why));
    }
    return v;
  }();
  return b;
}

std::optional<OptimizerSpec> find_named(const std::string& name, const std::vector<OptimizerSpec>& rules) {
  for (const auto* list : {&rules, &baselines()})
    for (const auto& s : *list)
      if (fold_name(s.name) == fold_name(name)) {
        OptimizerSpec spec = s;
        spec.name = name;
        return spec;
      }
  return std::nullopt;
}

std::string unknown_name_message(const std::string& name, const std::vector<OptimizerSpec>& rules,
                                 const std::string& rules_origin) {
  std::string names;
  for (const auto& r : rules) names += (names.empty() ? "" : ", ") + r.name;
  for (const auto& b : baselines()) names += (names.empty() ? "" : ", ") + b.name;
  return fmt::format("unknown optimizer '{}': not a rule in {} nor a baseline (names: {})", name,
                     rules_origin.empty() ? "the rules file" : rules_origin, names);
}

std::vector<OptimizerSpec> resolve_optimizers(const std::vector<std::string>& wanted,
                                              const std::vector<OptimizerSpec>& rules,
                                              const std::string& rules_origin) {
  std::vector<OptimizerSpec> out;
  std::set<std::string> seen;
  for (const std::string& w : wanted) {
    std::optional<OptimizerSpec> spec;
    std::string why;
    const auto eq = w.find('=');
    if (eq != std::string::npos && eq > 0) {
      spec = parse_literal(w.substr(0, eq), w.substr(eq + 1), why);
      if (!spec) throw std::runtime_error(fmt::format("optimizer '{}': bad rule:\n{}", w, why));
    } else if (!(spec = find_named(w, rules))) {
      spec = parse_literal(w, w, why);
      // What is neither a name nor a rule is most likely a misspelt name: say which names exist.
      if (!spec)
        throw std::runtime_error(unknown_name_message(w, rules, rules_origin) +
                                 (why.empty() ? "" : "; as a rule:\n" + why));
    }
    if (!seen.insert(fold_name(spec->name)).second)
      throw std::runtime_error(fmt::format("optimizer '{}' is listed twice", spec->name));
    out.push_back(std::move(*spec));
  }
  return out;
}

bool reads_rmsprop_tf(const std::string& rule) {
  std::istringstream tokens(rule);  // prefix text: symbols are whitespace-separated tokens
  for (std::string t; tokens >> t;)
    if (t == "rmsprop_tf") return true;
  return false;
}

double rule_beta2(const std::string& rule) { return reads_rmsprop_tf(rule) ? 0.9 : dslc::Hyper{}.beta2; }
double rule_eps(const std::string& rule) { return reads_rmsprop_tf(rule) ? 1e-10 : dslc::Hyper{}.eps; }

std::filesystem::path default_rules_file() {
  namespace fs = std::filesystem;
  std::vector<fs::path> starts{fs::current_path()};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) starts.push_back(exe.parent_path());
  for (fs::path p : starts)
    for (; !p.empty(); p = p.parent_path()) {
      if (fs::is_regular_file(p / "rules" / "paper.rules")) return p / "rules" / "paper.rules";
      if (fs::is_regular_file(p / "share" / "nos" / "paper.rules")) return p / "share" / "nos" / "paper.rules";
      if (p == p.parent_path()) break;
    }
  return {};
}

}  // namespace nos::app
