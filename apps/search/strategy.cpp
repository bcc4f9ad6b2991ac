#include "apps/search/strategy.h"

#include <fmt/format.h>

#include <stdexcept>

namespace nos::search {

std::unique_ptr<Strategy> make_strategy(const SearchConfig& c) {
  if (c.strategy == "controller") return make_controller_strategy(c);
  if (c.strategy == "random") return make_random_strategy(c);
  if (c.strategy == "evolution") return make_evolution_strategy(c);
  throw std::invalid_argument(fmt::format("unknown strategy '{}'", c.strategy));
}

Choices parse_choices(const SearchSpace& s, const std::string& text, const std::string& where) {
  auto c = from_string(s, text);
  if (!c) throw std::runtime_error(fmt::format("{}: '{}' is not a string of the run's search space", where, text));
  return *c;
}

}  // namespace nos::search
