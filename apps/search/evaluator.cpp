#include "apps/search/evaluator.h"

#include <chrono>
#include <stdexcept>

#include "apps/search/synthetic_reward.h"

namespace nos::search {

nlohmann::json to_json(const Evaluation& e) {
  nlohmann::json sweep = nlohmann::json::array();
  for (const auto& r : e.sweep)
    sweep.push_back({{"lr", r.lr},
                     {"accuracy", r.accuracy},
                     {"diverged", r.diverged},
                     {"reason", r.reason},
                     {"seconds", r.seconds}});
  return {{"reward", e.reward}, {"best_lr", e.best_lr}, {"sweep", sweep},      {"diverged", e.diverged},
          {"status", e.status}, {"error", e.error},     {"seconds", e.seconds}};
}

Evaluation evaluation_from_json(const nlohmann::json& j) {
  Evaluation e;
  e.reward = j.at("reward").get<double>();
  e.best_lr = j.at("best_lr").get<double>();
  for (const auto& r : j.at("sweep"))
    e.sweep.push_back({.lr = r.at("lr").get<double>(),
                       .accuracy = r.at("accuracy").get<double>(),
                       .diverged = r.at("diverged").get<bool>(),
                       .reason = r.at("reason").get<std::string>(),
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

Evaluation Evaluator::evaluate(const dslc::Compiled& rule) const {
  if (!data_) return synthetic_evaluation(rule, config_.synthetic_seconds);
  // The rule was compiled once by the driver (or by evaluate(text) on an MPI rank); the JIT
  // lowers that value, and one kernel serves every swept rate and the final run.
  return evaluate_rule(jit::compile_kernel(rule), reward_, *data_, 1);
}

Evaluation Evaluator::evaluate(std::string_view text) const {
  const auto start = std::chrono::steady_clock::now();
  std::optional<dslc::Compiled> rule;
  try {
    rule.emplace(dslc::compile_rule(text));
  } catch (const std::invalid_argument& e) {
    Evaluation ev{.reward = config_.failed_reward, .diverged = true, .status = "invalid", .error = e.what()};
    ev.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return ev;
  }
  return evaluate(*rule);
}

}  // namespace nos::search
