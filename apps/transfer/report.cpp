#include "apps/transfer/report.h"

#include <fmt/format.h>

#include <stdexcept>

#include "apps/common/gnuplot.h"
#include "apps/common/run_files.h"
#include "apps/transfer/plots.h"
#include "apps/transfer/run_dir.h"
#include "apps/transfer/select.h"
#include "apps/transfer/table.h"

namespace nos::transfer {

ReportSummary write_report(const std::filesystem::path& dir) {
  const auto cfg = read_config(dir);
  if (!cfg)
    throw std::runtime_error(fmt::format("{} is not a nos-transfer study: it has no config.json", dir.string()));
  const std::vector<RunRecord> runs = read_runs(dir);
  const TableSpec spec = table_spec(cfg->task);
  std::vector<std::string> order;
  for (const auto& o : cfg->optimizers) order.push_back(o.name);
  const std::vector<RateSummary> rates = summarize(runs, spec, order);
  const std::vector<Selected> rows = select_best(rates, spec);

  ReportSummary out;
  out.runs = static_cast<int>(runs.size());
  out.table = table_markdown(*cfg, spec, rows);
  app::write_file_atomic(dir / "table.md", out.table);
  app::write_file_atomic(dir / "table.csv", table_csv(*cfg, spec, rows));
  app::write_file_atomic(dir / "sweep.md", sweep_markdown(*cfg, spec, rates));
  if (app::gnuplot_available()) {
    write_plots(dir, *cfg, runs, rows);
    out.plotted = true;
  }
  return out;
}

}  // namespace nos::transfer
