// Checkpoints of the controller and the search state, exact to the bit.
//
// A checkpoint is a list of named sections (bytes), framed so that damage is detected rather than
// misread:
//
//   "NOSCKPT\n"  u32 version  u64 payload bytes  payload  u64 FNV-1a-64 of the payload
//   payload = repeated { u32 name length, name, u64 data length, data }
//
// Integers are little-endian; floats are stored as their IEEE-754 bits (this matches every
// machine nos builds on, x86-64 and AArch64). A truncated file, a flipped bit, trailing bytes or
// a wrong magic/version is an error naming the source and what was expected.
//
// On top of the framing, put_controller/get_controller store what resuming the controller needs:
// the search space (checked on load: a checkpoint of another space or size is refused), the
// controller's sizes, its arena (names and floats), the policy-gradient state (baseline, Adam
// m/v/t, update count), and put_rng/get_rng an std::mt19937_64 (its full textual state).
#pragma once
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rl/controller.h"
#include "rl/policy_gradient.h"

namespace nos::rl {

inline constexpr std::uint32_t kCheckpointVersion = 1;

struct Checkpoint {
  std::vector<std::pair<std::string, std::string>> sections;  // in write order; names unique

  void put(std::string name, std::string data);  // replaces a section of the same name
  bool has(std::string_view name) const;
  // Throws std::runtime_error "checkpoint SOURCE has no section 'NAME'".
  const std::string& get(std::string_view name) const;
  std::string source = "checkpoint";  // for error messages (set by decode/read)
};

std::string encode(const Checkpoint& c);
// Throws std::runtime_error "SOURCE: ..." for a truncated, corrupt or foreign file.
Checkpoint decode(std::string_view bytes, std::string source);
// The whole file, decoded; errors name the file.
Checkpoint read_checkpoint(const std::filesystem::path& path);

// A one-line description of a space (tokens, groups, constraints): equal iff the spaces are.
std::string describe(const SearchSpace& s);

// Sections "controller.space", "controller.config", "controller.arena", "pg.state".
void put_controller(Checkpoint& c, const Controller& ctrl, const PgState& st);
// Restores weights and state into a controller built for the same space and sizes; throws
// std::runtime_error naming the mismatch (space, hidden/embed, arena layout, Adam sizes).
void get_controller(const Checkpoint& c, Controller& ctrl, PgState& st);

void put_rng(Checkpoint& c, const std::string& name, const std::mt19937_64& rng);
void get_rng(const Checkpoint& c, const std::string& name, std::mt19937_64& rng);

}  // namespace nos::rl
