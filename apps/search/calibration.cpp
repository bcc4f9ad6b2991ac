#include "apps/search/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "apps/common/named_rules.h"
#include "apps/common/run_dir.h"
#include "apps/common/run_files.h"
#include "apps/common/settings.h"
#include "apps/search/cache.h"
#include "apps/search/evaluator.h"
#include "apps/search/local_workers.h"
#include "apps/search/reward/rule_identity.h"
#include "apps/search/score_cache.h"
#include "dslc/hash.h"
#include "search/sampling.h"
#include "search/search_space.h"
#include "tensor/cpu_name.h"
#include "tensor/threads.h"

namespace nos::search {
namespace {

constexpr const char* kRecords = "calibration.jsonl";
constexpr const char* kRules = "rules.json";

// The rule set and the base protocol are the calibration's identity; which rungs are scored, the
// seed subset, where data and scores live and how many workers run may change: every record is
// keyed by its protocol, so a new rung or seed is simply scored and an old one kept.
const app::Settings<CalibrationConfig>& settings() {
  using C = CalibrationConfig;
  static const app::Settings<C> s{{
      app::may_change("rungs", &C::rungs),
      app::fixed("rules", &C::rules),
      app::fixed("random_rules", &C::random_rules),
      app::fixed("space", &C::space),
      app::fixed("groups", &C::groups),
      app::fixed("random_seed", &C::random_seed),
      app::may_change("seeds", &C::seeds),
      app::may_change("seed_rules", &C::seed_rules),
      app::fixed("dataset", &C::dataset),
      app::may_change("data", &C::data),
      app::fixed("child_batch", &C::child_batch),
      app::fixed("pooling", &C::pooling),
      app::fixed("padding", &C::padding),
      app::fixed("failed_reward", &C::failed_reward),
      app::fixed("reward_seed", &C::reward_seed),
      app::may_change("score_cache", &C::score_cache),
      app::may_change("workers", &C::workers),
      app::may_change("quiet", &C::quiet),
  }};
  return s;
}

double now_unix() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

bool is_baseline(const std::string& name) {
  for (const auto& b : app::baselines())
    if (b.name == name) return true;
  return false;
}

// One evaluation the calibration needs: a rule at one seed of one rung.
struct Planned {
  size_t rung = 0, rule = 0;
  int seed = 0;
  nlohmann::json protocol;  // scored_protocol: keys the records and the score cache
  std::string key;          // protocol hash + rule hash
};

std::string record_key(const std::string& protocol_hash, const std::string& rule_hash) {
  return protocol_hash + "/" + rule_hash;
}

}  // namespace

nlohmann::json to_json(const CalibrationConfig& c) { return settings().to_json(c); }

CalibrationConfig calibration_from_json(const nlohmann::json& j, const std::string& source) {
  return settings().from_json(j, source);
}

const std::vector<app::KeyRule>& calibration_rules() { return settings().rules(); }

std::string validate(const CalibrationConfig& c) {
  if (c.rungs.empty()) return "--rung: need at least one rung (the last is the reference)";
  try {
    (void)calibration_rungs(c);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  std::set<std::string> names;
  for (const auto& r : c.rungs)
    if (!names.insert(r.substr(0, r.find(':'))).second)
      return fmt::format("--rung: two rungs are named '{}'", r.substr(0, r.find(':')));
  if (c.rules.empty() && c.random_rules == 0) return "no rules to calibrate on (--rules and --random-rules)";
  if (c.random_rules < 0) return fmt::format("--random-rules {}: must be >= 0", c.random_rules);
  if (c.seeds < 1) return fmt::format("--seeds {}: must be >= 1", c.seeds);
  if (c.workers < 0) return "--workers must be >= 0 (0: one per core)";
  if (!std::isfinite(c.failed_reward)) return "--failed-reward must be a finite number";
  if (c.child_batch < 1) return "--child-batch must be positive";
  return "";
}

SearchConfig calibration_base(const CalibrationConfig& c) {
  SearchConfig s;
  s.reward = "child";
  s.sweep_rates = paper_rates();
  s.sweep_epochs = 1;
  s.final_epochs = 5;
  s.train_images = 10000;
  s.val_images = 5000;
  s.child_batch = c.child_batch;
  s.dataset = c.dataset;
  s.data = c.data;
  s.pooling = c.pooling;
  s.padding = c.padding;
  s.failed_reward = c.failed_reward;
  s.reward_seed = c.reward_seed;
  return s;
}

std::vector<int> scored_seeds(const CalibrationConfig& c) {
  const Fidelity base = base_fidelity(calibration_base(c));
  std::vector<int> out;
  for (const auto& spec : c.rungs) out.push_back(parse_fidelity(spec, base, "--rung").seeds);
  return out;
}

std::vector<Fidelity> calibration_rungs(const CalibrationConfig& c) {
  const Fidelity base = base_fidelity(calibration_base(c));
  std::vector<Fidelity> out;
  for (const auto& spec : c.rungs) out.push_back(parse_fidelity(spec, base, "--rung"));
  if (!out.empty()) out.back().seeds = std::max(out.back().seeds, c.seeds);
  return out;
}

std::vector<CalibrationRule> calibration_rule_set(const CalibrationConfig& c) {
  std::vector<CalibrationRule> out;
  std::map<std::uint64_t, size_t> by_hash;
  std::set<std::uint64_t> fingerprints;
  auto add = [&](const std::string& name, const std::string& kind, const std::string& text) {
    const RuleIdentity id = identify(text);
    if (auto it = by_hash.find(id.canonical_hash); it != by_hash.end()) {
      out[it->second].name += "=" + name;  // the same rule under another name: scored once
      return;
    }
    by_hash[id.canonical_hash] = out.size();
    fingerprints.insert(id.fingerprint);
    out.push_back({.name = name,
                   .kind = kind,
                   .rule = text,
                   .infix = id.infix,
                   .canonical = id.canonical,
                   .hash = dslc::hash_hex(id.canonical_hash)});
  };
  if (!c.rules.empty()) {
    const auto file = app::default_rules_file();
    const auto named = file.empty() ? std::vector<app::OptimizerSpec>{} : app::read_rules_file(file);
    for (const auto& s : app::resolve_optimizers(c.rules, named, file.string()))
      add(s.name, is_baseline(s.name) ? "baseline" : "paper", s.rule);
  }
  // Random strings: uniform over the space with its constraints on; kept when they compile, read
  // the gradient and behave unlike every rule kept before (fingerprint), so the set holds no
  // rule twice and none that can only score the failed reward.
  SearchSpace space = preset(c.space, c.groups);
  std::mt19937_64 rng(c.random_seed);
  int kept = 0;
  for (int draws = 0; kept < c.random_rules; ++draws) {
    if (draws > 100000)
      throw std::runtime_error(
          fmt::format("--random-rules {}: found only {} valid distinct rules in 100000 draws", c.random_rules, kept));
    const std::string text = to_string(space, sample_uniform(space, rng));
    std::optional<RuleIdentity> id;
    try {
      id = identify(text);
    } catch (const std::invalid_argument&) {
      continue;
    }
    if (!id->depends_on_g || by_hash.count(id->canonical_hash) || fingerprints.count(id->fingerprint)) continue;
    ++kept;
    add(fmt::format("random_{:02}", kept), "random", text);
  }
  return out;
}

bool run_calibration(const CalibrationConfig& c, const std::filesystem::path& dir, const std::atomic<bool>& stop) {
  const std::vector<Fidelity> rungs = calibration_rungs(c);
  // The rule set is fixed when the run starts (rules.json), so a later edit of rules/paper.rules
  // cannot change what an existing calibration compares.
  const auto rules_file = dir / kRules;
  std::vector<CalibrationRule> rules;
  if (std::filesystem::exists(rules_file)) {
    try {
      const nlohmann::json file = nlohmann::json::parse(app::read_file(rules_file));
      for (const auto& r : file.at("rules"))
        rules.push_back({.name = r.at("name").get<std::string>(),
                         .kind = r.at("kind").get<std::string>(),
                         .rule = r.at("rule").get<std::string>(),
                         .infix = r.at("infix").get<std::string>(),
                         .canonical = r.at("canonical").get<std::string>(),
                         .hash = r.at("hash").get<std::string>()});
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}: malformed ({})", rules_file.string(), e.what()));
    }
  } else {
    rules = calibration_rule_set(c);
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : rules)
      j.push_back({{"name", r.name},
                   {"kind", r.kind},
                   {"rule", r.rule},
                   {"infix", r.infix},
                   {"canonical", r.canonical},
                   {"hash", r.hash}});
    app::write_file_atomic(rules_file, nlohmann::json{{"rules", j}}.dump(1) + "\n");
  }
  for (const auto& s : c.seed_rules)
    if (std::none_of(rules.begin(), rules.end(), [&](const CalibrationRule& r) { return r.name == s; }) &&
        std::none_of(rules.begin(), rules.end(), [&](const CalibrationRule& r) {
          return ("=" + r.name + "=").find("=" + s + "=") != std::string::npos;
        }))
      throw std::invalid_argument(fmt::format("--seed-rules: '{}' is not in the rule set", s));

