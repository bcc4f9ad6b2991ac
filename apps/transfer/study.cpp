#include "apps/transfer/study.h"

#include <fmt/format.h>

#include <optional>

#include "apps/common/run_files.h"
#include "apps/transfer/image_task.h"
#include "apps/transfer/linreg.h"
#include "apps/transfer/lm_task.h"
#include "apps/transfer/progress.h"
#include "apps/transfer/rosenbrock.h"
#include "apps/transfer/run_dir.h"
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

}  // namespace

StudyCounts run_study(const TransferConfig& c, const fs::path& dir_path) {
  check_rules(c);
  RunDir dir(dir_path, c);
  const std::vector<PlannedRun> plan = plan_runs(c);
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
  StudyProgress progress(static_cast<int>(todo.size()), nets ? c.epochs : 1);
  std::optional<ImageData> images;
  std::optional<LmData> text;
  if (c.task == "convnet" || c.task == "wrn") images = load_image_data(c);
  if (c.task == "lstm") text = load_lm_data(c);
  std::optional<LinregProblem> linreg;
  std::optional<MoonsData> moons;
  if (c.task == "linreg") linreg = make_linreg(static_cast<int>(c.train), c.dim, c.condition, c.noise, c.seed);
  if (c.task == "two-moons") moons = make_moons_data(c);

  for (const PlannedRun& p : todo) {
    progress.begin_run(key_string(p.key));
    RunRecord rec;
    if (!nets) {
      rec = rosenbrock_run(c, dir, p);
      progress.unit_done(rec.diverged
                             ? "diverged: " + rec.reason
                             : fmt::format("final loss {:.3g} at ({:.4f}, {:.4f})", rec.final_loss, rec.x, rec.y));
    } else {
      const EpochFn on_epoch = [&](const EpochMetrics& m) {
        dir.append_epoch(p.key, m);
        if (c.task == "linreg")
          return progress.unit_done(fmt::format("epoch {}/{}: excess loss {:.3g}", m.epoch, c.epochs, m.val));
        progress.unit_done(c.task == "lstm"
                               ? fmt::format("epoch {}/{}: train ppl {:.2f}, valid ppl {:.2f}, test ppl {:.2f}",
                                             m.epoch, c.epochs, m.train, m.val, m.test)
                               : fmt::format("epoch {}/{}: loss {:.4f}, val {:.2f}%, test {:.2f}%", m.epoch, c.epochs,
                                             m.train, 100 * m.val, 100 * m.test));
      };
      if (c.task == "linreg") rec = train_linreg_run(c, *linreg, p, on_epoch);
      else if (c.task == "two-moons") rec = train_moons_run(c, *moons, p, on_epoch);
      else rec = c.task == "lstm" ? train_lm_run(c, *text, p, on_epoch) : train_image_run(c, *images, p, on_epoch);
      progress.run_done(c.epochs - static_cast<std::int64_t>(rec.epochs.size()));
      if (rec.diverged) fmt::print(stderr, "  {} diverged: {}\n", key_string(p.key), rec.reason);
    }
    rec.attempt = dir.attempt();
    dir.append_run(rec);
    ++n.trained;
    n.diverged += rec.diverged;
  }
  return n;
}

}  // namespace nos::transfer
