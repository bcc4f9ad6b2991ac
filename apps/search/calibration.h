// nos-search calibrate: how well does a cheap protocol rank update rules the way the paper's full
// protocol does? A fixed, documented rule set (the baselines, the paper's finds and Table 1's
// rules, and a seeded sample of valid random rules) is scored at a ladder of fidelities
// (fidelity.h), cheapest first; the last rung is the reference. The report gives, per rung, the
// rank correlations with the reference (Spearman, Kendall tau-b), the top-5 overlap, whether the
// sweep picks the reference's rate, and the measured CPU cost per rule; and the seed-to-seed
// spread of the reference itself (a subset of rules at several seeds).
//
// The run directory follows apps/common/run_dir.h:
//   config.json          the settings (calibration.cpp's table; rungs and rule lists may change
//                        on resume: records are keyed by protocol, so a new rung is simply scored)
//   rules.json           the rule set as resolved when the run started (names, text, canonical)
//   calibration.jsonl    one record per (rung, rule, seed): the evaluation, its protocol hash, CPU
//                        seconds; appended and fsynced, a torn tail dropped on resume
//   calibration.md, calibration.json, calibration.png/.svg   the report
// A killed run resumes where it stopped (--resume DIR); finished evaluations are never redone,
// and those a --score-cache already holds are taken from it.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/search/config.h"
#include "apps/search/fidelity.h"

namespace nos::search {

struct CalibrationConfig {
  // The ladder, cheapest first; the last rung is the reference the others are compared with.
  std::vector<std::string> rungs = {
      "make-run:train=1000,val=1000,rates=1e-3/1e-2/1e-1,final-epochs=1",      // `make run`'s proxy
      "acceptance:train=1000,val=1000,rates=1e-3/1e-2/1e-1/1,final-epochs=2",  // the 2026-11-24 search's
      "2k:train=2000,val=2000,final-epochs=2",
      "5k:train=5000,val=5000,final-epochs=2",
      "10k-short:final-epochs=1",
      "full",  // the paper: 10,000 training and 5,000 held-out images, 7 rates x 1 epoch, 5 final epochs
  };
  // Named rules (rules/paper.rules or the baselines); rules with the same canonical form are
  // scored once (t1_04 is PowerSign).
  std::vector<std::string> rules = {"sgd",   "momentum", "adam",  "rmsprop", "lion",  "powersign", "addsign", "t1_01",
                                    "t1_02", "t1_03",    "t1_04", "t1_05",   "t1_06", "t1_07",     "t1_08",   "t1_09",
                                    "t1_10", "t1_11",    "t1_12", "t1_13",   "t1_14", "t1_15",     "t1_16"};
  int random_rules = 20;  // valid (compile, read g, distinct behaviour) random strings of the space
  std::string space = "paper";
  int groups = 2;
  std::uint64_t random_seed = 1;
  // The reference rung's seed-to-seed spread: these rules at `seeds` seeds (Figure 5's set and Lion).
  int seeds = 3;
  std::vector<std::string> seed_rules = {"sgd",       "momentum", "adam",  "rmsprop", "lion",
                                         "powersign", "addsign",  "t1_01", "t1_16"};
  // The base protocol every rung is derived from (as nos-search's flags).
  std::string dataset = "auto";
  std::string data;
  std::int64_t child_batch = 100;
  bool pooling = false, padding = true;
  double failed_reward = 0.0;
  std::uint64_t reward_seed = 1;
  // Execution only.
  std::string score_cache;
  int workers = 0;  // 0: one per core
  bool quiet = false;
};

nlohmann::json to_json(const CalibrationConfig& c);
CalibrationConfig calibration_from_json(const nlohmann::json& j, const std::string& source);
const std::vector<app::KeyRule>& calibration_rules();
// Empty when the configuration can run, else what is wrong (naming the flag).
std::string validate(const CalibrationConfig& c);

// The search configuration whose base fidelity the rungs derive from, and the rungs themselves
// (the last one with max(its seeds, c.seeds) seeds). Throws std::invalid_argument naming --rung.
SearchConfig calibration_base(const CalibrationConfig& c);
std::vector<Fidelity> calibration_rungs(const CalibrationConfig& c);
// The seeds each rung's score averages (its spec's); the reference's extra seeds measure its spread.
std::vector<int> scored_seeds(const CalibrationConfig& c);

struct CalibrationRule {
  std::string name;  // "adam", "t1_04=powersign" (names sharing a canonical form), "random_03"
  std::string kind;  // baseline | paper | random
  std::string rule;  // dslc text
  std::string infix, canonical, hash;
};
// The rule set: the named rules in order (deduplicated by canonical hash), then `random_rules`
// strings drawn uniformly from the space that compile, read g, and differ in behaviour
// (fingerprint) from every rule before them. Throws naming an unknown rule.
std::vector<CalibrationRule> calibration_rule_set(const CalibrationConfig& c);

// Runs (or resumes) the calibration in `dir` until every evaluation is recorded or `stop` is set
// (the evaluations in flight are finished and recorded). Returns true when complete.
bool run_calibration(const CalibrationConfig& c, const std::filesystem::path& dir, const std::atomic<bool>& stop);

// Writes calibration.md, calibration.json and the plot from the records in `dir` (any subset of
// them: a running or stopped calibration reports what it has); prints the markdown.
void write_calibration_report(const CalibrationConfig& c, const std::filesystem::path& dir);

// The CLI (`nos-search calibrate ...`, argv[0] = "calibrate").
int calibrate_main(int argc, char** argv);
// `nos-search screen ...` (screen_main.cpp): the screen measured on random strings or a calibration.
int screen_main(int argc, char** argv);

}  // namespace nos::search
