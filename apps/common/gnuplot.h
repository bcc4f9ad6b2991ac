// Plots through gnuplot (Debian's gnuplot-nox): each figure is written as PNG (pngcairo) and SVG.
//
// Callers write the plotting commands (`plot ...`, axis labels) and the data files; this runs
// gnuplot once per format with the terminal and output set, so both files show the same figure.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace nos::app {

// True when a `gnuplot` executable is on PATH.
bool gnuplot_available();

// Runs `commands` (gnuplot script text, without `set terminal`/`set output`) in `workdir`, writing
// `<stem>.png` and `<stem>.svg` there (stem is a file name without directory). Relative data file
// names in the script resolve against workdir. Throws std::runtime_error with gnuplot's own error
// output if gnuplot is missing or fails.
void plot_png_svg(const std::filesystem::path& workdir, std::string_view stem, std::string_view commands,
                  int width = 1000, int height = 700);

// Quotes a string for a gnuplot script: 'it''s' style single quotes.
std::string gnuplot_quote(std::string_view s);

}  // namespace nos::app
