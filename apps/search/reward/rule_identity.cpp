#include "apps/search/reward/rule_identity.h"

#include "apps/search/reward/fingerprint.h"
#include "dslc/print.h"

namespace nos::search {

RuleIdentity identify(std::string_view rule) { return identify(dslc::compile_rule(rule)); }

RuleIdentity identify(const dslc::Compiled& c) {
  return {.canonical_hash = c.hash,
          .canonical = c.prefix,
          .infix = dslc::print_infix(c.canonical),
          .depends_on_g = c.info.depends_on_g,
          .fingerprint = behaviour_fingerprint(c.ir)};
}

}  // namespace nos::search
