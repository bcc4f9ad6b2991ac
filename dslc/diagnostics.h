// Errors in rules: "file:line:col: error: message", and the "did you mean" helper.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dslc/ast.h"

namespace nos::dslc {

struct Diagnostic {
  std::string file;
  Loc loc;
  std::string message;
  std::string str() const;  // file:line:col: error: message
};

// Levenshtein distance, case-insensitive (so "Adam" is 0 away from "adam").
size_t edit_distance(std::string_view a, std::string_view b);

// The valid name closest to `word` among the symbols accepted by `want` (all if empty), if it is
// close enough to be a plausible typo.
std::optional<std::string_view> nearest_name(std::string_view word,
                                             const std::function<bool(const Symbol&)>& want = {});

}  // namespace nos::dslc
