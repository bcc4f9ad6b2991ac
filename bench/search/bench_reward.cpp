// One child evaluation at the paper's full protocol (§4.2: 7 rates x 1 epoch on 10,000 CIFAR-10
// images, then 5 epochs at the best rate, 5,000 validation images, batch 100), timed end to end.
// Issue 6's goal is under 60 s on 2 cores. A wall time means little on a shared machine, so the
// program also prints process CPU time and the load average before and after.
//
//   nos-bench-reward [--threads 2] [--rule "mul g exp mul sign_g sign_m"] [--data DIR] [--repeats 1]
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <string>

#include "apps/search/reward/reward.h"

namespace {

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string one, five;
  f >> one >> five;
  return one + " " + five;
}

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nos-bench-reward: one child evaluation at the paper's full protocol, timed"};
  int threads = 2, repeats = 1;
  std::string rule = "mul g exp mul sign_g sign_m", data_dir;
  app.add_option("--threads", threads, "OpenMP threads of the evaluation")->check(CLI::Range(1, 256));
  app.add_option("--rule", rule, "Rule in prefix form (default: PowerSign)");
  app.add_option("--data", data_dir, "Directory holding cifar-10-batches-bin (else NOS_DATA_DIR, then defaults)");
  app.add_option("--repeats", repeats, "Evaluations to time")->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);

  const nos::search::ChildData data = nos::search::load_child_data({.dataset = "cifar10", .data_dir = data_dir});
  const nos::search::RewardConfig config;  // the paper's protocol
  for (int rep = 0; rep < repeats; ++rep) {
    const std::string load_before = load_average();
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const auto ev = nos::search::evaluate_rule(rule, config, data, threads);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    if (ev.status != "ok") {
      fmt::print(stderr, "nos-bench-reward: the rule did not train: {} ({})\n", ev.status, ev.error);
      return 1;
    }
    for (const auto& r : ev.sweep)
      fmt::print("  lr {:<7g} accuracy {:.4f} {:6.2f} s{}\n", r.lr, r.accuracy, r.seconds,
                 r.diverged ? " diverged: " + r.reason : "");
    fmt::print(
        "evaluation {}: best lr {:g}, reward {:.4f}, {} threads: wall {:.1f} s, CPU {:.1f} s "
        "(goal: wall under 60 s on 2 cores); load average {} -> {}\n",
        rep + 1, ev.best_lr, ev.reward, threads, wall, cpu, load_before, load_average());
  }
  return 0;
}
