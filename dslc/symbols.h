// The dslc symbol table: every operand, unary and binary function of the update-rule language.
//
// One row per symbol holds everything the rest of dslc needs to know about it: its token name and
// aliases, arity, the state it reads, its printers, its reference semantics (used by the tree
// evaluator) and its lowering to IR. The parser, printers, interpreter, passes and the controller's
// vocabulary all read this table, so a symbol cannot be half-added: the static_asserts in
// symbols.cpp fail to compile if the enum and the table disagree.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "dslc/state.h"

namespace nos::dslc {

// Symbols grouped by kind, several to a line.
// clang-format off
enum class Sym : uint8_t {
  // Operands of the paper's search space (§4.1).
  G, G2, G3, M, V, Y, SignG, SignM, One, Noise, W4, W3, W2, W1, Adam, RmsProp,
  // Extended operands: in the language, outside the paper's default search space.
  Two, Ld, Cd, Rd, Ep,
  // Extended operands for the textbook baselines (heavy-ball momentum, Nesterov, Lion, RMSProp
  // without bias correction, AdaBelief): each reads its own state buffer.
  Mom, Nesterov, Lion, Rms, AdaBelief,
  // TensorFlow's RMSPropOptimizer and AdamOptimizer, the baselines the paper compares against.
  RmsPropTf, AdamTf,
  Lit,  // a numeric literal; its value lives in the AST node
  // Unary functions.
  Id, Neg, Exp, Log, Clip5, Clip4, Clip3, Drop1, Drop3, Drop5, Sign,
  Sqrt,  // extended
  // Binary functions.
  Add, Sub, Mul, Div, Keep,
  Count
};
// clang-format on
inline constexpr int kSymCount = 46;
static_assert(static_cast<int>(Sym::Count) == kSymCount, "update the symbol table in symbols.cpp");

enum class Kind : uint8_t { Operand, Unary, Binary };

// Per-step values a symbol may read besides the element's own data (see params.h).
enum StepBits : uint8_t { kStepNone = 0, kStepDecay = 1, kStepTotal = 2 };

struct Ast;
struct IrBuilder;
struct Element;

struct EvalArgs {
  double x = 0, y = 0;  // operand values (unary: x; binary: x, y; literal: its value)
  const Element* e = nullptr;
  uint32_t draw = 0;  // the random draw slot of this node (random symbols only)
};

struct Symbol {
  Sym id;
  Kind kind;
  std::string_view name;                    // canonical token
  std::array<std::string_view, 2> aliases;  // accepted by the parser, never printed
  std::string_view doc;                     // one line, for --help and the README
  StateSet state;                           // state buffers read by the symbol (state.h)
  bool paper;                               // in the paper's default search space (controller vocabulary)
  bool random;                              // draws from the counter-based generator
  bool commutative;                         // binary: b(x, y) == b(y, x) bit for bit
  bool needs_total;                         // needs the run's total step count (decay operands)
  double param;                             // clip limit, drop probability, w scale, noise std, constant value

  // Printers. Patterns use $0/$1 for the arguments. prec is the precedence of the printed
  // expression (1 sum, 2 product, 3 prefix minus, 4 atom); arg_prec the least precedence an
  // argument may have before it needs parentheses.
  std::string_view infix;
  std::string_view latex;
  uint8_t prec;
  std::array<uint8_t, 2> arg_prec;

  double (*eval)(const EvalArgs&);                                                      // reference semantics, double
  uint32_t (*lower)(IrBuilder&, const Symbol&, uint32_t x, uint32_t y, uint32_t draw);  // to IR
};

// The table, indexed by Sym.
std::span<const Symbol> symbols();
const Symbol& symbol(Sym s);
// Lookup by token name or alias; nullopt if unknown. Lit has no name and is never found.
std::optional<Sym> find_symbol(std::string_view name);
inline int arity(Sym s) { return static_cast<int>(symbol(s).kind); }
inline bool is_operand(Sym s) { return symbol(s).kind == Kind::Operand; }

// The symbols of one kind in table order (never Lit): the controller's choices for a slot of a
// group. paper_only restricts to the paper's default search space (§4.1).
std::vector<Sym> vocabulary(Kind k, bool paper_only);

// All names the parser accepts (canonical names and aliases), for "did you mean".
std::span<const std::string_view> all_names();

}  // namespace nos::dslc
