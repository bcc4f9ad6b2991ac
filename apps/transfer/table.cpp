#include "apps/transfer/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "apps/common/halving.h"

namespace nos::transfer {
namespace {

std::string format_value(const Column& col, double v) {
  // Not measured: a run stopped by halving never scores the test set.
  if (std::isnan(v)) return "—";
  const double x = v * col.scale;
  return col.precision < 0 ? fmt::format("{:.3g}", x) : fmt::format("{:.{}f}", x, col.precision);
}

std::string rule_text(const TransferConfig& c, const std::string& name, const std::string& fallback) {
  for (const auto& o : c.optimizers)
    if (o.name == name) return o.infix;
  return fallback;
}

// Markdown cells must not contain '|'.
std::string cell(std::string s) {
  for (char& ch : s)
    if (ch == '|') ch = '/';
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

bool halving(const TransferConfig& c) { return c.halving_eta > 0; }

// "8 of 24 steps" for a run halving stopped, "24 steps" for a whole run.
std::string budget_text(const RateSummary& s) {
  if (s.key.steps == 0) return s.total_steps > 0 ? fmt::format("{} steps", s.total_steps) : "whole run";
  return s.total_steps > 0 ? fmt::format("{} of {} steps", s.key.steps, s.total_steps)
                           : fmt::format("{} steps", s.key.steps);
}

// "; successive halving (eta 3, per optimizer) at 3, 8, 24 steps: 22 of 32 rates stopped early"
std::string describe_halving(const TransferConfig& c, const std::vector<Selected>& rows) {
  if (!halving(c)) return "";
  std::int64_t total = 0;
  int rates = 0, stopped = 0;
  for (const Selected& s : rows) {
    if (s.best) total = std::max(total, s.best->total_steps);
    rates += s.rates;
    stopped += s.stopped_rates;
  }
  std::string rungs;
  if (total > 0)
    for (std::int64_t b : app::halving_budgets(total, {.eta = c.halving_eta, .rungs = c.halving_rungs}))
      rungs += fmt::format("{}{}", rungs.empty() ? " at " : ", ", b);
  return fmt::format("; successive halving (eta {}, {} rungs, {}){}: {} of {} rates stopped early", c.halving_eta,
                     c.halving_rungs, c.halving_pool == "all" ? "over all pairs" : "per optimizer",
                     rungs.empty() ? "" : rungs + " steps", stopped, rates);
}

}  // namespace

std::string format_stat(const Column& col, const Stat& s) {
  if (s.n == 0) return "";
  if (s.n == 1) return format_value(col, s.mean);
  return format_value(col, s.mean) + " ± " + format_value(col, s.std);
}

std::string describe_budget(const TransferConfig& c, const std::vector<Selected>& rows) {
  std::string sweep;
  for (const Selected& s : rows) {
    sweep += sweep.empty() ? "rates run: " : ", ";
    sweep += s.lrs == 1 ? fmt::format("{} {:g}", s.optimizer, s.lr_lo)
                        : fmt::format("{} {} from {:g} to {:g}", s.optimizer, s.lrs, s.lr_lo, s.lr_hi);
  }
  if (sweep.empty()) sweep = "no runs finished yet";
  sweep += describe_halving(c, rows);
  if (c.task == "rosenbrock") {
    std::string eps;
    for (double e : c.adam_eps) eps += (eps.empty() ? "" : ", ") + fmt::format("{:g}", e);
    return fmt::format(
        "Rosenbrock f(x,y) = (1-x)^2 + 100(y-x^2)^2 from ({:g}, {:g}), {} iterations; {}; Adam's "
        "eps in {{{}}}; best run by final loss",
        c.x0, c.y0, c.iterations, sweep, eps);
  }
  if (c.task == "linreg")
    return fmt::format(
        "random linear regression, {} samples x {} dims, condition number {:g}, noise {:g}, batch {}, {} epochs, "
        "{} schedule; {}; {} repeat(s), seed {}; best rate by final excess loss f(w) - f*",
        c.train, c.dim, c.condition, c.noise, batch_size(c), c.epochs, c.schedule, sweep, c.repeats, c.seed);
  if (c.task == "two-moons")
    return fmt::format(
        "two moons (noise {:g}; {} train / {} validation / {} test points), MLP 2-{}-{}-1 tanh, batch {}, {} "
        "epochs, {} schedule; {}; {} repeat(s), seed {}; best rate by best validation accuracy",
        c.noise, c.train, c.val, c.test, c.hidden, c.hidden, batch_size(c), c.epochs, c.schedule, sweep, c.repeats,
        c.seed);
  std::string model;
  if (c.task == "convnet")
    model = fmt::format("child ConvNet{}{}", c.pooling ? ", pooling" : "", c.no_padding ? ", unpadded" : "");
  if (c.task == "wrn")
    model = fmt::format("WRN-{}-{}{}", c.depth, c.widen, c.dropout > 0 ? fmt::format(", dropout {:g}", c.dropout) : "");
  if (c.task == "lstm")
    return fmt::format(
        "PTB word-level LSTM {} (bptt {}, batch {}, clip {:g}), {} epochs{}, rate x{:g} after each epoch past "
        "epoch {} (Zaremba's schedule), {}; {} repeat(s), seed {}; best rate by best validation perplexity",
        c.size, c.bptt, batch_size(c), c.clip, c.epochs,
        c.steps_per_epoch
            ? fmt::format(" of at most {} steps ({})", c.steps_per_epoch,
                          c.lm_cuts == "continue" ? "each going on through the text" : "each from the text's start")
            : "",
        c.lr_decay, c.lr_decay_start, sweep, c.repeats, c.seed);
  return fmt::format(
      "{} on CIFAR-10 ({} train / {} validation / {} test images{}), batch {}, {} epochs{}, {} schedule; {}; "
      "{} repeat(s), seed {}; best rate by best validation accuracy",
      model, c.train, c.val, c.test, c.augment ? ", crop+flip augmentation" : "", batch_size(c), c.epochs,
      c.steps_per_epoch ? fmt::format(" of at most {} steps", c.steps_per_epoch) : "", c.schedule, sweep, c.repeats,
      c.seed);
}

std::string table_markdown(const TransferConfig& c, const TableSpec& spec, const std::vector<Selected>& rows) {
  std::string out = fmt::format("# nos-transfer {}\n\n{}.\n\n", c.task, describe_budget(c, rows));
  const bool eps = c.task == "rosenbrock";
  out += "| optimizer | rule | best lr |";
  if (eps) out += " eps |";
  out += " runs |";
  if (halving(c)) out += " steps |";
  for (const auto& col : spec.columns) out += " " + col.name + " |";
  if (halving(c)) out += " rates stopped early |";
  out += " rates diverged |\n|---|---|---|";
  if (eps) out += "---|";
  out += "---|";
  if (halving(c)) out += "---|---|";
  for (size_t i = 0; i < spec.columns.size(); ++i) out += "---|";
  out += "---|\n";
  for (const Selected& s : rows) {
    out += fmt::format("| {} | {} |", cell(s.optimizer), cell(rule_text(c, s.optimizer, s.best ? s.best->rule : "")));
    if (!s.best) {
      out += " all diverged |";
      if (eps) out += " |";
      out += " |";
      if (halving(c)) out += " |";
      for (size_t i = 0; i < spec.columns.size(); ++i) out += " |";
    } else {
      out += fmt::format(" {:g} |", s.best->key.lr);
      if (eps) out += fmt::format(" {:g} |", s.best->key.eps);
      out += fmt::format(" {} |", s.best->runs);
      // A row whose best run was stopped (halving over all pairs) says so in bold: its numbers are
      // from a shorter run than the other rows'.
      if (halving(c))
        out += s.best->key.steps > 0 ? fmt::format(" **stopped at {}** |", budget_text(*s.best))
                                     : fmt::format(" {} |", budget_text(*s.best));
      for (size_t i = 0; i < spec.columns.size(); ++i)
        out += " " + format_stat(spec.columns[i], s.best->values[i]) + " |";
    }
    if (halving(c)) out += fmt::format(" {}/{} |", s.stopped_rates, s.rates);
    out += fmt::format(" {}/{} |\n", s.diverged_rates, s.rates);
  }
  return out;
}

std::string table_csv(const TransferConfig& c, const TableSpec& spec, const std::vector<Selected>& rows) {
  std::string out = "optimizer,rule,lr,eps,runs";
  if (halving(c)) out += ",steps,total_steps";
  for (const auto& col : spec.columns) out += "," + csv_field(col.name) + "," + csv_field(col.name + " std");
  out += halving(c) ? ",rates,stopped_rates,diverged_rates\n" : ",rates,diverged_rates\n";
  for (const Selected& s : rows) {
    out += csv_field(s.optimizer);
    if (s.best) {
      out +=
          fmt::format(",{},{:.6g},{:.6g},{}", csv_field(s.best->rule), s.best->key.lr, s.best->key.eps, s.best->runs);
      // steps: where the best run stopped, 0 for a whole run.
      if (halving(c)) out += fmt::format(",{},{}", s.best->key.steps, s.best->total_steps);
      for (size_t i = 0; i < spec.columns.size(); ++i)
        out += fmt::format(",{:.8g},{:.8g}", s.best->values[i].mean * spec.columns[i].scale,
                           s.best->values[i].std * spec.columns[i].scale);
    } else {
      out += ",,,,0";
      if (halving(c)) out += ",,";
      for (size_t i = 0; i < spec.columns.size(); ++i) out += ",,";
    }
    out += halving(c) ? fmt::format(",{},{},{}\n", s.rates, s.stopped_rates, s.diverged_rates)
                      : fmt::format(",{},{}\n", s.rates, s.diverged_rates);
  }
  return out;
}

std::string sweep_markdown(const TransferConfig& c, const TableSpec& spec, const std::vector<RateSummary>& rates) {
  const Column& score = spec.columns[spec.score];
  std::string out = fmt::format(
      "# nos-transfer {}: every rate\n\n{}.\n\n| optimizer | lr | eps |{} runs | diverged | {} |\n"
      "|---|---|---|{}---|---|---|\n",
      c.task, describe_budget(c, select_best(rates, spec)), halving(c) ? " steps | halving |" : "", score.name,
      halving(c) ? "---|---|" : "");
  for (size_t i = 0; i < rates.size(); ++i) {
    const RateSummary& s = rates[i];
    std::string rung;
    if (halving(c)) {
      // Summaries of one rate arrive budget by budget: one followed by the same rate went on.
      const bool went_on = i + 1 < rates.size() && rates[i + 1].key.optimizer == s.key.optimizer &&
                           rates[i + 1].key.lr == s.key.lr && rates[i + 1].key.eps == s.key.eps;
      const char* what = s.key.steps == 0 ? "whole run"
                         : went_on        ? "went on"
                         : s.eligible()   ? "**stopped**"
                                          : "diverged";
      rung = fmt::format(" {} | {} |", budget_text(s), what);
    }
    out += fmt::format("| {} | {:g} | {:g} |{} {} | {} | {} |\n", cell(s.key.optimizer), s.key.lr, s.key.eps, rung,
                       s.runs, s.diverged, s.eligible() ? format_stat(score, s.values[spec.score]) : "diverged");
  }
  return out;
}

}  // namespace nos::transfer
