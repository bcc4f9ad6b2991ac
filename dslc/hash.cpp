#include "dslc/hash.h"

#include "dslc/print.h"

namespace nos::dslc {

uint64_t canonical_hash(const Ast& canonical) { return fnv1a64(print_prefix(canonical)); }

std::string hash_hex(uint64_t h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) s[static_cast<size_t>(i)] = digits[h & 15];
  return s;
}

}  // namespace nos::dslc
