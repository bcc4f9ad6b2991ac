// The report of a run: the leaderboard of the best distinct rules (infix form, reward, best
// learning rate) with the reference optimizers beside them, printed and written as
// leaderboard.md, and the reward-over-samples plot (the paper's Figure 4: every reward as a
// point, plus a running mean, plus a line per reference) as reward_curve.png/.svg.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/search/run_dir.h"

namespace nos::search {

struct RunSummary {
  std::string dir, strategy;
  std::int64_t samples = 0, trained = 0;
  double mean = 0, last_quarter_mean = 0, best = 0;
  double samples_per_hour = 0;  // samples / (last completion - start of the earliest evaluation)
  // The best reference optimizer of references.jsonl (references.h); empty name when there is none.
  std::string best_reference_name;
  double best_reference = 0;
};

// The records of references.jsonl, the last one per (name, stage, seed) in file order (empty if
// the file is missing); stage0_references keeps those of stage 0, seed 0.
std::vector<nlohmann::json> read_reference_records(const RunPaths& p);
std::vector<nlohmann::json> stage0_references(const std::vector<nlohmann::json>& refs);

// A funnel's records (promotions.jsonl; empty if missing) and its leaderboard: every rule that
// reached a stage beyond the first (and the `top` best of the rest), ranked by the highest stage
// it reached, then by its score there; a column per stage (the mean over the stage's seeds), the
// reference optimizers as rows of their own.
std::vector<nlohmann::json> read_promotion_records(const RunPaths& p);
std::string funnel_leaderboard_markdown(const SearchConfig& c, const std::vector<nlohmann::json>& records,
                                        const std::vector<nlohmann::json>& promotions,
                                        const std::vector<nlohmann::json>& references, int top);

// The records of evaluations.jsonl, sorted by sample index (torn last line dropped).
std::vector<nlohmann::json> read_records(const RunPaths& p);

// Markdown table of the `top` best distinct rules (by canonical hash; first sample of each).
std::string leaderboard_markdown(const std::vector<nlohmann::json>& records, int top);
// The same table with the reference optimizers as rows of their own (rank "ref", marked), placed
// by reward among the found rules.
std::string leaderboard_markdown(const std::vector<nlohmann::json>& records, int top,
                                 const std::vector<nlohmann::json>& references);
// How the best found rule compares with the best reference, one line ("" without references).
std::string reference_comparison(const RunSummary& s);
RunSummary summarize(const RunPaths& p, const std::vector<nlohmann::json>& records);

// Prints the summary and leaderboard to stdout, writes leaderboard.md, rewards.dat and (when
// gnuplot is installed; otherwise a warning) reward_curve.png/.svg into the run directory; the
// plot draws a horizontal line per reference optimizer. Each run of `against` (another strategy at
// the same budget, say) adds a row to a comparison table and its running mean to the plot.
RunSummary write_report(const RunPaths& p, int top, const std::vector<std::filesystem::path>& against = {});

// Several runs side by side (e.g. controller vs random vs evolution at the same budget).
std::string comparison_markdown(const std::vector<RunSummary>& runs);

}  // namespace nos::search
