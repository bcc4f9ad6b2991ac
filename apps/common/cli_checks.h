// CLI11 validators for numeric flags, for every app's command line.
//
// CLI11's PositiveNumber/NonNegativeNumber let NaN and infinity through (NaN compares false) and
// describe their range with DBL_MAX written out in 309 digits. These reject non-finite values
// and say what is wanted in words: "--lr: -1 is not a finite number > 0".
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <string>

namespace nos::app {

namespace detail {
inline CLI::Validator finite_check(const char* name, const char* want, bool (*ok)(double)) {
  return CLI::Validator(
      [want, ok](std::string& s) -> std::string {
        double x = 0;
        if (!CLI::detail::lexical_cast(s, x)) return s + " is not a number";
        if (!std::isfinite(x) || !ok(x)) return s + " is not " + want;
        return "";
      },
      name, "");
}
}  // namespace detail

inline const CLI::Validator Finite = detail::finite_check("FINITE", "a finite number", [](double) { return true; });
inline const CLI::Validator Positive =
    detail::finite_check("POSITIVE", "a finite number > 0", [](double x) { return x > 0; });
inline const CLI::Validator NonNegative =
    detail::finite_check("NONNEGATIVE", "a finite number >= 0", [](double x) { return x >= 0; });

}  // namespace nos::app
