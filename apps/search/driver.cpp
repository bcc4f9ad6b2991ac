#include "apps/search/driver.h"

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <variant>

#include "apps/common/run_files.h"
#include "apps/search/cache.h"
#include "apps/search/funnel.h"
#include "apps/search/progress.h"
#include "apps/search/references.h"
#include "apps/search/reward/screen.h"
#include "apps/search/strategy.h"
#include "dslc/compile.h"
#include "dslc/hash.h"
#include "search/checkpoint.h"

namespace nos::search {
namespace {

enum class SlotState { Todo, InFlight, Waiting, Done };

struct Slot {
  Choices choices;   // as the strategy proposed it
  std::string rule;  // to_string(space, choices): what records, identity and workers see
  SlotState state = SlotState::Todo;
  double reward = 0;
};

// A rule's text compiled once (dslc::compile_rule) and identified from that compiled value; the
// compiled rule is handed to a local worker with the job, so nothing downstream parses it again.
struct Identified {
  RuleIdentity id;
  std::shared_ptr<const dslc::Compiled> compiled;  // released once the slot is answered or sent
};

// The driver's own state beside the strategy's: what has been proposed and observed.
struct Outstanding {
  std::int64_t observed = 0;              // samples in observed batches
  std::deque<std::vector<Slot>> batches;  // proposed, not yet observed, in order
  std::int64_t next_sample() const {
    std::int64_t n = observed;
    for (const auto& b : batches) n += static_cast<std::int64_t>(b.size());
    return n;
  }
  Slot* slot(std::int64_t sample) {
    std::int64_t at = observed;
    for (auto& b : batches) {
      if (sample < at + static_cast<std::int64_t>(b.size())) return sample >= at ? &b[sample - at] : nullptr;
      at += static_cast<std::int64_t>(b.size());
    }
    return nullptr;
  }
};

class Driver {
 public:
  Driver(const SearchConfig& c, const RunPaths& p, Workers& w, const std::atomic<bool>& stop)
      : cfg_(c),
        paths_(p),
        workers_(w),
        stop_(stop),
        space_(make_space(c)),
        strategy_(make_strategy(c)),
        progress_(c.samples, !c.quiet) {}

  RunOutcome run() {
    restore();
    app::JsonlWriter out(paths_.evaluations());
    out_ = &out;
    References refs(cfg_, paths_);
    refs_ = &refs;
    for (;;) {
      advance();
      if (search_complete()) funnel_->search_complete();
      if (search_complete() && refs.done() && funnel_->done()) break;
      const bool stopping = stop_.load();
      if (stopping && in_flight_ == 0) break;
      if (!stopping) dispatch();
      if (in_flight_ == 0) continue;  // everything outstanding was answered from the cache
      if (auto o = workers_.wait(std::chrono::milliseconds(200))) finished(std::move(*o));
    }
    out_ = nullptr;
    refs_ = nullptr;
    save_cache(paths_.cache(), cache_);
    return {.samples = progress_.done(), .interrupted = !search_complete() || !funnel_->done()};
  }

 private:
  bool search_complete() const { return st_.observed >= cfg_.samples && st_.batches.empty(); }

