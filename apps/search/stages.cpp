#include "apps/search/stages.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>

#include "apps/search/config.h"

namespace nos::search {
namespace {

[[noreturn]] void bad(const std::string& spec, const std::string& why) {
  throw std::invalid_argument(fmt::format("--stage '{}': {}", spec, why));
}

// `spec` without its keep/top keys (handed to parse_fidelity), and the stage's promotion.
Stage parse_stage(const std::string& spec, const Fidelity& base) {
  Stage s;
  std::string rest;
  const size_t colon = spec.find(':');
  rest = spec.substr(0, colon);
  if (colon != std::string::npos) {
    std::string kept;
    size_t from = colon + 1;
    for (;;) {
      const size_t comma = spec.find(',', from);
      const std::string kv = spec.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
      const std::string key = kv.substr(0, kv.find('='));
      const std::string v = kv.find('=') == std::string::npos ? "" : kv.substr(kv.find('=') + 1);
      if (key == "keep") {
        double x = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (ec != std::errc() || end != v.data() + v.size() || !(x > 0) || !std::isfinite(x) ||
            (x >= 1 && x != std::floor(x)))
          bad(spec, fmt::format("keep={}: expected a fraction in (0, 1) or a whole number of rules", v));
        if (x < 1) s.keep_fraction = x;
        else s.keep_count = static_cast<int>(x);
      } else if (key == "top") {
        int n = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || end != v.data() + v.size() || n < 1)
          bad(spec, fmt::format("top={}: expected a positive whole number of rules", v));
        s.top = n;
      } else {
        kept += (kept.empty() ? "" : ",") + kv;
      }
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
    if (!kept.empty()) rest += ":" + kept;
  }
  if ((s.keep_fraction > 0 || s.keep_count > 0) && s.top > 0) bad(spec, "give keep or top, not both");
  s.fidelity = parse_fidelity(rest, base, "--stage");
  return s;
}

}  // namespace

int Stage::keep_of(int window) const {
  if (keep_count > 0) return keep_count;
  return std::max(1, static_cast<int>(std::ceil(keep_fraction * window - 1e-9)));
}

std::vector<Stage> search_stages(const SearchConfig& c) {
  const Fidelity base = base_fidelity(c);
  if (c.stages.empty()) return {Stage{.fidelity = base}};
  std::vector<Stage> out;
  std::set<std::string> names;
  for (size_t i = 0; i < c.stages.size(); ++i) {
    const std::string& spec = c.stages[i];
    Stage s = parse_stage(spec, base);
    const bool promotes = s.keep_fraction > 0 || s.keep_count > 0 || s.top > 0;
    if (i == 0) {
      if (promotes) bad(spec, "the first stage scores every sample; keep and top belong to the stages after it");
      if (s.fidelity.seeds != 1)
        bad(spec,
            "the first stage scores every sample once (the strategy learns from it); give seeds to a later stage");
    } else {
      if (!promotes) bad(spec, "a later stage needs keep=F, keep=N or top=N (which rules it re-scores)");
      if (!s.at_end() && out.back().at_end())
        bad(spec, "a keep stage cannot follow a top stage (top stages run once the budget is spent)");
    }
    if (!names.insert(s.fidelity.name).second) bad(spec, fmt::format("two stages are named '{}'", s.fidelity.name));
    out.push_back(std::move(s));
  }
  return out;
}

std::string stage_spec(const Stage& s) {
  std::string spec = fidelity_spec(s.fidelity);
  if (s.keep_fraction > 0) spec += fmt::format(",keep={:g}", s.keep_fraction);
  if (s.keep_count > 0) spec += fmt::format(",keep={}", s.keep_count);
  if (s.top > 0) spec += fmt::format(",top={}", s.top);
  return spec;
}

}  // namespace nos::search
