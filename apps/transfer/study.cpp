#include "apps/transfer/study.h"

#include <fmt/format.h>

#include <time.h>

#include <cmath>
#include <optional>
#include <stdexcept>

#include "apps/common/run_files.h"
#include "apps/transfer/image_task.h"
#include "apps/transfer/linreg.h"
#include "apps/transfer/lm_task.h"
#include "apps/transfer/progress.h"
#include "apps/transfer/rosenbrock.h"
#include "apps/transfer/run_dir.h"
#include "apps/transfer/run_start.h"
#include "apps/transfer/rungs.h"
#include "apps/transfer/select.h"
#include "apps/transfer/sweep.h"
#include "apps/transfer/two_moons.h"
#include "optim/optimizer.h"

namespace nos::transfer {
namespace fs = std::filesystem;
namespace {

RunRecord rosenbrock_run(const TransferConfig& c, const RunDir& dir, const PlannedRun& p) {
  const auto t0 = std::chrono::steady_clock::now();
  const RosenbrockRun run = run_rosenbrock(
      p.opt.rule, {.lr = p.key.lr, .beta2 = app::rule_beta2(p.opt.rule), .eps = p.key.eps, .seed = p.seed},
      c.iterations, c.x0, c.y0);
  RunRecord rec;
  rec.key = p.key;
  rec.rule = p.opt.rule;
  rec.seed = p.seed;
  rec.diverged = run.diverged;
  rec.reason = run.reason;
  rec.x = run.path.back().x;
  rec.y = run.path.back().y;
  rec.final_loss = run.path.back().loss;
  std::string text = "# iteration x y loss\n";
  for (size_t i = 0; i < run.path.size(); ++i)
    text += fmt::format("{} {:.9g} {:.9g} {:.9g}\n", i, run.path[i].x, run.path[i].y, run.path[i].loss);
  rec.trajectory = "trajectories/" + key_file_stem(p.key) + ".dat";
  fs::create_directories(dir.path() / "trajectories");
  app::write_file_atomic(dir.path() / rec.trajectory, text);
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

// Every rule is compiled once before anything trains: a rule the JIT rejects (or hyperparameters
// it rejects) stops the study at once, not hours in.
void check_rules(const TransferConfig& c) {
  for (const auto& o : c.optimizers) {
    try {
      optim::Optimizer(o.rule, {.hyper = {.total_steps = 1}});
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("optimizer '{}' ({}): {}", o.name, o.rule, e.what()));
    }
  }
}

// What the runs train on, loaded once per invocation.
struct TaskData {
  std::optional<ImageData> images;
  std::optional<LmData> text;
  std::optional<LinregProblem> linreg;
  std::optional<MoonsData> moons;
};

TaskData load_task_data(const TransferConfig& c) {
  TaskData d;
  if (c.task == "convnet" || c.task == "wrn") d.images = load_image_data(c);
  if (c.task == "lstm") d.text = load_lm_data(c);
  if (c.task == "linreg") d.linreg = make_linreg(static_cast<int>(c.train), c.dim, c.condition, c.noise, c.seed);
  if (c.task == "two-moons") d.moons = make_moons_data(c);
  return d;
}

// A whole run's steps: the unit of halving's budgets.
std::int64_t whole_run_steps(const TransferConfig& c, const TaskData& d) {
  std::int64_t per_epoch = 0;
  if (d.images) per_epoch = run_steps_per_epoch(c, *d.images);
  if (d.text) per_epoch = run_steps_per_epoch(c, *d.text);
  if (d.linreg) per_epoch = run_steps_per_epoch(c, *d.linreg);
  if (d.moons) per_epoch = run_steps_per_epoch(c, *d.moons);
  return per_epoch * c.epochs;
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Trains one planned run and appends its record. `in_steps`: progress counts steps (halving),
// else epochs (runs for Rosenbrock).
RunRecord train_run(const TransferConfig& c, const TaskData& data, RunDir& dir, const PlannedRun& p,
                    StudyProgress& progress, bool in_steps) {
  const double cpu0 = process_cpu_seconds();
  progress.begin_run(key_string(p.key));
  RunRecord rec;
  if (c.task == "rosenbrock") {
    rec = rosenbrock_run(c, dir, p);
    progress.unit_done(rec.diverged
                           ? "diverged: " + rec.reason
                           : fmt::format("final loss {:.3g} at ({:.4f}, {:.4f})", rec.final_loss, rec.x, rec.y));
  } else {
    std::int64_t steps_done = 0;
    const EpochFn on_epoch = [&](const EpochMetrics& m) {
      dir.append_epoch(p.key, m);
      const std::int64_t units = in_steps ? m.steps - steps_done : 1;
      steps_done = m.steps;
      if (c.task == "linreg")
        return progress.unit_done(fmt::format("epoch {}/{}: excess loss {:.3g}", m.epoch, c.epochs, m.val), units);
      // A stopped run has no test score (NaN): its line leaves it out.
      const bool test = !std::isnan(m.test);
      progress.unit_done(c.task == "lstm"
                             ? fmt::format("epoch {}/{}: train ppl {:.2f}, valid ppl {:.2f}{}", m.epoch, c.epochs,
                                           m.train, m.val, test ? fmt::format(", test ppl {:.2f}", m.test) : "")
                             : fmt::format("epoch {}/{}: loss {:.4f}, val {:.2f}%{}", m.epoch, c.epochs, m.train,
                                           100 * m.val, test ? fmt::format(", test {:.2f}%", 100 * m.test) : ""),
                         units);
    };
    if (data.linreg) rec = train_linreg_run(c, *data.linreg, p, on_epoch);
    else if (data.moons) rec = train_moons_run(c, *data.moons, p, on_epoch);
    else rec = data.text ? train_lm_run(c, *data.text, p, on_epoch) : train_image_run(c, *data.images, p, on_epoch);
    progress.run_done(in_steps ? steps_to_take(p, rec.total_steps) - steps_done
                               : c.epochs - static_cast<std::int64_t>(rec.epochs.size()));
    if (rec.diverged) fmt::print(stderr, "  {} diverged: {}\n", key_string(p.key), rec.reason);
  }
  rec.attempt = dir.attempt();
  rec.cpu_seconds = process_cpu_seconds() - cpu0;
  dir.append_run(rec);
  return rec;
}

std::string budgets_text(const std::vector<std::int64_t>& budgets) {
  std::string out;
  for (std::int64_t b : budgets) out += fmt::format("{}{}", out.empty() ? "" : ", ", b);
  return out;
}

// Successive halving (rungs.h): train every pool's current rung, decide, again, until no rung
// has anything left to train. Every decision is read back from the records.
StudyCounts run_halving(const TransferConfig& c, RunDir& dir, const std::vector<PlannedRun>& plan) {
  const app::HalvingSpec h{.eta = c.halving_eta, .rungs = c.halving_rungs};
  const TableSpec spec = table_spec(c.task);
  const TaskData data = load_task_data(c);
  const std::int64_t total = whole_run_steps(c, data);
  HalvingState st = halving_state(plan, dir.finished(), spec, h, c.halving_pool, total);
  fmt::print(stderr,
             "nos-transfer {}: successive halving (eta {}, {}) at {} steps over {} runs of {} steps: at most {} runs "
             "({} steps) left to train, {} finished in {}\n",
             c.task, h.eta, c.halving_pool == "all" ? "over all pairs" : "per optimizer", budgets_text(st.budgets),
             plan.size(), total, st.runs_left, st.steps_left, st.runs_used, dir.path().string());
  StudyCounts n;
  StudyProgress progress(st.runs_left, st.steps_left, "steps");
  while (!st.pending.empty()) {
    for (const PlannedRun& p : st.pending) {
      n.diverged += train_run(c, data, dir, p, progress, true).diverged;
      ++n.trained;
    }
    st = halving_state(plan, dir.finished(), spec, h, c.halving_pool, total);
    progress.replan(st.runs_left, st.steps_left);
  }
  n.planned = st.runs_used;
  n.skipped = n.planned - n.trained;
  return n;
}

}  // namespace

StudyCounts run_study(const TransferConfig& c, const fs::path& dir_path) {
  if (c.halving_eta > 0 && c.task == "rosenbrock")
    throw std::invalid_argument(
        "--halving: rosenbrock runs are not trained in steps of an epoch loop; nothing to halve");
  check_rules(c);
  RunDir dir(dir_path, c);
  const std::vector<PlannedRun> plan = plan_runs(c);
  if (c.halving_eta > 0) return run_halving(c, dir, plan);
  std::vector<PlannedRun> todo;
  StudyCounts n;
  n.planned = static_cast<int>(plan.size());
  for (const auto& p : plan) {
    if (dir.is_finished(p.key)) ++n.skipped;
    else todo.push_back(p);
  }
  fmt::print(stderr, "nos-transfer {}: {} runs planned, {} already finished in {}, {} to train\n", c.task, n.planned,
             n.skipped, dir_path.string(), todo.size());
  if (todo.empty()) return n;

  const bool nets = c.task != "rosenbrock";
  const auto runs = static_cast<int>(todo.size());
  StudyProgress progress(runs, nets ? std::int64_t{runs} * c.epochs : runs, nets && c.epochs > 1 ? "epochs" : "runs");
  const TaskData data = load_task_data(c);
  for (const PlannedRun& p : todo) {
    n.diverged += train_run(c, data, dir, p, progress, false).diverged;
    ++n.trained;
  }
  return n;
}

}  // namespace nos::transfer
