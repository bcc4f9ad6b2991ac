#include "nn/data/data_path.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace nos::data {
namespace fs = std::filesystem;

std::vector<fs::path> search_roots(const std::string& cli_dir) {
  std::vector<fs::path> roots;
  if (!cli_dir.empty()) roots.emplace_back(cli_dir);
  if (const char* env = std::getenv("NOS_DATA_DIR"); env && *env) {
    std::stringstream ss(env);
    for (std::string dir; std::getline(ss, dir, ':');)
      if (!dir.empty()) roots.emplace_back(dir);
  }
  // The checkout sits beside shared/ (see README): look upwards from the working directory and
  // from the executable, so that tools work from any build directory.
  std::vector<fs::path> starts;
  std::error_code ec;
  // A working directory that was deleted has no path: then only the executable's is searched.
  if (fs::path cwd = fs::current_path(ec); !ec) starts.push_back(cwd);
  if (fs::path exe = fs::read_symlink("/proc/self/exe", ec); !ec) starts.push_back(exe.parent_path());
  for (fs::path dir : starts) {
    for (int up = 0; up < 6 && !dir.empty(); ++up, dir = dir.parent_path()) {
      roots.push_back(dir / ".." / "shared" / "data");
      if (dir == dir.root_path()) break;
    }
  }
  roots.emplace_back("/usr/share/datasets");
  std::vector<fs::path> unique;
  for (auto& r : roots) {
    r = r.lexically_normal();
    if (std::find(unique.begin(), unique.end(), r) == unique.end()) unique.push_back(r);
  }
  return unique;
}

fs::path find_dataset(const std::string& relative, const std::string& cli_dir) {
  if (!cli_dir.empty()) {
    // A directory named on the command line is the user's explicit choice: a typo there must be
    // an error, not a silent fall-back to some other copy of the data.
    const fs::path p = fs::path(cli_dir) / relative;
    std::error_code ec;
    if (fs::exists(p, ec)) return fs::weakly_canonical(p, ec);
    throw std::runtime_error(
        fmt::format("data set '{}' not found in --data {} (looked for {})", relative, cli_dir, p.string()));
  }
  std::string looked;
  for (const auto& root : search_roots(cli_dir)) {
    const fs::path p = root / relative;
    std::error_code ec;
    if (fs::exists(p, ec)) return fs::weakly_canonical(p, ec);
    looked += "\n  " + p.lexically_normal().string();
  }
  throw std::runtime_error(fmt::format(
      "data set '{}' not found; looked in:{}\nPass --data DIR or set NOS_DATA_DIR to the folder that holds it.",
      relative, looked));
}

}  // namespace nos::data
