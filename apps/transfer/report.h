// `nos-transfer report DIR`: the tables and figures of a study, computed from its run records
// alone, so they can be rebuilt from a finished or an interrupted directory at any time.
#pragma once

#include <filesystem>
#include <string>

namespace nos::transfer {

struct ReportSummary {
  int runs = 0;          // finished runs in the directory
  std::string table;     // table.md's content
  bool plotted = false;  // false: gnuplot is missing (tables are still written)
};

// Writes table.md, table.csv, sweep.md and the plots. Throws std::runtime_error if DIR holds no
// config.json (not a study) or a file of it is corrupt.
ReportSummary write_report(const std::filesystem::path& dir);

}  // namespace nos::transfer
