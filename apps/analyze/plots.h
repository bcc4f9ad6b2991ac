// nos-analyze --plot: the update-vs-gradient curves and the impulse responses of several rules,
// one figure each (PNG and SVG through gnuplot), with their data files and scripts beside them.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "apps/analyze/probes.h"

namespace nos::analyze {

// Writes update_vs_gradient.{png,svg} and impulse_response.{png,svg} in `dir` (created) for the
// (name, rule) pairs. Throws std::runtime_error if gnuplot is missing or fails.
void write_plots(const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& rules,
                 const ProbeOptions& o);

}  // namespace nos::analyze
