#include "apps/search/reward/child_data.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "nn/data/data_path.h"
#include "nn/data/fashion_mnist.h"
#include "nn/data/splits.h"

namespace nos::search {
namespace {

// The data set's full training set, found on nos's search path (nn/data/data_path.h).
data::ImageSet read_training_set(const std::string& dataset, const std::string& data_dir) {
  if (dataset == "cifar10") return data::read_cifar10_train(data::find_dataset("cifar-10-batches-bin", data_dir));
  if (dataset == "fashion-mnist") return data::read_fashion_mnist_train(data::find_dataset("fashion-mnist", data_dir));
  throw std::runtime_error(fmt::format("unknown data set '{}' (expected cifar10, fashion-mnist or auto)", dataset));
}

}  // namespace

ChildData load_child_data(const ChildDataConfig& config) {
  ChildData out;
  data::ImageSet full;
  if (config.dataset == "auto") {
    // CIFAR-10 is the paper's data; Fashion-MNIST (Debian's dataset-fashion-mnist) is the
    // fall-back for machines without it. Only a CIFAR-10 that is not found falls back: a
    // malformed one is an error, not a silent switch of data set.
    std::filesystem::path cifar;
    try {
      cifar = data::find_dataset("cifar-10-batches-bin", config.data_dir);
    } catch (const std::exception& not_found) {
      try {
        full = read_training_set("fashion-mnist", config.data_dir);
        out.dataset = "fashion-mnist";
      } catch (const std::exception& fashion) {
        throw std::runtime_error(
            fmt::format("no child-network data: CIFAR-10: {}\nFashion-MNIST: {}", not_found.what(), fashion.what()));
      }
    }
    if (!cifar.empty()) {
      full = data::read_cifar10_train(cifar);
      out.dataset = "cifar10";
    }
  } else {
    full = read_training_set(config.dataset, config.data_dir);
    out.dataset = config.dataset;
  }
  if (config.train_images < 1 || config.val_images < 1 || config.train_images + config.val_images > full.size())
    throw std::runtime_error(fmt::format("{}: {} training + {} validation images requested, the training set has {}",
                                         out.dataset, config.train_images, config.val_images, full.size()));
  auto split = data::search_split(full, config.train_images, config.val_images, config.seed);
  // Statistics of the training subset only: the validation images stay unseen.
  const auto stats = data::channel_stats(split.train);
  data::normalize(split.train, stats);
  data::normalize(split.validation, stats);
  out.train = std::move(split.train);
  out.validation = std::move(split.validation);
  return out;
}

}  // namespace nos::search
