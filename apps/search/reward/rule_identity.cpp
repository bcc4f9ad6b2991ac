#include "apps/search/reward/rule_identity.h"

#include <fmt/format.h>

#include <stdexcept>

#include "apps/search/reward/fingerprint.h"
#include "compile.h"
#include "parser.h"
#include "print.h"

namespace nos::search {

RuleIdentity identify(std::string_view rule) {
  const dslc::Compiled c = dslc::compile_rule(rule);
  return {.canonical_hash = c.hash,
          .canonical = c.prefix,
          .infix = dslc::print_infix(c.canonical),
          .depends_on_g = c.info.depends_on_g,
          .fingerprint = behaviour_fingerprint(c.ir)};
}

}  // namespace nos::search
