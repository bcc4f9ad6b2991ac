#include "apps/search/funnel.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "apps/search/cache.h"
#include "apps/search/config.h"
#include "dslc/hash.h"

namespace nos::search {
namespace {

double now_unix() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

bool Funnel::StageResult::complete() const {
  return std::all_of(seeds.begin(), seeds.end(), [](const auto& e) { return e.has_value(); });
}

double Funnel::StageResult::score() const {
  double s = 0;
  for (const auto& e : seeds) s += e->reward;
  return s / static_cast<double>(seeds.size());
}

bool Funnel::StageResult::ok() const {
  return std::all_of(seeds.begin(), seeds.end(), [](const auto& e) { return e && e->status == "ok"; });
}

Funnel::Funnel(const SearchConfig& c, const RunPaths& p)
    : cfg_(c),
      stages_(search_stages(c)),
      dataset_(p.record_fields.value("data_set", resolved_data_set(c, "")).value("dataset", nlohmann::json())),
      cache_(c.score_cache),
      results_(stages_.size()),
      promoted_(stages_.size()) {
  if (!active()) return;
  const auto path = p.dir / kPromotionsFile;
  const auto contents = app::read_jsonl_for_append(path, "nos-search");
  for (size_t i = 0; i < contents.records.size(); ++i) {
    const auto& r = contents.records[i];
    const std::string where = fmt::format("{} record {}", path.string(), i + 1);
    try {
      const int s = r.at("stage_index").get<int>(), k = r.at("seed").get<int>();
      if (s < 1 || s >= static_cast<int>(stages_.size()) ||
          r.at("stage") != stages_[static_cast<size_t>(s)].fidelity.name)
        throw std::runtime_error(fmt::format("stage {} '{}' is not a stage of this run ({})", s,
                                             r.at("stage").get<std::string>(), fmt::join(c.stages, " ")));
      if (k < 0 || k >= stages_[static_cast<size_t>(s)].fidelity.seeds)
        throw std::runtime_error(
            fmt::format("seed {} of a stage with {} seeds", k, stages_[static_cast<size_t>(s)].fidelity.seeds));
      auto& res = results_[static_cast<size_t>(s)][dslc::parse_hash_hex(r.at("fingerprint").get<std::string>())];
      res.seeds.resize(static_cast<size_t>(stages_[static_cast<size_t>(s)].fidelity.seeds));
      res.seeds[static_cast<size_t>(k)] = evaluation_from_json(r);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}: not a promotion record: {}", where, e.what()));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(fmt::format("{}: {}", where, e.what()));
    }
  }
  out_.emplace(path);
}

nlohmann::json Funnel::protocol(int stage, int seed) const {
  return scored_protocol(stage_protocol(cfg_, stage, seed), dataset_);
}

void Funnel::observe(std::int64_t sample, const std::string& rule, const RuleIdentity* id, const Evaluation& e) {
  recorded0_.insert(sample);
  if (!id || !active()) return;
  const std::uint64_t key = id->fingerprint;
  sample_key_[sample] = key;
  auto [it, fresh] = rules_.try_emplace(key);
  Rule& r = it->second;
  // Completion order differs from sample order: a rule is known by its first sample, whichever
  // record arrives first.
  if (fresh || sample < r.first_sample) {
    r.first_sample = sample;
    r.rule = rule;
    r.id = *id;
    r.score0 = e.reward;
    r.ok0 = e.status == "ok";
  }
}

bool Funnel::scored(int stage, std::uint64_t key) const {
  for (const auto& [w, keys] : promoted_[static_cast<size_t>(stage)])
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) return true;
  return false;
}

std::vector<std::uint64_t> Funnel::best(const std::vector<std::uint64_t>& candidates, int stage, int n) const {
  auto score = [&](std::uint64_t k) {
    return stage == 0 ? rules_.at(k).score0 : results_[static_cast<size_t>(stage)].at(k).score();
  };
  std::vector<std::uint64_t> order = candidates;
  std::stable_sort(order.begin(), order.end(), [&](std::uint64_t a, std::uint64_t b) {
    const double sa = score(a), sb = score(b);
    if (sa != sb) return sa > sb;
    return rules_.at(a).first_sample < rules_.at(b).first_sample;
  });
  if (static_cast<int>(order.size()) > n) order.resize(static_cast<size_t>(n));
  return order;
}

