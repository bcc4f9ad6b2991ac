#include "apps/analyze/report.h"

#include <fmt/format.h>

namespace nos::analyze {
namespace {

template <class T>
nlohmann::ordered_json opt_json(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string schedule_text(const Mechanisms& m) {
  if (m.schedule.empty()) return "no";
  std::string s;
  for (const auto& [k, p] : m.schedule)
    s += fmt::format("{}{} {:.3g}/{:.3g}/{:.3g}", s.empty() ? "" : ", ", k, p.at_start, p.at_half, p.at_end);
  return s;
}

// A rule's text in a Markdown cell: '|' would end the cell.
std::string cell(std::string s) {
  for (char& c : s)
    if (c == '|') c = '/';
  return s;
}

}  // namespace

nlohmann::ordered_json to_json(const Mechanisms& m, const ProbeOptions& o) {
  nlohmann::ordered_json j;
  j["name"] = m.name;
  j["rule"] = m.rule;
  j["canonical"] = m.canonical;
  j["descent_fraction"] = m.descent_fraction;
  j["scale_exponent"] = opt_json(m.scale_exponent);
  j["memory_steps"] = opt_json(m.memory_steps);
  j["memory_horizon"] = o.horizon;
  j["max_step"] = opt_json(m.max_step);
  j["sign_agreement_ratio"] = opt_json(m.sign_agreement_ratio);
  if (m.schedule.empty()) {
    j["schedule"] = nullptr;
  } else {
    nlohmann::ordered_json s;
    for (const auto& [k, p] : m.schedule) s[k] = {p.at_start, p.at_half, p.at_end};
    s["total_steps"] = o.total_steps;
    j["schedule"] = s;
  }
  j["stochastic"] = m.stochastic;
  j["draws"] = m.draws;
  j["state_bytes_per_param"] = m.state_bytes_per_param;
  return j;
}

std::string table(const std::vector<Mechanisms>& rows, const ProbeOptions& o) {
  std::string out =
      "| rule | canonical | descent | scale exp. | memory | max step | sign agree | schedule (t=0/T/2/T) | "
      "stochastic | state B/param |\n"
      "|---|---|---:|---:|---:|---:|---:|---|---|---:|\n";
  for (const auto& m : rows) {
    out += fmt::format("| {} | `{}` | {:.3f} | {} | {} | {} | {} | {} | {} | {:g} |\n", cell(m.name), cell(m.canonical),
                       m.descent_fraction, m.scale_exponent ? fmt::format("{:.2f}", *m.scale_exponent) : "n/a",
                       m.memory_steps ? fmt::format("{}", *m.memory_steps) : fmt::format(">{}", o.horizon),
                       m.max_step ? fmt::format("{:.3g}", *m.max_step) : "unbounded",
                       m.sign_agreement_ratio ? fmt::format("{:.3f}", *m.sign_agreement_ratio) : "undefined",
                       schedule_text(m),
                       m.stochastic ? fmt::format("yes ({} draw{})", m.draws, m.draws == 1 ? "" : "s") : "no",
                       m.state_bytes_per_param);
  }
  return out;
}

}  // namespace nos::analyze
