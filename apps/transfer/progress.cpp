#include "apps/transfer/progress.h"

#include <fmt/format.h>

namespace nos::transfer {

StudyProgress::StudyProgress(int runs, std::int64_t total, const std::string& unit)
    : runs_(runs), meter_("nos-transfer", true, 0.0, unit) {
  meter_.set_total(total);
}

void StudyProgress::begin_run(const std::string& what) {
  ++run_;
  what_ = what;
}

void StudyProgress::unit_done(const std::string& status, std::int64_t units) {
  meter_.advance(fmt::format("run {}/{} {} | {}", run_, runs_, what_, status), units);
}

void StudyProgress::run_done(std::int64_t units_not_run) { meter_.drop(units_not_run); }

void StudyProgress::replan(int runs_left, std::int64_t units_left) {
  runs_ = run_ + runs_left;
  meter_.set_total(meter_.done() + units_left);
}

}  // namespace nos::transfer
