#include "apps/search/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "apps/common/gnuplot.h"
#include "apps/common/run_files.h"

namespace nos::search {

std::vector<nlohmann::json> read_records(const RunPaths& p) {
  if (!std::filesystem::exists(p.evaluations()))
    throw std::runtime_error(
        fmt::format("{}: missing: no evaluations recorded in {}", p.evaluations().string(), p.dir.string()));
  auto records = app::read_jsonl(p.evaluations()).records;
  for (size_t i = 0; i < records.size(); ++i)
    for (const char* key : {"sample", "rule", "reward", "best_lr", "infix", "hash"})
      if (!records[i].contains(key))
        throw std::runtime_error(fmt::format("{} record {}: missing '{}'", p.evaluations().string(), i + 1, key));
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a["sample"].template get<std::int64_t>() < b["sample"].template get<std::int64_t>();
  });
  return records;
}

std::vector<nlohmann::json> read_reference_records(const RunPaths& p) {
  const auto file = p.dir / "references.jsonl";
  std::vector<nlohmann::json> out;
  if (!std::filesystem::exists(file)) return out;
  const auto all = app::read_jsonl(file).records;
  for (size_t i = 0; i < all.size(); ++i) {
    for (const char* key : {"name", "rule", "reward", "best_lr", "infix"})
      if (!all[i].contains(key))
        throw std::runtime_error(fmt::format("{} record {}: missing '{}'", file.string(), i + 1, key));
    // One record per (name, stage, seed): records from before the funnel are stage 0, seed 0.
    auto same = std::find_if(out.begin(), out.end(), [&](const auto& r) {
      return r["name"] == all[i]["name"] && r.value("stage_index", 0) == all[i].value("stage_index", 0) &&
             r.value("seed", 0) == all[i].value("seed", 0);
    });
    if (same != out.end()) *same = all[i];
    else out.push_back(all[i]);
  }
  return out;
}

std::string leaderboard_markdown(const std::vector<nlohmann::json>& records, int top) {
  return leaderboard_markdown(records, top, {});
}

std::string leaderboard_markdown(const std::vector<nlohmann::json>& records, int top,
                                 const std::vector<nlohmann::json>& references) {
  struct Row {
    const nlohmann::json* first;
    int count = 0;
  };
  std::map<std::string, Row> by_rule;  // canonical hash (or the string for an unparsed rule)
  for (const auto& r : records) {
    std::string key = r["hash"].get<std::string>();
    if (key.empty()) key = r["rule"].get<std::string>();
    auto& row = by_rule[key];
    if (!row.first) row.first = &r;
    ++row.count;
  }
  std::vector<Row> rows;
  for (auto& [k, r] : by_rule) rows.push_back(r);
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const double ra = (*a.first)["reward"].get<double>(), rb = (*b.first)["reward"].get<double>();
    if (ra != rb) return ra > rb;
    return (*a.first)["sample"].get<std::int64_t>() < (*b.first)["sample"].get<std::int64_t>();
  });
  std::vector<const nlohmann::json*> refs;
  for (const auto& r : references) refs.push_back(&r);
  std::stable_sort(refs.begin(), refs.end(), [](const nlohmann::json* a, const nlohmann::json* b) {
    return (*a)["reward"].get<double>() > (*b)["reward"].get<double>();
  });
  std::string md = "| rank | reward | best lr | rule (infix) | string | first sample | times sampled |\n";
  md += "|---:|---:|---:|---|---|---:|---:|\n";
  size_t next_ref = 0;
  // A reference goes above the first found rule it beats (ties: the found rule first).
  auto refs_above = [&](double reward) {
    for (; next_ref < refs.size() && (*refs[next_ref])["reward"].get<double>() > reward; ++next_ref) {
      const auto& r = *refs[next_ref];
      md += fmt::format("| ref | {:.4f} | {:g} | **{}** `{}` (reference) | `{}` | - | - |\n", r["reward"].get<double>(),
                        r["best_lr"].get<double>(), r["name"].get<std::string>(), r["infix"].get<std::string>(),
                        r["rule"].get<std::string>());
    }
  };
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < top; ++i) {
    const auto& r = *rows[i].first;
    refs_above(r["reward"].get<double>());
    const std::string infix = r["infix"].get<std::string>();
    md += fmt::format("| {} | {:.4f} | {:g} | `{}` | `{}` | {} | {} |\n", i + 1, r["reward"].get<double>(),
                      r["best_lr"].get<double>(), infix.empty() ? "(invalid)" : infix, r["rule"].get<std::string>(),
                      r["sample"].get<std::int64_t>(), rows[i].count);
  }
  refs_above(-1e300);
  return md;
}

