// nos-search: the optimizer search of Bello et al. 2017 (§3-§4). Runs a search into a run
// directory (default), continues one (--resume DIR), or reports on finished runs (report DIR...).
// See apps/search/README.md for the data flow, the run directory and MPI/Slurm use.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <optional>
#include <set>
#include <thread>

#include "apps/common/run_dir.h"
#include "apps/common/run_files.h"
#include "apps/search/calibration.h"
#include "apps/search/driver.h"
#include "apps/search/evaluator.h"
#include "apps/search/local_workers.h"
#include "apps/search/mpi.h"
#include "apps/search/next_steps.h"
#include "apps/search/references.h"
#include "apps/search/report.h"
#include "tensor/blas_env.h"
#include "tensor/threads.h"

using namespace nos;
using namespace nos::search;

namespace {

std::atomic<bool> g_stop{false};

// First SIGINT: stop dispatching, finish and record the evaluations in flight, save, exit. The
// handler restores the default, so a second SIGINT ends the process at once, which is safe: the
// run directory survives any kill (driver.h).
extern "C" void on_sigint(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);
}

// Options whose value lands in a SearchConfig field; the key (option name, '-' -> '_') is the
// field's name in config.json, so resume can tell which settings the command line gave.
struct Options {
  CLI::App& app;
  std::vector<std::pair<CLI::Option*, std::string>> keyed;
  template <typename T>
  CLI::Option* add(const std::string& name, T& var, const std::string& help) {
    auto* o = app.add_option(name, var, help);
    keyed.emplace_back(o, key_of(name));
    return o->capture_default_str();
  }
  CLI::Option* flag(const std::string& names, bool& var, const std::string& help) {
    auto* o = app.add_flag(names, var, help);
    keyed.emplace_back(o, key_of(names.substr(0, names.find(','))));
    return o;
  }
  static std::string key_of(std::string name) {
    name = name.substr(name.find_first_not_of('-'));
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
  }
  std::set<std::string> given() const {
    std::set<std::string> g;
    for (const auto& [o, k] : keyed)
      if (o->count() > 0) g.insert(k);
    return g;
  }
};

// The closing lines of a real-reward run's report: what to do with its best rule.
void print_next_steps(const RunPaths& p, const char* argv0) {
  SearchConfig c;
  try {
    c = read_run_config(p);
  } catch (const std::exception&) {
    return;
  }
  if (c.reward == "synthetic") return;
  const BestRule best = best_rule(read_records(p), read_promotion_records(p));
  const std::string bin = std::filesystem::path(argv0).parent_path().string();
  if (const auto t = next_steps_text(best, bin, c.score_cache); !t.empty()) fmt::print("\n{}", t);
}