  init_threads_from_env();
  const int threads = c.workers > 0 ? c.workers : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const Evaluator evaluator(calibration_base(c), rungs);  // fidelity 1 + i is rung i
  const nlohmann::json dataset = evaluator.dataset();

  std::vector<std::shared_ptr<const dslc::Compiled>> compiled;
  for (const auto& r : rules) compiled.push_back(std::make_shared<const dslc::Compiled>(dslc::compile_rule(r.rule)));

  // Every evaluation in order: rung by rung, cheapest first (a stopped calibration already
  // compares the cheap rungs), then the reference's extra seeds for the seed subset.
  auto in_seed_subset = [&](const CalibrationRule& r) {
    for (const auto& s : c.seed_rules)
      if (("=" + r.name + "=").find("=" + s + "=") != std::string::npos) return true;
    return false;
  };
  const std::vector<int> own_seeds = scored_seeds(c);
  std::vector<Planned> plan;
  for (size_t g = 0; g < rungs.size(); ++g)
    for (int k = 0; k < own_seeds[g]; ++k)
      for (size_t i = 0; i < rules.size(); ++i) plan.push_back({.rung = g, .rule = i, .seed = k});
  const size_t ref = rungs.size() - 1;
  for (int k = own_seeds[ref]; k < rungs[ref].seeds; ++k)
    for (size_t i = 0; i < rules.size(); ++i)
      if (in_seed_subset(rules[i])) plan.push_back({.rung = ref, .rule = i, .seed = k});
  for (auto& p : plan) {
    p.protocol = scored_protocol(child_protocol(rungs[p.rung], p.seed), dataset);
    p.key = record_key(protocol_hash(p.protocol), rules[p.rule].hash);
  }

