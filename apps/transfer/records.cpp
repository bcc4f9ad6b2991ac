#include "apps/transfer/records.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "dslc/hash.h"

namespace nos::transfer {

std::string key_string(const RunKey& k) {
  std::string s = fmt::format("{} lr={:.6g} eps={:.6g} rep={}", k.optimizer, k.lr, k.eps, k.repeat);
  if (k.steps > 0) s += fmt::format(" steps={}", k.steps);
  return s;
}

std::string key_file_stem(const RunKey& k) {
  std::string name;
  for (char c : k.optimizer) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  // A name that had to be changed ("a/b") gets the hash too, so it cannot share a file with the
  // name it became ("a_b").
  if (name.size() > 40 || name != k.optimizer) {
    // Literal rules can be long: keep a prefix and a hash of the whole name (FNV-1a, stable).
    // The offset basis is not FNV's (a digit short), as it has always been here: another basis
    // would rename the trajectory files of existing run directories.
    const std::uint64_t h = dslc::fnv1a64(k.optimizer, 1469598103934665603ull);
    name = fmt::format("{}-{:016x}", name.substr(0, 40), h);
  }
  std::string stem = fmt::format("{}_lr{:.5e}_eps{:.1e}_r{}", name, k.lr, k.eps, k.repeat);
  if (k.steps > 0) stem += fmt::format("_s{}", k.steps);
  return stem;
}

namespace {
// JSON has no NaN or infinity (nlohmann writes them as null): a diverged Rosenbrock run's end
// point, say. They are written as null and read back as NaN.
const char* const kNumbers[] = {"final_loss", "x", "y"};
const char* const kEpochNumbers[] = {"train", "val", "test", "seconds"};
void nulls_to_nan(nlohmann::json& j, const char* field) {
  if (j.contains(field) && j[field].is_null()) j[field] = std::numeric_limits<double>::quiet_NaN();
}
}  // namespace

nlohmann::json to_json(const RunRecord& r) { return r; }

RunRecord record_from_json(const nlohmann::json& in) {
  nlohmann::json j = in;
  for (const char* f : kNumbers) nulls_to_nan(j, f);
  if (j.contains("epochs"))
    for (auto& e : j["epochs"])
      for (const char* f : kEpochNumbers) nulls_to_nan(e, f);
  return j.get<RunRecord>();
}

}  // namespace nos::transfer
