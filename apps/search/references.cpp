#include "apps/search/references.h"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <set>
#include <stdexcept>

#include "apps/common/named_rules.h"
#include "apps/common/run_files.h"
#include "apps/search/stages.h"
#include "dslc/hash.h"

namespace nos::search {
namespace {

constexpr const char* kFile = "references.jsonl";

double now_unix() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

std::vector<ReferenceRule> resolve_references(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  const std::filesystem::path file = app::default_rules_file();
  const std::vector<app::OptimizerSpec> rules =
      file.empty() ? std::vector<app::OptimizerSpec>{} : app::read_rules_file(file);
  std::vector<ReferenceRule> out;
  try {
    for (const auto& s : app::resolve_optimizers(names, rules, file.string())) {
      // The child reward runs every rule with dslc's beta2 0.999; TensorFlow's RMSProp decays by
      // 0.9 (apps/common/named_rules.h), so under this name it would be another optimizer.
      if (app::reads_rmsprop_tf(s.rule))
        throw std::runtime_error(
            fmt::format("'{}' reads rmsprop_tf, which needs beta2 0.9; the search's reward runs "
                        "every rule with beta2 0.999",
                        s.name));
      out.push_back({.name = s.name, .rule = s.rule});
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("--references: {}", e.what()));
  }
  return out;
}

nlohmann::json reference_protocol(const SearchConfig& c, const nlohmann::json& data_set, int stage, int seed) {
  // The reward's one definition (config.h) plus the data set the run trains on (run_dir.h).
  return scored_protocol(stage_protocol(c, stage, seed), data_set.value("dataset", nlohmann::json()));
}

References::References(const SearchConfig& c, const RunPaths& p) : cfg_(c), paths_(p), shared_(c.score_cache) {
  const auto list = resolve_references(c.references);
  if (list.empty()) return;
  const nlohmann::json data_set = p.record_fields.value("data_set", resolved_data_set(c, ""));
  const std::vector<Stage> stages = search_stages(c);
  // Every stage of a funnel has its yardstick; stage 0 first, so the leaderboard has one early.
  for (size_t s = 0; s < stages.size(); ++s)
    for (int k = 0; k < stages[s].fidelity.seeds; ++k)
      for (const auto& r : list) {
        auto compiled = std::make_shared<const dslc::Compiled>(dslc::compile_rule(r.rule));
        Entry e{.ref = r, .id = identify(*compiled), .compiled = std::move(compiled)};
        e.stage = static_cast<int>(s);
        e.stage_name = stages[s].fidelity.name;
        e.seed = k;
        e.protocol = reference_protocol(c, data_set, e.stage, k);
        e.protocol_hash = protocol_hash(e.protocol);
        entries_.push_back(std::move(e));
      }
  const auto path = paths_.dir / kFile;
  auto contents = app::read_jsonl(path);
  if (contents.torn_tail) {
    fmt::print(stderr, "nos-search: {}: dropped a torn last record (the process was killed while writing it)\n",
               path.string());
    app::truncate_torn_tail(path);
  }
  // Stages can share a protocol (a funnel's last stage at seed 0 is usually its middle stage at
  // seed 0): each protocol is trained once, and every (name, stage, seed) it stands for gets its
  // record, so each stage's row of the leaderboard is complete. A directory written before that
  // rule had one record per protocol; the copies are added here on resume.
  std::map<std::string, Evaluation> scored;  // protocol hash / canonical hash -> evaluation
  std::set<std::string> slots;               // ... / name / stage / seed recorded
  for (size_t i = 0; i < contents.records.size(); ++i) {
    const auto& r = contents.records[i];
    try {
      const std::string key = r.at("protocol").get<std::string>() + "/" + r.at("hash").get<std::string>();
      scored.emplace(key, evaluation_from_json(r));
      slots.insert(fmt::format("{}/{}/{}/{}", key, r.at("name").get<std::string>(), r.value("stage_index", 0),
                               r.value("seed", 0)));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{} record {}: not a reference record: {}", path.string(), i + 1, e.what()));
    }
  }
  out_.emplace(path);
  std::map<std::string, size_t> queued;  // key -> the entry that trains it
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    const std::string key = e.protocol_hash + "/" + dslc::hash_hex(e.id.canonical_hash);
    if (slots.count(fmt::format("{}/{}/{}/{}", key, e.ref.name, e.stage, e.seed))) continue;
    if (auto it = scored.find(key); it != scored.end()) {
      record(e, it->second, "run", true, false);
    } else if (auto ev = shared_.lookup(e.protocol, e.id.canonical_hash)) {
      record(e, *ev, "cache", true, false);
      scored.emplace(key, *ev);
    } else if (auto q = queued.find(key); q != queued.end()) {
      same_protocol_[q->second].push_back(i);
    } else {
      queued.emplace(key, i);
      waiting_.push_back(i);
    }
  }
}

std::optional<Job> References::next() {
  if (waiting_.empty()) return std::nullopt;
  const size_t i = waiting_.front();
  waiting_.erase(waiting_.begin());
  ++in_flight_;
  const Entry& e = entries_[i];
  return Job{.sample = -1 - static_cast<std::int64_t>(i),
             .rule = e.ref.rule,
             .compiled = e.compiled,
             .fidelity = e.stage,
             .seed = e.seed};
}

void References::finished(const Outcome& o) {
  const auto i = static_cast<size_t>(-1 - o.sample);
  if (!is_reference_job(o.sample) || i >= entries_.size())
    throw std::logic_error(fmt::format("outcome for job {}, which is not a reference", o.sample));
  --in_flight_;
  const Entry& e = entries_[i];
  record(e, o.eval, o.worker, false, true);
  shared_.store(e.protocol, e.id.canonical_hash, e.ref.name, e.ref.rule, o.eval);
  if (auto it = same_protocol_.find(i); it != same_protocol_.end())
    for (size_t j : it->second) record(entries_[j], o.eval, o.worker, false, false);
}

void References::record(const Entry& e, const Evaluation& ev, const std::string& worker, bool cached, bool trained) {
  nlohmann::json r = to_json(ev);
  r["reference"] = true;
  r["name"] = e.ref.name;
  r["rule"] = e.ref.rule;
  r["infix"] = e.id.infix;
  r["canonical"] = e.id.canonical;
  r["hash"] = dslc::hash_hex(e.id.canonical_hash);
  r["stage"] = e.stage_name;
  r["stage_index"] = e.stage;
  r["seed"] = e.seed;
  r["protocol"] = e.protocol_hash;
  r["worker"] = worker;
  r["cached"] = cached;
  r["trained"] = trained;
  r["unix_time"] = now_unix();
  out_->append(r);
  if (!cfg_.quiet)
    fmt::print(stderr, "nos-search: reference {} ({}){}: reward {:.4f} at lr {:g}{}\n", e.ref.name, e.id.infix,
               entries_.size() > 1 && (e.stage > 0 || e.seed > 0)
                   ? fmt::format(" at stage {} seed {}", e.stage_name, e.seed)
                   : "",
               ev.reward, ev.best_lr, cached ? " (from the score cache)" : "");
}

}  // namespace nos::search
