// `nos-search calibrate`: the command line of the calibration (calibration.h).
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <set>

#include "apps/common/run_dir.h"
#include "apps/search/calibration.h"

namespace nos::search {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_calibrate_sigint(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);
}

CalibrationConfig resumed(const app::RunDir& d, const CalibrationConfig& cli, const std::set<std::string>& given) {
  const nlohmann::json file = d.read_config();
  const CalibrationConfig stored = calibration_from_json(file, d.config_file().string());
  const app::Resumed r = app::resume_settings(to_json(stored), to_json(cli), &given, calibration_rules());
  if (r.conflict)
    throw std::runtime_error(fmt::format(
        "--resume {}: --{} is {} on the command line but {} in {}; the rule set and the base protocol are the "
        "calibration's identity (the rungs, the seed subset, data location, score cache and workers may change)",
        d.path().string(), r.conflict->key, r.conflict->asked.dump(), r.conflict->stored.dump(),
        d.config_file().string()));
  CalibrationConfig c = calibration_from_json(r.settings, d.config_file().string());
  d.write_config(to_json(c));
  return c;
}

}  // namespace

int calibrate_main(int argc, char** argv) {
  CLI::App app{
      "nos-search calibrate: score a fixed rule set at a ladder of protocols and report how well each ranks the "
      "rules like the last (the paper's full protocol by default). See apps/search/README.md."};
  CalibrationConfig c;
  std::vector<std::pair<CLI::Option*, std::string>> keyed;
  auto add = [&](const std::string& name, auto& var, const std::string& help) {
    auto* o = app.add_option(name, var, help)->capture_default_str();
    std::string key = name.substr(2);
    std::replace(key.begin(), key.end(), '-', '_');
    keyed.emplace_back(o, key == "rung" ? "rungs" : key);
    return o;
  };
  add("--rung", c.rungs,
      "A rung, cheapest first, the last the reference: NAME or NAME:key=value,... (keys train, val, rates "
      "(a/b/c or paper), sweep-epochs, final-epochs, batch, seeds; fidelity.h); repeat the flag for each");
  add("--rules", c.rules, "Named rules (rules/paper.rules or baselines)")->delimiter(',');
  add("--random-rules", c.random_rules, "Valid random rules drawn from --space");
  add("--space", c.space, "Search space of the random rules");
  add("--groups", c.groups, "Groups of the random rules");
  add("--random-seed", c.random_seed, "Seed of the random rules");
  add("--seeds", c.seeds, "Seeds of the reference rung for --seed-rules (the reference's own spread)");
  add("--seed-rules", c.seed_rules, "Rules scored at every seed of the reference")->delimiter(',');
  add("--dataset", c.dataset, "cifar10 | fashion-mnist | auto");
  add("--data", c.data, "Directory holding the data set (else NOS_DATA_DIR, then defaults)");
  add("--child-batch", c.child_batch, "Child network batch size");
  add("--failed-reward", c.failed_reward, "Reward of a rule that diverges");
  add("--reward-seed", c.reward_seed, "First seed of the child's initialisation and shuffles, and the data split");
  add("--score-cache", c.score_cache, "Directory of scores shared with nos-search runs (score_cache.h)");
  add("--workers", c.workers, "Evaluation threads, one rule each (0: one per core)");
  auto* quiet = app.add_flag("--quiet", c.quiet, "No progress lines");
  keyed.emplace_back(quiet, "quiet");
  std::string dir = "nos-calibration", resume;
  auto* resume_opt = app.add_option("--resume", resume, "Continue the calibration in this directory");
  app.add_option("--dir", dir, "Directory of a new calibration")->capture_default_str()->excludes(resume_opt);
  auto* report = app.add_subcommand("report", "Rewrite the report of a calibration directory from its records");
  std::string report_dir;
  report->add_option("dir", report_dir, "Calibration directory")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (report->parsed()) {
      const app::RunDir d(report_dir, "nos-search calibrate report");
      write_calibration_report(calibration_from_json(d.read_config(), d.config_file().string()), d.path());
      return 0;
    }
    std::set<std::string> given;
    for (const auto& [o, k] : keyed)
      if (o->count() > 0) given.insert(k);
    std::optional<app::RunDir> d;
    bool fresh = false;
    // A new calibration that failed before its first record (missing data, an unknown rule) leaves
    // nothing behind, so the same command works once the cause is fixed.
    auto abandon = [&] {
      if (!fresh || !d || std::filesystem::exists(d->file("calibration.jsonl"))) return;
      std::error_code ec;
      std::filesystem::remove(d->config_file(), ec);
      std::filesystem::remove(d->file("rules.json"), ec);
      if (d->created()) {
        std::filesystem::remove(d->file(".lock"), ec);
        std::filesystem::remove(d->path(), ec);
      }
    };
    if (!resume.empty()) {
      if (!std::filesystem::is_directory(resume))
        throw std::runtime_error(fmt::format("--resume {}: no such directory", resume));
      d.emplace(resume, "nos-search calibrate");
      c = resumed(*d, c, given);
    } else {
      if (auto why = validate(c); !why.empty()) throw std::invalid_argument(why);
      d.emplace(dir, "nos-search calibrate");
      if (d->has_config())
        throw std::runtime_error(fmt::format("{} already holds a calibration: continue it with --resume {}", dir, dir));
      d->write_config(to_json(c));
      fresh = true;
    }
    if (auto why = validate(c); !why.empty()) throw std::invalid_argument(why);
    std::signal(SIGINT, on_calibrate_sigint);
    bool complete = false;
    try {
      complete = run_calibration(c, d->path(), g_stop);
    } catch (...) {
      abandon();
      throw;
    }
    write_calibration_report(c, d->path());
    if (!complete) {
      fmt::print(stderr, "nos-search calibrate: interrupted; continue with --resume {}\n", d->path().string());
      return 130;
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "nos-search calibrate: error: {}\n", e.what());
    return 1;
  }
}

}  // namespace nos::search
