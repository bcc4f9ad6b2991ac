// nos-analyze: what an update rule does — descent, learning-rate adaptation, momentum, clipping,
// sign agreement, schedule, randomness and state — measured by probing its JIT kernel. See
// apps/analyze/README.md.
//
//   nos-analyze powersign adam 'mul g exp mul sign_g sign_m'
//   nos-analyze --all --json
//   nos-analyze powersign addsign adam momentum --plot figures/
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "apps/analyze/plots.h"
#include "apps/analyze/probes.h"
#include "apps/analyze/report.h"
#include "apps/common/named_rules.h"

using namespace nos;

int main(int argc, char** argv) {
  CLI::App app{
      "nos-analyze: probe compiled update rules for their mechanisms (momentum, clipping, "
      "learning-rate adaptation, schedules)"};
  std::vector<std::string> wanted;
  std::string rules_flag, plot_dir;
  bool json = false, all = false;
  analyze::ProbeOptions o;
  app.add_option("RULE", wanted,
                 "Rules: names from the rules file (powersign, t1_01, powersign-ld, ...), baselines (sgd, momentum, "
                 "adam, rmsprop, lion), NAME=RULE, or rule text ('mul g exp mul sign_g sign_m')");
  app.add_flag("--all", all, "Every named rule of the rules file, after the baselines");
  app.add_option("--rules", rules_flag,
                 "Rules file (default: rules/paper.rules, looked for upwards from here and from the executable)");
  app.add_flag("--json", json, "One JSON object per rule, one per line, instead of the table");
  app.add_option("--plot", plot_dir,
                 "Also write update_vs_gradient and impulse_response figures (PNG, SVG) of the rules to DIR");
  app.add_option("--seed", o.seed, "Seed of the random probe gradients and of the rules' own draws (default 0)");
  app.add_option("--total-steps", o.total_steps, "T of the ld/cd/rd decays during the probes (default 1000)")
      ->check(CLI::Range(uint64_t{300}, uint64_t{1} << 40));
  CLI11_PARSE(app, argc, argv);
  try {
    const std::filesystem::path rules_file =
        rules_flag.empty() ? app::default_rules_file() : std::filesystem::path(rules_flag);
    std::vector<app::OptimizerSpec> rules;
    if (!rules_file.empty()) rules = app::read_rules_file(rules_file);
    if (all) {
      // The baselines first, then the file's rules (a file that names a baseline itself keeps one copy).
      std::vector<std::string> names;
      for (const auto& b : app::baselines()) names.push_back(b.name);
      for (const auto& r : rules)
        if (std::find(names.begin(), names.end(), r.name) == names.end()) names.push_back(r.name);
      wanted.insert(wanted.begin(), names.begin(), names.end());
    }
    if (wanted.empty())
      throw std::invalid_argument("no rules given: name some (e.g. nos-analyze powersign adam) or use --all");
    const auto specs = app::resolve_optimizers(wanted, rules, rules_file.string());
    std::vector<analyze::Mechanisms> rows;
    for (const auto& s : specs) {
      try {
        rows.push_back(analyze::probe_rule(s.name, s.rule, o));
      } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("rule '{}': {}", s.name, e.what()));
      }
      if (json) std::cout << analyze::to_json(rows.back(), o).dump() << '\n' << std::flush;
    }
    if (!json) fmt::print("{}", analyze::table(rows, o));
    if (!plot_dir.empty()) {
      std::vector<std::pair<std::string, std::string>> named;
      for (const auto& s : specs) named.emplace_back(s.name, s.rule);
      analyze::write_plots(plot_dir, named, o);
      fmt::print(stderr, "plots in {}/update_vs_gradient.png and {}/impulse_response.png\n", plot_dir, plot_dir);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
