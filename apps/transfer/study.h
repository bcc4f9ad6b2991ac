// Running a study: plan every (optimizer, rate, eps, repeat), skip those the directory already
// holds, train the rest (loading the data only if there is something to train), append each
// finished run to runs.jsonl, then write the report. With halving (config halving_eta > 0), the
// runs are trained rung by rung as rungs.h decides from the records; `planned` counts the runs
// the halving used, `skipped` those of them an earlier invocation had finished.
#pragma once

#include <filesystem>

#include "apps/transfer/config.h"

namespace nos::transfer {

struct StudyCounts {
  int planned = 0, skipped = 0, trained = 0, diverged = 0;
};

StudyCounts run_study(const TransferConfig& c, const std::filesystem::path& dir);

}  // namespace nos::transfer
