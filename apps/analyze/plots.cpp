#include "apps/analyze/plots.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "apps/common/gnuplot.h"
#include "apps/common/run_files.h"
#include "optim/optimizer.h"

namespace nos::analyze {
namespace fs = std::filesystem;
namespace {

// gnuplot skips NaN points: non-finite updates, and zeros on a log axis.
std::string num(double v, bool log_axis) {
  if (!std::isfinite(v) || (log_axis && v <= 0)) return "NaN";
  return fmt::format("{:.9g}", v);
}

}  // namespace

void write_plots(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& rules,
                 const ProbeOptions& o) {
  fs::create_directories(dir);
  std::vector<double> x;  // the warm curve: gradients -3 .. 3
  for (int i = -120; i <= 120; ++i) x.push_back(i / 40.0);
  const std::vector<double> mags = sweep_magnitudes();
  std::string warm_plot, steady_plot, impulse_plot;
  for (size_t r = 0; r < rules.size(); ++r) {
    const auto& [name, rule] = rules[r];
    const std::string title = app::gnuplot_quote(name);
    const optim::Optimizer keep(
        rule, {.hyper = {.total_steps = o.total_steps}, .threads = 1});  // one compilation for the curves
    const std::vector<double> warm = warm_curve(rule, x, o);
    const std::vector<double> steady = steady_response(rule, mags, 20, o);
    const std::vector<double> imp = impulse_response(rule, o);
    std::string d = "# g  delta_warm\n";
    for (size_t i = 0; i < x.size(); ++i) d += fmt::format("{} {}\n", x[i], num(warm[i], false));
    app::write_file_atomic(dir / fmt::format("warm_{:02}.dat", r), d);
    d = "# |g|  |delta| after 20 steps of g\n";
    for (size_t i = 0; i < mags.size(); ++i) d += fmt::format("{:g} {}\n", mags[i], num(steady[i], true));
    app::write_file_atomic(dir / fmt::format("steady_{:02}.dat", r), d);
    double peak = 0;
    for (double v : imp)
      if (std::isfinite(v)) peak = std::max(peak, v);
    d = "# steps_after_impulse  response/peak\n";
    for (size_t n = 0; n < imp.size() && n <= 40; ++n)
      d += fmt::format("{} {}\n", n, num(peak > 0 ? imp[n] / peak : 0, false));
    app::write_file_atomic(dir / fmt::format("impulse_{:02}.dat", r), d);
    const std::string sep = r == 0 ? "plot " : ", ";
    warm_plot += fmt::format("{}'warm_{:02}.dat' using 1:2 with lines lw 2 title {}", sep, r, title);
    steady_plot +=
        fmt::format("{}'steady_{:02}.dat' using 1:2 with linespoints pt 7 ps 0.4 lw 2 title {}", sep, r, title);
    impulse_plot += fmt::format("{}'impulse_{:02}.dat' using 1:2 with linespoints pt 7 ps 0.6 lw 2 dt {} title {}", sep,
                                r, r + 1, title);
  }
  const std::string update = fmt::format(
      "set multiplot layout 1,2\n"
      "set title 'warm state (after {} steps of g = +1): update vs current gradient'\n"
      "set xlabel 'gradient g'\nset ylabel 'update Δ (w ← w − lr·Δ)'\nset grid\nset key top left\n"
      "{}\n"
      "set title 'steady stream: |update| after 20 steps of a constant g'\n"
      "set logscale xy\nset format x '1e%T'\nset format y '1e%T'\nset xlabel '|g|'\nset ylabel '|update|'\n"
      "{}\nunset multiplot\n",
      o.warmup, warm_plot, steady_plot);
  app::plot_png_svg(dir, "update_vs_gradient", update, 1400, 600);
  const std::string impulse = fmt::format(
      "set title 'impulse response: gradient {:g} at step {}, zero before and after'\n"
      "set xlabel 'steps after the impulse'\nset ylabel '|update difference| / peak'\nset grid\n"
      "set yrange [0:1.05]\nset key top right\nset arrow from graph 0, first exp(-1) to graph 1, first exp(-1) "
      "nohead dt 2 lc 'gray'\nset label '1/e' at graph 0.01, first exp(-1) offset 0,0.7\n{}\n",
      o.impulse, o.impulse_at, impulse_plot);
  app::plot_png_svg(dir, "impulse_response", impulse, 1000, 600);
}

}  // namespace nos::analyze
