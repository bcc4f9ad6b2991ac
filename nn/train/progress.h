// The one progress/ETA printer of nos: nn's training loops, nos-search and nos-transfer all print
// their progress lines on stderr through it, so elapsed time, rate and ETA are computed and
// written one way:
//
//   [LABEL] DONE/TOTAL UNIT | WHAT | RATE UNIT/h, elapsed 1:02, ETA 4:07
//
// The rate counts only the units of this process (`restore` counts units an earlier session did
// toward DONE but not toward the rate, so a resumed search does not claim an absurd speed), and
// the ETA is the units left at that rate. Lines come at most every `interval` seconds, and always
// for the last unit.
//
// Also here: JsonlLog, nn's optional per-epoch metrics log (an nn::JsonlWriter, nn/train/jsonl.h),
// and format_duration.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "nn/train/jsonl.h"

namespace nos::nn {

class Progress {
 public:
  // `enabled` false: prints nothing (the counts still run). `unit` names what is counted
  // ("steps", "samples", "epochs").
  Progress(std::string label, bool enabled, double interval_seconds = 5.0, std::string unit = "steps");
  // Restarts the clock and this session's count.
  void start();
  void set_total(std::int64_t total) { total_ = total; }
  // Units done by an earlier session: count toward done(), not toward the rate.
  void restore(std::int64_t units = 1) { done_ += units; }
  // Units that will never run (a run that stopped early): they leave the total.
  void drop(std::int64_t units) { total_ -= units; }
  // `units` more done in this session; prints one line (throttled) saying `what`.
  void advance(const std::string& what, std::int64_t units = 1);
  // The same with the absolute count: nn's loops report steps done of a total.
  void update(std::int64_t done, std::int64_t total, const std::string& what);

  std::int64_t done() const { return done_; }
  std::int64_t total() const { return total_; }
  // This session's units per hour (0 before the first).
  double per_hour() const;
  // "elapsed 1:02, ETA 4:07"; "elapsed 0:01" before the first unit.
  std::string timing() const;

 private:
  void print(const std::string& what);
  std::string label_, unit_;
  bool enabled_;
  double interval_;
  std::int64_t done_ = 0, total_ = 0, session_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

// nn's per-epoch metrics log: an fsynced, append-only JSONL file (nn/train/jsonl.h); an empty
// path is a log that writes nothing.
class JsonlLog {
 public:
  explicit JsonlLog(const std::string& path);
  void write(const nlohmann::json& record);

 private:
  std::optional<JsonlWriter> file_;
};

std::string format_duration(double seconds);  // "1:05:09", "4:07"

}  // namespace nos::nn
