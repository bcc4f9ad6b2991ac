#include "apps/search/reward/rule_identity.h"

#include <fmt/format.h>

#include <stdexcept>

#include "apps/search/reward/fingerprint.h"
#include "compile.h"
#include "parser.h"
#include "print.h"

namespace nos::search {

RuleIdentity identify(std::string_view rule) {
  dslc::ParseResult p = dslc::parse_rule(rule, "<rule>");
  if (!p.ok()) {
    std::string msg = fmt::format("bad rule '{}'", rule);
    for (const auto& d : p.errors) {
      msg += '\n';
      msg += d.str();
    }
    throw std::invalid_argument(msg);
  }
  if (p.rules.size() != 1) throw std::invalid_argument(fmt::format("expected one rule in '{}'", rule));
  const dslc::Compiled c = dslc::compile(p.rules[0]);
  return {.canonical_hash = c.hash,
          .canonical = c.prefix,
          .infix = dslc::print_infix(c.canonical),
          .depends_on_g = c.info.depends_on_g,
          .fingerprint = behaviour_fingerprint(c.ir)};
}

}  // namespace nos::search
