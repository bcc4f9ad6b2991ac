// Helpers for loader tests: a per-process scratch directory, fixture files, and the message of
// the exception a call throws.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace nos::test {

inline std::filesystem::path temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("nos_nn_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

inline void write_bytes(const std::filesystem::path& p, const std::vector<unsigned char>& bytes) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace nos::test