  const auto records_file = dir / kRecords;
  std::set<std::string> done;
  for (const auto& r : app::read_jsonl_for_append(records_file, "nos-search calibrate").records)
    done.insert(record_key(r.at("protocol").get<std::string>(), r.at("hash").get<std::string>()));
  app::JsonlWriter out(records_file);
  const ScoreCache cache(c.score_cache);

  const std::string cpu = cpu_name();
  size_t recorded = 0, total = 0;
  auto record = [&](const Planned& p, const Evaluation& e, const std::string& worker, bool cached) {
    const CalibrationRule& r = rules[p.rule];
    nlohmann::json j = to_json(e);
    j["rung"] = rungs[p.rung].name;
    j["spec"] = fidelity_spec(rungs[p.rung]);
    j["protocol"] = protocol_hash(p.protocol);
    j["seed"] = p.seed;
    j["name"] = r.name;
    j["kind"] = r.kind;
    j["rule"] = r.rule;
    j["infix"] = r.infix;
    j["hash"] = r.hash;
    j["dataset"] = dataset;
    j["cpu"] = cpu;
    j["worker"] = worker;
    j["cached"] = cached;
    j["unix_time"] = now_unix();
    out.append(j);
    done.insert(p.key);
    ++recorded;
    if (!c.quiet)
      fmt::print(stderr, "calibrate: [{}/{}] rung {} seed {}: {} {:.4f} at lr {:g} ({}, {:.1f} s CPU{})\n", recorded,
                 total, rungs[p.rung].name, p.seed, r.name, e.reward, e.best_lr, e.status, e.cpu_seconds,
                 cached ? ", from the score cache" : "");
  };

  std::vector<size_t> todo;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (done.count(plan[i].key)) continue;
    ++total;
    todo.push_back(i);
  }
  if (!c.quiet)
    fmt::print(stderr, "calibrate: {} rules, {} rungs on {}, {} evaluations to go ({} recorded), {} workers\n",
               rules.size(), rungs.size(), dataset.get<std::string>(), total, plan.size() - total, threads);
  // Scores the cache holds are recorded at once; the rest go to the workers in plan order.
  std::vector<size_t> queue;
  for (size_t i : todo) {
    const Planned& p = plan[i];
    if (auto e = cache.lookup(p.protocol, dslc::parse_hash_hex(rules[p.rule].hash))) {
      record(p, *e, "cache", true);
    } else {
      queue.push_back(i);
    }
  }
  LocalWorkers workers(evaluator, threads);
  size_t next = 0;
  int in_flight = 0;
  while ((next < queue.size() && !stop.load()) || in_flight > 0) {
    while (!stop.load() && next < queue.size() && in_flight < workers.size()) {
      const Planned& p = plan[queue[next]];
      workers.submit({.sample = static_cast<std::int64_t>(queue[next]),
                      .rule = rules[p.rule].rule,
                      .compiled = compiled[p.rule],
                      .fidelity = static_cast<int>(p.rung) + 1,
                      .seed = p.seed});
      ++next;
      ++in_flight;
    }
    if (auto o = workers.wait(std::chrono::milliseconds(200))) {
      --in_flight;
      const Planned& p = plan[static_cast<size_t>(o->sample)];
      record(p, o->eval, o->worker, false);
      if (o->eval.status != "invalid")
        cache.store(p.protocol, dslc::parse_hash_hex(rules[p.rule].hash), rules[p.rule].name, rules[p.rule].rule,
                    o->eval);
    }
  }
  return next == queue.size();
}

}  // namespace nos::search
