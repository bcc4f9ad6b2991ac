// What to do with a search's best rule, printed at the end of every report of a real-reward run:
// the commands that score it at the paper's protocol beside Adam, transfer it, explain it and use
// it from C++ or PyTorch, with the rule and its rate filled in.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nos::search {

struct BestRule {
  std::string canonical, infix;  // dslc prefix text (what every command takes) and infix
  double lr = 0, reward = 0;
  std::string stage;  // the stage its reward is from ("" without a funnel)
};

// The best rule: of a funnel, the best mean over seeds at the highest stage any rule reached (from
// promotions.jsonl's records); else the best trained record. Empty canonical when nothing trained.
BestRule best_rule(const std::vector<nlohmann::json>& records, const std::vector<nlohmann::json>& promotions);

// The closing lines. `bin` is the directory of the nos-search executable as the user would type it
// (the other programs are found beside it, or in the build tree's apps/ folders).
std::string next_steps_text(const BestRule& best, const std::string& bin, const std::string& score_cache);

}  // namespace nos::search
