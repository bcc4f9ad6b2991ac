#include "apps/search/evaluator.h"

#include <fmt/format.h>
#include <time.h>

#include <chrono>
#include <map>
#include <stdexcept>

#include "apps/search/stages.h"
#include "apps/search/synthetic_reward.h"

namespace nos::search {

nlohmann::json to_json(const Evaluation& e) {
  nlohmann::json sweep = nlohmann::json::array();
  for (const auto& r : e.sweep)
    sweep.push_back({{"lr", r.lr},
                     {"accuracy", r.accuracy},
                     {"steps", r.steps},
                     {"diverged", r.diverged},
                     {"reason", r.reason},
                     {"seconds", r.seconds}});
  return {{"reward", e.reward}, {"best_lr", e.best_lr}, {"sweep", sweep},       {"diverged", e.diverged},
          {"status", e.status}, {"error", e.error},     {"seconds", e.seconds}, {"cpu_seconds", e.cpu_seconds}};
}

Evaluation evaluation_from_json(const nlohmann::json& j) {
  Evaluation e;
  e.reward = j.at("reward").get<double>();
  e.best_lr = j.at("best_lr").get<double>();
  for (const auto& r : j.at("sweep"))
    e.sweep.push_back({.lr = r.at("lr").get<double>(),
                       .accuracy = r.at("accuracy").get<double>(),
                       .steps = r.value("steps", std::int64_t{0}),  // records before sweep halving: 0
                       .diverged = r.at("diverged").get<bool>(),
                       .reason = r.at("reason").get<std::string>(),
                       .seconds = r.at("seconds").get<double>()});
  e.diverged = j.at("diverged").get<bool>();
  e.status = j.at("status").get<std::string>();
  e.error = j.at("error").get<std::string>();
  e.seconds = j.at("seconds").get<double>();
  e.cpu_seconds = j.value("cpu_seconds", 0.0);
  return e;
}

Evaluator::Evaluator(const SearchConfig& config, std::vector<Fidelity> more) : config_(config) {
  for (const Stage& s : search_stages(config)) fidelities_.push_back(s.fidelity);
  for (auto& f : more) fidelities_.push_back(std::move(f));
  if (config.reward != "child") {
    dataset_ = "synthetic";
    return;
  }
  // One load per distinct image count: the stages of a funnel and the rungs of a calibration
  // often share them.
  std::map<std::pair<std::int64_t, std::int64_t>, const ChildData*> loaded;
  for (const Fidelity& f : fidelities_) {
    const auto key = std::make_pair(f.train_images, f.val_images);
    if (!loaded.count(key)) {
      data_.push_back(std::make_unique<ChildData>(load_child_data(data_of(f, child_data_config(config)))));
      loaded[key] = data_.back().get();
    }
    data_of_.push_back(loaded[key]);
  }
  dataset_ = data_.front()->dataset;
}

namespace {

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

}  // namespace

Evaluation Evaluator::evaluate(const dslc::Compiled& rule, int fidelity, int seed) const {
  if (fidelity < 0 || fidelity >= static_cast<int>(fidelities_.size()) || seed < 0 ||
      seed >= fidelities_[static_cast<size_t>(fidelity)].seeds)
    throw std::out_of_range(fmt::format("evaluation at fidelity {} seed {}: the run has {} fidelities", fidelity, seed,
                                        fidelities_.size()));
  if (data_of_.empty()) return synthetic_evaluation(rule, config_.synthetic_seconds);
  const double cpu0 = thread_cpu_seconds();
  // The rule was compiled once by the driver (or by evaluate(text) on an MPI rank); the JIT
  // lowers that value, and one kernel serves every swept rate and the final run.
  const auto f = static_cast<size_t>(fidelity);
  Evaluation e = evaluate_rule(jit::compile_kernel(rule), reward_of(fidelities_[f], seed), *data_of_[f], 1);
  e.cpu_seconds = thread_cpu_seconds() - cpu0;
  return e;
}

Evaluation Evaluator::evaluate(std::string_view text, int fidelity, int seed) const {
  const auto start = std::chrono::steady_clock::now();
  std::optional<dslc::Compiled> rule;
  try {
    rule.emplace(dslc::compile_rule(text));
  } catch (const std::invalid_argument& e) {
    Evaluation ev{.reward = config_.failed_reward, .diverged = true, .status = "invalid", .error = e.what()};
    ev.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return ev;
  }
  return evaluate(*rule, fidelity, seed);
}

}  // namespace nos::search
