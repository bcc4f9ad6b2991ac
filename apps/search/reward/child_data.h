// The data a child network trains on during the search: the paper's 10,000-image training subset
// and the fixed 5,000-image held-out validation set (§4.2), normalized with the training subset's
// per-channel statistics. Loaded once per process and shared read-only by every evaluation.
#pragma once
#include <cstdint>
#include <string>

#include "nn/data/cifar10.h"  // ImageSet

namespace nos::search {

struct ChildDataConfig {
  std::string dataset = "auto";  // "cifar10", "fashion-mnist", or "auto": CIFAR-10 if found, else Fashion-MNIST
  std::string data_dir;          // --data (empty: NOS_DATA_DIR, then defaults; nn/data/data_path.h)
  std::int64_t train_images = 10000, val_images = 5000;
  std::uint64_t seed = 1;  // the split
};

struct ChildData {
  std::string dataset;               // resolved name: "cifar10" or "fashion-mnist"
  data::ImageSet train, validation;  // normalized with the training subset's statistics
};

// Throws std::runtime_error naming the data set, the directory or file and what was expected
// (missing data, malformed files, an unknown data set name, subsets larger than the data).
ChildData load_child_data(const ChildDataConfig& config);

}  // namespace nos::search
