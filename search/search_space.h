// The search space (paper §3.1, §4.1): which operands, unary and binary functions it
// may pick, how many groups of five tokens a rule has, and the sampling constraints.
//
// A rule of n groups is 5n choices in dslc's controller form `op1 op2 u1 u2 b ; ...`. Position p
// is slot p % 5 of group p / 5. The choices at an operand slot of group k (0-based) are the
// space's operands followed by `$1 .. $k`, the outputs of the earlier groups, so the operand bank
// grows with each group; the unary and binary slots choose from the space's functions. Every
// symbol comes from dslc's table (dslc/symbols.h); there is no second list here.
//
// Constraints are masks: `allowed(space, p, prefix)` says which choices position p may take
// given the choices already made. The controller sets the logits of the others to -inf, so a
// forbidden string has probability zero.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dslc/symbols.h"

namespace nos::search {

struct Constraints {
  bool distinct_operands = true;  // op1 != op2 in every group (as choices: `g g` and `$1 $1` are out)
  bool final_not_add = true;      // the last group's binary function is not `add`
  // Every group after the first takes at least one earlier group's output ($k) as an operand.
  // (Any earlier group, as the paper says; a group can still end up unused, e.g. $1 when group 3
  // reads only $2. The search's canonical hash makes such strings cost nothing extra.)
  bool use_earlier_output = true;
};

struct SearchSpace {
  std::vector<dslc::Sym> operands;  // never Sym::Lit
  std::vector<dslc::Sym> unary;
  std::vector<dslc::Sym> binary;
  int groups = 1;  // n: strings of 5n tokens
  Constraints constraints;
};

inline constexpr int kGroupSize = 5;
inline constexpr int kMaxGroups = 5;  // the paper uses 1..3; more is allowed but untested at scale

// Presets:
//   "paper"        the whole §4.1 vocabulary (dslc's `paper` symbols): 16 operands, 11 unary, 5 binary
//   "paper-small"  our subset that still spells every rule of the paper's Table 1 and §4.3
//                  (g g2 g3 m v sign_g sign_m one w3 adam rmsprop / id neg exp log clip5 clip4
//                  drop1 drop3 sign / add sub mul div keep); the paper searched subsets but does
//                  not list them
//   "tiny"         g m sign_g sign_m one / id neg exp sign / add sub mul: for tests and smoke runs
// All with every constraint on (nos-search's --no-distinct-operands, --no-final-not-add
// and --no-use-earlier-output switch them off). Throws std::invalid_argument for an unknown name or group count.
SearchSpace preset(std::string_view name, int groups);
std::vector<std::string_view> preset_names();

// A space from token names (dslc names or aliases), e.g. make_space({"g","m"}, {"id","exp"},
// {"mul","add"}, 2). Throws std::invalid_argument naming a bad token or a symbol of the wrong kind.
SearchSpace make_space(const std::vector<std::string>& operands, const std::vector<std::string>& unary,
                       const std::vector<std::string>& binary, int groups, Constraints c = {});

// Empty when the space can be sampled; otherwise why not (empty list, duplicate, wrong kind,
// groups out of range, a constraint that would leave a position with no choice).
std::string validate(const SearchSpace& s);

// One choice at a position: a table symbol, or `$ref` (ref >= 1) for an earlier group's output.
struct Choice {
  dslc::Sym sym = dslc::Sym::Lit;  // Lit for a $ref
  int ref = 0;
  bool is_ref() const { return ref > 0; }
};

inline int length(const SearchSpace& s) { return kGroupSize * s.groups; }
inline int group_of(int p) { return p / kGroupSize; }
inline int slot_of(int p) { return p % kGroupSize; }

// The choices at position p, in a fixed order (operands, then $1..$k; or the functions).
std::vector<Choice> choices(const SearchSpace& s, int p);
std::string token(const Choice& c);  // "g", "$2", "exp"

// Which choices position p may take after `prefix` (the choice indices of positions 0..p-1):
// one byte per choice, 1 allowed, 0 masked.
std::vector<uint8_t> allowed(const SearchSpace& s, int p, std::span<const int> prefix);

// A sampled rule as choice indices, one per position.
using Choices = std::vector<int>;

// "op1 op2 u1 u2 b ; op1 op2 u1 u2 b": dslc's controller form. dslc::compile_rule (dslc/compile.h)
// is the one way from this text to a rule; the space keeps no parse helper of its own.
std::string to_string(const SearchSpace& s, std::span<const int> c);
// The inverse of to_string (groups separated by ';' or newlines). nullopt if the text is not a
// string of this space (wrong length, a token the position cannot take); constraints unchecked.
std::optional<Choices> from_string(const SearchSpace& s, std::string_view text);

// Empty when `c` is a string of the space that every enabled constraint allows; else the reason.
std::string check(const SearchSpace& s, std::span<const int> c);

// A one-line description of a space (tokens, groups, constraints): equal iff the spaces are. The
// controller's checkpoint stores it to refuse a checkpoint of another space.
std::string describe(const SearchSpace& s);

}  // namespace nos::search