int report_main(const std::vector<std::string>& dirs, int top, const std::vector<std::filesystem::path>& against,
                const char* argv0) {
  std::vector<RunSummary> runs;
  for (const auto& d : dirs) {
    if (dirs.size() > 1) fmt::print("## {}\n\n", d);
    runs.push_back(write_report({d}, top, against));
    fmt::print("\n");
  }
  if (runs.size() > 1) fmt::print("{}", comparison_markdown(runs));
  if (dirs.size() == 1) print_next_steps({dirs.front()}, argv0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ensure_blas_coretype(argc, argv);
  if (argc > 1 && std::string_view(argv[1]) == "calibrate") return calibrate_main(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "screen") return screen_main(argc - 1, argv + 1);
  MpiSession mpi(&argc, &argv);

  CLI::App app{"nos-search: search update rules with a controller, random sampling or evolution (Bello et al. 2017)"};
  SearchConfig cfg;
  Options opt{app};
  std::string dir = "nos-search-run", resume;
  int top = 10;
  opt.add("--strategy", cfg.strategy, "controller | random | evolution")
      ->check(CLI::IsMember({"controller", "random", "evolution"}));
  opt.add("--method", cfg.method, "Controller update: trpo | ppo | reinforce")
      ->check(CLI::IsMember({"trpo", "ppo", "reinforce"}));
  opt.add("--space", cfg.space, "Search space preset: paper | paper-small | tiny");
  opt.add("--groups", cfg.groups, "Groups n per rule (5n tokens)");
  opt.flag("--distinct-operands,!--no-distinct-operands", cfg.distinct_operands,
           "Sampling constraint (paper): the two operands of a group differ (default on)");
  opt.flag("--final-not-add,!--no-final-not-add", cfg.final_not_add,
           "Sampling constraint (paper): the last group's binary function is not add (default on)");
  opt.flag("--use-earlier-output,!--no-use-earlier-output", cfg.use_earlier_output,
           "Sampling constraint (paper): every group after the first reads an earlier group's output (default on)");
  opt.add("--batch", cfg.batch, "Samples per controller update (paper: 5); every strategy observes in batches");
  opt.add("--lr", cfg.lr,
          "Controller Adam learning rate of --method reinforce and ppo (paper: 1e-5); an error with "
          "trpo, which takes no Adam step");
  opt.add("--entropy", cfg.entropy, "Entropy bonus (paper: 0.0015)");
  opt.add("--max-kl", cfg.max_kl, "TRPO's trust region: the KL bound that sizes each controller step (trpo only)");
  opt.add("--hidden", cfg.hidden, "Controller LSTM size (paper: 150)");
  opt.add("--lookahead", cfg.lookahead,
          "Batches proposed beyond the one being evaluated (keeps workers busy; part of the run's identity)");
  opt.add("--population", cfg.population, "Evolution: population size P");
  opt.add("--tournament", cfg.tournament, "Evolution: tournament size S");
  opt.add("--samples", cfg.samples, "Budget: rules evaluated in total (may be raised on --resume)");
  opt.add("--seed", cfg.seed, "Seed of the controller weights and of every sampling rng");
  opt.add("--reward", cfg.reward,
          "child: the paper's child-network reward; synthetic: a test proxy (1 when the "
          "canonical rule uses both exp and sign_m, no training)")
      ->check(CLI::IsMember({"child", "synthetic"}));
  opt.add("--synthetic-seconds", cfg.synthetic_seconds, "Synthetic reward: seconds of sleep per evaluation");
  opt.add("--sweep-rates", cfg.sweep_rates, "Learning rates of the sweep (paper: 1e-5 ... 10)")->delimiter(',');
  opt.add("--sweep-epochs", cfg.sweep_epochs, "Epochs per swept rate (paper: 1)");
  opt.add("--final-epochs", cfg.final_epochs, "Epochs of the final run at the best rate (paper: 5)");
  opt.add("--child-batch", cfg.child_batch, "Child network batch size (paper: 100)");
  opt.add("--train-images", cfg.train_images, "Child training subset (paper: 10000)");
  opt.add("--val-images", cfg.val_images, "Held-out validation images (paper: 5000)");
  opt.add("--dataset", cfg.dataset, "cifar10 | fashion-mnist | auto (CIFAR-10 if found, else Fashion-MNIST)");
  opt.add("--data", cfg.data, "Directory holding the data set (else NOS_DATA_DIR, then defaults)");
  opt.flag("--pooling", cfg.pooling, "Child network: 2x2 max pooling after each conv layer");
  opt.flag("--padding,!--no-padding", cfg.padding, "Child network: padded 3x3 convolutions (default on)");
  opt.add("--failed-reward", cfg.failed_reward, "Reward of a rule that diverges or ignores g");
  opt.add("--reward-seed", cfg.reward_seed, "Seed of the child network's initialisation, shuffles and data split");
  opt.add("--stage", cfg.stages,
          "A stage of a multi-fidelity funnel, repeated, the first scoring every sample: NAME[:key=value,...] with "
          "the keys of a fidelity (train, val, rates, sweep-epochs, final-epochs, batch, seeds; relative to the "
          "flags above) and, after the first, keep=F|N (each window's best) or top=N (the best at the end)");
  opt.add("--promote-every", cfg.promote_every, "Funnel: samples per promotion window");
  opt.flag("--screen,!--no-screen", cfg.screen,
           "Screen rules before training: one whose update is not finite, ascends or is inert gets the failed reward "
           "untrained (reward/screen.h; default on)");
  opt.add("--references", cfg.references,
          "Reference optimizers scored once at the run's protocol, shown in the "
          "report, never fed to the strategy: names of rules/paper.rules or "
          "baselines, or NAME=RULE; 'none' for none")
      ->delimiter(',');
  opt.add("--score-cache", cfg.score_cache,
          "Directory of scores shared by runs and calibrations (score_cache.h), keyed by the "
          "protocol's hash (empty: only the run directory's references.jsonl)");
  opt.add("--workers", cfg.workers, "Local evaluation threads (0: one per core; ignored under mpirun)");
  opt.flag("--quiet", cfg.quiet, "No progress lines");
  auto* resume_opt = app.add_option("--resume", resume, "Continue the search in this run directory");
  app.add_option("--dir", dir, "Run directory of a new search")->capture_default_str()->excludes(resume_opt);
  app.add_option("--top", top, "Rules in the leaderboard")->capture_default_str()->check(CLI::Range(1, 1000000));
  auto* report = app.add_subcommand("report", "Leaderboard and reward plot of finished (or running) searches");
  std::vector<std::string> report_dirs;
  report->add_option("dirs", report_dirs, "Run directories (several: a comparison table too)")->required();
  report->add_option("--top", top, "Rules in the leaderboard")->check(CLI::Range(1, 1000000));
  std::vector<std::filesystem::path> against;
  const std::string against_help =
      "Another search run to show beside this one (a row of the comparison table, its running mean on the plot), "
      "e.g. random search at the same budget; repeat for several";
  app.add_option("--against", against, against_help);
  report->add_option("--against", against, against_help);
  app.footer(
      "Calibration of the reward's proxies: nos-search calibrate --help; the screen's measurements: nos-search "
      "screen --help (subcommands with their own flags).");
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (mpi.active() && mpi.rank() > 0) return 0;  // rank 0 reports it
    const int code = app.exit(e);
    if (mpi.active()) mpi_broadcast_config("");
    return code;
  }

  if (cfg.references == std::vector<std::string>{"none"}) cfg.references.clear();
  // Checked before any training: a mistyped --against must not wait for the end of a search.
  // Rank 0 checks; the other ranks learn of it as the empty configuration.
  if (mpi.rank() == 0)
    for (const auto& d : against)
      if (!std::filesystem::exists(RunPaths{d}.evaluations())) {
        fmt::print(stderr, "nos-search: error: --against: no search run in {} (no evaluations.jsonl)\n", d.string());
        if (mpi.active()) mpi_broadcast_config("");
        return 1;
      }

  if (report->parsed()) {
    if (mpi.rank() > 0) return 0;
    try {
      return report_main(report_dirs, top, against, argv[0]);
    } catch (const std::exception& e) {
      fmt::print(stderr, "nos-search: error: {}\n", e.what());
      return 1;
    }
  }

  if (mpi.active() && mpi.rank() > 0) {
    std::signal(SIGINT, SIG_IGN);  // rank 0 decides when to stop
    const std::string json = mpi_receive_config();
    if (json.empty()) return 1;
    try {
      const SearchConfig wc = config_from_json(nlohmann::json::parse(json), "configuration from rank 0");
      const Evaluator evaluator(wc);
      return run_mpi_worker(evaluator, mpi.rank());
    } catch (const std::exception& e) {
      fmt::print(stderr, "nos-search rank {}: error: {}\n", mpi.rank(), e.what());
      mpi.abort(1);
    }
  }

  // Rank 0 holds the directory's lock until it exits (apps/common/run_dir.h): a second process
  // on the same directory is refused here, before it reads or writes anything.
  RunPaths paths;
  std::optional<app::RunDir> run_dir;
  bool fresh = false;
  try {
    if (!resume.empty()) {
      paths.dir = resume;
      if (!std::filesystem::is_directory(paths.dir))
        throw std::runtime_error(fmt::format("--resume {}: no such run directory", resume));
      run_dir.emplace(paths.dir, "nos-search");
      cfg = resume_config(*run_dir, cfg, opt.given());
      if (auto why = unused_flags(cfg, opt.given()); !why.empty()) throw std::invalid_argument(why);
      (void)resolve_references(cfg.references);
    } else {
      if (auto why = validate(cfg); !why.empty()) throw std::invalid_argument(why);
      if (auto why = unused_flags(cfg, opt.given()); !why.empty()) throw std::invalid_argument(why);
      (void)resolve_references(cfg.references);  // an unknown name fails before anything is written
      paths.dir = dir;
      run_dir.emplace(paths.dir, "nos-search");
      create_run_dir(*run_dir, cfg);
      fresh = true;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "nos-search: error: {}\n", e.what());
    if (run_dir && run_dir->created()) abandon_new_run(paths, true);
    if (mpi.active()) mpi_broadcast_config("");
    return 1;
  }

  try {
    std::signal(SIGINT, on_sigint);
    RunOutcome outcome;
    if (mpi.active()) {
      mpi_broadcast_config(to_json(cfg).dump());
      MpiWorkers workers(mpi.size());
      record_resolution(paths, cfg, resolved_data_set(cfg, ""));
      fmt::print(stderr, "nos-search: {} in {}: {} MPI worker ranks, reward {}\n", cfg.strategy, paths.dir.string(),
                 workers.size(), cfg.reward);
      outcome = run_search(cfg, paths, workers, g_stop);
    } else {
      // One worker per core by default, whatever NOS_THREADS says: each worker trains its child
      // network on one thread (evaluate_rule(..., threads = 1)).
      init_threads_from_env();
      const int threads =
          cfg.workers > 0 ? cfg.workers : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
      const Evaluator evaluator(cfg);
      LocalWorkers workers(evaluator, threads);
      record_resolution(paths, cfg, resolved_data_set(cfg, evaluator.dataset()));
      fmt::print(stderr, "nos-search: {} in {}: {} worker threads, reward {} on {}\n", cfg.strategy, paths.dir.string(),
                 workers.size(), cfg.reward, evaluator.dataset());
      outcome = run_search(cfg, paths, workers, g_stop);
    }
    write_report(paths, top, against);
    print_next_steps(paths, argv[0]);
    if (outcome.interrupted) {
      fmt::print(stderr,
                 "nos-search: interrupted after {} samples (evaluations in flight were finished and recorded); "
                 "continue with --resume {}\n",
                 outcome.samples, paths.dir.string());
      return 130;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "nos-search: error: {}\n", e.what());
    // A new run that failed before its first checkpoint (missing data, bad dataset, too few MPI
    // ranks) leaves nothing behind, so the same command works once the cause is fixed.
    if (fresh) abandon_new_run(paths, run_dir->created());
    if (mpi.active()) mpi.abort(1);
    return 1;
  }
  return 0;
}
