#include "apps/search/config.h"

#include "apps/common/settings.h"
#include "apps/search/stages.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace nos::search {

namespace {

// Every setting, declared once: its key, and whether a resumed run may change it. Only what
// changes how the run executes (budget, workers, data location, the synthetic reward's delay,
// progress output) may change; everything else is the run's identity. Settings added after runs were
// written say what a config.json without them stands for (if_absent).
const app::Settings<SearchConfig>& settings() {
  using C = SearchConfig;
  static const app::Settings<C> s{{
      app::fixed("strategy", &C::strategy),
      app::fixed("method", &C::method),
      app::fixed("space", &C::space),
      app::fixed("groups", &C::groups),
      app::fixed("batch", &C::batch),
      app::fixed("lr", &C::lr),
      app::fixed("entropy", &C::entropy),
      app::fixed("max_kl", &C::max_kl),
      app::fixed("hidden", &C::hidden),
      app::fixed("lookahead", &C::lookahead),
      app::fixed("population", &C::population),
      app::fixed("tournament", &C::tournament),
      app::may_change("samples", &C::samples),
      app::fixed("seed", &C::seed),
      app::fixed("reward", &C::reward),
      app::may_change("synthetic_seconds", &C::synthetic_seconds),
      app::fixed("sweep_rates", &C::sweep_rates),
      app::fixed("sweep_epochs", &C::sweep_epochs),
      app::fixed("final_epochs", &C::final_epochs),
      app::fixed("child_batch", &C::child_batch),
      app::fixed("train_images", &C::train_images),
      app::fixed("val_images", &C::val_images),
      app::fixed("dataset", &C::dataset),
      app::may_change("data", &C::data),
      app::fixed("pooling", &C::pooling),
      app::fixed("padding", &C::padding),
      app::fixed("failed_reward", &C::failed_reward),
      app::fixed("reward_seed", &C::reward_seed),
      app::may_change("workers", &C::workers),
      app::may_change("quiet", &C::quiet),
      // Added after runs were written: a config.json without them sampled with the constraints on.
      app::fixed("distinct_operands", &C::distinct_operands, true),
      app::fixed("final_not_add", &C::final_not_add, true),
      app::fixed("use_earlier_output", &C::use_earlier_output, true),
      // Also added later: an older run resumed gains the default reference optimizers (they are
      // not samples and never feed the strategy: references.h).
      app::may_change("references", &C::references, SearchConfig{}.references),
      app::may_change("score_cache", &C::score_cache, ""),
      // Runs from before the funnel had one stage.
      app::fixed("stages", &C::stages, nlohmann::json::array()),
      app::fixed("promote_every", &C::promote_every, 50),
      // Runs from before the screen trained every rule.
      app::fixed("screen", &C::screen, false),
  }};
  return s;
}

}  // namespace

const std::vector<app::KeyRule>& config_rules() { return settings().rules(); }

nlohmann::json to_json(const SearchConfig& c) { return settings().to_json(c); }

SearchConfig config_from_json(const nlohmann::json& j, const std::string& source) {
  return settings().from_json(j, source, {std::string(kDataSetKey), std::string(kProtocolKey)});
}

nlohmann::json with_absent_keys(const nlohmann::json& j, const std::string& source) {
  return settings().with_absent_keys(j, source);
}

bool resumable_key(const std::string& key) {
  const app::KeyRule* r = settings().rule(key);
  return r && r->on_resume == app::OnResume::MayChange;
}

