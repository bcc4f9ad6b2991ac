#include "apps/dslc/run_input.h"

#include <charconv>

namespace nos::dslc {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<double> number(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits on commas; sets error on the first non-number.
std::optional<std::vector<double>> split(std::string_view line, std::string& error) {
  std::vector<double> out;
  size_t item = 1;
  while (true) {
    const size_t comma = line.find(',');
    const std::string_view field = line.substr(0, comma);
    auto v = number(field);
    if (!v) {
      error = "value " + std::to_string(item) + ": '" + std::string(trim(field)) + "' is not a number";
      return std::nullopt;
    }
    out.push_back(*v);
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
    ++item;
  }
  return out;
}
}  // namespace

std::optional<std::vector<double>> parse_vector(std::string_view text, std::string& error) {
  if (trim(text).empty()) {
    error = "empty vector";
    return std::nullopt;
  }
  return split(text, error);
}

std::optional<std::vector<std::vector<double>>> parse_grads(std::string_view text, std::string_view file, size_t width,
                                                            std::string& error) {
  std::vector<std::vector<double>> rows;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (trim(line).empty()) continue;
    std::string why;
    auto row = split(line, why);
    const std::string where = std::string(file) + ":" + std::to_string(line_no) + ": ";
    if (!row) {
      error = where + why;
      return std::nullopt;
    }
    if (row->size() != width) {
      error = where + "expected " + std::to_string(width) + " value" + (width == 1 ? "" : "s") +
              " (one per weight), found " + std::to_string(row->size());
      return std::nullopt;
    }
    rows.push_back(std::move(*row));
  }
  if (rows.empty()) {
    error = std::string(file) + ": no gradient lines";
    return std::nullopt;
  }
  return rows;
}

}  // namespace nos::dslc
