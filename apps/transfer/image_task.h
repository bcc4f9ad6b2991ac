// convnet and wrn: an image classifier on CIFAR-10 (45,000 training / 5,000 validation images
// split from the training batches by the study's seed, and the 10,000 test images), trained by one
// nn::train_classifier run that scores validation and test accuracy after every epoch.
#pragma once

#include <functional>
#include <string>

#include "apps/transfer/config.h"
#include "apps/transfer/records.h"
#include "apps/transfer/sweep.h"
#include "nn/data/cifar10.h"
#include "optim/schedule.h"

namespace nos::transfer {

struct ImageData {
  data::ImageSet train, val, test;  // normalised with the training subset's channel statistics
};
ImageData load_image_data(const TransferConfig& c);

// The learning-rate schedule of the config for a run of `total_steps` steps, `steps_per_epoch`
// each (step: decay_rate every decay_epochs epochs; the cosine kinds decay over the whole run).
optim::Schedule schedule_of(const TransferConfig& c, std::int64_t steps_per_epoch, std::int64_t total_steps);

// The steps of one epoch of a run (nn::classifier_steps_per_epoch over the training images).
std::int64_t run_steps_per_epoch(const TransferConfig& c, const ImageData& d);

using EpochFn = std::function<void(const EpochMetrics&)>;
// A run stopped by halving (p.key.steps) is scored on validation where it stops and never on test.
RunRecord train_image_run(const TransferConfig& c, const ImageData& d, const PlannedRun& p, const EpochFn& on_epoch);

}  // namespace nos::transfer
