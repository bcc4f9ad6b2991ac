#include "search/search_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace nos::search {
namespace {

std::vector<dslc::Sym> syms_of(const std::vector<std::string>& names, dslc::Kind kind, const char* what) {
  std::vector<dslc::Sym> out;
  for (const auto& n : names) {
    auto s = dslc::find_symbol(n);
    if (!s) throw std::invalid_argument(fmt::format("search space: unknown {} '{}'", what, n));
    if (dslc::symbol(*s).kind != kind)
      throw std::invalid_argument(
          fmt::format("search space: '{}' is not {} {}", n, kind == dslc::Kind::Unary ? "a" : "an", what));
    out.push_back(*s);
  }
  return out;
}

std::vector<std::string_view> split_tokens(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    const char ch = text[i];
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ';') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != '\r' && text[j] != '\n' && text[j] != ';')
      ++j;
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::vector<std::string_view> preset_names() { return {"paper", "paper-small", "tiny"}; }

SearchSpace preset(std::string_view name, int groups) {
  SearchSpace s;
  if (name == "paper") {
    s.operands = dslc::vocabulary(dslc::Kind::Operand, true);
    s.unary = dslc::vocabulary(dslc::Kind::Unary, true);
    s.binary = dslc::vocabulary(dslc::Kind::Binary, true);
    s.groups = groups;
  } else if (name == "paper-small") {
    s = make_space({"g", "g2", "g3", "m", "v", "sign_g", "sign_m", "one", "w3", "adam", "rmsprop"},
                   {"id", "neg", "exp", "log", "clip5", "clip4", "drop1", "drop3", "sign"},
                   {"add", "sub", "mul", "div", "keep"}, groups);
  } else if (name == "tiny") {
    s = make_space({"g", "m", "sign_g", "sign_m", "one"}, {"id", "neg", "exp", "sign"}, {"add", "sub", "mul"}, groups);
  } else {
    throw std::invalid_argument(fmt::format("search space: unknown preset '{}' (paper, paper-small, tiny)", name));
  }
  if (auto why = validate(s); !why.empty()) throw std::invalid_argument(why);
  return s;
}

SearchSpace make_space(const std::vector<std::string>& operands, const std::vector<std::string>& unary,
                       const std::vector<std::string>& binary, int groups, Constraints c) {
  SearchSpace s;
  s.operands = syms_of(operands, dslc::Kind::Operand, "operand");
  s.unary = syms_of(unary, dslc::Kind::Unary, "unary function");
  s.binary = syms_of(binary, dslc::Kind::Binary, "binary function");
  s.groups = groups;
  s.constraints = c;
  if (auto why = validate(s); !why.empty()) throw std::invalid_argument(why);
  return s;
}

std::string validate(const SearchSpace& s) {
  if (s.groups < 1 || s.groups > kMaxGroups)
    return fmt::format("search space: {} groups, need 1..{}", s.groups, kMaxGroups);
  const std::pair<const std::vector<dslc::Sym>*, dslc::Kind> lists[] = {
      {&s.operands, dslc::Kind::Operand}, {&s.unary, dslc::Kind::Unary}, {&s.binary, dslc::Kind::Binary}};
  const char* names[] = {"operands", "unary functions", "binary functions"};
  for (int i = 0; i < 3; ++i) {
    const auto& v = *lists[i].first;
    if (v.empty()) return fmt::format("search space: no {}", names[i]);
    for (size_t a = 0; a < v.size(); ++a) {
      if (v[a] == dslc::Sym::Lit || dslc::symbol(v[a]).kind != lists[i].second)
        return fmt::format("search space: a symbol of the wrong kind among the {}", names[i]);
      for (size_t b = a + 1; b < v.size(); ++b)
        if (v[a] == v[b])
          return fmt::format("search space: '{}' twice among the {}", dslc::symbol(v[a]).name, names[i]);
    }
  }
  if (s.constraints.distinct_operands && s.operands.size() < 2)
    return "search space: distinct operands need at least two operands";
  if (s.constraints.final_not_add && s.binary.size() == 1 && s.binary[0] == dslc::Sym::Add)
    return "search space: the final binary function may not be 'add', and 'add' is the only one";
  return "";
}

