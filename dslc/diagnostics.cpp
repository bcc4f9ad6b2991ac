#include "dslc/diagnostics.h"

#include <algorithm>
#include <cctype>

namespace nos::dslc {

std::string Diagnostic::str() const {
  return file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": error: " + message;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string_view> nearest_name(std::string_view word, const std::function<bool(const Symbol&)>& want) {
  if (word.size() > 64) return std::nullopt;  // not a typo of any symbol; keeps this cheap
  std::optional<std::string_view> best;
  size_t best_d = std::max<size_t>(2, word.size() / 2) + 1;
  for (const Symbol& s : symbols()) {
    if (s.name.empty() || (want && !want(s))) continue;
    // Aliases count as matches for the symbol but the suggestion is its canonical name.
    size_t d = edit_distance(word, s.name);
    for (auto a : s.aliases)
      if (!a.empty() && a.size() > 1) d = std::min(d, edit_distance(word, a));
    if (d < best_d) {
      best_d = d;
      best = s.name;
    }
  }
  return best;
}

}  // namespace nos::dslc
