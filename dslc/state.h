// The optimizer state table: every per-parameter buffer a step reads or writes, one row each.
//
// A row says how its buffer is updated at the start of a step (its prologue, lowered to ordinary
// IR by `lower`), what value a rule reads from it, its initial value and which other state it
// depends on. The IR, the interpreter, the float reference, the JIT, the dead-state pass, the
// printers, the optimizer runtime and the search's fingerprint all read this table and nothing
// else, so adding a state is one enum value, one row here and the symbol that reads it
// (symbols.cpp). The static_asserts in state.cpp fail to compile if the enum and the table disagree.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace nos::dslc {

// Every buffer of a step: the weights, the gradient, then the state buffers in prologue order
// (a state may read the updated value of one before it).
enum class Buf : uint8_t { W, G, M, V, Y, K, L, S, Count };
inline constexpr int kBufCount = static_cast<int>(Buf::Count);
inline constexpr int kFirstState = static_cast<int>(Buf::M);
inline constexpr int kStateCount = kBufCount - kFirstState;

// A set of state buffers: bit i is buffer kFirstState + i.
using StateSet = uint8_t;
static_assert(kStateCount <= 8, "StateSet (and the checkpoints that store it in one byte) holds 8 states");
constexpr StateSet state_bit(Buf b) { return static_cast<StateSet>(1u << (static_cast<int>(b) - kFirstState)); }
constexpr bool is_state(Buf b) { return static_cast<int>(b) >= kFirstState && b != Buf::Count; }
constexpr Buf state_buf(int i) { return static_cast<Buf>(kFirstState + i); }

// Named sets, for symbols and tests.
inline constexpr StateSet kStateNone = 0;
inline constexpr StateSet kStateM = state_bit(Buf::M), kStateV = state_bit(Buf::V), kStateY = state_bit(Buf::Y),
                          kStateK = state_bit(Buf::K), kStateL = state_bit(Buf::L), kStateS = state_bit(Buf::S);

struct IrBuilder;

// The values a prologue row may read, by Buf: w and g (loaded), and the value a rule reads from
// every state earlier in the table that the step updates.
using BufValues = std::array<uint32_t, kBufCount>;

struct StateDef {
  Buf buf;
  std::string_view name;     // as in the IR and the printers
  std::string_view update;   // the prologue in words, for print_ir and the README
  std::string_view symbols;  // the language's operands that read it
  StateSet requires_;        // other state whose updated value the prologue reads
  float init;                // the value of a fresh buffer
  // Emits the update of this buffer (its store included) and returns the value a rule reads:
  // usually the updated value; for Lion's l, an interpolation taken before the update.
  uint32_t (*lower)(IrBuilder& b, const BufValues& value, uint32_t old);
};

std::span<const StateDef> states();
const StateDef& state_def(Buf b);

std::string_view buf_name(Buf b);
// `s` and every state it requires, transitively.
StateSet state_closure(StateSet s);
int state_count(StateSet s);
// "m v" in table order, or "none".
std::string state_names(StateSet s);
// The initial value of buffer `b` (0 for w and g: never allocated by a step).
inline float state_init(Buf b) { return is_state(b) ? state_def(b).init : 0.0f; }

}  // namespace nos::dslc
