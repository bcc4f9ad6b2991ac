#include "apps/transfer/config.h"

#include <fmt/format.h>

#include "nn/train/zaremba.h"

namespace nos::transfer {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OptimizerSpec, name, rule, infix)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TransferConfig, task, optimizers, lr_min, lr_max, rates, lr_ranges,
                                                adam_eps, repeats, seed, iterations, x0, y0, epochs, steps_per_epoch,
                                                batch, schedule, decay_epochs, decay_rate, train, val, test, augment,
                                                depth, widen, dropout, pooling, no_padding, size, bptt, valid_tokens,
                                                test_tokens, clip, lr_decay_start, lr_decay, lm_cuts, dim, condition, noise,
                                                hidden, data_dir)

nlohmann::json to_json(const TransferConfig& c) { return nlohmann::json(c); }

TransferConfig config_from_json(const nlohmann::json& j) { return j.get<TransferConfig>(); }

std::string settings_mismatch(const TransferConfig& existing, const TransferConfig& wanted) {
  nlohmann::json a = existing, b = wanted;
  // The sweep may grow; where the data lives is no setting.
  for (const char* k : {"optimizers", "lr_min", "lr_max", "rates", "lr_ranges", "adam_eps", "repeats", "data_dir"}) {
    a.erase(k);
    b.erase(k);
  }
  for (auto it = a.begin(); it != a.end(); ++it)
    if (!b.contains(it.key()) || b[it.key()] != it.value())
      return fmt::format("{}: {} in the directory, {} asked", it.key(), it.value().dump(),
                         b.contains(it.key()) ? b[it.key()].dump() : "nothing");
  return "";
}

std::int64_t batch_size(const TransferConfig& c) {
  if (c.batch > 0) return c.batch;
  if (c.task == "wrn") return 128;
  if (c.task == "lstm") return nn::zaremba_recipe(c.size).batch;
  return 100;
}

}  // namespace nos::transfer
