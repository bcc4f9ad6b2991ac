#include "apps/transfer/plots.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "apps/common/gnuplot.h"
#include "apps/common/run_files.h"

namespace nos::transfer {
namespace fs = std::filesystem;
namespace {

// The runs (all repeats) of an optimizer's selected rate, at its selected budget.
std::vector<const RunRecord*> runs_at(const std::vector<RunRecord>& runs, const RateSummary& s) {
  std::vector<const RunRecord*> out;
  for (const auto& r : runs)
    if (r.key.optimizer == s.key.optimizer && r.key.lr == s.key.lr && r.key.eps == s.key.eps &&
        r.key.steps == s.key.steps && !r.diverged)
      out.push_back(&r);
  return out;
}

std::string title(const Selected& s) {
  const RunKey& k = s.best->key;
  return app::gnuplot_quote(k.steps > 0 ? fmt::format("{} (lr {:g}, stopped at {} steps)", s.optimizer, k.lr, k.steps)
                                        : fmt::format("{} (lr {:g})", s.optimizer, k.lr));
}

// Per-epoch means over the repeats: "epoch train val test" lines.
std::string epoch_means(const std::vector<const RunRecord*>& members) {
  std::map<int, std::array<double, 4>> sum;  // train, val, test, count
  for (const RunRecord* r : members)
    for (const auto& e : r->epochs) {
      auto& a = sum[e.epoch];
      a[0] += e.train;
      a[1] += e.val;
      a[2] += e.test;
      a[3] += 1;
    }
  std::string out = "# epoch train val test (means over repeats)\n";
  for (const auto& [epoch, a] : sum)
    out += fmt::format("{} {:.8g} {:.8g} {:.8g}\n", epoch, a[0] / a[3], a[1] / a[3], a[2] / a[3]);
  return out;
}

std::vector<std::string> curve_plots(const fs::path& plots, const TransferConfig& c, const std::vector<RunRecord>& runs,
                                     const std::vector<Selected>& rows) {
  std::vector<std::pair<std::string, std::string>> series;  // data file, title
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].best) continue;
    const std::string file = fmt::format("curve_{:02}.dat", i);
    app::write_file_atomic(plots / file, epoch_means(runs_at(runs, *rows[i].best)));
    series.emplace_back(file, title(rows[i]));
  }
  if (series.empty()) return {};
  const bool lm = c.task == "lstm";
  struct Figure {
    std::string stem, ylabel;
    int column;
    bool log;
    double scale;
  };
  const std::vector<Figure> figs =
      c.task == "linreg" ? std::vector<Figure>{{"excess_loss", "excess loss f(w) - f*", 3, true, 1},
                                               {"distance", "|w - w*| / |w*|", 4, true, 1}}
      : lm               ? std::vector<Figure>{{"valid_perplexity", "validation perplexity", 3, true, 1},
                                               {"train_perplexity", "training perplexity", 2, true, 1}}
                         : std::vector<Figure>{{"val_accuracy", "validation accuracy (%)", 3, false, 100},
                                               {"test_accuracy", "test accuracy (%)", 4, false, 100},
                                               {"train_loss", "training loss", 2, true, 1}};
  std::vector<std::string> out;
  for (const Figure& f : figs) {
    // Whole epochs on the x axis; gnuplot's automatic tics would show 1.2, 1.4, ... for short runs.
    std::string cmd = fmt::format(
        "set title {}\nset xlabel 'epoch'\nset ylabel {}\nset key outside right\nset grid\n"
        "set xtics {}\n{}plot ",
        app::gnuplot_quote(fmt::format("{}: each optimizer at its best rate", c.task)), app::gnuplot_quote(f.ylabel),
        std::max(1, c.epochs / 10), f.log ? "set logscale y\n" : "");
    for (size_t i = 0; i < series.size(); ++i)
      cmd += fmt::format("{}{} using 1:(${}*{}) with linespoints title {}", i ? ", \\\n  " : "",
                         app::gnuplot_quote(series[i].first), f.column, f.scale, series[i].second);
    app::plot_png_svg(plots, f.stem, cmd + "\n");
    out.push_back(f.stem);
  }
  return out;
}

