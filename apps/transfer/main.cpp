// nos-transfer: the paper's transfer experiments (§5) for any rule on any of nos's tasks — the
// Rosenbrock function, the child ConvNet and a Wide ResNet on CIFAR-10, the PTB LSTM — with a
// learning-rate sweep per optimizer, selection by validation, and tables and plots in a run
// directory. See apps/transfer/README.md.
//
//   nos-transfer rosenbrock --out runs/rosen
//   nos-transfer linreg --condition 1000 --out runs/linreg
//   nos-transfer two-moons --out runs/moons
//   nos-transfer wrn --depth 16 --widen 4 --epochs 5 --augment --optimizers sgd,momentum,adam,rmsprop,t1_01 --out runs/wrn
//   nos-transfer wrn --epochs 2 --rates 4 --halving 3 --out runs/wrn-halving   # stop the less promising early
//   nos-transfer report runs/wrn
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "apps/common/cli_checks.h"
#include "apps/common/named_rules.h"
#include "apps/common/run_dir.h"
#include "apps/common/run_files.h"
#include "apps/transfer/config.h"
#include "apps/transfer/report.h"
#include "apps/transfer/rungs.h"
#include "apps/transfer/study.h"
#include "nn/train/zaremba.h"
#include "tensor/blas_env.h"
#include "tensor/threads.h"

using namespace nos;
using namespace nos::transfer;

