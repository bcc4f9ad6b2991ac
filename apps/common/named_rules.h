// Optimizers by name, for every app that lets a user name one (nos-transfer's -O, nos-search's
// --references, nos-analyze): the named rules of a rules file (rules/paper.rules), literal rule
// strings, and the baselines (which are rules too).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nos::app {

struct OptimizerSpec {
  std::string name;   // as the user wrote it ("powersign-ld", "adam", or the rule text itself)
  std::string rule;   // dslc prefix text, as the rules file or command line gave it
  std::string infix;  // the rule in infix, for tables
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OptimizerSpec, name, rule, infix)  // nos-transfer's config.json

// The named rules of a rules file. A bad file throws std::runtime_error carrying every dslc
// diagnostic ("file:line:col: error: ..."), one per line: a study must not silently drop a rule.
std::vector<OptimizerSpec> read_rules_file(const std::filesystem::path& file);

// The baselines every study can name even without a rules file: sgd, momentum, adam, rmsprop, lion,
// and TensorFlow 1's forms the paper compared against, rmsprop_tf and adam_tf.
const std::vector<OptimizerSpec>& baselines();

// Looks each wanted entry up, in this order:
//   "NAME=RULE"       a literal rule with that name;
//   NAME              a rule of `rules` (case-insensitive, '-' and '_' the same: powersign-ld),
//                     then a baseline;
//   RULE              a literal rule (named by its text).
// An entry that is none of these throws std::runtime_error naming it and the names on offer, or
// with dslc's diagnostics if it looked like a rule. Duplicate names are an error.
std::vector<OptimizerSpec> resolve_optimizers(const std::vector<std::string>& wanted,
                                              const std::vector<OptimizerSpec>& rules, const std::string& rules_origin);
// resolve_optimizers' NAME step on its own (dslc -e NAME): a rule of `rules`, then a baseline,
// named as written; nothing if neither. unknown_name_message is its error then, naming every
// name on offer.
std::optional<OptimizerSpec> find_named(const std::string& name, const std::vector<OptimizerSpec>& rules);
std::string unknown_name_message(const std::string& name, const std::vector<OptimizerSpec>& rules,
                                 const std::string& rules_origin);

// TensorFlow's RMSPropOptimizer decays its mean square by 0.9 and adds eps 1e-10 inside the root.
// The rmsprop_tf operand reads v, whose decay is beta2, so a rule that reads rmsprop_tf runs with
// beta2 0.9 and eps 1e-10 (the eps goes into the run's key); every other rule keeps dslc's
// beta2 0.999 and eps 1e-8 (adam_tf included: TF's Adam defaults are those).
bool reads_rmsprop_tf(const std::string& rule);
double rule_beta2(const std::string& rule);
double rule_eps(const std::string& rule);

// The default rules file: rules/paper.rules (or share/nos/paper.rules, where `cmake --install`
// puts it) in the working directory or one of its ancestors, else in one of the executable's
// ancestors (an installed P/bin/dslc finds P/share/nos/paper.rules). Empty if none is found.
std::filesystem::path default_rules_file();

}  // namespace nos::app
