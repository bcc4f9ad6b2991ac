#include "apps/transfer/table.h"

#include <fmt/format.h>

#include <cmath>

namespace nos::transfer {
namespace {

std::string format_value(const Column& col, double v) {
  if (std::isnan(v)) return "nan";
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
  for (const auto& col : spec.columns) out += " " + col.name + " |";
  out += " rates diverged |\n|---|---|---|";
  if (eps) out += "---|";
  out += "---|";
  for (size_t i = 0; i < spec.columns.size(); ++i) out += "---|";
  out += "---|\n";
  for (const Selected& s : rows) {
    out += fmt::format("| {} | {} |", cell(s.optimizer), cell(rule_text(c, s.optimizer, s.best ? s.best->rule : "")));
    if (!s.best) {
      out += " all diverged |";
      if (eps) out += " |";
      out += " |";
      for (size_t i = 0; i < spec.columns.size(); ++i) out += " |";
    } else {
      out += fmt::format(" {:g} |", s.best->key.lr);
      if (eps) out += fmt::format(" {:g} |", s.best->key.eps);
      out += fmt::format(" {} |", s.best->runs);
      for (size_t i = 0; i < spec.columns.size(); ++i)
        out += " " + format_stat(spec.columns[i], s.best->values[i]) + " |";
    }
    out += fmt::format(" {}/{} |\n", s.diverged_rates, s.rates);
  }
  return out;
}

std::string table_csv(const TableSpec& spec, const std::vector<Selected>& rows) {
  std::string out = "optimizer,rule,lr,eps,runs";
  for (const auto& col : spec.columns) out += "," + csv_field(col.name) + "," + csv_field(col.name + " std");
  out += ",rates,diverged_rates\n";
  for (const Selected& s : rows) {
    out += csv_field(s.optimizer);
    if (s.best) {
      out +=
          fmt::format(",{},{:.6g},{:.6g},{}", csv_field(s.best->rule), s.best->key.lr, s.best->key.eps, s.best->runs);
      for (size_t i = 0; i < spec.columns.size(); ++i)
        out += fmt::format(",{:.8g},{:.8g}", s.best->values[i].mean * spec.columns[i].scale,
                           s.best->values[i].std * spec.columns[i].scale);
    } else {
      out += ",,,,0";
      for (size_t i = 0; i < spec.columns.size(); ++i) out += ",,";
    }
    out += fmt::format(",{},{}\n", s.rates, s.diverged_rates);
  }
  return out;
}

std::string sweep_markdown(const TransferConfig& c, const TableSpec& spec, const std::vector<RateSummary>& rates) {
  const Column& score = spec.columns[spec.score];
  std::string out = fmt::format(
      "# nos-transfer {}: every rate\n\n{}.\n\n| optimizer | lr | eps | runs | diverged | {} |\n"
      "|---|---|---|---|---|---|\n",
      c.task, describe_budget(c, select_best(rates, spec)), score.name);
  for (const RateSummary& s : rates)
    out += fmt::format("| {} | {:g} | {:g} | {} | {} | {} |\n", cell(s.key.optimizer), s.key.lr, s.key.eps, s.runs,
                       s.diverged, s.eligible() ? format_stat(score, s.values[spec.score]) : "diverged");
  return out;
}

}  // namespace nos::transfer