std::string validate(const SearchConfig& c) {
  if (c.strategy != "controller" && c.strategy != "random" && c.strategy != "evolution")
    return fmt::format("unknown strategy '{}' (expected controller, random or evolution)", c.strategy);
  if (!rl::parse_method(c.method))
    return fmt::format("unknown method '{}' (expected trpo, ppo or reinforce)", c.method);
  try {
    (void)make_space(c);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (c.reward != "child" && c.reward != "synthetic")
    return fmt::format("unknown reward '{}' (expected child or synthetic)", c.reward);
  if (c.batch < 1 || c.samples < 1 || c.hidden < 1 || c.lookahead < 0)
    return "batch, samples and hidden must be positive, lookahead >= 0";
  if (c.population < 2 || c.tournament < 1 || c.tournament > c.population)
    return "evolution needs population >= 2 and 1 <= tournament <= population";
  // NaN and infinity would be written to config.json as null, which no resume can read back.
  const auto finite = [](double x) { return std::isfinite(x); };
  if (!finite(c.lr) || !(c.lr > 0)) return fmt::format("--lr {}: must be a finite positive number", c.lr);
  if (!finite(c.entropy) || c.entropy < 0) return fmt::format("--entropy {}: must be a finite number >= 0", c.entropy);
  if (!finite(c.max_kl) || !(c.max_kl > 0))
    return fmt::format("--max-kl {}: the TRPO trust region must be a finite positive number", c.max_kl);
  if (!finite(c.failed_reward)) return fmt::format("--failed-reward {}: must be a finite number", c.failed_reward);
  if (!finite(c.synthetic_seconds) || c.synthetic_seconds < 0)
    return fmt::format("--synthetic-seconds {}: must be a finite number >= 0", c.synthetic_seconds);
  if (c.sweep_rates.empty()) return "--sweep-rates: need at least one rate";
  for (double r : c.sweep_rates)
    if (!finite(r) || !(r > 0)) return fmt::format("--sweep-rates: rate {} is not a finite positive number", r);
  if (c.sweep_epochs < 1 || c.final_epochs < 1 || c.child_batch < 1 || c.train_images < 1 || c.val_images < 1)
    return "epochs, child batch and image counts must be positive";
  if (c.workers < 0) return "workers must be >= 0 (0: one per core)";
  if (c.promote_every < 1) return fmt::format("--promote-every {}: must be >= 1", c.promote_every);
  try {
    (void)search_stages(c);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string unused_flags(const SearchConfig& c, const std::set<std::string>& given) {
  // random and evolution train no controller; the README's comparisons give all strategies the
  // same flags, so they ignore the controller's (as they ignore --method).
  if (c.strategy != "controller") return "";
  if (given.count("lr") && c.method == "trpo")
    return "--lr sets the controller's Adam rate, which --method trpo does not use (TRPO's step is set by "
           "--max-kl); drop --lr, or use --method ppo or reinforce for an Adam-trained controller (the paper's "
           "Adam at 1e-5)";
  if (given.count("max_kl") && c.method != "trpo")
    return fmt::format("--max-kl is TRPO's trust region; --method {} does not use it (its step is --lr)", c.method);
  return "";
}

SearchSpace make_space(const SearchConfig& c) {
  SearchSpace s = preset(c.space, c.groups);
  s.constraints = {.distinct_operands = c.distinct_operands,
                   .final_not_add = c.final_not_add,
                   .use_earlier_output = c.use_earlier_output};
  if (auto why = search::validate(s); !why.empty()) throw std::invalid_argument(why);
  return s;
}

rl::PgConfig pg_config(const SearchConfig& c) {
  rl::PgConfig p;
  p.method = *rl::parse_method(c.method);
  p.batch = c.batch;
  p.entropy_coef = c.entropy;
  p.adam.lr = c.lr;
  p.max_kl = c.max_kl;
  return p;
}

RewardConfig reward_config(const SearchConfig& c) {
  RewardConfig r;
  r.sweep_rates = c.sweep_rates;
  r.sweep_epochs = c.sweep_epochs;
  r.final_epochs = c.final_epochs;
  r.batch = c.child_batch;
  r.pooling = c.pooling;
  r.padding = c.padding;
  r.seed = c.reward_seed;
  r.failed_reward = c.failed_reward;
  return r;
}

ChildDataConfig child_data_config(const SearchConfig& c) {
  return {.dataset = c.dataset,
          .data_dir = c.data,
          .train_images = c.train_images,
          .val_images = c.val_images,
          .seed = c.reward_seed};
}

}  // namespace nos::search

namespace nos::search {

nlohmann::json reward_protocol(const SearchConfig& c) { return stage_protocol(c, 0, 0); }

nlohmann::json stage_protocol(const SearchConfig& c, int stage, int seed) {
  const std::vector<Stage> stages = search_stages(c);
  const Stage& s = stages.at(static_cast<size_t>(stage));
  if (c.reward == "synthetic") {
    nlohmann::json p = {
        {"reward", "synthetic"},
        {"definition",
         "1 when the canonical rule uses both exp and sign_m, else 0 (apps/search/synthetic_reward.h; no training)"},
        {"failed_reward", c.failed_reward}};
    if (stage > 0 || seed > 0) p["stage"] = {{"spec", fidelity_spec(s.fidelity)}, {"seed", seed}};
    return p;
  }
  return child_protocol(s.fidelity, seed);
}

Fidelity base_fidelity(const SearchConfig& c) {
  return {.name = "base", .reward = reward_config(c), .train_images = c.train_images, .val_images = c.val_images};
}

}  // namespace nos::search
