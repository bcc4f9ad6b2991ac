#include "nn/train/progress.h"

#include <fmt/format.h>

namespace nos::nn {

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

Progress::Progress(std::string label, bool enabled, double interval, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), enabled_(enabled), interval_(interval) {
  start();
}

void Progress::start() {
  start_ = last_ = std::chrono::steady_clock::now();
  session_ = 0;
}

double Progress::per_hour() const {
  const double hours = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() / 3600.0;
  return hours > 0 ? static_cast<double>(session_) / hours : 0.0;
}

std::string Progress::timing() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = per_hour();
  if (session_ == 0 || !(rate > 0)) return fmt::format("elapsed {}", format_duration(elapsed));
  const double left = static_cast<double>(std::max<std::int64_t>(0, total_ - done_));
  return fmt::format("elapsed {}, ETA {}", format_duration(elapsed), format_duration(3600.0 * left / rate));
}

void Progress::advance(const std::string& what, std::int64_t units) {
  done_ += units;
  session_ += units;
  print(what);
}

void Progress::update(std::int64_t done, std::int64_t total, const std::string& what) {
  session_ += done - done_;
  done_ = done;
  total_ = total;
  print(what);
}

void Progress::print(const std::string& what) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done_ < total_ && std::chrono::duration<double>(now - last_).count() < interval_) return;
  last_ = now;
  fmt::print(stderr, "[{}] {}/{} {} | {} | {:.0f} {}/h, {}\n", label_, done_, total_, unit_, what, per_hour(), unit_,
             timing());
}

JsonlLog::JsonlLog(const std::string& path) {
  if (!path.empty()) file_.emplace(path);
}

void JsonlLog::write(const nlohmann::json& record) {
  if (file_) file_->append(record);
}

}  // namespace nos::nn
