// Inputs of `dslc --run`: a weight vector "1,2,3" and a CSV of gradients, one line per step.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nos::dslc {

// Returns the numbers or sets `error` ("item 2: 'x' is not a number").
std::optional<std::vector<double>> parse_vector(std::string_view text, std::string& error);

// One row per non-blank line, each with exactly `width` values. Errors name the file and line:
// "grads.csv:3: expected 2 values (one per weight), found 3".
std::optional<std::vector<std::vector<double>>> parse_grads(std::string_view text, std::string_view file, size_t width,
                                                            std::string& error);

}  // namespace nos::dslc
