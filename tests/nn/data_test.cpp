#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "nn/data/cifar10.h"
#include "nn/data/data_path.h"
#include "tests/nn/fixtures.h"

namespace nos::data {
namespace {
namespace fs = std::filesystem;

using test::error_of;
using test::temp_dir;
using test::write_bytes;

TEST(Cifar10, ReadsRecordsAndScalesPixels) {
  std::vector<unsigned char> bytes(2 * kCifarRecordBytes, 0);
  bytes[0] = 3;
  bytes[1] = 255;             // red (0,0) of image 0
  bytes[1 + 1024 + 33] = 51;  // green (1,1) of image 0
  bytes[kCifarRecordBytes] = 9;
  bytes[kCifarRecordBytes + 3072] = 102;  // blue (31,31) of image 1
  const fs::path f = temp_dir() / "two.bin";
  write_bytes(f, bytes);
  const ImageSet s = read_cifar10_file(f);
  ASSERT_EQ(s.images.shape(), (Shape{2, 3, 32, 32}));
  EXPECT_EQ(s.labels.idata()[0], 3);
  EXPECT_EQ(s.labels.idata()[1], 9);
  EXPECT_FLOAT_EQ(s.images.data()[0], 1.0f);
  EXPECT_FLOAT_EQ(s.images.data()[1024 + 33], 0.2f);
  EXPECT_FLOAT_EQ(s.images.data()[3072 + 3071], 0.4f);
}

TEST(Cifar10, MalformedFilesAreErrorsNamingTheFileAndWhatWasExpected) {
  const fs::path d = temp_dir();
  write_bytes(d / "short.bin", std::vector<unsigned char>(kCifarRecordBytes + 5, 0));
  EXPECT_EQ(error_of([&] { read_cifar10_file(d / "short.bin"); }),
            (d / "short.bin").string() +
                ": 3078 bytes is not a whole number of 3073-byte CIFAR-10 records (label + 3x32x32 pixels)");
  std::vector<unsigned char> bad(2 * kCifarRecordBytes, 0);
  bad[kCifarRecordBytes] = 10;
  write_bytes(d / "label.bin", bad);
  EXPECT_EQ(error_of([&] { read_cifar10_file(d / "label.bin"); }),
            (d / "label.bin").string() + ": record 1 has label 10, expected 0-9");
  EXPECT_EQ(error_of([&] { read_cifar10_file(d / "missing.bin"); }),
            (d / "missing.bin").string() + ": cannot open CIFAR-10 batch file");
  write_bytes(d / "empty.bin", {});
  EXPECT_NE(error_of([&] { read_cifar10_file(d / "empty.bin"); }).find("not a whole number"), std::string::npos);
}

TEST(Cifar10, RealTrainingSetHasTheKnownShapeLabelsAndClassBalance) {
  const char* shared = std::getenv("NOS_SHARED_DATA");
  const fs::path dir = fs::path(shared ? shared : "../shared/data") / "cifar-10-batches-bin";
  if (!fs::exists(dir)) GTEST_SKIP() << "no CIFAR-10 at " << dir;
  const ImageSet train = read_cifar10_train(dir);
  ASSERT_EQ(train.size(), 50000);
  // The first ten labels of data_batch_1, as every CIFAR-10 user has seen them.
  const std::int32_t first[10] = {6, 9, 9, 4, 1, 1, 2, 7, 8, 3};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(train.labels.idata()[i], first[i]) << i;
  std::vector<int> count(10, 0);
  for (std::int64_t i = 0; i < train.size(); ++i) ++count[train.labels.idata()[i]];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(count[c], 5000) << c;
  const ImageSet test = read_cifar10_test(dir);
  EXPECT_EQ(test.size(), 10000);
}

TEST(Cifar10, GatherPicksRowsInOrder) {
  std::vector<unsigned char> bytes(3 * kCifarRecordBytes, 0);
  for (int r = 0; r < 3; ++r) bytes[r * kCifarRecordBytes] = static_cast<unsigned char>(r + 4);
  const fs::path f = temp_dir() / "three.bin";
  write_bytes(f, bytes);
  const ImageSet s = gather(read_cifar10_file(f), {2, 0});
  EXPECT_EQ(s.labels.idata()[0], 6);
  EXPECT_EQ(s.labels.idata()[1], 4);
  EXPECT_THROW(gather(s, {5}), std::out_of_range);
}

TEST(DataPath, CommandLineThenEnvironmentThenDefaults) {
  const fs::path a = temp_dir() / "a", b = temp_dir() / "b";
  fs::create_directories(a / "set");
  fs::create_directories(b / "set");
  setenv("NOS_DATA_DIR", (b.string() + ":/nonexistent").c_str(), 1);
  EXPECT_EQ(find_dataset("set", a.string()), fs::weakly_canonical(a / "set"));
  // --data is exclusive: a data set missing there is an error even if NOS_DATA_DIR has it.
  const fs::path empty = temp_dir() / "empty";
  fs::create_directories(empty);
  EXPECT_EQ(error_of([&] { find_dataset("set", empty.string()); }),
            "data set 'set' not found in --data " + empty.string() + " (looked for " + (empty / "set").string() + ")");
  EXPECT_EQ(find_dataset("set"), fs::weakly_canonical(b / "set"));
  const auto roots = search_roots();
  EXPECT_EQ(roots.back(), fs::path("/usr/share/datasets"));
  const std::string err = error_of([] { find_dataset("no-such-set"); });
  EXPECT_NE(err.find("data set 'no-such-set' not found; looked in:"), std::string::npos) << err;
  EXPECT_NE(err.find((b / "no-such-set").string()), std::string::npos) << err;
  EXPECT_NE(err.find("NOS_DATA_DIR"), std::string::npos) << err;
  unsetenv("NOS_DATA_DIR");
}

TEST(Cifar10, BatchFilesAreHeldToTheFormatsRecordCount) {
  const fs::path d = temp_dir() / "cifar-cut";
  fs::create_directories(d / "data_batch_1.bin");  // a directory where a batch should be
  EXPECT_EQ(error_of([&] { read_cifar10_train(d); }),
            (d / "data_batch_1.bin").string() + ": is a directory, not a CIFAR-10 batch file");
  // Cut exactly at a record boundary: whole records, but not the 10000 of a batch file.
  std::vector<unsigned char> bytes(2 * kCifarRecordBytes, 0);
  const fs::path f = d / "test_batch.bin";
  std::ofstream(f, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  EXPECT_EQ(error_of([&] { read_cifar10_test(d); }),
            f.string() + ": 2 records, but a CIFAR-10 batch file holds 10000 (30730000 bytes): the file is incomplete");
}

}  // namespace
}  // namespace nos::data