RunSummary summarize(const RunPaths& p, const std::vector<nlohmann::json>& records) {
  RunSummary s;
  s.dir = p.dir.string();
  try {
    s.strategy = read_run_config(p).strategy;
  } catch (const std::exception&) {
    s.strategy = "?";
  }
  s.samples = static_cast<std::int64_t>(records.size());
  if (records.empty()) return s;
  double t0 = 1e300, t1 = -1e300;
  // The last quarter is at least the last sample: with fewer than 4 it is not an empty mean.
  const size_t q = records.size() - std::max<size_t>(1, records.size() / 4);
  s.best = -1e300;
  for (size_t i = 0; i < records.size(); ++i) {
    const double r = records[i]["reward"].get<double>();
    s.mean += r / static_cast<double>(records.size());
    if (i >= q) s.last_quarter_mean += r / static_cast<double>(records.size() - q);
    s.best = std::max(s.best, r);
    if (records[i].value("trained", false)) ++s.trained;
    if (records[i].contains("unix_time")) {
      // From the start of the earliest evaluation (its completion minus its duration), not its
      // completion: timing from the first completion leaves the first evaluation out and
      // inflates the rate of short runs.
      const double end = records[i]["unix_time"].get<double>();
      t0 = std::min(t0, end - records[i].value("seconds", 0.0));
      t1 = std::max(t1, end);
    }
  }
  if (t1 > t0) s.samples_per_hour = static_cast<double>(records.size()) * 3600.0 / (t1 - t0);
  return s;
}

std::string reference_comparison(const RunSummary& s) {
  if (s.best_reference_name.empty()) return "";
  if (s.samples == 0)
    return fmt::format("best reference: {} {:.4f}; no rule found yet", s.best_reference_name, s.best_reference);
  const double d = s.best - s.best_reference;
  return fmt::format("best found rule {:.4f} vs best reference {} {:.4f}: {}", s.best, s.best_reference_name,
                     s.best_reference,
                     d > 0   ? fmt::format("{:.4f} above it", d)
                     : d < 0 ? fmt::format("{:.4f} below it", -d)
                             : "equal");
}

namespace {

struct ComparedRun {
  RunSummary summary;
  std::vector<nlohmann::json> records;
};

void set_best_reference(RunSummary& s, const std::vector<nlohmann::json>& refs) {
  for (const auto& r : refs)
    if (s.best_reference_name.empty() || r["reward"].get<double>() > s.best_reference) {
      s.best_reference_name = r["name"].get<std::string>();
      s.best_reference = r["reward"].get<double>();
    }
}

std::string summary_line(const RunSummary& s) {
  return fmt::format(
      "{} ({}): {} samples, {} trained, mean reward {:.4f}, last quarter {:.4f}, best {:.4f}, {:.0f} samples/h", s.dir,
      s.strategy, s.samples, s.trained, s.mean, s.last_quarter_mean, s.best, s.samples_per_hour);
}

// Running mean over a trailing window, as the paper's Figure 4 smooths its reward curve: the
// data file's lines "sample reward running_mean".
std::string running_mean_dat(const std::vector<nlohmann::json>& records, size_t w) {
  std::string dat = "# sample reward running_mean\n";
  double sum = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    sum += records[i]["reward"].get<double>();
    if (i >= w) sum -= records[i - w]["reward"].get<double>();
    dat += fmt::format("{} {:.6f} {:.6f}\n", records[i]["sample"].get<std::int64_t>(),
                       records[i]["reward"].get<double>(), sum / static_cast<double>(std::min(i + 1, w)));
  }
  return dat;
}

