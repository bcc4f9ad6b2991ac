#include "dslc/hash.h"

#include <stdexcept>

#include "dslc/print.h"

namespace nos::dslc {

uint64_t canonical_hash(const Ast& canonical) { return fnv1a64(print_prefix(canonical)); }

std::string hash_hex(uint64_t h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) s[static_cast<size_t>(i)] = digits[h & 15];
  return s;
}

uint64_t parse_hash_hex(const std::string& s) {
  if (s.empty() || s.size() > 16) throw std::invalid_argument("'" + s + "' is not a 64-bit hex number");
  uint64_t v = 0;
  for (char c : s) {
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (d < 0) throw std::invalid_argument("'" + s + "' is not a 64-bit hex number");
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace nos::dslc
