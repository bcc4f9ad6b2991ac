// What the search's cache keys on: a rule's canonical form and hash (dslc), whether it reads the
// gradient at all, and a behaviour fingerprint, so that rules that differ in form but update the
// weights identically are trained once (AutoML-Zero's functional-equivalence cache).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "dslc/compile.h"

namespace nos::search {

struct RuleIdentity {
  std::uint64_t canonical_hash = 0;  // dslc's canonical hash
  std::string canonical;             // canonical prefix text
  std::string infix;                 // human-readable infix (dslc printer)
  bool depends_on_g = false;         // dslc::compile's flag
  std::uint64_t fingerprint = 0;     // behaviour on a fixed probe input (see README.md)
};

// The identity of a rule compiled once by the caller (dslc::compile_rule): the search compiles
// each rule's text once and keeps the compiled value for the workers.
RuleIdentity identify(const dslc::Compiled& rule);
// dslc::compile_rule, then the above. Throws std::invalid_argument with dslc's diagnostics for a
// rule that does not parse or compile.
RuleIdentity identify(std::string_view rule);

}  // namespace nos::search