void plot(const RunPaths& p, const std::vector<nlohmann::json>& records, const std::vector<nlohmann::json>& refs,
          const std::vector<ComparedRun>& against) {
  // One window for every run on the plot, from the longest, so their curves compare.
  size_t longest = records.size();
  for (const auto& a : against) longest = std::max(longest, a.records.size());
  const size_t w = std::clamp<size_t>(longest / 10, 5, 100);
  app::write_file_atomic(p.dir / "rewards.dat", running_mean_dat(records, w));
  // Each compared run's running mean, same window, in a file of its own beside rewards.dat.
  std::string against_lines;
  for (size_t i = 0; i < against.size(); ++i) {
    const std::string file = fmt::format("rewards-against-{}.dat", i + 1);
    app::write_file_atomic(p.dir / file, running_mean_dat(against[i].records, w));
    against_lines += fmt::format(
        ", '{}' using 1:3 with lines lw 2 lc rgb '{}' title {}", file, i % 2 ? "#8e44ad" : "#2c7f3f",
        app::gnuplot_quote(fmt::format("running mean, {} ({})", against[i].summary.strategy, against[i].summary.dir)));
  }
  if (!app::gnuplot_available()) {
    fmt::print(stderr, "nos-search: gnuplot not found: skipping reward_curve.png/.svg (install gnuplot-nox)\n");
    return;
  }
  // One dashed horizontal line per reference optimizer, at its reward under the same protocol.
  std::string ref_lines;
  for (size_t i = 0; i < refs.size(); ++i)
    ref_lines += fmt::format(", {:.6f} with lines dt {} lw 1.5 lc {} title {}", refs[i]["reward"].get<double>(),
                             2 + i % 4, 3 + i,
                             app::gnuplot_quote(fmt::format("{} (reference) {:.4f}", refs[i]["name"].get<std::string>(),
                                                            refs[i]["reward"].get<double>())));
  const std::string cmds = fmt::format(
      "set title 'rewards over samples: {}'\nset xlabel 'sample'\nset ylabel 'reward (validation accuracy)'\n"
      "set grid\nset key below\n"
      "plot 'rewards.dat' using 1:2 with points pt 7 ps 0.6 lc rgb '#7f8fbf' title 'reward'{}{}, "
      "'rewards.dat' using 1:3 with lines lw 2.5 lc rgb '#c0392b' title 'running mean of the last {}'\n",
      p.dir.filename().string(), against_lines, ref_lines, w);
  app::plot_png_svg(p.dir, "reward_curve", cmds);
}

}  // namespace

std::vector<nlohmann::json> stage0_references(const std::vector<nlohmann::json>& refs) {
  std::vector<nlohmann::json> out;
  for (const auto& r : refs)
    if (r.value("stage_index", 0) == 0 && r.value("seed", 0) == 0) out.push_back(r);
  return out;
}

RunSummary write_report(const RunPaths& p, int top, const std::vector<std::filesystem::path>& against_dirs) {
  const auto records = read_records(p);
  const auto all_refs = read_reference_records(p);
  const auto refs = stage0_references(all_refs);
  RunSummary s = summarize(p, records);
  set_best_reference(s, refs);
  std::string board = leaderboard_markdown(records, top, refs);
  std::string head = summary_line(s);
  if (const auto cmp = reference_comparison(s); !cmp.empty()) head += "\n" + cmp;
  // A funnel's table ranks by the highest stage each rule reached (funnel.h).
  SearchConfig c;
  try {
    c = read_run_config(p);
  } catch (const std::exception&) {
  }
  if (c.stages.size() > 1)
    board += "\n" + funnel_leaderboard_markdown(c, records, read_promotion_records(p), all_refs, top);
  // Runs to compare with (e.g. random search at the same budget, committed): their summary rows
  // and running means beside this run's.
  std::vector<ComparedRun> against;
  for (const auto& d : against_dirs) {
    const RunPaths q{d};
    if (!std::filesystem::exists(q.evaluations()))
      throw std::runtime_error("--against: no search run in " + d.string() + " (no evaluations.jsonl)");
    ComparedRun a{.records = read_records(q)};
    a.summary = summarize(q, a.records);
    set_best_reference(a.summary, stage0_references(read_reference_records(q)));
    against.push_back(std::move(a));
  }
  if (!against.empty()) {
    std::vector<RunSummary> rows = {s};
    for (const auto& a : against) rows.push_back(a.summary);
    board += "\n" + comparison_markdown(rows);
  }
  fmt::print("{}\n\n{}", head, board);
  app::write_file_atomic(p.dir / "leaderboard.md", fmt::format("# Leaderboard\n\n{}\n\n{}", head, board));
  if (!records.empty()) plot(p, records, refs, against);
  return s;
}

std::string comparison_markdown(const std::vector<RunSummary>& runs) {
  std::string md =
      "| run | strategy | samples | trained | mean reward | last-quarter mean | best | samples/h | best reference |\n";
  md += "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
  for (const auto& s : runs)
    md += fmt::format(
        "| {} | {} | {} | {} | {:.4f} | {:.4f} | {:.4f} | {:.0f} | {} |\n", s.dir, s.strategy, s.samples, s.trained,
        s.mean, s.last_quarter_mean, s.best, s.samples_per_hour,
        s.best_reference_name.empty() ? "-" : fmt::format("{} {:.4f}", s.best_reference_name, s.best_reference));
  return md;
}

}  // namespace nos::search
