// nos-demo: everything but the search, end to end on real data. Compiles an update rule (default:
// PowerSign, the paper's best-known find) with dslc and the JIT, and trains the paper's child
// network (nn/models/convnet.h) with it on the 10,000-image CIFAR-10 training subset, reporting
// accuracy on the fixed 5,000-image held-out split. Every parameter lives in one arena, so one
// kernel call per thread steps the whole model.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "apps/common/cli_checks.h"
#include "nn/data/cifar10.h"
#include "nn/data/data_path.h"
#include "nn/data/splits.h"
#include "nn/models/convnet.h"
#include "nn/train/progress.h"
#include "nn/train/train.h"
#include "optim/arena_optimizer.h"
#include "tensor/blas_env.h"
#include "tensor/threads.h"

using namespace nos;

int main(int argc, char** argv) {
  ensure_blas_coretype(argc, argv);
  CLI::App app{"nos-demo: train the paper's child ConvNet on CIFAR-10 (10,000-image subset, 5,000 held out)"};
  std::string data_dir, log_path;
  std::int64_t train_n = 10000, val_n = 5000, batch = 100;
  int epochs = 2;
  float lr = 0.01f;
  std::string rule = "mul g exp mul sign_g sign_m";
  std::uint64_t seed = 1;
  bool pooling = false, no_padding = false;
  app.add_option("--data", data_dir, "Directory holding cifar-10-batches-bin (else NOS_DATA_DIR, then defaults)");
  app.add_option("--train", train_n, "Training images, disjoint from validation")->check(CLI::Range(1, 45000));
  app.add_option("--val", val_n, "Held-out validation images")->check(CLI::Range(1, 5000));
  app.add_option("--epochs", epochs, "Epochs")->check(CLI::Range(1, 1000));
  app.add_option("--batch", batch, "Batch size")->check(CLI::Range(1, 10000));
  app.add_option("--rule", rule, "Update rule in dslc's language (e.g. 'adam', 'mom', 'mul g exp mul sign_g sign_m')");
  app.add_option("--lr", lr, "Learning rate")->check(app::Positive);
  app.add_option("--seed", seed, "Seed for the split, the shuffles and the initialisation");
  app.add_flag("--pooling", pooling, "2x2 max pooling after each conv layer");
  app.add_flag("--no-padding", no_padding, "Unpadded 3x3 convolutions");
  app.add_option("--log", log_path, "Append per-epoch metrics to this JSONL file");
  CLI11_PARSE(app, argc, argv);

  try {
    const int threads = init_threads_from_env();
    const auto dir = data::find_dataset("cifar-10-batches-bin", data_dir);
    fmt::print(stderr, "nos-demo: {} threads, OpenBLAS core {}, data {}\n", threads, blas_core_name(), dir.string());
    auto split = data::search_split(data::read_cifar10_train(dir), train_n, val_n, seed);
    const auto stats = data::channel_stats(split.train);
    data::normalize(split.train, stats);
    data::normalize(split.validation, stats);

    std::mt19937_64 rng(seed);
    ParamArena arena;
    nn::ConvNet net(arena, {.padding = !no_padding, .pooling = pooling}, rng);
    fmt::print(stderr, "child network: {} parameters in one arena\n", arena.size());

    // total_steps lets decayed rules (ld, cd, rd) know the length of the run.
    const auto total = static_cast<std::uint64_t>(epochs * nn::classifier_steps_per_epoch(split.train.size(), batch));
    optim::Optimizer opt(rule, {.hyper = {.lr = lr, .total_steps = total, .seed = seed}});
    optim::add_arena(opt, arena);
    fmt::print(stderr, "rule {} (canonical: {}), {} bytes of optimizer state\n", rule, opt.canonical(),
               opt.state_bytes());
    nn::ClassifierConfig cfg{
        .epochs = epochs, .batch = batch, .seed = seed, .log_path = log_path, .label = "child-net"};
    const auto r = nn::train_classifier(net, arena, split.train, split.validation, cfg, opt);
    for (const auto& e : r.epochs)
      fmt::print("epoch {}: train loss {:.4f}, validation accuracy {:.2f}% ({} images), {:.0f} images/s\n", e.epoch,
                 e.train_loss, 100 * e.val_accuracy, split.validation.size(), e.images_per_second);
    if (r.diverged) {
      fmt::print("diverged: {}\n", r.diverged_reason);
      return 3;
    }
    fmt::print("final validation accuracy {:.2f}% after {} steps in {}\n", 100 * r.final_val_accuracy, r.steps,
               nn::format_duration(r.seconds));
  } catch (const std::exception& e) {
    fmt::print(stderr, "nos-demo: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
