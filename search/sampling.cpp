#include "search/sampling.h"

#include <algorithm>
#include <stdexcept>

namespace nos::search {

Choices sample_uniform(const SearchSpace& s, std::mt19937_64& rng) {
  Choices c;
  for (int p = 0; p < length(s); ++p) {
    const auto ok = allowed(s, p, c);
    std::vector<int> idx;
    for (size_t i = 0; i < ok.size(); ++i)
      if (ok[i]) idx.push_back(static_cast<int>(i));
    c.push_back(idx[static_cast<size_t>(uniform01(rng) * static_cast<double>(idx.size()))]);
  }
  return c;
}

Choices mutate(const SearchSpace& s, const Choices& parent, std::mt19937_64& rng) {
  if (auto why = check(s, parent); !why.empty()) throw std::invalid_argument("mutate: " + why);
  // Positions with an alternative, so the draw never wastes a try.
  std::vector<int> open;
  for (int p = 0; p < length(s); ++p) {
    const auto ok = allowed(s, p, std::span<const int>(parent).subspan(0, p));
    if (std::count(ok.begin(), ok.end(), uint8_t{1}) > 1) open.push_back(p);
  }
  if (open.empty()) return parent;
  Choices c = parent;
  const int p = open[static_cast<size_t>(uniform01(rng) * static_cast<double>(open.size()))];
  const auto ok = allowed(s, p, std::span<const int>(c).subspan(0, p));
  std::vector<int> alt;
  for (size_t i = 0; i < ok.size(); ++i)
    if (ok[i] && static_cast<int>(i) != c[p]) alt.push_back(static_cast<int>(i));
  c[p] = alt[static_cast<size_t>(uniform01(rng) * static_cast<double>(alt.size()))];
  for (int q = p + 1; q < length(s); ++q) {
    const auto okq = allowed(s, q, std::span<const int>(c).subspan(0, q));
    if (okq[c[q]]) continue;
    std::vector<int> idx;
    for (size_t i = 0; i < okq.size(); ++i)
      if (okq[i]) idx.push_back(static_cast<int>(i));
    c[q] = idx[static_cast<size_t>(uniform01(rng) * static_cast<double>(idx.size()))];
  }
  return c;
}

}  // namespace nos::search
