// The study's figures, PNG and SVG through gnuplot (apps/common/gnuplot.h), into DIR/plots/ with
// the data files they were drawn from:
//   convnet, wrn  val_accuracy, test_accuracy, train_loss   per epoch, each optimizer at its best rate
//   lstm          valid_perplexity, train_perplexity        (mean over repeats)
//   rosenbrock    trajectories (best run of each optimizer over the contours of log f) and loss
#pragma once

#include <filesystem>
#include <vector>

#include "apps/transfer/config.h"
#include "apps/transfer/select.h"

namespace nos::transfer {

// Writes the task's figures; returns the stems written ("val_accuracy", ...).
std::vector<std::string> write_plots(const std::filesystem::path& dir, const TransferConfig& c,
                                     const std::vector<RunRecord>& runs, const std::vector<Selected>& rows);

}  // namespace nos::transfer
