#include "apps/search/synthetic_reward.h"

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "apps/search/reward/rule_identity.h"

namespace nos::search {
namespace {

// Whole tokens only: `exp` must not match inside another name.
bool has_token(const std::string& text, std::string_view tok) {
  for (size_t at = text.find(tok); at != std::string::npos; at = text.find(tok, at + 1)) {
    auto boundary = [&](size_t i) { return i >= text.size() || !(std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'); };
    if ((at == 0 || boundary(at - 1)) && boundary(at + tok.size())) return true;
  }
  return false;
}

}  // namespace

Evaluation synthetic_evaluation(std::string_view rule, double delay_seconds, double failed_reward) {
  const auto start = std::chrono::steady_clock::now();
  if (delay_seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay_seconds));
  Evaluation e;
  try {
    const RuleIdentity id = identify(rule);
    e.reward = has_token(id.canonical, "exp") && has_token(id.canonical, "sign_m") ? 1.0 : 0.0;
    e.best_lr = 1.0;
    e.status = "ok";
  } catch (const std::invalid_argument& err) {
    e.reward = failed_reward;
    e.diverged = true;
    e.status = "invalid";
    e.error = err.what();
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace nos::search