std::vector<std::string> rosenbrock_plots(const fs::path& dir, const fs::path& plots, const TransferConfig& c,
                                          const std::vector<RunRecord>& runs, const std::vector<Selected>& rows) {
  std::vector<std::pair<std::string, std::string>> series;  // trajectory file (relative to plots/), title
  for (const Selected& s : rows) {
    if (!s.best) continue;
    for (const RunRecord* r : runs_at(runs, *s.best)) {
      if (r->key.repeat == 0 && !r->trajectory.empty() && !fs::exists(dir / r->trajectory))
        fmt::print(stderr, "nos-transfer: warning: {} is missing: the trajectory plots leave out {}\n",
                   (dir / r->trajectory).string(), s.optimizer);
      if (r->key.repeat == 0 && !r->trajectory.empty() && fs::exists(dir / r->trajectory)) {
        series.emplace_back(
            "../" + r->trajectory,
            app::gnuplot_quote(fmt::format("{} (lr {:g}{})", s.optimizer, r->key.lr,
                                           r->key.eps != 1e-8 ? fmt::format(", eps {:g}", r->key.eps) : "")));
        break;
      }
    }
  }
  if (series.empty()) {
    // Plots of an earlier report would show trajectories this directory no longer has.
    for (const char* stem : {"trajectories", "loss"})
      for (const char* ext : {".png", ".svg"})
        if (std::error_code ec; fs::remove(plots / (std::string(stem) + ext), ec))
          fmt::print(stderr, "nos-transfer: warning: removed the stale {}{} (no trajectory files left)\n",
                     (plots / stem).string(), ext);
    return {};
  }
  app::write_file_atomic(plots / "optimum.dat", "1 1\n");
  app::write_file_atomic(plots / "start.dat", fmt::format("{:.9g} {:.9g}\n", c.x0, c.y0));
  // The view: the start point, the optimum and some margin.
  const double xlo = std::min(-2.0, c.x0 - 0.5), xhi = std::max(2.0, c.x0 + 0.5);
  const double ylo = std::min(-1.0, c.y0 - 1.0), yhi = std::max(3.0, c.y0 + 1.0);
  std::string cmd = fmt::format(
      "f(x,y) = (1-x)**2 + 100*(y-x**2)**2\n"
      "set view map\nunset surface\nset contour base\nset isosamples 250,250\nset samples 250,250\n"
      "set cntrparam levels discrete 0.01,0.1,0.5,1,2,5,10,20,50,100,200,500,1000\n"
      "set table 'contours.dat'\nsplot [{0}:{1}] [{2}:{3}] f(x,y)\nunset table\n"
      "reset\nset title 'Rosenbrock: best run of each optimizer ({4} iterations)'\nset xlabel 'x'\nset ylabel 'y'\n"
      "set xrange [{0}:{1}]\nset yrange [{2}:{3}]\nset key outside right\n"
      "plot 'contours.dat' using 1:2 with lines lc rgb '#c8c8c8' notitle",
      xlo, xhi, ylo, yhi, c.iterations);
  for (const auto& [file, t] : series)
    cmd += fmt::format(", \\\n  {} using 2:3 with lines lw 2 title {}", app::gnuplot_quote(file), t);
  cmd +=
      ", \\\n  'start.dat' with points pt 6 ps 2 lc rgb 'black' title 'start', \\\n"
      "  'optimum.dat' with points pt 7 ps 2 lc rgb 'black' title 'optimum (1,1)'\n";
  app::plot_png_svg(plots, "trajectories", cmd);

  std::string loss =
      "set title 'Rosenbrock: loss of the best run of each optimizer'\nset xlabel 'iteration'\n"
      "set ylabel 'f(x,y)'\nset logscale y\nset key outside right\nset grid\nplot ";
  for (size_t i = 0; i < series.size(); ++i)
    loss += fmt::format("{}{} using 1:($4 > 0 ? $4 : 1/0) with lines lw 2 title {}", i ? ", \\\n  " : "",
                        app::gnuplot_quote(series[i].first), series[i].second);
  app::plot_png_svg(plots, "loss", loss + "\n");
  return {"trajectories", "loss"};
}

}  // namespace

std::vector<std::string> write_plots(const fs::path& dir, const TransferConfig& c, const std::vector<RunRecord>& runs,
                                     const std::vector<Selected>& rows) {
  const fs::path plots = dir / "plots";
  fs::create_directories(plots);
  if (c.task == "rosenbrock") return rosenbrock_plots(dir, plots, c, runs, rows);
  return curve_plots(plots, c, runs, rows);
}

}  // namespace nos::transfer
