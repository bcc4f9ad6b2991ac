// The settings of a run, declared once per field: its key in config.json, whether a resumed run
// may change it, and what a config.json written before the key existed meant.
//
//   const app::Settings<SearchConfig>& settings() {
//     static const app::Settings<SearchConfig> s{{
//         app::fixed("groups", &SearchConfig::groups),          // part of the run's identity
//         app::may_change("samples", &SearchConfig::samples),   // the budget may grow
//         app::fixed("lm_cuts", &C::lm_cuts, "restart"),         // absent in older directories: they restarted
//     }};
//     return s;
//   }
//
// One table serves both directions (a setting cannot be saved but not loaded) and the resume
// rule (apps/common/run_dir.h: resume_settings), for nos-search and nos-transfer alike. Reading
// is strict: a missing key is an error unless the field says what older directories did, an
// unknown key is an error (a newer program's setting, or a typo in a hand edit), and a mistyped
// value is an error naming the key: a run directory never silently resumes with other settings.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/common/run_dir.h"

namespace nos::app {

template <class C>
struct Setting {
  KeyRule rule;  // key, whether it may change on resume, what its absence means
  std::function<nlohmann::json(const C&)> get;
  std::function<void(const nlohmann::json&, C&)> set;  // throws nlohmann::json::exception on a wrong type
};

template <class C, class T>
Setting<C> setting(const char* key, T C::*field, OnResume on_resume, std::optional<nlohmann::json> if_absent) {
  return {.rule = {.key = key, .on_resume = on_resume, .if_absent = std::move(if_absent)},
          .get = [field](const C& c) { return nlohmann::json(c.*field); },
          .set = [field](const nlohmann::json& j, C& c) { j.get_to(c.*field); }};
}
// Part of the run's identity: resuming with another value is an error.
template <class C, class T>
Setting<C> fixed(const char* key, T C::*field, std::optional<nlohmann::json> if_absent = std::nullopt) {
  return setting(key, field, OnResume::Fixed, std::move(if_absent));
}
// How the run executes or how far it goes, not what it computes: a resume may change it.
template <class C, class T>
Setting<C> may_change(const char* key, T C::*field, std::optional<nlohmann::json> if_absent = std::nullopt) {
  return setting(key, field, OnResume::MayChange, std::move(if_absent));
}

template <class C>
class Settings {
 public:
  explicit Settings(std::vector<Setting<C>> list) : list_(std::move(list)) {
    for (const auto& s : list_) rules_.push_back(s.rule);
  }

  nlohmann::json to_json(const C& c) const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& s : list_) j[s.rule.key] = s.get(c);
    return j;
  }

  // `source` names the file (or "configuration from rank 0") in every error. `derived` keys are
  // sections the program writes beside the settings (apps/common/run_dir.h): skipped, not unknown.
  C from_json(const nlohmann::json& j, const std::string& source, const std::vector<std::string>& derived = {}) const {
    if (!j.is_object()) throw std::runtime_error(fmt::format("{}: expected a JSON object of settings", source));
    const nlohmann::json full = with_absent_keys(j, source);
    C c;
    for (const auto& s : list_) {
      try {
        s.set(full.at(s.rule.key), c);
      } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{}: setting '{}' has the wrong type: {}", source, s.rule.key, e.what()));
      }
    }
    for (const auto& [key, value] : j.items())
      if (!rule(key) && std::find(derived.begin(), derived.end(), key) == derived.end())
        throw std::runtime_error(
            fmt::format("{}: unknown setting '{}' (written by a newer version, or a typo in a "
                        "hand edit?)",
                        source, key));
    return c;
  }

  // `j` with every absent key that has an if_absent value filled in; a missing key without one
  // is an error that says why the directory cannot be read.
  nlohmann::json with_absent_keys(const nlohmann::json& j, const std::string& source) const {
    nlohmann::json out = j;
    for (const auto& s : list_) {
      if (out.contains(s.rule.key)) continue;
      if (!s.rule.if_absent)
        throw std::runtime_error(
            fmt::format("{}: missing setting '{}': the file was written by an older version that "
                        "did not record it, or edited; which value the run used is unknown, so "
                        "it cannot be resumed (add the key with the value it ran with)",
                        source, s.rule.key));
      out[s.rule.key] = *s.rule.if_absent;
    }
    return out;
  }

  const std::vector<KeyRule>& rules() const { return rules_; }
  const KeyRule* rule(const std::string& key) const {
    for (const auto& r : rules_)
      if (r.key == key) return &r;
    return nullptr;
  }

 private:
  std::vector<Setting<C>> list_;
  std::vector<KeyRule> rules_;
};

}  // namespace nos::app
