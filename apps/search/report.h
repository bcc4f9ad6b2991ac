// The report of a run: the leaderboard of the best distinct rules (infix form, reward, best
// learning rate) printed and written as leaderboard.md, and the reward-over-samples plot (the
// paper's Figure 4: every reward as a point, plus a running mean) as reward_curve.png/.svg.
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
};

// The records of evaluations.jsonl, sorted by sample index (torn last line dropped).
std::vector<nlohmann::json> read_records(const RunPaths& p);

// Markdown table of the `top` best distinct rules (by canonical hash; first sample of each).
std::string leaderboard_markdown(const std::vector<nlohmann::json>& records, int top);
RunSummary summarize(const RunPaths& p, const std::vector<nlohmann::json>& records);

// Prints the summary and leaderboard to stdout, writes leaderboard.md, rewards.dat and (when
// gnuplot is installed; otherwise a warning) reward_curve.png/.svg into the run directory.
RunSummary write_report(const RunPaths& p, int top);

// Several runs side by side (e.g. controller vs random vs evolution at the same budget).
std::string comparison_markdown(const std::vector<RunSummary>& runs);

}  // namespace nos::search
