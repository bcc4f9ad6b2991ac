// The settings of one transfer study, as written to DIR/config.json.
//
// Two kinds of fields, declared beside each one in config.cpp's settings table
// (apps/common/settings.h): the training settings (task, model, data budget, epochs, schedule,
// seed) must be identical for a run directory to be resumed, because every record in it must be
// comparable; the sweep (optimizers, rates, repeats) may grow between invocations, and finished
// (optimizer, rate, eps, repeat) runs are skipped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/common/named_rules.h"

namespace nos::transfer {

struct TransferConfig {
  std::string task;  // rosenbrock | linreg | two-moons | convnet | wrn | lstm

  // The sweep.
  std::vector<app::OptimizerSpec> optimizers;
  double lr_min = 1e-5, lr_max = 10;  // log-spaced, inclusive
  int rates = 7;
  std::map<std::string, std::vector<double>> lr_ranges;  // per optimizer name: {min, max}
  std::vector<double> adam_eps{1e-8};                    // swept for the `adam` baseline only
  int repeats = 1;
  std::uint64_t seed = 1;  // the data split; repeat r initialises and shuffles with seed + r

  // Successive halving over the (optimizer, rate) pairs (apps/transfer/rungs.h). eta 0: off,
  // every run goes to the end. pool "optimizer": each optimizer's rates compete among themselves
  // (every optimizer keeps a whole run: a table); "all": every pair competes with every other.
  int halving_eta = 0, halving_rungs = 0;
  std::string halving_pool = "optimizer";

  // rosenbrock
  int iterations = 4000;
  double x0 = -1.5, y0 = 2.0;

  // linreg (train = its samples), two-moons (train, val, test points)
  int dim = 20;            // linreg: parameters
  double condition = 100;  // linreg: condition number of the Hessian
  double noise = 0.1;      // linreg: observation noise σ; two-moons: coordinate noise
  int hidden = 16;         // two-moons: width of the MLP's two hidden layers

  // convnet, wrn, lstm (and linreg, two-moons: epochs and batch)
  int epochs = 1;
  std::int64_t steps_per_epoch = 0;           // 0: whole epochs; else stop each epoch after this many steps
  std::int64_t batch = 0;                     // 0: the task's default
  std::string schedule = "constant";          // constant | step | cosine | linear-cosine | noisy-linear-cosine
  double decay_epochs = 0, decay_rate = 0.1;  // step schedule

  // convnet, wrn
  std::int64_t train = 45000, val = 5000, test = 10000;
  bool augment = false;
  int depth = 16, widen = 4;
  double dropout = 0;
  bool pooling = false, no_padding = false;

  // lstm
  std::string size = "small";
  std::int64_t bptt = 20, valid_tokens = 0, test_tokens = 0;  // 0: the whole split
  double clip = 5;
  int lr_decay_start = 4;  // Zaremba: the rate is multiplied by lr_decay after each epoch past this
  double lr_decay = 0.5;
  // With --steps-per-epoch: "continue" starts each cut where the previous one ended; "restart"
  // re-reads the text's start every epoch (what directories written before the setting existed
  // did, hence the default for a config.json without it).
  std::string lm_cuts = "restart";

  std::string data_dir;  // where the data came from: not a setting (the same data can move)
};

nlohmann::json to_json(const TransferConfig& c);
// Strict (apps/common/settings.h): a key missing without a known meaning for older directories,
// an unknown key or a mistyped value throws std::runtime_error naming `source` and the key.
TransferConfig config_from_json(const nlohmann::json& j, const std::string& source);

// Empty if a directory written with `existing` may be resumed with `wanted`; else which training
// setting differs, e.g. "epochs: 5 in the directory, 10 asked".
std::string settings_mismatch(const TransferConfig& existing, const TransferConfig& wanted);

// The effective batch size: cfg.batch, or 100 (convnet, as the paper), 128 (wrn), 20 (lstm).
std::int64_t batch_size(const TransferConfig& c);

}  // namespace nos::transfer
