#include "apps/transfer/progress.h"

#include <fmt/format.h>

namespace nos::transfer {

StudyProgress::StudyProgress(int runs, std::int64_t units_per_run)
    : runs_(runs), meter_("nos-transfer", true, 0.0, units_per_run > 1 ? "epochs" : "runs") {
  meter_.set_total(runs * units_per_run);
}

void StudyProgress::begin_run(const std::string& what) {
  ++run_;
  what_ = what;
}

void StudyProgress::unit_done(const std::string& status) {
  meter_.advance(fmt::format("run {}/{} {} | {}", run_, runs_, what_, status));
}

void StudyProgress::run_done(std::int64_t units_not_run) { meter_.drop(units_not_run); }

}  // namespace nos::transfer
