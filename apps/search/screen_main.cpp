// `nos-search screen`: what the screen (reward/screen.h) does to a search's samples, and to the
// calibration set, measured. See apps/search/README.md.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "apps/common/run_files.h"
#include "apps/search/calibration.h"
#include "apps/search/evaluator.h"
#include "apps/search/local_workers.h"
#include "apps/search/reward/rule_identity.h"
#include "apps/search/reward/screen.h"
#include "search/sampling.h"
#include "tensor/cpu_name.h"
#include "tensor/threads.h"

namespace nos::search {
namespace {

using Clock = std::chrono::steady_clock;

struct Screened {
  std::string rule, infix;
  Screen s;
  double compile_micros = 0, probe_micros = 0;  // the JIT compile (which training needs anyway), the probes
};

Screened screen_text(const std::string& text) {
  const auto compiled = dslc::compile_rule(text);
  const auto t0 = Clock::now();
  const jit::Kernel k = jit::compile_kernel(compiled);
  const auto t1 = Clock::now();
  Screened out{.rule = text, .infix = identify(compiled).infix, .s = screen_rule(k)};
  out.compile_micros = std::chrono::duration<double, std::micro>(t1 - t0).count();
  out.probe_micros = std::chrono::duration<double, std::micro>(Clock::now() - t1).count();
  return out;
}

std::string reason_kind(const std::string& why) { return why.substr(0, why.find(':')); }

// The calibration set: every rule's verdict beside its scores at every rung.
int calibration_table(const std::string& dir) {
  const auto cfg = calibration_from_json(nlohmann::json::parse(app::read_file(dir + "/config.json")), dir);
  const auto rules = nlohmann::json::parse(app::read_file(dir + "/rules.json")).at("rules");
  std::map<std::string, std::map<std::string, double>> score;  // hash -> rung -> best seed-0 reward
  for (const auto& r : app::read_jsonl(dir + "/calibration.jsonl").records)
    if (r.at("seed") == 0) score[r.at("hash")][r.at("rung")] = r.at("reward");
  std::string md = "| rule | infix | verdict | along (1e-2 / 1) | moved (1e-2 / 1) |";
  for (const auto& spec : cfg.rungs) md += fmt::format(" {} |", spec.substr(0, spec.find(':')));
  md += "\n|---|---|---|---|---|";
  for (size_t i = 0; i < cfg.rungs.size(); ++i) md += "---:|";
  md += "\n";
  int rejected = 0;
  double best_rejected = -1;
  for (const auto& r : rules) {
    const Screened s = screen_text(r.at("rule"));
    md += fmt::format("| {} | `{}` | {} | {:.2f} / {:.2f} | {:.2f} / {:.2f} |", r.at("name").get<std::string>(),
                      s.infix, s.s.reject.empty() ? "train" : "**" + reason_kind(s.s.reject) + "**", s.s.small.along,
                      s.s.unit.along, s.s.small.moved, s.s.unit.moved);
    for (const auto& spec : cfg.rungs) {
      const auto& m = score[r.at("hash")];
      auto it = m.find(spec.substr(0, spec.find(':')));
      md += it == m.end() ? " - |" : fmt::format(" {:.4f} |", it->second);
      if (!s.s.reject.empty() && it != m.end()) best_rejected = std::max(best_rejected, it->second);
    }
    md += "\n";
    rejected += !s.s.reject.empty();
  }
  fmt::print("{}\n{} of {} rules rejected; the best score of a rejected rule at any rung: {}\n", md, rejected,
             rules.size(), best_rejected < 0 ? "-" : fmt::format("{:.4f}", best_rejected));
  return 0;
}

}  // namespace

int screen_main(int argc, char** argv) {
  CLI::App app{
      "nos-search screen: measure the screen (reward/screen.h) on random strings of a space, or show its verdicts "
      "beside a calibration's scores"};
  std::string space = "paper", calibration, rung = "make-run:train=1000,val=1000,rates=1e-3/1e-2/1e-1,final-epochs=1";
  int groups = 2, samples = 10000, train = 0, workers = 0;
  std::uint64_t seed = 1;
  std::string data;
  app.add_option("--space", space, "Search space")->capture_default_str();
  app.add_option("--groups", groups, "Groups per rule")->capture_default_str();
  app.add_option("--samples", samples, "Random strings to draw")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "Seed of the draws")->capture_default_str();
  app.add_option("--calibration", calibration, "Instead: the verdicts on a calibration directory's rules and scores");
  app.add_option("--train", train, "Then train this many of the rejected distinct rules at --rung and report them")
      ->capture_default_str();
  app.add_option("--rung", rung, "The fidelity of --train (fidelity.h)")->capture_default_str();
  app.add_option("--data", data, "Directory holding CIFAR-10 (for --train)");
  app.add_option("--workers", workers, "Threads of --train (0: one per core)")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (!calibration.empty()) return calibration_table(calibration);
    const SearchSpace s = preset(space, groups);
    std::mt19937_64 rng(seed);
    int invalid = 0, no_gradient = 0;
    std::set<std::uint64_t> seen;
    std::vector<Screened> distinct;
    std::map<std::string, int> kinds;
    int rejected_samples = 0, trained_samples = 0;
    std::map<std::uint64_t, bool> rejected_by_key;
    for (int i = 0; i < samples; ++i) {
      const std::string text = to_string(s, sample_uniform(s, rng));
      std::optional<dslc::Compiled> c;
      try {
        c.emplace(dslc::compile_rule(text));
      } catch (const std::invalid_argument&) {
        ++invalid;
        continue;
      }
      const RuleIdentity id = identify(*c);
      if (!id.depends_on_g) {
        ++no_gradient;
        continue;
      }
      if (seen.insert(id.fingerprint).second) {
        distinct.push_back(screen_text(text));
        rejected_by_key[id.fingerprint] = !distinct.back().s.reject.empty();
        if (!distinct.back().s.reject.empty()) ++kinds[reason_kind(distinct.back().s.reject)];
      }
      (rejected_by_key[id.fingerprint] ? rejected_samples : trained_samples) += 1;
    }
    std::vector<double> compile, probe;
    for (const auto& d : distinct) compile.push_back(d.compile_micros), probe.push_back(d.probe_micros);
    std::sort(compile.begin(), compile.end());
    std::sort(probe.begin(), probe.end());
    const int rejected =
        std::accumulate(kinds.begin(), kinds.end(), 0, [](int a, const auto& k) { return a + k.second; });
    fmt::print("CPU {}; space {} with {} groups, seed {}, {} samples\n", cpu_name(), space, groups, seed, samples);
    fmt::print("- {} do not compile, {} ignore g; {} distinct rules (behaviour fingerprint) that read g\n", invalid,
               no_gradient, distinct.size());
    fmt::print("- the screen rejects {} of them ({:.1f}%):", rejected,
               100.0 * rejected / std::max<size_t>(1, distinct.size()));
    for (const auto& [k, n] : kinds) fmt::print(" {} {}", k, n);
    fmt::print("\n- of the {} samples that would go to training or the cache, {} ({:.1f}%) are rejected\n",
               rejected_samples + trained_samples, rejected_samples,
               100.0 * rejected_samples / std::max(1, rejected_samples + trained_samples));
    if (!probe.empty())
      fmt::print(
          "- time per rule (wall): the probes median {:.0f} us (90th percentile {:.0f} us); the JIT compile of the "
          "kernel, which training needs anyway, median {:.1f} ms\n",
          probe[probe.size() / 2], probe[probe.size() * 9 / 10], compile[compile.size() / 2] / 1000);
    if (train > 0) {
      // Do the rejected rules really score no better than chance? Train some at a fidelity.
      SearchConfig base;
      base.reward = "child";
      base.data = data;
      const Fidelity f = parse_fidelity(rung, base_fidelity(base), "--rung");
      init_threads_from_env();
      const Evaluator ev(base, {f});
      LocalWorkers w(ev, workers > 0 ? workers : std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
      std::vector<const Screened*> picked;
      for (const auto& d : distinct)
        if (!d.s.reject.empty() && static_cast<int>(picked.size()) < train) picked.push_back(&d);
      size_t next = 0;
      int in_flight = 0;
      std::vector<std::pair<double, const Screened*>> results;
      while (next < picked.size() || in_flight > 0) {
        while (next < picked.size() && in_flight < w.size()) {
          w.submit({.sample = static_cast<std::int64_t>(next), .rule = picked[next]->rule, .fidelity = 1});
          ++next;
          ++in_flight;
        }
        if (auto o = w.wait(std::chrono::milliseconds(200))) {
          --in_flight;
          results.emplace_back(o->eval.reward, picked[static_cast<size_t>(o->sample)]);
        }
      }
      std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      fmt::print("\n{} rejected rules trained at {}: best {:.4f}\n\n| reward | verdict | rule |\n|---:|---|---|\n",
                 results.size(), fidelity_spec(f), results.empty() ? 0.0 : results.front().first);
      for (const auto& [r, d] : results) fmt::print("| {:.4f} | {} | `{}` |\n", r, d->s.reject, d->infix);
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "nos-search screen: error: {}\n", e.what());
    return 1;
  }
}

}  // namespace nos::search
