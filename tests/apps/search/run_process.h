// Runs nos-search as a child process for the end-to-end tests: wait for it, or kill it mid-run.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace nos::search::test {

#ifdef NOS_SEARCH_BIN
// The binary under test (set by CMake).
inline std::string binary() { return NOS_SEARCH_BIN; }
#endif

struct Process {
  pid_t pid = -1;
};

// Starts `args` (args[0] is the program) with stdout and stderr to `log`.
inline Process spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return {pid};
}

// The exit code (128 + signal if killed by a signal).
inline int wait_exit(Process p) {
  int status = 0;
  waitpid(p.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Result {
  int code;
  std::string output;
};

// Runs to completion and returns the exit code and the combined output.
inline Result run(std::vector<std::string> args, const std::filesystem::path& log) {
  const int code = wait_exit(spawn(args, log));
  return {code, slurp(log)};
}

inline size_t count_lines(const std::filesystem::path& p) {
  const std::string s = slurp(p);
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// A fresh directory for one test.
inline std::filesystem::path scratch(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("nos-search-test-" + std::to_string(getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

#ifdef NOS_SEARCH_BIN
namespace fs = std::filesystem;

// A synthetic-reward run on the tiny space; `extra` adds flags or overrides these defaults.
inline std::vector<std::string> synthetic(const std::vector<std::string>& extra) {
  std::vector<std::string> a = {binary(), "--reward", "synthetic", "--quiet"};
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"--space", "tiny"}, {"--groups", "2"}, {"--hidden", "32"}};
  for (const auto& [flag, value] : defaults)
    if (std::find(extra.begin(), extra.end(), flag) == extra.end() &&
        std::find(extra.begin(), extra.end(), "--resume") == extra.end())
      a.insert(a.end(), {flag, value});
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

inline std::vector<nlohmann::json> records(const fs::path& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(dir / "evaluations.jsonl"));
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// A finished 20-sample run to damage.
inline fs::path finished_run(const std::string& name) {
  const fs::path d = scratch(name);
  auto a = synthetic({"--samples", "20", "--workers", "2", "--dir", (d / "run").string()});
  if (run(a, d / "first.log").code != 0) throw std::runtime_error(slurp(d / "first.log"));
  return d;
}

#endif

}  // namespace nos::search::test