void Funnel::decide() {
  if (!active()) return;
  const std::int64_t window = cfg_.promote_every;
  const std::int64_t windows = (cfg_.samples + window - 1) / window;
  // Whether every rule promoted to `stage` in window w has all its seeds recorded there.
  auto through = [&](int stage, std::int64_t w) {
    auto it = promoted_[static_cast<size_t>(stage)].find(w);
    if (it == promoted_[static_cast<size_t>(stage)].end()) return false;
    for (std::uint64_t k : it->second) {
      auto r = results_[static_cast<size_t>(stage)].find(k);
      if (r == results_[static_cast<size_t>(stage)].end() || !r->second.complete()) return false;
    }
    return true;
  };
  for (int s = 1; s < static_cast<int>(stages_.size()); ++s) {
    const Stage& st = stages_[static_cast<size_t>(s)];
    auto& decided = promoted_[static_cast<size_t>(s)];
    auto promote = [&](std::int64_t w, std::vector<std::uint64_t> keys) {
      for (std::uint64_t k : keys) {
        auto& res = results_[static_cast<size_t>(s)][k];
        res.seeds.resize(static_cast<size_t>(st.fidelity.seeds));
        queue_.emplace_back(s, k);
      }
      decided[w] = std::move(keys);
    };
    if (!st.at_end()) {
      // Windows in order: which rules an earlier window took decides what a later one may take.
      for (std::int64_t w = 0; w < windows; ++w) {
        if (decided.count(w)) continue;
        const std::int64_t begin = w * window, end = std::min(cfg_.samples, begin + window);
        std::vector<std::uint64_t> candidates;
        if (s == 1) {
          if (end - begin < window && !search_complete_) break;  // the last window waits for the budget
          bool all = true;
          for (std::int64_t i = begin; i < end && all; ++i) all = recorded0_.count(i) > 0;
          if (!all) break;
          for (std::int64_t i = begin; i < end; ++i) {
            auto k = sample_key_.find(i);
            if (k == sample_key_.end() || !rules_.at(k->second).ok0 || scored(s, k->second)) continue;
            if (std::find(candidates.begin(), candidates.end(), k->second) == candidates.end())
              candidates.push_back(k->second);
          }
        } else {
          if (!through(s - 1, w)) break;
          for (std::uint64_t k : promoted_[static_cast<size_t>(s - 1)].at(w))
            if (results_[static_cast<size_t>(s - 1)].at(k).ok() && !scored(s, k)) candidates.push_back(k);
        }
        promote(w, best(candidates, s - 1, st.keep_of(static_cast<int>(end - begin))));
      }
    } else if (!decided.count(-1)) {
      // Once the budget is spent and every earlier stage is through: the best overall.
      if (!search_complete_) return;
      if (s == 1) {
        for (std::int64_t i = 0; i < cfg_.samples; ++i)
          if (!recorded0_.count(i)) return;
      } else if (stages_[static_cast<size_t>(s - 1)].at_end()) {
        if (!through(s - 1, -1)) return;
      } else {
        for (std::int64_t w = 0; w < windows; ++w)
          if (!through(s - 1, w)) return;
      }
      std::vector<std::uint64_t> candidates;
      if (s == 1) {
        for (const auto& [k, r] : rules_)
          if (r.ok0) candidates.push_back(k);
      } else {
        for (const auto& [k, r] : results_[static_cast<size_t>(s - 1)])
          if (r.complete() && r.ok() && !scored(s, k)) candidates.push_back(k);
      }
      // Map order is by fingerprint; best() orders by score, then by first sample.
      promote(-1, best(candidates, s - 1, st.top));
    }
  }
}

std::optional<Job> Funnel::next() {
  decide();
  for (const auto& [s, key] : queue_) {
    const Stage& st = stages_[static_cast<size_t>(s)];
    auto& res = results_[static_cast<size_t>(s)][key];
    for (int k = 0; k < st.fidelity.seeds; ++k) {
      if (res.seeds[static_cast<size_t>(k)] || in_flight_.count({s, key, k})) continue;
      const Rule& r = rules_.at(key);
      if (auto e = cache_.lookup(protocol(s, k), r.id.canonical_hash)) {
        record(s, key, k, *e, "cache", true);
        continue;
      }
      in_flight_.insert({s, key, k});
      return Job{.sample = r.first_sample, .rule = r.rule, .compiled = nullptr, .fidelity = s, .seed = k};
    }
  }
  return std::nullopt;
}

void Funnel::finished(const Outcome& o) {
  auto k = sample_key_.find(o.sample);
  if (k == sample_key_.end() || !in_flight_.erase({o.fidelity, k->second, o.seed}))
    throw std::logic_error(
        fmt::format("outcome for sample {} at stage {} seed {}, which is not in flight", o.sample, o.fidelity, o.seed));
  record(o.fidelity, k->second, o.seed, o.eval, o.worker, false);
  if (o.eval.status != "invalid")
    cache_.store(protocol(o.fidelity, o.seed), rules_.at(k->second).id.canonical_hash,
                 fmt::format("sample {}", o.sample), rules_.at(k->second).rule, o.eval);
}

void Funnel::record(int stage, std::uint64_t key, int seed, const Evaluation& e, const std::string& worker,
                    bool cached) {
  const Rule& r = rules_.at(key);
  const Stage& st = stages_[static_cast<size_t>(stage)];
  nlohmann::json j = to_json(e);
  j["sample"] = r.first_sample;
  j["stage"] = st.fidelity.name;
  j["stage_index"] = stage;
  j["seed"] = seed;
  j["rule"] = r.rule;
  j["infix"] = r.id.infix;
  j["canonical"] = r.id.canonical;
  j["hash"] = dslc::hash_hex(r.id.canonical_hash);
  j["fingerprint"] = dslc::hash_hex(key);
  j["protocol"] = protocol_hash(protocol(stage, seed));
  j["worker"] = worker;
  j["cached"] = cached;
  j["trained"] = !cached;
  j["unix_time"] = now_unix();
  out_->append(j);
  results_[static_cast<size_t>(stage)][key].seeds[static_cast<size_t>(seed)] = e;
  if (!cfg_.quiet)
    fmt::print(stderr, "nos-search: stage {} ({}/{}): sample {} `{}` seed {}: {:.4f} at lr {:g}{}\n", st.fidelity.name,
               stage, stages_.size() - 1, r.first_sample, r.id.infix, seed, e.reward, e.best_lr,
               cached ? " (score cache)" : "");
}

bool Funnel::done() {
  if (!active()) return true;
  decide();
  if (!search_complete_ || !in_flight_.empty()) return false;
  const std::int64_t windows = (cfg_.samples + cfg_.promote_every - 1) / cfg_.promote_every;
  for (size_t s = 1; s < stages_.size(); ++s) {
    if (stages_[s].at_end() ? !promoted_[s].count(-1) : static_cast<std::int64_t>(promoted_[s].size()) < windows)
      return false;
  }
  for (const auto& [s, key] : queue_)
    if (!results_[static_cast<size_t>(s)].at(key).complete()) return false;
  return true;
}

}  // namespace nos::search
