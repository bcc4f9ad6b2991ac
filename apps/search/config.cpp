#include "apps/search/config.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace nos::search {

// One list of fields for both directions, so a new setting cannot be saved but not loaded.
#define NOS_SEARCH_CONFIG_FIELDS(X)                                                                          \
  X(strategy) X(method) X(space) X(groups) X(batch) X(lr) X(entropy) X(max_kl) X(hidden) X(lookahead)         \
  X(population) X(tournament) X(samples) X(seed) X(reward) X(synthetic_seconds) X(sweep_rates) X(sweep_epochs) \
  X(final_epochs) X(child_batch) X(train_images) X(val_images) X(dataset) X(data) X(pooling) X(padding)       \
  X(failed_reward) X(reward_seed) X(workers) X(quiet)

// Settings added after runs were already written: a config.json without them was written with
// the value that is now the default (the constraints were always on), so it resumes with that.
#define NOS_SEARCH_CONFIG_ADDED_FIELDS(X) X(distinct_operands) X(final_not_add) X(use_earlier_output)

nlohmann::json to_json(const SearchConfig& c) {
  nlohmann::json j;
#define X(f) j[#f] = c.f;
  NOS_SEARCH_CONFIG_FIELDS(X)
  NOS_SEARCH_CONFIG_ADDED_FIELDS(X)
#undef X
  return j;
}

SearchConfig config_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw std::runtime_error(fmt::format("{}: expected a JSON object of settings", source));
  SearchConfig c;
#define X(f)                                                                                              \
  if (!j.contains(#f)) throw std::runtime_error(fmt::format("{}: missing setting '{}'", source, #f));     \
  try {                                                                                                   \
    j.at(#f).get_to(c.f);                                                                                 \
  } catch (const nlohmann::json::exception& e) {                                                          \
    throw std::runtime_error(fmt::format("{}: setting '{}' has the wrong type: {}", source, #f, e.what())); \
  }
  NOS_SEARCH_CONFIG_FIELDS(X)
#undef X
#define X(f)                                                                                              \
  try {                                                                                                   \
    if (j.contains(#f)) j.at(#f).get_to(c.f);                                                             \
  } catch (const nlohmann::json::exception& e) {                                                          \
    throw std::runtime_error(fmt::format("{}: setting '{}' has the wrong type: {}", source, #f, e.what())); \
  }
  NOS_SEARCH_CONFIG_ADDED_FIELDS(X)
#undef X
  return c;
}

bool resumable_key(const std::string& key) {
  return key == "samples" || key == "workers" || key == "data" || key == "synthetic_seconds" || key == "quiet";
}

std::string validate(const SearchConfig& c) {
  if (c.strategy != "controller" && c.strategy != "random" && c.strategy != "evolution")
    return fmt::format("unknown strategy '{}' (expected controller, random or evolution)", c.strategy);
  if (!rl::parse_method(c.method)) return fmt::format("unknown method '{}' (expected trpo, ppo or reinforce)", c.method);
  try {
    (void)make_space(c);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (c.reward != "child" && c.reward != "synthetic")
    return fmt::format("unknown reward '{}' (expected child or synthetic)", c.reward);
  if (c.batch < 1 || c.samples < 1 || c.hidden < 1 || c.lookahead < 0) return "batch, samples and hidden must be positive, lookahead >= 0";
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
  s.constraints = {.distinct_operands = c.distinct_operands, .final_not_add = c.final_not_add,
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
  return {.dataset = c.dataset, .data_dir = c.data, .train_images = c.train_images, .val_images = c.val_images,
          .seed = c.reward_seed};
}

}  // namespace nos::search