  // ---- resume ----
  void restore() {
    funnel_.emplace(cfg_, paths_);
    cache_ = load_cache(paths_.cache());
    auto contents = app::read_jsonl(paths_.evaluations());
    if (contents.torn_tail) {
      fmt::print(stderr, "nos-search: {}: dropped a torn last record (the process was killed while writing it)\n",
                 paths_.evaluations().string());
      app::truncate_torn_tail(paths_.evaluations());
    }
    const bool have_checkpoint = std::filesystem::exists(paths_.checkpoint());
    if (!have_checkpoint && !contents.records.empty())
      throw std::runtime_error(fmt::format("{}: missing, but {} holds {} records: the run directory is damaged",
                                           paths_.checkpoint().string(), paths_.evaluations().string(),
                                           contents.records.size()));
    if (have_checkpoint) load_checkpoint();

    std::map<std::int64_t, size_t> seen;
    for (size_t i = 0; i < contents.records.size(); ++i) {
      const auto& r = contents.records[i];
      const std::string where = fmt::format("{} record {}", paths_.evaluations().string(), i + 1);
      std::int64_t sample = 0;
      std::string rule;
      double reward = 0;
      bool trained = false;
      try {
        sample = r.at("sample").get<std::int64_t>();
        rule = r.at("rule").get<std::string>();
        reward = r.at("reward").get<double>();
        trained = r.at("trained").get<bool>();
      } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{}: not an evaluation record: {}", where, e.what()));
      }
      if (!seen.emplace(sample, i).second)
        throw std::runtime_error(fmt::format("{}: sample {} recorded twice", where, sample));
      if (sample >= st_.next_sample())
        throw std::runtime_error(
            fmt::format("{}: sample {}, but {} has only proposed {}: the files do not belong together", where, sample,
                        paths_.checkpoint().string(), st_.next_sample()));
      if (Slot* s = st_.slot(sample)) {
        if (s->rule != rule)
          throw std::runtime_error(
              fmt::format("{}: sample {} is '{}' but the checkpoint proposed '{}'", where, sample, rule, s->rule));
        s->state = SlotState::Done;
        s->reward = reward;
      }
      if (trained) {
        // Records written after the last cache.json replace still count as cached.
        try {
          RuleIdentity id{.canonical_hash = dslc::parse_hash_hex(r.at("hash").get<std::string>()),
                          .canonical = r.at("canonical").get<std::string>(),
                          .infix = r.at("infix").get<std::string>(),
                          .depends_on_g = true,
                          .fingerprint = dslc::parse_hash_hex(r.at("fingerprint").get<std::string>())};
          cache_.insert(id, evaluation_from_json(r), sample);
        } catch (const std::exception& e) {
          throw std::runtime_error(fmt::format("{}: incomplete trained record: {}", where, e.what()));
        }
      }
      progress_.restore(reward);
      observe_restored(r);
    }
    // The checkpoint observed every sample before st_.observed, so each must have its record:
    // a missing one was lost (file emptied, deleted or cut), and evaluating it again would not
    // bring back what the strategy learnt from it.
    for (std::int64_t i = 0; i < st_.observed; ++i)
      if (!seen.count(i))
        throw std::runtime_error(fmt::format(
            "{}: {} records, but {} observed {} samples (sample {} has no record): "
            "records were lost; restore the file or start a new run",
            paths_.evaluations().string(), contents.records.size(), paths_.checkpoint().string(), st_.observed, i));
    if (!contents.records.empty() || have_checkpoint)
      fmt::print(stderr, "nos-search: resuming {}: {} samples recorded, {} observed, {} cached rules\n",
                 paths_.dir.string(), contents.records.size(), st_.observed, cache_.size());
  }

  // A recorded stage-0 result, for the funnel: its identity as recorded (none if it did not compile).
  void observe_restored(const nlohmann::json& r) {
    const std::string hash = r.value("hash", "");
    const Evaluation e = evaluation_from_json(r);
    if (hash.empty()) {
      funnel_->observe(r.at("sample").get<std::int64_t>(), r.at("rule").get<std::string>(), nullptr, e);
      return;
    }
    const RuleIdentity id{.canonical_hash = dslc::parse_hash_hex(hash),
                          .canonical = r.at("canonical").get<std::string>(),
                          .infix = r.at("infix").get<std::string>(),
                          .depends_on_g = r.at("status") != "no_gradient",
                          .fingerprint = dslc::parse_hash_hex(r.at("fingerprint").get<std::string>())};
    funnel_->observe(r.at("sample").get<std::int64_t>(), r.at("rule").get<std::string>(), &id, e);
  }

  // The settings that shape results, as the run was started with them (config.json minus the
  // resumable keys): a config.json edited afterwards is caught on resume.
  nlohmann::json shaping_settings() const {
    nlohmann::json j = nlohmann::json::object();
    const nlohmann::json all = to_json(cfg_);
    for (const auto& [k, v] : all.items())
      if (!resumable_key(k)) j[k] = v;
    return j;
  }

  void check_settings(const Checkpoint& ck) const {
    if (!ck.has("search.config")) return;  // written before the section existed
    nlohmann::json was;
    try {
      was = nlohmann::json::parse(ck.get("search.config"));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}: section search.config is malformed: {}", ck.source, e.what()));
    }
    const nlohmann::json now = shaping_settings();
    for (const auto& [k, v] : now.items())
      if (was.contains(k) && was[k] != v)
        throw std::runtime_error(
            fmt::format("{}: '{}' is {} but the run was started with {} ({}); restore it, or "
                        "start a new run for other settings",
                        paths_.config().string(), k, v.dump(), was[k].dump(), ck.source));
  }