namespace {

// "adam=1e-4:1e-2" -> {"adam", {1e-4, 1e-2}}
std::pair<std::string, std::vector<double>> parse_range(const std::string& s) {
  const auto eq = s.rfind('='), colon = s.rfind(':');
  if (eq == std::string::npos || colon == std::string::npos || colon < eq)
    throw std::invalid_argument(fmt::format("--lr-range '{}': expected NAME=MIN:MAX, e.g. adam=1e-4:1e-2", s));
  double lo = 0, hi = 0;
  if (!CLI::detail::lexical_cast(s.substr(eq + 1, colon - eq - 1), lo) ||
      !CLI::detail::lexical_cast(s.substr(colon + 1), hi) || !std::isfinite(lo) || !std::isfinite(hi) || !(lo > 0) ||
      !(hi >= lo))
    throw std::invalid_argument(
        fmt::format("--lr-range '{}': MIN and MAX must be finite numbers with 0 < MIN <= MAX", s));
  return {s.substr(0, eq), {lo, hi}};
}

int run(TransferConfig c, const std::vector<std::string>& wanted, const std::string& rules_flag,
        const std::vector<std::string>& ranges, const std::string& halving, const std::string& out) {
  if (!halving.empty()) {
    const app::HalvingSpec h = parse_halving(halving);
    c.halving_eta = h.eta;
    c.halving_rungs = h.rungs;
  }
  std::filesystem::path rules_file = rules_flag.empty() ? app::default_rules_file() : std::filesystem::path(rules_flag);
  std::vector<app::OptimizerSpec> rules;
  if (!rules_file.empty()) rules = app::read_rules_file(rules_file);
  c.optimizers = app::resolve_optimizers(wanted, rules, rules_file.string());
  for (const auto& r : ranges) c.lr_ranges.insert(parse_range(r));
  // Held until the study's tables are written: a second nos-transfer on --out is refused here.
  // (apps/common/run_dir.h: the lock, then the temporaries a killed process left are removed.)
  const app::RunDir run_dir(out, "nos-transfer");
  const int threads = init_threads_from_env();
  fmt::print(stderr, "nos-transfer: {} threads, OpenBLAS core {}, rules {}\n", threads, blas_core_name(),
             rules_file.empty() ? "(none found; baselines and literal rules only)" : rules_file.string());
  const StudyCounts n = run_study(c, out);
  const ReportSummary rep = write_report(out);
  fmt::print("{}\n", rep.table);
  fmt::print(
      "{} runs planned: {} already finished, {} trained now ({} diverged). Tables in {}/table.md, table.csv, "
      "sweep.md{}\n",
      n.planned, n.skipped, n.trained, n.diverged, out,
      rep.plotted ? fmt::format("; plots in {}/plots", out) : " (gnuplot missing: no plots)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ensure_blas_coretype(argc, argv);
  CLI::App app{
      "nos-transfer: do found update rules transfer? Sweeps, tables and plots for Rosenbrock, the child "
      "ConvNet, Wide ResNets and the PTB LSTM"};
  app.require_subcommand(1);
  TransferConfig c;
  std::vector<std::string> wanted;
  std::vector<std::string> ranges;
  std::string rules_flag, out, halving;

  auto common = [&](CLI::App* s, const std::string& default_opts, int rates, double lo, double hi) {
    s->add_option("--optimizers,-O", wanted,
                  "Comma-separated: names from the rules file (powersign-ld, t1_01, ...), baselines (sgd, momentum, "
                  "adam, rmsprop, lion, rmsprop_tf, adam_tf), NAME=RULE or a literal rule (default: " +
                      default_opts + ")")
        ->delimiter(',');
    s->add_option("--rules", rules_flag,
                  "Rules file (default: rules/paper.rules, looked for upwards from here and from the executable)");
    s->add_option("--out,-o", out, "Run directory (created, or resumed)")->required();
    s->add_option("--rates", c.rates, fmt::format("Learning rates per optimizer, log-spaced (default {})", rates))
        ->check(CLI::Range(1, 100));
    s->add_option("--lr-min", c.lr_min, fmt::format("Smallest rate (default {:g})", lo))->check(app::Positive);
    s->add_option("--lr-max", c.lr_max, fmt::format("Largest rate (default {:g})", hi))->check(app::Positive);
    s->add_option("--lr-range", ranges, "Own rate range of one optimizer: NAME=MIN:MAX (repeatable)");
    s->add_option("--repeats", c.repeats,
                  "Runs per (optimizer, rate) with seeds seed, seed+1, ...; tables show mean ± std")
        ->check(CLI::Range(1, 100));
    s->add_option("--seed", c.seed, "Seed of the data split; repeat r uses seed + r for initialisation and shuffles");
    s->add_option("--data", c.data_dir, "Data directory (else NOS_DATA_DIR, then ../shared/data, /usr/share/datasets)");
  };
  auto nets = [&](CLI::App* s) {
    s->add_option("--epochs", c.epochs, "Epochs")->check(CLI::Range(1, 100000));
    s->add_option("--steps-per-epoch", c.steps_per_epoch,
                  "Stop each epoch after this many steps (0: whole epochs; for smoke runs)")
        ->check(app::NonNegative);
    s->add_option("--batch", c.batch, "Batch size (default: convnet 100, wrn 128, lstm 20)")->check(app::NonNegative);
    auto* h = s->add_option("--halving", halving,
                            "Successive halving over (optimizer, rate) pairs: ETA or ETA:RUNGS (default 3 rungs) keeps "
                            "the best 1/ETA, by the table's validation score, after rungs of steps growing by ETA up "
                            "to the whole run; stopped runs are prefixes of whole runs (README: Halving)");
    s->add_option("--halving-pool", c.halving_pool,
                  "With --halving: optimizer (each optimizer's rates among themselves, so every optimizer gets a "
                  "whole run: a table; default) or all (every pair against every other)")
        ->check(CLI::IsMember({"optimizer", "all"}))
        ->needs(h);
  };

  auto* rosen = app.add_subcommand(
      "rosenbrock", "§5.1: 2-D Rosenbrock from a start point, best of 4 rates per optimizer (Adam also sweeps eps)");
  auto* linreg = app.add_subcommand(
      "linreg", "Random linear regression with a chosen condition number and noise (Maheswaranathan et al. 2021)");
  auto* moons = app.add_subcommand("two-moons", "A small MLP on the two-moons data (Maheswaranathan et al. 2021)");
  auto* convnet = app.add_subcommand(
      "convnet", "The paper's child ConvNet on full CIFAR-10 (45k train / 5k validation / 10k test)");
  auto* wrn = app.add_subcommand("wrn", "§5.2, Table 1: a Wide ResNet on CIFAR-10");
  auto* lstm = app.add_subcommand("lstm", "§5.3 in spirit: Zaremba's LSTM language model on Penn Treebank");
  auto* report =
      app.add_subcommand("report", "Rebuild the tables and plots of a run directory (finished or interrupted)");

  const std::string classic = "sgd,momentum,adam,rmsprop,powersign";
  std::vector<double> adam_eps{1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8};
  common(rosen, classic, 4, 1e-4, 1e-1);
  rosen->add_option("--iterations", c.iterations, "Iterations (default 4000, as the paper)")
      ->check(CLI::Range(1, 10000000));
  rosen->add_option("--x0", c.x0, "Start x (default -1.5)")->check(app::Finite);
  rosen->add_option("--y0", c.y0, "Start y (default 2)")->check(app::Finite);
  rosen->add_option("--adam-eps", adam_eps, "Adam's eps values (default 1e-3 ... 1e-8, as the paper)")
      ->delimiter(',')
      ->check(app::Positive);

  for (auto* s : {linreg, moons}) {
    common(s, classic, 7, 1e-5, 10);
    nets(s);
    s->add_option("--noise", c.noise,
                  "linreg: observation noise (default 0.1); two-moons: coordinate noise (default 0.2)")
        ->check(CLI::NonNegativeNumber);
  }
  linreg->add_option("--samples", c.train, "Rows of the design (default 500)")->check(CLI::Range(1, 10000000));
  linreg->add_option("--dim", c.dim, "Parameters (default 20)")->check(CLI::Range(1, 10000));
  linreg->add_option("--condition", c.condition, "Condition number of the Hessian (default 100)")
      ->check(CLI::Range(1.0, 1e12));
  moons->add_option("--train", c.train, "Training points (default 200)")->check(CLI::Range(1, 10000000));
  moons->add_option("--val", c.val, "Validation points (default 200)")->check(CLI::Range(1, 10000000));
  moons->add_option("--test", c.test, "Test points (default 1000)")->check(CLI::Range(1, 10000000));
  moons->add_option("--hidden", c.hidden, "Width of the two hidden layers (default 16)")->check(CLI::Range(1, 4096));

  for (auto* s : {convnet, wrn}) {
    common(s, s == wrn ? "sgd,momentum,adam_tf,rmsprop_tf,t1_01,t1_02,t1_03,t1_04" : classic, 7, 1e-5, 10);
    nets(s);
    s->add_option("--train", c.train, "Training images (default 45000)")->check(CLI::Range(1, 49999));
    s->add_option("--val", c.val, "Validation images, held out of the training batches (default 5000)")
        ->check(CLI::Range(1, 49999));
    s->add_option("--test", c.test, "Test images, the first N of test_batch.bin (default 10000)")
        ->check(CLI::Range(1, 10000));
    s->add_flag("--augment", c.augment, "Pad-4 random crops and horizontal flips (the WRN standard)");
    s->add_option("--schedule", c.schedule, "constant, step, cosine, linear-cosine or noisy-linear-cosine")
        ->check(CLI::IsMember({"constant", "step", "cosine", "linear-cosine", "noisy-linear-cosine"}));
    s->add_option("--decay-epochs", c.decay_epochs, "step schedule: epochs between decays")->check(app::Positive);
    s->add_option("--decay-rate", c.decay_rate, "step schedule: factor per decay (default 0.1)")->check(app::Positive);
  }
  convnet->add_flag("--pooling", c.pooling, "2x2 max pooling after each conv layer");
  convnet->add_flag("--no-padding", c.no_padding, "Unpadded convolutions");
  wrn->add_option("--depth", c.depth, "Depth d = 6n + 4 (default 16)")->check(CLI::Range(10, 1000));
  wrn->add_option("--widen", c.widen, "Width factor k (default 4)")->check(CLI::Range(1, 64));
  wrn->add_option("--dropout", c.dropout, "Dropout inside blocks")->check(CLI::Range(0.0, 0.99));

  common(lstm, "sgd,powersign,addsign,adam", 7, 1e-5, 10);
  nets(lstm);
  lstm->add_option("--size", c.size, "small (2x200) or medium (2x650)")->check(CLI::IsMember({"small", "medium"}));
  lstm->add_option("--bptt", c.bptt, "Truncated backpropagation length (default: small 20, medium 35, as Zaremba)")
      ->check(CLI::Range(1, 10000));
  lstm->add_option("--clip", c.clip, "Gradient-norm clipping (default 5; 0: off)")->check(app::NonNegative);
  lstm->add_option("--lr-decay-start", c.lr_decay_start,
                   "Decay the rate after each epoch past this one (default: small 4, medium 6)");
  std::string cuts = "continue";
  lstm->add_option("--cuts", cuts,
                   "With --steps-per-epoch: continue (each cut epoch starts where the last ended) or "
                   "restart (each re-reads the text's start, as studies before this option)")
      ->check(CLI::IsMember({"continue", "restart"}));
  lstm->add_option("--lr-decay", c.lr_decay,
                   "Factor per epoch past --lr-decay-start (default: small 0.5, medium 1/1.2)")
      ->check(app::Positive);
  lstm->add_option("--valid-tokens", c.valid_tokens, "Use only the first N validation tokens (0: all; for smoke runs)")
      ->check(app::NonNegative);
  lstm->add_option("--test-tokens", c.test_tokens, "Use only the first N test tokens (0: all)")
      ->check(app::NonNegative);

  std::string report_dir;
  report->add_option("DIR", report_dir, "Run directory")->required();

  // Per-task defaults the flags may override: parse once to see the subcommand, set defaults
  // where the user gave no value.
  app.parse_complete_callback([&] {
    auto unset = [](CLI::App* s, const char* opt) { return s->count(opt) == 0; };
    CLI::App* s = nullptr;
    for (auto* t : {rosen, linreg, moons, convnet, wrn, lstm})
      if (*t) s = t;
    if (!s) return;
    c.task = s->get_name();
    if (unset(s, "--rates")) c.rates = s == rosen ? 4 : 7;
    if (unset(s, "--lr-min")) c.lr_min = s == rosen ? 1e-4 : 1e-5;
    if (unset(s, "--lr-max")) c.lr_max = s == rosen ? 1e-1 : 10;
    if (unset(s, "--optimizers")) {
      // Table 1 compares against TensorFlow's Adam and RMSProp, so the wrn study does too.
      if (s == wrn) wanted = {"sgd", "momentum", "adam_tf", "rmsprop_tf", "t1_01", "t1_02", "t1_03", "t1_04"};
      else if (s == lstm) wanted = {"sgd", "powersign", "addsign", "adam"};
      else wanted = {"sgd", "momentum", "adam", "rmsprop", "powersign"};
    }
    if (s == rosen) c.adam_eps = adam_eps;
    if (s == linreg) {
      if (unset(s, "--samples")) c.train = 500;
      if (unset(s, "--epochs")) c.epochs = 20;
      if (unset(s, "--batch")) c.batch = 50;
    }
    if (s == moons) {
      if (unset(s, "--train")) c.train = 200;
      if (unset(s, "--val")) c.val = 200;
      if (unset(s, "--test")) c.test = 1000;
      if (unset(s, "--epochs")) c.epochs = 50;
      if (unset(s, "--batch")) c.batch = 20;
      if (unset(s, "--noise")) c.noise = 0.2;
    }
    if (s == lstm) {  // unset flags take Zaremba's recipe for the size
      const nn::ZarembaRecipe z = nn::zaremba_recipe(c.size);
      if (unset(s, "--bptt")) c.bptt = z.bptt;
      if (unset(s, "--lr-decay-start")) c.lr_decay_start = z.decay_start;
      if (unset(s, "--lr-decay")) c.lr_decay = z.decay;
      if (unset(s, "--epochs")) c.epochs = z.epochs;
      if (unset(s, "--clip")) c.clip = z.clip;
      c.lm_cuts = cuts;
    }
  });
  CLI11_PARSE(app, argc, argv);

  try {
    if (*report) {
      const ReportSummary r = write_report(report_dir);
      fmt::print("{}\n{} finished runs; tables in {}/table.md, table.csv, sweep.md{}\n", r.table, r.runs, report_dir,
                 r.plotted ? fmt::format("; plots in {}/plots", report_dir) : " (gnuplot missing: no plots)");
      return 0;
    }
    return run(c, wanted, rules_flag, ranges, halving, out);
  } catch (const std::exception& e) {
    fmt::print(stderr, "nos-transfer: error: {}\n", e.what());
    return 1;
  }
}
