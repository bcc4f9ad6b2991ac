// The calibration's report (calibration.h): rank agreement of each rung with the reference rung,
// measured cost, the reference's seed spread, from calibration.jsonl and config.json alone.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "apps/common/gnuplot.h"
#include "apps/common/run_files.h"
#include "apps/search/calibration.h"
#include "apps/search/rank_stats.h"

namespace nos::search {
namespace {

struct RuleRow {
  std::string name, kind, infix;
  // per rung: seed -> record
  std::vector<std::map<int, nlohmann::json>> at;
};

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? NAN : s / static_cast<double>(v.size());
}

double sample_std(const std::vector<double>& v) {
  if (v.size() < 2) return NAN;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

std::string num(double x, int digits = 3) { return std::isnan(x) ? "-" : fmt::format("{:.{}f}", x, digits); }

// The score of a rule at a rung: the mean reward over the rung's own seeds, when all are recorded.
std::optional<double> score(const RuleRow& r, size_t rung, int seeds) {
  double s = 0;
  for (int k = 0; k < seeds; ++k) {
    auto it = r.at[rung].find(k);
    if (it == r.at[rung].end()) return std::nullopt;
    s += it->second.at("reward").get<double>();
  }
  return s / seeds;
}

std::optional<double> best_lr(const RuleRow& r, size_t rung) {
  auto it = r.at[rung].find(0);
  if (it == r.at[rung].end()) return std::nullopt;
  return it->second.at("best_lr").get<double>();
}

}  // namespace

void write_calibration_report(const CalibrationConfig& c, const std::filesystem::path& dir) {
  const std::vector<Fidelity> rungs = calibration_rungs(c);
  const std::vector<int> own_seeds = scored_seeds(c);
  std::map<std::string, size_t> rung_of;  // fidelity_spec -> index
  for (size_t g = 0; g < rungs.size(); ++g) {
    Fidelity f = rungs[g];
    rung_of[fidelity_spec(f)] = g;
    f.seeds = own_seeds[g];  // records carry the spec as the run stated it
    rung_of[fidelity_spec(f)] = g;
  }

  std::vector<RuleRow> rows;
  std::map<std::string, size_t> row_of;
  std::vector<std::vector<double>> cpu(rungs.size());
  std::string dataset, cpu_model;
  for (const auto& r : app::read_jsonl(dir / "calibration.jsonl").records) {
    auto g = rung_of.find(r.at("spec").get<std::string>());
    if (g == rung_of.end()) continue;  // a rung no longer in config.json
    const std::string hash = r.at("hash");
    if (!row_of.count(hash)) {
      row_of[hash] = rows.size();
      rows.push_back({.name = r.at("name").get<std::string>(),
                      .kind = r.at("kind").get<std::string>(),
                      .infix = r.at("infix").get<std::string>(),
                      .at = {}});
      rows.back().at.resize(rungs.size());
    }
    rows[row_of[hash]].at[g->second][r.at("seed").get<int>()] = r;
    if (r.value("cpu_seconds", 0.0) > 0) cpu[g->second].push_back(r["cpu_seconds"].get<double>());
    dataset = r.value("dataset", dataset);
    cpu_model = r.value("cpu", cpu_model);
  }
  const size_t ref = rungs.size() - 1;
  const double ref_cpu = mean(cpu[ref]);

  std::string md = "# Calibration: how well each protocol ranks rules like the reference\n\n";
  md += fmt::format(
      "Run directory `{}`; data set {}; {} rules ({} with a reference score); CPU {}. The reference is the last "
      "rung, `{}`. Spearman's rho and Kendall's tau-b compare each rung's scores with the reference's over the "
      "rules scored at both; top-5 is how many of the reference's five best are among the rung's five best; "
      "same lr counts the rules whose sweep picks the reference's rate (rungs with the reference's rates only); "
      "CPU s / rule is the mean CPU time of one evaluation on one core, measured per evaluation.\n\n",
      dir.string(), dataset.empty() ? "-" : dataset, rows.size(),
      std::count_if(rows.begin(), rows.end(), [&](const RuleRow& r) { return score(r, ref, own_seeds[ref]); }),
      cpu_model.empty() ? "not recorded" : cpu_model, fidelity_spec(rungs[ref]));
  md +=
      "| rung | protocol | rules | CPU s / rule | cost vs reference | Spearman rho | Kendall tau-b | top-5 | same lr "
      "|\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  nlohmann::json summary = nlohmann::json::array();
  std::string dat = "# cost_vs_reference spearman kendall name\n";
  for (size_t g = 0; g < rungs.size(); ++g) {
    std::vector<double> x, y;
    int same_lr = 0, lr_pairs = 0;
    for (const auto& r : rows) {
      auto a = score(r, g, own_seeds[g]), b = score(r, ref, own_seeds[ref]);
      if (!a || !b) continue;
      x.push_back(*a);
      y.push_back(*b);
      if (rungs[g].reward.sweep_rates == rungs[ref].reward.sweep_rates) {
        auto la = best_lr(r, g), lb = best_lr(r, ref);
        if (la && lb && *la > 0 && *lb > 0) {
          ++lr_pairs;
          same_lr += *la == *lb;
        }
      }
    }
    const double rho = spearman(x, y), tau = kendall_tau_b(x, y);
    const size_t k = std::min<size_t>(5, x.size());
    const size_t overlap = top_k_overlap(x, y, k);
    const double cost = mean(cpu[g]) / ref_cpu;
    Fidelity shown = rungs[g];
    shown.seeds = own_seeds[g];
    md +=
        fmt::format("| {} | `{}` | {} | {} | {} | {} | {} | {}/{} | {} |\n", rungs[g].name,
                    fidelity_spec(shown).substr(rungs[g].name.size() + 1), x.size(), num(mean(cpu[g]), 1), num(cost, 3),
                    num(rho), num(tau), overlap, k, lr_pairs ? fmt::format("{}/{}", same_lr, lr_pairs) : "-");
    summary.push_back(
        {{"rung", rungs[g].name},
         {"spec", fidelity_spec(shown)},
         {"rules", x.size()},
         {"cpu_seconds_per_rule", std::isnan(mean(cpu[g])) ? nlohmann::json() : nlohmann::json(mean(cpu[g]))},
         {"cost_vs_reference", std::isnan(cost) ? nlohmann::json() : nlohmann::json(cost)},
         {"spearman", std::isnan(rho) ? nlohmann::json() : nlohmann::json(rho)},
         {"kendall_tau_b", std::isnan(tau) ? nlohmann::json() : nlohmann::json(tau)},
         {"top5_overlap", overlap},
         {"same_lr", same_lr},
         {"lr_pairs", lr_pairs}});
    if (g != ref && !std::isnan(cost) && !std::isnan(rho))
      dat += fmt::format("{} {} {} {}\n", cost, rho, tau, rungs[g].name);
  }

  // Every rule's score at every rung, best reference score first.
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return score(rows[a], ref, own_seeds[ref]).value_or(-1e9) > score(rows[b], ref, own_seeds[ref]).value_or(-1e9);
  });
  md += "\n## Scores (validation accuracy; best rate of the reference sweep in parentheses)\n\n| rule | kind | infix |";
  for (const auto& f : rungs) md += fmt::format(" {} |", f.name);
  md += "\n|---|---|---|";
  for (size_t g = 0; g < rungs.size(); ++g) md += "---:|";
  md += "\n";
  for (size_t i : order) {
    const RuleRow& r = rows[i];
    md += fmt::format("| {} | {} | `{}` |", r.name, r.kind, r.infix);
    for (size_t g = 0; g < rungs.size(); ++g) {
      auto s = score(r, g, own_seeds[g]);
      auto lr = best_lr(r, g);
      md += s ? (g == ref && lr ? fmt::format(" {:.4f} ({:g}) |", *s, *lr) : fmt::format(" {:.4f} |", *s)) : " - |";
    }
    md += "\n";
  }

  // The reference's own noise: the seed subset at every seed.
  nlohmann::json spread = nlohmann::json::array();
  if (rungs[ref].seeds > 1) {
    md += fmt::format(
        "\n## Seed-to-seed spread of the reference (seeds {}..{} of the child's initialisation and shuffles; "
        "same data split)\n\n| rule | rewards | mean | std |\n|---|---|---:|---:|\n",
        c.reward_seed, c.reward_seed + static_cast<std::uint64_t>(rungs[ref].seeds) - 1);
    std::vector<double> variances;
    std::vector<std::vector<double>> by_seed(static_cast<size_t>(rungs[ref].seeds));
    for (size_t i : order) {
      const RuleRow& r = rows[i];
      std::vector<double> v;
      for (int k = 0; k < rungs[ref].seeds; ++k)
        if (auto it = r.at[ref].find(k); it != r.at[ref].end()) v.push_back(it->second.at("reward").get<double>());
      if (static_cast<int>(v.size()) < rungs[ref].seeds) continue;
      for (int k = 0; k < rungs[ref].seeds; ++k) by_seed[static_cast<size_t>(k)].push_back(v[static_cast<size_t>(k)]);
      variances.push_back(sample_std(v) * sample_std(v));
      std::string list;
      for (double x : v) list += fmt::format("{}{:.4f}", list.empty() ? "" : ", ", x);
      md += fmt::format("| {} | {} | {:.4f} | {:.4f} |\n", r.name, list, mean(v), sample_std(v));
      spread.push_back({{"rule", r.name}, {"rewards", v}, {"mean", mean(v)}, {"std", sample_std(v)}});
    }
    if (!variances.empty()) {
      const double pooled = std::sqrt(mean(variances));
      md += fmt::format(
          "\nPooled std over {} rules: **{:.4f}**; two rules' single-seed rewards differ beyond noise when they are "
          "more than ~{:.3f} apart (2 x sqrt(2) x pooled std).",
          variances.size(), pooled, 2 * std::sqrt(2.0) * pooled);
      if (by_seed.size() > 1 && by_seed[0].size() > 2)
        md += fmt::format(" Spearman rho of seed 0's ranking with seed 1's over these rules: {:.3f}.",
                          spearman(by_seed[0], by_seed[1]));
      md += "\n";
    }
  }

  // Sweep halving (reward.h) against the same protocol with the plain sweep, where both are rungs:
  // how often it picks the plain sweep's rate, what that does to the reward, what it saves.
  nlohmann::json halving = nlohmann::json::array();
  for (size_t h = 0; h < rungs.size(); ++h) {
    if (rungs[h].reward.sweep_halving.rungs <= 1) continue;
    Fidelity plain = rungs[h];
    plain.reward.sweep_halving.rungs = 1;
    for (size_t g = 0; g < rungs.size(); ++g) {
      Fidelity other = rungs[g];
      other.name = plain.name;
      other.seeds = plain.seeds;  // seed 0 of each is compared
      if (g == h || fidelity_spec(other) != fidelity_spec(plain)) continue;
      int both = 0, same = 0;
      std::vector<double> diff, cpu_h, cpu_g;
      std::string changed;
      for (const auto& r : rows) {
        auto a = r.at[h].find(0), b = r.at[g].find(0);
        if (a == r.at[h].end() || b == r.at[g].end()) continue;
        ++both;
        const double la = a->second.at("best_lr"), lb = b->second.at("best_lr");
        const double ra = a->second.at("reward"), rb = b->second.at("reward");
        same += la == lb;
        diff.push_back(ra - rb);
        cpu_h.push_back(a->second.value("cpu_seconds", 0.0));
        cpu_g.push_back(b->second.value("cpu_seconds", 0.0));
        if (la != lb)
          changed +=
              fmt::format("{}{} ({:g} instead of {:g}: {:+.4f})", changed.empty() ? "" : ", ", r.name, la, lb, ra - rb);
      }
      if (both == 0) continue;
      const double ratio = mean(cpu_h) / mean(cpu_g);
      md += fmt::format(
          "\n## Sweep halving: `{}` against `{}` (the same protocol with the plain sweep)\n\nOver {} rules: the same "
          "best rate for **{}/{}**; reward difference (halving − plain) mean {:+.4f}, worst {:+.4f}; CPU per rule "
          "{:.1f} s vs {:.1f} s (**{:.2f}x**).{}\n",
          rungs[h].name, rungs[g].name, both, same, both, mean(diff), *std::min_element(diff.begin(), diff.end()),
          mean(cpu_h), mean(cpu_g), ratio, changed.empty() ? "" : " Another rate: " + changed + ".");
      halving.push_back({{"rung", rungs[h].name},
                         {"plain", rungs[g].name},
                         {"rules", both},
                         {"same_lr", same},
                         {"mean_reward_difference", mean(diff)},
                         {"cpu_ratio", ratio}});
    }
  }

  app::write_file_atomic(dir / "calibration.md", md);
  app::write_file_atomic(
      dir / "calibration.json",
      nlohmann::json{{"rungs", summary}, {"seed_spread", spread}, {"sweep_halving", halving}, {"dataset", dataset}}
              .dump(1) +
          "\n");
  fmt::print("{}", md);
  if (dat.find('\n') != dat.size() - 1 && app::gnuplot_available()) {
    app::write_file_atomic(dir / "calibration.dat", dat);
    app::plot_png_svg(dir, "calibration",
                      "set title 'rank agreement with the reference protocol vs cost'\n"
                      "set logscale x\nset xlabel 'CPU cost per rule, relative to the reference'\n"
                      "set ylabel 'rank correlation with the reference'\nset yrange [-0.2:1.05]\nset grid\n"
                      "set key bottom right\n"
                      "plot 'calibration.dat' using 1:2 with linespoints pt 7 lw 2 title 'Spearman rho', "
                      "'' using 1:3 with linespoints pt 5 lw 2 title 'Kendall tau-b', "
                      "'' using 1:2:4 with labels offset 0,1 notitle\n");
  }
}

}  // namespace nos::search