std::vector<Choice> choices(const SearchSpace& s, int p) {
  std::vector<Choice> out;
  switch (slot_of(p)) {
    case 0:
    case 1:
      for (auto sym : s.operands) out.push_back({sym, 0});
      for (int k = 1; k <= group_of(p); ++k) out.push_back({dslc::Sym::Lit, k});
      break;
    case 2:
    case 3:
      for (auto sym : s.unary) out.push_back({sym, 0});
      break;
    default:
      for (auto sym : s.binary) out.push_back({sym, 0});
  }
  return out;
}

std::string token(const Choice& c) {
  return c.is_ref() ? fmt::format("${}", c.ref) : std::string(dslc::symbol(c.sym).name);
}

std::vector<uint8_t> allowed(const SearchSpace& s, int p, std::span<const int> prefix) {
  if (static_cast<int>(prefix.size()) < p) throw std::invalid_argument("allowed: prefix shorter than the position");
  const auto ch = choices(s, p);
  std::vector<uint8_t> ok(ch.size(), 1);
  const int slot = slot_of(p), group = group_of(p);
  if (slot == 1) {
    const int first = prefix[p - 1];
    if (s.constraints.distinct_operands) ok[first] = 0;
    // op1 was not an earlier output, so op2 has to be one.
    if (s.constraints.use_earlier_output && group > 0 && !ch[first].is_ref())
      for (size_t i = 0; i < ch.size(); ++i)
        if (!ch[i].is_ref()) ok[i] = 0;
  }
  if (slot == 4 && group == s.groups - 1 && s.constraints.final_not_add)
    for (size_t i = 0; i < ch.size(); ++i)
      if (ch[i].sym == dslc::Sym::Add) ok[i] = 0;
  return ok;
}

std::string to_string(const SearchSpace& s, std::span<const int> c) {
  if (static_cast<int>(c.size()) != length(s))
    throw std::invalid_argument(fmt::format("to_string: {} choices for a space of length {}", c.size(), length(s)));
  std::string out;
  for (int p = 0; p < length(s); ++p) {
    if (p > 0) out += slot_of(p) == 0 ? " ; " : " ";
    out += token(choices(s, p).at(c[p]));
  }
  return out;
}

std::optional<Choices> from_string(const SearchSpace& s, std::string_view text) {
  const auto toks = split_tokens(text);
  if (static_cast<int>(toks.size()) != length(s)) return std::nullopt;
  Choices c(toks.size());
  for (int p = 0; p < length(s); ++p) {
    const auto ch = choices(s, p);
    int found = -1;
    // Accept aliases by going through dslc's lookup, so "*" matches mul.
    const auto sym = toks[p].starts_with('$') ? std::nullopt : dslc::find_symbol(toks[p]);
    for (size_t i = 0; i < ch.size() && found < 0; ++i)
      if (ch[i].is_ref() ? token(ch[i]) == toks[p] : (sym && *sym == ch[i].sym)) found = static_cast<int>(i);
    if (found < 0) return std::nullopt;
    c[p] = found;
  }
  return c;
}

std::string check(const SearchSpace& s, std::span<const int> c) {
  if (static_cast<int>(c.size()) != length(s))
    return fmt::format("{} choices, the space has {} positions", c.size(), length(s));
  for (int p = 0; p < length(s); ++p) {
    const auto ok = allowed(s, p, c.subspan(0, p));
    if (c[p] < 0 || c[p] >= static_cast<int>(ok.size()))
      return fmt::format("position {}: choice {} out of range", p, c[p]);
    if (!ok[c[p]]) return fmt::format("position {}: '{}' is forbidden here", p, token(choices(s, p)[c[p]]));
  }
  return "";
}

std::string describe(const SearchSpace& s) {
  std::string d = "operands";
  for (auto x : s.operands) d += fmt::format(" {}", dslc::symbol(x).name);
  d += " / unary";
  for (auto x : s.unary) d += fmt::format(" {}", dslc::symbol(x).name);
  d += " / binary";
  for (auto x : s.binary) d += fmt::format(" {}", dslc::symbol(x).name);
  const auto& c = s.constraints;
  d += fmt::format(" / groups {} / constraints {}{}{}", s.groups, int(c.distinct_operands), int(c.final_not_add),
                   int(c.use_earlier_output));
  return d;
}

}  // namespace nos::search
