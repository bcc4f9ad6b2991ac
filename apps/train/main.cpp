// nos-train: trains one of nos's three model families on real data and reports validation (and
// test) results: the child ConvNet or a Wide ResNet on CIFAR-10, or Zaremba's LSTM language model
// on Penn Treebank. The optimizer is SGD (optionally with heavy-ball momentum), run as a
// JIT-compiled update rule over the parameter arena.
//
//   nos-train convnet --epochs 5 --lr 0.01
//   nos-train wrn --depth 16 --widen 4 --epochs 1 --augment
//   nos-train lstm --epochs 13 --lr 1 --log ptb.jsonl
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "apps/common/cli_checks.h"
#include "nn/data/cifar10.h"
#include "nn/data/data_path.h"
#include "nn/data/ptb.h"
#include "nn/data/splits.h"
#include "nn/models/convnet.h"
#include "nn/models/lstm_lm.h"
#include "nn/models/wide_resnet.h"
#include "nn/train/progress.h"
#include "nn/train/train.h"
#include "nn/train/zaremba.h"
#include "optim/arena_optimizer.h"
#include "tensor/blas_env.h"
#include "tensor/threads.h"

using namespace nos;

namespace {

struct Common {
  std::string data_dir, log_path;
  int epochs = 1;
  std::int64_t max_steps = 0, batch = 0;
  float lr = 0, momentum = 0;
  std::uint64_t seed = 1;
};

// The update is a JIT-compiled rule bound to the whole arena (optim/optimizer.h): SGD is the rule
// `g`, heavy-ball momentum the rule `mom` (k = mu*k + g; w -= lr*k), at `lr` under `schedule`.
// Take it after the model is built (the arena's buffers must not move any more).
optim::Optimizer make_optimizer(const Common& c, ParamArena& arena, double lr, const optim::Schedule& schedule = {}) {
  optim::OptimizerOptions o;
  o.hyper.lr = lr;
  o.hyper.mu = c.momentum;
  o.schedule = schedule;
  optim::Optimizer opt(c.momentum == 0.0f ? "g" : "mom", o);
  optim::add_arena(opt, arena);
  return opt;
}

int run_image(const std::string& model, const Common& c, std::int64_t train_n, std::int64_t val_n, bool augment,
              const nn::ConvNetOptions& cn, const nn::WideResNetOptions& wo) {
  const auto dir = data::find_dataset("cifar-10-batches-bin", c.data_dir);
  auto split = data::search_split(data::read_cifar10_train(dir), train_n, val_n, c.seed);
  data::ImageSet test = data::read_cifar10_test(dir);
  const auto stats = data::channel_stats(split.train);
  data::normalize(split.train, stats);
  data::normalize(split.validation, stats);
  data::normalize(test, stats);
  std::mt19937_64 rng(c.seed);
  ParamArena arena;
  std::unique_ptr<nn::Module> net;
  if (model == "convnet") net = std::make_unique<nn::ConvNet>(arena, cn, rng);
  else net = std::make_unique<nn::WideResNet>(arena, wo, rng);
  fmt::print(stderr, "{}: {} parameters; {} training, {} validation, {} test images\n", model, arena.size(),
             split.train.size(), split.validation.size(), test.size());
  nn::ClassifierConfig cfg{.epochs = c.epochs,
                           .max_steps = c.max_steps,
                           .batch = c.batch ? c.batch : (model == "wrn" ? 128 : 100),
                           .augment = augment,
                           .seed = c.seed,
                           .log_path = c.log_path,
                           .label = model};
  // The rate as the float the trainer's flag holds (the loop's former float rate, bit for bit).
  optim::Optimizer opt = make_optimizer(c, arena, c.lr ? c.lr : 0.01f);
  const auto r = nn::train_classifier(*net, arena, split.train, split.validation, cfg, opt);
  for (const auto& e : r.epochs)
    fmt::print("epoch {}: train loss {:.4f}, validation accuracy {:.2f}%, {:.0f} images/s\n", e.epoch, e.train_loss,
               100 * e.val_accuracy, e.images_per_second);
  if (r.diverged) {
    fmt::print("diverged: {}\n", r.diverged_reason);
    return 3;
  }
  fmt::print("validation accuracy {:.2f}%, test accuracy {:.2f}%, {} steps in {}\n", 100 * r.final_val_accuracy,
             100 * nn::evaluate_accuracy(*net, test, 500), r.steps, nn::format_duration(r.seconds));
  return 0;
}

// Unset flags take Zaremba's recipe for the size (nn/train/zaremba.h), the rate's schedule included.
int run_lstm(const Common& c, CLI::App& cmd, const std::string& size, std::int64_t bptt, float clip) {
  const nn::ZarembaRecipe z = nn::zaremba_recipe(size);
  const auto dir = data::find_dataset("ptb", c.data_dir);
  const data::Corpus corpus = data::read_ptb(dir);
  std::mt19937_64 rng(c.seed);
  ParamArena arena;
  nn::LstmLm lm(
      arena,
      size == "medium" ? nn::LstmLmOptions::medium(corpus.vocab.size()) : nn::LstmLmOptions::small(corpus.vocab.size()),
      rng);
  fmt::print(stderr, "lstm {}: {} parameters; {} training tokens\n", size, arena.size(), corpus.train.size());
  const auto set = [&](const char* flag) { return cmd.count(flag) > 0; };
  nn::LmConfig cfg{.epochs = set("--epochs") ? c.epochs : z.epochs,
                   .max_steps = c.max_steps,
                   .batch = c.batch ? c.batch : z.batch,
                   .bptt = bptt ? bptt : z.bptt,
                   .clip_norm = set("--clip") ? clip : z.clip,
                   .seed = c.seed,
                   .log_path = c.log_path,
                   .label = "lstm-" + size};
  for (const auto& [tokens, file] :
       {std::pair{&corpus.train, "ptb.train.txt"}, {&corpus.valid, "ptb.valid.txt"}, {&corpus.test, "ptb.test.txt"}})
    data::require_tokens_for_batch(*tokens, cfg.batch, dir / file);
  const std::int64_t per_epoch =
      nn::lm_steps_per_epoch(static_cast<std::int64_t>(corpus.train.size()), cfg.batch, cfg.bptt);
  optim::Optimizer opt =
      make_optimizer(c, arena, c.lr > 0 ? c.lr : z.lr,
                     optim::zaremba_schedule(static_cast<std::uint64_t>(per_epoch), z.decay_start, z.decay));
  const auto r = nn::train_language_model(lm, arena, corpus.train, corpus.valid, corpus.test, cfg, opt);
  for (const auto& e : r.epochs)
    fmt::print("epoch {}: train perplexity {:.2f}, validation perplexity {:.2f}, {:.0f} tokens/s\n", e.epoch,
               e.train_perplexity, e.valid_perplexity, e.tokens_per_second);
  if (r.diverged) {
    fmt::print("diverged: {}\n", r.diverged_reason);
    return 3;
  }
  fmt::print("test perplexity {:.2f}\n", r.test_perplexity);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ensure_blas_coretype(argc, argv);
  CLI::App app{"nos-train: train a ConvNet, Wide ResNet or LSTM language model on real data"};
  app.require_subcommand(1);
  Common c;
  auto common = [&](CLI::App* s) {
    s->add_option("--data", c.data_dir, "Data directory (else NOS_DATA_DIR, then defaults)");
    s->add_option("--epochs", c.epochs, "Epochs (default: 1; lstm: 13 small, 39 medium)")->check(CLI::Range(1, 100000));
    s->add_option("--max-steps", c.max_steps, "Stop after this many steps (0: no limit)")->check(app::NonNegative);
    s->add_option("--batch", c.batch, "Batch size (default: 100, 128 for wrn, 20 for lstm)")->check(app::NonNegative);
    s->add_option("--lr", c.lr, "Learning rate (default: 0.01; lstm: Zaremba's 1, decayed as his recipe for the size)")
        ->check(app::Positive);
    s->add_option("--momentum", c.momentum, "Heavy-ball momentum (0: plain SGD)")->check(CLI::Range(0.0, 0.999));
    s->add_option("--seed", c.seed, "Seed");
    s->add_option("--log", c.log_path, "Append per-epoch metrics to this JSONL file");
  };
  std::int64_t train_n = 10000, val_n = 5000, bptt = 0;
  bool augment = false, pooling = false, no_padding = false;
  float clip = 5.0f;
  std::string size = "small";
  nn::WideResNetOptions wo;
  auto* convnet = app.add_subcommand("convnet", "The paper's child network on CIFAR-10");
  auto* wrn = app.add_subcommand("wrn", "A Wide ResNet on CIFAR-10");
  auto* lstm = app.add_subcommand("lstm", "Zaremba et al.'s LSTM language model on Penn Treebank");
  for (auto* s : {convnet, wrn}) {
    common(s);
    s->add_option("--train", train_n, "Training images (disjoint from validation)")->check(CLI::Range(1, 45000));
    s->add_option("--val", val_n, "Held-out validation images")->check(CLI::Range(1, 5000));
    s->add_flag("--augment", augment, "Pad-4 random crops and horizontal flips");
  }
  convnet->add_flag("--pooling", pooling, "2x2 max pooling after each conv layer");
  convnet->add_flag("--no-padding", no_padding, "Unpadded convolutions");
  wrn->add_option("--depth", wo.depth, "Depth d = 6n + 4")->check(CLI::Range(10, 1000));
  wrn->add_option("--widen", wo.widen, "Width factor k")->check(CLI::Range(1, 64));
  wrn->add_option("--dropout", wo.dropout, "Dropout inside blocks")->check(CLI::Range(0.0, 0.99));
  common(lstm);
  lstm->add_option("--size", size, "small (2x200) or medium (2x650)")->check(CLI::IsMember({"small", "medium"}));
  lstm->add_option("--bptt", bptt, "Truncated backpropagation length (default: small 20, medium 35, as Zaremba)")
      ->check(CLI::Range(1, 10000));
  lstm->add_option("--clip", clip, "Gradient-norm clipping (0: off; default 5)")->check(app::NonNegative);
  CLI11_PARSE(app, argc, argv);

  try {
    const int threads = init_threads_from_env();
    fmt::print(stderr, "nos-train: {} threads, OpenBLAS core {}\n", threads, blas_core_name());
    if (*lstm) return run_lstm(c, *lstm, size, bptt, clip);
    const std::string model = *convnet ? "convnet" : "wrn";
    return run_image(model, c, train_n, val_n, augment, {.padding = !no_padding, .pooling = pooling}, wo);
  } catch (const std::exception& e) {
    fmt::print(stderr, "nos-train: error: {}\n", e.what());
    return 1;
  }
}
