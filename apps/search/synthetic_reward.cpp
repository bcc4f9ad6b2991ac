#include "apps/search/synthetic_reward.h"

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace nos::search {
namespace {

// Whole tokens only: `exp` must not match inside another name.
bool has_token(const std::string& text, std::string_view tok) {
  for (size_t at = text.find(tok); at != std::string::npos; at = text.find(tok, at + 1)) {
    auto boundary = [&](size_t i) {
      return i >= text.size() || !(std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_');
    };
    if ((at == 0 || boundary(at - 1)) && boundary(at + tok.size())) return true;
  }
  return false;
}

}  // namespace

Evaluation synthetic_evaluation(const dslc::Compiled& rule, double delay_seconds) {
  const auto start = std::chrono::steady_clock::now();
  if (delay_seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay_seconds));
  Evaluation e;
  e.reward = has_token(rule.prefix, "exp") && has_token(rule.prefix, "sign_m") ? 1.0 : 0.0;
  e.best_lr = 1.0;
  e.status = "ok";
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace nos::search
