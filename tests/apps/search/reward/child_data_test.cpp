// Loading the search's data: real CIFAR-10 (../shared/data, NOS_SHARED_DATA) and Fashion-MNIST
// (Debian's dataset-fashion-mnist), normalized splits, and errors that name what is missing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "apps/search/reward/child_data.h"
#include "nn/data/data_path.h"

namespace nos::search {
namespace {

std::string shared_data() {
  const char* d = std::getenv("NOS_SHARED_DATA");
  return d ? d : "";
}

std::string load_error(const ChildDataConfig& c) {
  try {
    load_child_data(c);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

double mean_of(const Tensor& t) {
  double s = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) s += t.data()[i];
  return s / static_cast<double>(t.numel());
}

TEST(ChildData, LoadsCifar10SubsetNormalized) {
  const ChildData d =
      load_child_data({.dataset = "cifar10", .data_dir = shared_data(), .train_images = 200, .val_images = 100});
  EXPECT_EQ(d.dataset, "cifar10");
  EXPECT_EQ(d.train.size(), 200);
  EXPECT_EQ(d.validation.size(), 100);
  EXPECT_EQ(d.train.images.shape(), (std::vector<std::int64_t>{200, 3, 32, 32}));
  EXPECT_NEAR(mean_of(d.train.images), 0.0, 1e-3);  // normalized with the training subset's statistics
}

TEST(ChildData, AutoPrefersCifar10) {
  EXPECT_EQ(load_child_data({.data_dir = shared_data(), .train_images = 20, .val_images = 10}).dataset, "cifar10");
}

TEST(ChildData, LoadsFashionMnist) {
  const ChildData d = load_child_data({.dataset = "fashion-mnist", .train_images = 300, .val_images = 50});
  EXPECT_EQ(d.dataset, "fashion-mnist");
  EXPECT_EQ(d.train.images.shape(), (std::vector<std::int64_t>{300, 1, 28, 28}));
  EXPECT_EQ(d.validation.size(), 50);
}

TEST(ChildData, SameSeedSameSplitOtherSeedOther) {
  const ChildDataConfig a{
      .dataset = "cifar10", .data_dir = shared_data(), .train_images = 50, .val_images = 20, .seed = 1};
  ChildDataConfig b = a;
  b.seed = 2;
  const ChildData x = load_child_data(a), y = load_child_data(a), z = load_child_data(b);
  EXPECT_EQ(std::memcmp(x.train.images.data(), y.train.images.data(), x.train.images.numel() * sizeof(float)), 0);
  EXPECT_NE(std::memcmp(x.train.images.data(), z.train.images.data(), x.train.images.numel() * sizeof(float)), 0);
}

TEST(ChildData, MissingDirectoryNamesDataSetAndDirectory) {
  const std::string e = load_error({.dataset = "cifar10", .data_dir = "/nonexistent-nos-data"});
  EXPECT_NE(e.find("cifar-10-batches-bin"), std::string::npos) << e;
  EXPECT_NE(e.find("/nonexistent-nos-data"), std::string::npos) << e;
}

TEST(ChildData, AutoWithNoDataNamesBothDataSets) {
  const std::string e = load_error({.dataset = "auto", .data_dir = "/nonexistent-nos-data"});
  EXPECT_NE(e.find("cifar-10-batches-bin"), std::string::npos) << e;
  EXPECT_NE(e.find("fashion-mnist"), std::string::npos) << e;
}

// A scratch data directory for one test, removed afterwards.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& name) : path(std::filesystem::path(testing::TempDir()) / name) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

TEST(ChildData, AutoFallsBackToFashionMnistWhenCifarIsNotFound) {
  const ScratchDir dir("nos_reward_fashion_only");
  std::filesystem::create_directory_symlink(data::find_dataset("fashion-mnist"), dir.path / "fashion-mnist");
  const ChildData d = load_child_data({.data_dir = dir.path.string(), .train_images = 100, .val_images = 50});
  EXPECT_EQ(d.dataset, "fashion-mnist");
  EXPECT_EQ(d.train.images.size(1), 1);
}

TEST(ChildData, AutoDoesNotFallBackFromMalformedCifar) {
  const ScratchDir dir("nos_reward_bad_cifar");
  std::filesystem::create_directories(dir.path / "cifar-10-batches-bin");
  std::ofstream(dir.path / "cifar-10-batches-bin" / "data_batch_1.bin") << "not a CIFAR-10 record";
  std::filesystem::create_directory_symlink(data::find_dataset("fashion-mnist"), dir.path / "fashion-mnist");
  const std::string e = load_error({.data_dir = dir.path.string()});
  EXPECT_NE(e.find("data_batch_1.bin"), std::string::npos) << e;
}

TEST(ChildData, UnknownDataSetAndOversizedSplitAreErrors) {
  EXPECT_NE(load_error({.dataset = "imagenet"}).find("unknown data set 'imagenet'"), std::string::npos);
  const std::string e =
      load_error({.dataset = "cifar10", .data_dir = shared_data(), .train_images = 46000, .val_images = 5000});
  EXPECT_NE(e.find("46000 training + 5000 validation"), std::string::npos) << e;
}

}  // namespace
}  // namespace nos::search
