// The funnel's leaderboard (report.h): rules ranked by the highest stage they reached.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "apps/common/run_files.h"
#include "apps/search/funnel.h"
#include "apps/search/report.h"
#include "apps/search/stages.h"

namespace nos::search {
namespace {

struct FunnelRow {
  bool reference = false;
  std::string name;  // a reference's
  std::string infix, rule;
  std::int64_t first_sample = -1;
  int count = 0;
  std::vector<std::map<int, nlohmann::json>> at;  // [stage][seed] -> record
  int reached = -1;
  std::vector<std::optional<double>> score;  // [stage]: the mean over the stage's seeds, when all are in
};

void finish(FunnelRow& r, const std::vector<Stage>& stages) {
  r.score.assign(stages.size(), std::nullopt);
  for (size_t s = 0; s < stages.size(); ++s) {
    if (static_cast<int>(r.at[s].size()) < stages[s].fidelity.seeds) continue;
    double sum = 0;
    for (const auto& [k, rec] : r.at[s]) sum += rec.at("reward").get<double>();
    r.score[s] = sum / static_cast<double>(r.at[s].size());
    r.reached = static_cast<int>(s);
  }
}

}  // namespace

std::vector<nlohmann::json> read_promotion_records(const RunPaths& p) {
  const auto file = p.dir / kPromotionsFile;
  if (!std::filesystem::exists(file)) return {};
  return app::read_jsonl(file).records;
}

std::string funnel_leaderboard_markdown(const SearchConfig& c, const std::vector<nlohmann::json>& records,
                                        const std::vector<nlohmann::json>& promotions,
                                        const std::vector<nlohmann::json>& references, int top) {
  const std::vector<Stage> stages = search_stages(c);
  std::map<std::string, FunnelRow> rules;  // by fingerprint
  for (const auto& r : records) {
    const std::string key = r.value("fingerprint", "");
    if (key.empty()) continue;
    FunnelRow& row = rules[key];
    row.at.resize(stages.size());
    ++row.count;
    if (row.first_sample < 0 || r["sample"].get<std::int64_t>() < row.first_sample) {
      row.first_sample = r["sample"].get<std::int64_t>();
      row.infix = r["infix"].get<std::string>();
      row.rule = r["rule"].get<std::string>();
      row.at[0][0] = r;
    }
  }
  for (const auto& r : promotions) {
    auto it = rules.find(r.at("fingerprint").get<std::string>());
    const int s = r.at("stage_index").get<int>();
    if (it == rules.end() || s < 1 || s >= static_cast<int>(stages.size())) continue;
    it->second.at[static_cast<size_t>(s)][r.at("seed").get<int>()] = r;
  }
  std::map<std::string, FunnelRow> refs;
  for (const auto& r : references) {
    const int s = r.value("stage_index", 0);
    if (s >= static_cast<int>(stages.size())) continue;
    FunnelRow& row = refs[r["name"].get<std::string>()];
    row.reference = true;
    row.name = r["name"].get<std::string>();
    row.infix = r["infix"].get<std::string>();
    row.rule = r["rule"].get<std::string>();
    row.at.resize(stages.size());
    row.at[static_cast<size_t>(s)][r.value("seed", 0)] = r;
  }
  std::vector<FunnelRow> rows;
  for (auto& [k, r] : rules) {
    finish(r, stages);
    if (r.reached >= 0) rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const FunnelRow& a, const FunnelRow& b) {
    if (a.reached != b.reached) return a.reached > b.reached;
    if (*a.score[static_cast<size_t>(a.reached)] != *b.score[static_cast<size_t>(b.reached)])
      return *a.score[static_cast<size_t>(a.reached)] > *b.score[static_cast<size_t>(b.reached)];
    return a.first_sample < b.first_sample;
  });
  // Every rule that went beyond the first stage, and at least `top` rules.
  size_t shown = std::min(rows.size(), static_cast<size_t>(top));
  while (shown < rows.size() && rows[shown].reached > 0) ++shown;
  rows.resize(shown);
  // A reference sits among the rules that reached as far as it did, by its score there.
  for (auto& [name, r] : refs) {
    finish(r, stages);
    if (r.reached < 0) continue;
    auto at = std::find_if(rows.begin(), rows.end(), [&](const FunnelRow& x) {
      return x.reached < r.reached || (x.reached == r.reached && *x.score[static_cast<size_t>(x.reached)] <
                                                                     *r.score[static_cast<size_t>(r.reached)]);
    });
    rows.insert(at, std::move(r));
  }

  std::string md = "## Funnel: ranked by the highest stage reached\n\n| rank | reached |";
  for (const auto& s : stages)
    md += s.fidelity.seeds > 1 ? fmt::format(" {} ({} seeds) |", s.fidelity.name, s.fidelity.seeds)
                               : fmt::format(" {} |", s.fidelity.name);
  md += " best lr | rule (infix) | string | first sample | times sampled |\n|---:|---|";
  for (size_t s = 0; s < stages.size(); ++s) md += "---:|";
  md += "---:|---|---|---:|---:|\n";
  int rank = 0;
  for (const auto& r : rows) {
    const auto& best = r.at[static_cast<size_t>(r.reached)].begin()->second;
    md += fmt::format("| {} | {} |", r.reference ? "ref" : std::to_string(++rank),
                      stages[static_cast<size_t>(r.reached)].fidelity.name);
    for (const auto& sc : r.score) md += sc ? fmt::format(" {:.4f} |", *sc) : " - |";
    md += fmt::format(" {:g} |", best.at("best_lr").get<double>());
    if (r.reference) md += fmt::format(" **{}** `{}` (reference) | `{}` | - | - |\n", r.name, r.infix, r.rule);
    else md += fmt::format(" `{}` | `{}` | {} | {} |\n", r.infix, r.rule, r.first_sample, r.count);
  }
  return md;
}

}  // namespace nos::search
