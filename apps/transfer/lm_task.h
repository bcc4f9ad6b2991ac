// lstm: Zaremba et al.'s word-level LSTM language model (small 2x200 or medium 2x650) on Penn
// Treebank, in place of the paper's GNMT (§5.3), which does not fit one machine.
//
// Every optimizer gets Zaremba's schedule scaled to its own swept base rate: the rate is
// multiplied by lr_decay after each epoch past lr_decay_start (small: 0.5 after epoch 4 of 13;
// SGD at rate 1 is exactly Zaremba's setup), as the optimizer's optim::ScheduleKind::Zaremba
// schedule over epochs of the run's steps per epoch. One nn::train_language_model run, which
// measures validation and test perplexity after each epoch.
#pragma once

#include <cstdint>
#include <vector>

#include "apps/transfer/image_task.h"
#include "nn/data/ptb.h"

namespace nos::transfer {

struct LmData {
  std::int64_t vocab = 0;
  std::vector<std::int32_t> train, valid, test;  // valid/test cut to the study's token budget
};
LmData load_lm_data(const TransferConfig& c);

// The config's Zaremba schedule for epochs of `steps_per_epoch` steps, and the rate it gives
// every step of epoch `epoch` (1-based) at base rate `base`.
optim::Schedule zaremba_schedule_of(const TransferConfig& c, std::int64_t steps_per_epoch);
double zaremba_rate(const TransferConfig& c, double base, int epoch);

// The steps of one epoch of a run (nn::lm_steps_per_epoch over the training text).
std::int64_t run_steps_per_epoch(const TransferConfig& c, const LmData& d);

// A run stopped by halving (p.key.steps) is scored on validation where it stops; the loop scores
// the test text once at its end whatever it is told, and a stopped run's record leaves it out.
RunRecord train_lm_run(const TransferConfig& c, const LmData& d, const PlannedRun& p, const EpochFn& on_epoch);

}  // namespace nos::transfer
