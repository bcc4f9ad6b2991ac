#include "apps/transfer/config.h"

#include <fmt/format.h>

#include "apps/common/settings.h"
#include "nn/train/zaremba.h"

namespace nos::transfer {

namespace {

// Every setting, declared once with its resume rule. The training settings are Fixed: every
// record of a directory must be comparable. The sweep (optimizers, rates, eps, repeats) may grow
// between invocations, finished runs being skipped; where the data lives is no setting.
// if_absent: what directories written before a key existed did. lm_cuts came after the LSTM's
// cut epochs, which until then re-read the text's start; dim, condition, noise and hidden came
// with the linreg and two-moons tasks, so a directory without them holds another task, which
// never reads them (their defaults stand in). The halving settings are Fixed: which runs were
// stopped where follows from them, and directories from before halving trained every run to the end.
const app::Settings<TransferConfig>& settings() {
  using C = TransferConfig;
  static const C d{};
  static const app::Settings<C> s{{
      app::fixed("task", &C::task),
      app::may_change("optimizers", &C::optimizers),
      app::may_change("lr_min", &C::lr_min),
      app::may_change("lr_max", &C::lr_max),
      app::may_change("rates", &C::rates),
      app::may_change("lr_ranges", &C::lr_ranges),
      app::may_change("adam_eps", &C::adam_eps),
      app::may_change("repeats", &C::repeats),
      app::fixed("seed", &C::seed),
      app::fixed("halving_eta", &C::halving_eta, 0),
      app::fixed("halving_rungs", &C::halving_rungs, 0),
      app::fixed("halving_pool", &C::halving_pool, d.halving_pool),
      app::fixed("iterations", &C::iterations),
      app::fixed("x0", &C::x0),
      app::fixed("y0", &C::y0),
      app::fixed("dim", &C::dim, d.dim),
      app::fixed("condition", &C::condition, d.condition),
      app::fixed("noise", &C::noise, d.noise),
      app::fixed("hidden", &C::hidden, d.hidden),
      app::fixed("epochs", &C::epochs),
      app::fixed("steps_per_epoch", &C::steps_per_epoch),
      app::fixed("batch", &C::batch),
      app::fixed("schedule", &C::schedule),
      app::fixed("decay_epochs", &C::decay_epochs),
      app::fixed("decay_rate", &C::decay_rate),
      app::fixed("train", &C::train),
      app::fixed("val", &C::val),
      app::fixed("test", &C::test),
      app::fixed("augment", &C::augment),
      app::fixed("depth", &C::depth),
      app::fixed("widen", &C::widen),
      app::fixed("dropout", &C::dropout),
      app::fixed("pooling", &C::pooling),
      app::fixed("no_padding", &C::no_padding),
      app::fixed("size", &C::size),
      app::fixed("bptt", &C::bptt),
      app::fixed("valid_tokens", &C::valid_tokens),
      app::fixed("test_tokens", &C::test_tokens),
      app::fixed("clip", &C::clip),
      app::fixed("lr_decay_start", &C::lr_decay_start),
      app::fixed("lr_decay", &C::lr_decay),
      app::fixed("lm_cuts", &C::lm_cuts, "restart"),
      app::may_change("data_dir", &C::data_dir),
  }};
  return s;
}

}  // namespace

nlohmann::json to_json(const TransferConfig& c) { return settings().to_json(c); }

TransferConfig config_from_json(const nlohmann::json& j, const std::string& source) {
  return settings().from_json(settings().with_absent_keys(j, source), source);
}

std::string settings_mismatch(const TransferConfig& existing, const TransferConfig& wanted) {
  // Every invocation states the whole configuration, so every key counts as given.
  const app::Resumed r = app::resume_settings(to_json(existing), to_json(wanted), nullptr, settings().rules());
  if (!r.conflict) return "";
  return fmt::format("{}: {} in the directory, {} asked", r.conflict->key, r.conflict->stored.dump(),
                     r.conflict->asked.dump());
}

std::int64_t batch_size(const TransferConfig& c) {
  if (c.batch > 0) return c.batch;
  if (c.task == "wrn") return 128;
  if (c.task == "lstm") return nn::zaremba_recipe(c.size).batch;
  return 100;
}

}  // namespace nos::transfer
