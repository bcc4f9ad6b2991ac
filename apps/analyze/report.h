// nos-analyze's outputs: a Markdown table (one row per rule) and JSON (one object per rule).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/analyze/probes.h"

namespace nos::analyze {

// The README's keys, in its order; nullopt fields are JSON null. `horizon` is recorded beside
// memory_steps so a null there reads "did not decay within horizon steps".
nlohmann::ordered_json to_json(const Mechanisms& m, const ProbeOptions& o);

// A Markdown table, header and one row per rule.
std::string table(const std::vector<Mechanisms>& rows, const ProbeOptions& o);

}  // namespace nos::analyze
