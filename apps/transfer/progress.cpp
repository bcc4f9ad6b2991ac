#include "apps/transfer/progress.h"

#include <fmt/format.h>

#include "nn/train/progress.h"

namespace nos::transfer {

StudyProgress::StudyProgress(int runs, std::int64_t units_per_run)
    : runs_(runs), per_run_(units_per_run), total_(runs * units_per_run), start_(std::chrono::steady_clock::now()) {}

void StudyProgress::begin_run(const std::string& what) {
  ++run_;
  what_ = what;
}

std::string StudyProgress::eta() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (done_ == 0) return fmt::format("elapsed {}", nn::format_duration(elapsed));
  const double left = elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_);
  return fmt::format("elapsed {}, ETA {}", nn::format_duration(elapsed), nn::format_duration(left));
}

void StudyProgress::unit_done(const std::string& status) {
  ++done_;
  fmt::print(stderr, "[run {}/{}] {} | {} | {}\n", run_, runs_, what_, status, eta());
}

void StudyProgress::run_done(std::int64_t units_not_run) { total_ -= units_not_run; }

}  // namespace nos::transfer
