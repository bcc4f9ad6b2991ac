#include "apps/search/evaluator.h"

#include "apps/search/synthetic_reward.h"

namespace nos::search {

nlohmann::json to_json(const Evaluation& e) {
  nlohmann::json sweep = nlohmann::json::array();
  for (const auto& r : e.sweep)
    sweep.push_back({{"lr", r.lr}, {"accuracy", r.accuracy}, {"diverged", r.diverged}, {"reason", r.reason},
                     {"seconds", r.seconds}});
  return {{"reward", e.reward}, {"best_lr", e.best_lr}, {"sweep", sweep},   {"diverged", e.diverged},
          {"status", e.status}, {"error", e.error},     {"seconds", e.seconds}};
}

Evaluation evaluation_from_json(const nlohmann::json& j) {
  Evaluation e;
  e.reward = j.at("reward").get<double>();
  e.best_lr = j.at("best_lr").get<double>();
  for (const auto& r : j.at("sweep"))
    e.sweep.push_back({.lr = r.at("lr").get<double>(), .accuracy = r.at("accuracy").get<double>(),
                       .diverged = r.at("diverged").get<bool>(), .reason = r.at("reason").get<std::string>(),
                       .seconds = r.at("seconds").get<double>()});
  e.diverged = j.at("diverged").get<bool>();
  e.status = j.at("status").get<std::string>();
  e.error = j.at("error").get<std::string>();
  e.seconds = j.at("seconds").get<double>();
  return e;
}

Evaluator::Evaluator(const SearchConfig& config) : config_(config), reward_(reward_config(config)) {
  if (config.reward == "child") {
    data_ = load_child_data(child_data_config(config));
    dataset_ = data_->dataset;
  } else {
    dataset_ = "synthetic";
  }
}

Evaluation Evaluator::evaluate(std::string_view rule) const {
  if (!data_) return synthetic_evaluation(rule, config_.synthetic_seconds, config_.failed_reward);
  return evaluate_rule(rule, reward_, *data_, 1);
}

}  // namespace nos::search
