#include "tensor/cpu_name.h"

#include <fmt/format.h>

#include <fstream>
#include <string>

namespace nos {

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model, family, number;
  auto value = [](const std::string& l) {
    const auto colon = l.find(':');
    return colon == std::string::npos ? std::string() : l.substr(l.find_first_not_of(" \t", colon + 1));
  };
  while (std::getline(in, line) && !line.empty()) {
    if (line.rfind("model name", 0) == 0) model = value(line);
    else if (line.rfind("cpu family", 0) == 0) family = value(line);
    else if (line.rfind("model", 0) == 0 && line.find("name") == std::string::npos) number = value(line);
  }
  if (model.empty()) return "unknown CPU";
  return family.empty() ? model : fmt::format("{} (family {}, model {})", model, family, number);
}

}  // namespace nos
