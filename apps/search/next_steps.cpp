#include "apps/search/next_steps.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

namespace nos::search {
namespace fs = std::filesystem;

BestRule best_rule(const std::vector<nlohmann::json>& records, const std::vector<nlohmann::json>& promotions) {
  BestRule best;
  if (!promotions.empty()) {
    int top = 0;
    for (const auto& p : promotions) top = std::max(top, p.value("stage_index", 0));
    struct Sum {
      double reward = 0, lr = 0;
      int n = 0;
      const nlohmann::json* rec = nullptr;
    };
    std::map<std::string, Sum> by_rule;  // canonical -> its seeds at the top stage
    for (const auto& p : promotions)
      if (p.value("stage_index", 0) == top && p.contains("reward")) {
        Sum& s = by_rule[p.at("canonical").get<std::string>()];
        s.reward += p.at("reward").get<double>();
        s.n += 1;
        if (!s.rec) s.rec = &p, s.lr = p.value("best_lr", 0.0);
      }
    for (const auto& [canonical, s] : by_rule)
      if (best.canonical.empty() || s.reward / s.n > best.reward) {
        best = {.canonical = canonical,
                .infix = s.rec->value("infix", canonical),
                .lr = s.lr,
                .reward = s.reward / s.n,
                .stage = s.rec->value("stage", "")};
      }
    if (!best.canonical.empty()) return best;
  }
  for (const auto& r : records)
    if (r.value("trained", false) || r.value("cached", false))
      if (r.value("status", "") == "ok" && (best.canonical.empty() || r.at("reward").get<double>() > best.reward))
        best = {.canonical = r.value("canonical", r.value("rule", "")),
                .infix = r.value("infix", ""),
                .lr = r.value("best_lr", 0.0),
                .reward = r.at("reward").get<double>()};
  return best;
}

namespace {

// Where a sibling program is: beside nos-search (an install's bin/), else in the build tree's
// apps/NAME_DIR/ folder next to apps/search/.
std::string program(const std::string& bin, const std::string& folder, const std::string& name) {
  const fs::path here = bin.empty() ? fs::path(".") : fs::path(bin);
  if (fs::exists(here / name)) return (here / name).string();
  const fs::path tree = here.parent_path() / folder / name;
  return fs::exists(tree) ? tree.string() : name;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string next_steps_text(const BestRule& best, const std::string& bin, const std::string& score_cache) {
  if (best.canonical.empty()) return "";
  const std::string rule = shell_quote(best.canonical);
  const std::string named = shell_quote("best=" + best.canonical);
  const std::string lr = fmt::format("{:g}", best.lr > 0 ? best.lr : 1e-2);
  const std::string cache = score_cache.empty() ? "" : " --score-cache " + score_cache;
  std::string t = fmt::format("Next, with the best rule found, {} (reward {:.4f}{}, lr {}):\n", best.infix, best.reward,
                              best.stage.empty() ? "" : " at stage " + best.stage, lr);
  t += fmt::format(
      "  # its reward at the paper's protocol (10,000 images, 7 rates, 5 final epochs), 3 seeds, beside Adam, SGD,\n"
      "  # Momentum and PowerSign (about 30 CPU minutes of a Zen 3 core; a calibration directory, resumable)\n"
      "  {} calibrate --dir runs/best-full --rules {} --rules adam,sgd,momentum,powersign --random-rules 0 \\\n"
      "      --rung full --seeds 3 --seed-rules best,adam,sgd,momentum,powersign{}\n",
      program(bin, "search", "nos-search"), named, cache);
  t += fmt::format(
      "  # transfer: the reduced WRN-16-4 Table 1 (apps/transfer/README.md), beside Adam and Momentum (~25 CPU "
      "minutes)\n"
      "  {} wrn -O {},adam,momentum --depth 16 --widen 4 --augment --schedule cosine --epochs 2 \\\n"
      "      --train 1500 --val 500 --test 1000 --rates 4 --out runs/best-wrn\n",
      program(bin, "transfer", "nos-transfer"), named);
  t += fmt::format("  # what it does: momentum, clipping, rate adaptation, schedule\n  {} {}\n",
                   program(bin, "analyze", "nos-analyze"), rule);
  // The build tree's Python package is two folders above apps/search; an installed one needs no path.
  const fs::path python = (bin.empty() ? fs::path(".") : fs::path(bin)).parent_path().parent_path() / "python";
  const std::string pythonpath = fs::exists(python / "nos") ? "PYTHONPATH=" + python.string() + " " : "";
  t += fmt::format(
      "  # use it in PyTorch: the JIT kernel, or a generated port that needs only torch\n"
      "  {}/usr/bin/python3 -c \"import nos.torch, torch; m = torch.nn.Linear(4, 2); "
      "opt = nos.torch.Optimizer(m.parameters(), rule='{}', lr={}); print(opt)\"\n"
      "  {} -e {} --emit=torch > best_optimizer.py\n",
      pythonpath, best.canonical, lr, program(bin, "dslc", "dslc"), rule);
  t += fmt::format(
      "  # in C++: nos::optim::Optimizer opt(\"{}\", options) with options.hyper.lr = {} "
      "(optim/examples/embed_optimizer.cpp)\n",
      best.canonical, lr);
  return t;
}

}  // namespace nos::search
