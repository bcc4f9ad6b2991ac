// The canonical hash: 64-bit FNV-1a over the canonical prefix text. Text and algorithm are fixed,
// so the value is the same on every run and platform and can key a cache of trained rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dslc/ast.h"

namespace nos::dslc {

// 64-bit FNV-1a of `s`; pass a previous result as `h` to hash a concatenation piece by piece.
// The one FNV-1a of nos (canonical hashes, the search's fingerprints, checkpoint checksums).
inline constexpr uint64_t kFnv1a64Basis = 0xcbf29ce484222325ull;
constexpr uint64_t fnv1a64(std::string_view s, uint64_t h = kFnv1a64Basis) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// Hash of a tree that is already canonical (see canonicalize in passes.h).
uint64_t canonical_hash(const Ast& canonical);
std::string hash_hex(uint64_t h);  // 16 lowercase hex digits
// The inverse of hash_hex (any case, 1 to 16 digits); anything else throws std::invalid_argument
// naming the text, so a hand-edited cache or record is a clear error.
uint64_t parse_hash_hex(const std::string& s);

}  // namespace nos::dslc
