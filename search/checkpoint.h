// Checkpoints of the search state (strategy, rng, outstanding proposals), exact to the bit.
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
// On top of the framing, put_rng/get_rng store an std::mt19937_64 (its full textual state), and
// ByteWriter/ByteReader are the bounds-checked encoding that sections of binary data use (the
// controller's sections: rl/controller_checkpoint.h).
#pragma once
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace nos::search {

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

void put_rng(Checkpoint& c, const std::string& name, const std::mt19937_64& rng);
void get_rng(const Checkpoint& c, const std::string& name, std::mt19937_64& rng);

// Appends plain values and blobs to a byte string (little-endian, as the framing).
struct ByteWriter {
  std::string out;
  template <typename T>
  void pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  // A length (u64 when `wide`, else u32), then the bytes.
  void str(std::string_view s, bool wide) {
    if (wide) pod<std::uint64_t>(s.size());
    else pod<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    out.append(s);
  }
  void floats(const std::vector<float>& v) {
    pod<std::uint64_t>(v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
};

// Reads them back; every read checks that the bytes are there and throws std::runtime_error
// "WHAT: truncated (...)" otherwise.
struct ByteReader {
  std::string_view in;
  std::string what;  // "SOURCE section NAME"
  size_t pos = 0;
  void need(size_t n) const;
  template <typename T>
  T pod() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, in.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string_view str(bool wide);
  std::vector<float> floats();
  void finish() const;  // throws "WHAT: N unexpected trailing bytes" unless everything was read
};

}  // namespace nos::search