  void load_checkpoint() {
    const Checkpoint ck = read_checkpoint(paths_.checkpoint());
    check_settings(ck);
    try {
      const auto j = nlohmann::json::parse(ck.get("search.state"));
      if (j.at("strategy") != cfg_.strategy)
        throw std::runtime_error(
            fmt::format("written by strategy {}, the run is {}", j.at("strategy").dump(), cfg_.strategy));
      st_.observed = j.at("observed").get<std::int64_t>();
      for (const auto& b : j.at("pending")) {
        std::vector<Slot> batch;
        for (const auto& s : b) {
          // The checkpoint stores text (as before choices were kept): parsed once, here.
          const std::string rule = s.get<std::string>();
          batch.push_back({.choices = parse_choices(space_, rule, ck.source + " section search.state"), .rule = rule});
        }
        st_.batches.push_back(std::move(batch));
      }
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}: section search.state is malformed: {}", ck.source, e.what()));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(fmt::format("{}: {}", ck.source, e.what()));
    }
    strategy_->load(ck);
  }

  void save_checkpoint() {
    Checkpoint ck;
    nlohmann::json pending = nlohmann::json::array();
    for (const auto& b : st_.batches) {
      nlohmann::json batch = nlohmann::json::array();
      for (const auto& s : b) batch.push_back(s.rule);
      pending.push_back(batch);
    }
    ck.put("search.state",
           nlohmann::json{{"strategy", cfg_.strategy}, {"observed", st_.observed}, {"pending", pending}}.dump());
    ck.put("search.config", shaping_settings().dump());
    strategy_->save(ck);
    app::write_file_atomic(paths_.checkpoint(), encode(ck));
  }

  // ---- the fixed-order part: observe complete batches, propose new ones ----
  void advance() {
    bool changed = false;
    while (!st_.batches.empty()) {
      const auto& b = st_.batches.front();
      if (std::any_of(b.begin(), b.end(), [](const Slot& s) { return s.state != SlotState::Done; })) break;
      std::vector<Choices> strings;
      std::vector<double> rewards;
      for (const auto& s : b) {
        strings.push_back(s.choices);
        rewards.push_back(s.reward);
      }
      strategy_->observe(strings, rewards);
      st_.observed += static_cast<std::int64_t>(b.size());
      st_.batches.pop_front();
      changed = true;
    }
    while (st_.next_sample() < cfg_.samples && static_cast<int>(st_.batches.size()) < 1 + cfg_.lookahead) {
      const auto n = std::min<std::int64_t>(cfg_.batch, cfg_.samples - st_.next_sample());
      std::vector<Slot> batch;
      for (auto& c : strategy_->propose(static_cast<int>(n))) {
        std::string rule = to_string(space_, c);
        batch.push_back({.choices = std::move(c), .rule = std::move(rule)});
      }
      st_.batches.push_back(std::move(batch));
      changed = true;
    }
    if (changed) save_checkpoint();
  }

  // ---- dispatch in sample order ----
  // The one place a rule's text is compiled (once per distinct text): its identity, and the
  // compiled value a local worker evaluates; or dslc's diagnostics.
  std::variant<Identified, std::string>& identity(const std::string& rule) {
    auto it = identities_.find(rule);
    if (it != identities_.end()) return it->second;
    std::variant<Identified, std::string> v;
    try {
      auto compiled = std::make_shared<const dslc::Compiled>(dslc::compile_rule(rule));
      v = Identified{.id = identify(*compiled), .compiled = std::move(compiled)};
    } catch (const std::exception& e) {
      v = std::string(e.what());
    }
    return identities_.emplace(rule, std::move(v)).first->second;
  }

  void dispatch() {
    // References first: they do not feed the strategy, so when they run changes nothing the
    // search computes, and the leaderboard has its yardstick early.
    while (in_flight_ < workers_.size())
      if (auto job = refs_->next()) {
        ++in_flight_;
        workers_.submit(std::move(*job));
      } else {
        break;
      }
    // Then the funnel's promotions, on at most half the workers while samples remain (the
    // strategy waits for its batches; a promotion may take a hundred times a sample's time).
    const int promotion_slots = search_complete() ? workers_.size() : std::max(1, workers_.size() / 2);
    while (in_flight_ < workers_.size() && funnel_->in_flight() < promotion_slots)
      if (auto job = funnel_->next()) {
        ++in_flight_;
        workers_.submit(std::move(*job));
      } else {
        break;
      }
    bool blocked = false;  // once a rule cannot be sent, later ones may only be answered from the cache
    std::int64_t sample = st_.observed;
    for (auto& b : st_.batches)
      for (auto& s : b) {
        const std::int64_t i = sample++;
        if (s.state != SlotState::Todo && s.state != SlotState::Waiting) continue;
        auto& idv = identity(s.rule);
        if (const auto* err = std::get_if<std::string>(&idv)) {
          Evaluation e{.reward = cfg_.failed_reward, .diverged = true, .status = "invalid", .error = *err};
          record(i, s, nullptr, e, "driver", false, false);
          continue;
        }
        Identified& ided = std::get<Identified>(idv);
        const RuleIdentity& id = ided.id;
        if (!id.depends_on_g) {
          Evaluation e{.reward = cfg_.failed_reward,
                       .diverged = true,
                       .status = "no_gradient",
                       .error = "the rule does not depend on g: it cannot train anything"};
          record(i, s, &id, e, "driver", false, false);
          ided.compiled.reset();
        } else if (const std::string& why = screened(id, ided); !why.empty()) {
          Evaluation e{.reward = cfg_.failed_reward, .diverged = true, .status = "screened", .error = why};
          record(i, s, &id, e, "screen", false, false);
          ided.compiled.reset();
        } else if (const CacheEntry* c = cache_.find(id)) {
          record(i, s, &id, c->eval, "cache", true, false);
          ided.compiled.reset();
        } else if (flying_hash_.count(id.canonical_hash) || flying_fingerprint_.count(id.fingerprint)) {
          s.state = SlotState::Waiting;  // an equivalent rule is being trained; answered from the cache then
        } else if (!blocked && in_flight_ < workers_.size()) {
          s.state = SlotState::InFlight;
          flying_hash_.insert(id.canonical_hash);
          flying_fingerprint_.insert(id.fingerprint);
          ++in_flight_;
          // Equivalent rules are answered from the cache from now on, so the driver lets go of
          // the compiled value; it is compiled again only in the unexpected case that it is needed.
          if (!ided.compiled) ided.compiled = std::make_shared<const dslc::Compiled>(dslc::compile_rule(s.rule));
          workers_.submit({.sample = i, .rule = s.rule, .compiled = std::move(ided.compiled)});
        } else {
          blocked = true;
        }
      }
  }

  // Why the screen rejects a rule ("" to train it), once per canonical form; the kernel it probes
  // is the JIT cache's, so a local worker that trains the rule reuses it.
  const std::string& screened(const RuleIdentity& id, Identified& ided) {
    static const std::string train;
    if (!cfg_.screen) return train;
    auto it = screen_.find(id.canonical_hash);
    if (it == screen_.end()) {
      if (!ided.compiled) ided.compiled = std::make_shared<const dslc::Compiled>(dslc::compile_rule(ided.id.canonical));
      it = screen_.emplace(id.canonical_hash, screen_rule(jit::compile_kernel(*ided.compiled)).reject).first;
    }
    return it->second;
  }

  void finished(Outcome o) {
    if (is_reference_job(o.sample)) {
      --in_flight_;
      refs_->finished(o);
      return;
    }
    if (o.fidelity > 0) {
      --in_flight_;
      funnel_->finished(o);
      return;
    }
    Slot* s = st_.slot(o.sample);
    if (!s || s->state != SlotState::InFlight)
      throw std::logic_error(fmt::format("outcome for sample {}, which is not in flight", o.sample));
    --in_flight_;
    const auto& id = std::get<Identified>(identity(s->rule)).id;
    flying_hash_.erase(id.canonical_hash);
    flying_fingerprint_.erase(id.fingerprint);
    record(o.sample, *s, &id, o.eval, o.worker, false, true);
    cache_.insert(id, o.eval, o.sample);
    save_cache(paths_.cache(), cache_);
  }

  void record(std::int64_t sample, Slot& s, const RuleIdentity* id, const Evaluation& e, const std::string& worker,
              bool cached, bool trained) {
    nlohmann::json r = to_json(e);
    r["sample"] = sample;
    r["rule"] = s.rule;
    r["infix"] = id ? id->infix : "";
    r["canonical"] = id ? id->canonical : "";
    r["hash"] = id ? dslc::hash_hex(id->canonical_hash) : "";
    r["fingerprint"] = id ? dslc::hash_hex(id->fingerprint) : "";
    r["worker"] = worker;
    r["cached"] = cached;
    r["trained"] = trained;
    if (funnel_->active()) r["stage"] = funnel_->stages().front().fidelity.name;
    for (const auto& [k, v] : paths_.record_fields.items()) r[k] = v;  // data_set, reward_protocol (run_dir.h)
    r["unix_time"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    out_->append(r);
    funnel_->observe(sample, s.rule, id, e);
    s.state = SlotState::Done;
    s.reward = e.reward;
    progress_.add(sample, e.reward, id ? id->infix : s.rule, cached);
  }

  const SearchConfig& cfg_;
  const RunPaths& paths_;
  Workers& workers_;
  const std::atomic<bool>& stop_;
  SearchSpace space_;
  std::unique_ptr<Strategy> strategy_;
  SearchProgress progress_;
  Outstanding st_;
  EvalCache cache_;
  std::unordered_map<std::string, std::variant<Identified, std::string>> identities_;
  std::set<std::uint64_t> flying_hash_, flying_fingerprint_;
  int in_flight_ = 0;  // jobs on the workers: samples and references
  app::JsonlWriter* out_ = nullptr;
  References* refs_ = nullptr;
  std::optional<Funnel> funnel_;
  std::unordered_map<std::uint64_t, std::string> screen_;  // canonical hash -> why rejected ("" to train)
};

}  // namespace

RunOutcome run_search(const SearchConfig& config, const RunPaths& paths, Workers& workers,
                      const std::atomic<bool>& stop) {
  return Driver(config, paths, workers, stop).run();
}

}  // namespace nos::search
