// The study's tables: table.md / table.csv (one row per optimizer at its best rate) and sweep.md
// (every rate tried, with its score), all computed from the run records. A study with halving
// gets a steps column (a row whose best run was stopped says "stopped at") and a count of the
// rates stopped early; sweep.md lists every rung of every rate and whether it went on.
#pragma once

#include <string>
#include <vector>

#include "apps/transfer/config.h"
#include "apps/transfer/select.h"

namespace nos::transfer {

// One line saying what was trained: task, model, data, epochs, schedule, the rates that were run
// (per optimizer, from `rows`), seed. The rates come from the runs, not from the config: a sweep
// grown by later invocations is described whole, while config.json keeps only the last one's.
std::string describe_budget(const TransferConfig& c, const std::vector<Selected>& rows);

std::string table_markdown(const TransferConfig& c, const TableSpec& spec, const std::vector<Selected>& rows);
std::string table_csv(const TransferConfig& c, const TableSpec& spec, const std::vector<Selected>& rows);
std::string sweep_markdown(const TransferConfig& c, const TableSpec& spec, const std::vector<RateSummary>& rates);

// "92.31" or "92.31 ± 0.40" (with repeats), scaled and rounded as the column says; "—" for a
// value not measured (NaN: a stopped run's test).
std::string format_stat(const Column& col, const Stat& s);

}  // namespace nos::transfer
