// Loaders for Fashion-MNIST (IDX), Penn Treebank, and the splits and augmentation, on small
// fixture files written here and on every error case.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "nn/data/fashion_mnist.h"
#include "nn/data/ptb.h"
#include "nn/data/splits.h"
#include "tests/nn/fixtures.h"

namespace nos::data {
namespace {
namespace fs = std::filesystem;

using test::error_of;
using test::temp_dir;

std::vector<unsigned char> idx(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                               const std::vector<unsigned char>& body) {
  std::vector<unsigned char> b;
  auto put = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
  };
  put(magic);
  for (auto d : dims) put(d);
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

void write_plain(const fs::path& p, const std::vector<unsigned char>& b) { test::write_bytes(p, b); }
void write_gz(const fs::path& p, const std::vector<unsigned char>& b) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
  gzclose(f);
}

TEST(FashionMnist, ReadsGzipAndPlainIdx) {
  const fs::path d = temp_dir();
  std::vector<unsigned char> px(2 * 2 * 3, 0);
  px[0] = 255;
  px[11] = 51;
  write_gz(d / "i.gz", idx(0x803, {2, 2, 3}, px));
  write_plain(d / "l", idx(0x801, {2}, {7, 0}));
  const ImageSet s = read_idx_pair(d / "i.gz", d / "l");
  EXPECT_EQ(s.images.shape(), (Shape{2, 1, 2, 3}));
  EXPECT_FLOAT_EQ(s.images.data()[0], 1.0f);
  EXPECT_FLOAT_EQ(s.images.data()[11], 0.2f);
  EXPECT_EQ(s.labels.idata()[0], 7);
}

TEST(FashionMnist, ErrorsNameTheFileAndWhatWasExpected) {
  const fs::path d = temp_dir();
  write_plain(d / "img", idx(0x803, {2, 2, 2}, std::vector<unsigned char>(8, 0)));
  write_plain(d / "lab", idx(0x801, {2}, {1, 2}));
  write_plain(d / "badmagic", idx(0x802, {2}, {1, 2}));
  EXPECT_EQ(error_of([&] { read_idx_pair(d / "img", d / "badmagic"); }),
            (d / "badmagic").string() + ": magic number 0x00000802, expected 0x00000801 (labels (N))");
  write_plain(d / "short", idx(0x803, {2, 2, 2}, std::vector<unsigned char>(7, 0)));
  EXPECT_EQ(error_of([&] { read_idx_pair(d / "short", d / "lab"); }),
            (d / "short").string() + ": 23 bytes, expected 24 for images (N, rows, cols) of shape [2, 2, 2]");
  write_plain(d / "three", idx(0x801, {3}, {1, 2, 3}));
  EXPECT_EQ(error_of([&] { read_idx_pair(d / "img", d / "three"); }),
            (d / "img").string() + " has 2 images but " + (d / "three").string() + " has 3 labels");
  write_plain(d / "label10", idx(0x801, {2}, {1, 10}));
  EXPECT_EQ(error_of([&] { read_idx_pair(d / "img", d / "label10"); }),
            (d / "label10").string() + ": label 10 of item 1 is outside 0-9");
  EXPECT_EQ(error_of([&] { read_idx_pair(d / "nope", d / "lab"); }), (d / "nope").string() + ": cannot open IDX file");
  // A gzip stream cut short.
  write_gz(d / "full.gz", idx(0x803, {2, 2, 2}, std::vector<unsigned char>(8, 9)));
  std::ifstream in(d / "full.gz", std::ios::binary);
  std::vector<char> gz((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(d / "cut.gz", std::ios::binary).write(gz.data(), static_cast<std::streamsize>(gz.size() - 12));
  EXPECT_NE(error_of([&] { read_idx_pair(d / "cut.gz", d / "lab"); }).find((d / "cut.gz").string()), std::string::npos);
}

TEST(FashionMnist, DebianPackageHasTheFullSet) {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(dir)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const ImageSet train = read_fashion_mnist_train(dir);
  EXPECT_EQ(train.images.shape(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(read_fashion_mnist_test(dir).size(), 10000);
}

TEST(Ptb, VocabularyTokensAndBatches) {
  const fs::path d = temp_dir();
  std::ofstream(d / "ptb.train.txt") << " the cat sat\n the dog \n";
  std::ofstream(d / "ptb.valid.txt") << " the cat\n";
  std::ofstream(d / "ptb.test.txt") << " dog sat the\n";
  const Corpus c = read_ptb(d);
  // Frequencies: the 2, <eos> 2, cat 1, dog 1, sat 1: ties alphabetical.
  EXPECT_EQ(c.vocab.words, (std::vector<std::string>{"<eos>", "the", "cat", "dog", "sat"}));
  EXPECT_EQ(c.train, (std::vector<std::int32_t>{1, 2, 4, 0, 1, 3, 0}));
  EXPECT_EQ(c.valid, (std::vector<std::int32_t>{1, 2, 0}));
  const Tensor b = batchify(c.train, 2);  // 3 steps x 2 streams: [1 2 4] and [0 1 3]
  ASSERT_EQ(b.shape(), (Shape{3, 2}));
  EXPECT_EQ(std::vector<std::int32_t>(b.idata(), b.idata() + 6), (std::vector<std::int32_t>{1, 0, 2, 1, 4, 3}));
  const LmBatch w = lm_batch(b, 0, 5);  // only 2 rows have a next token
  EXPECT_EQ(w.inputs.shape(), (Shape{2, 2}));
  EXPECT_EQ(std::vector<std::int32_t>(w.targets.idata(), w.targets.idata() + 4),
            (std::vector<std::int32_t>{2, 1, 4, 3}));
}

TEST(Ptb, UnknownWordIsAnErrorNamingFileLineAndWord) {
  const fs::path d = temp_dir();
  std::ofstream(d / "train.txt") << "a b\n";
  std::ofstream(d / "valid.txt") << "a\nb c\n";
  const Vocabulary v = build_vocabulary(d / "train.txt");
  EXPECT_EQ(error_of([&] { tokenize(d / "valid.txt", v); }),
            (d / "valid.txt").string() + ":2: word 'c' is not in the training vocabulary");
  // A NUL byte would cut the message there: it is written out as \x00.
  std::ofstream(d / "nul.txt", std::ios::binary) << std::string("a\0z b\n", 6);
  EXPECT_EQ(error_of([&] { tokenize(d / "nul.txt", v); }),
            (d / "nul.txt").string() + ":1: word 'a\\x00z' is not in the training vocabulary");
  // Empty files and directories are errors naming them, found when the corpus is read.
  std::ofstream(d / "empty.txt").flush();
  EXPECT_EQ(error_of([&] { tokenize(d / "empty.txt", v); }), (d / "empty.txt").string() + ": empty: no text");
  EXPECT_EQ(error_of([&] { tokenize(d, v); }), d.string() + ": is a directory, not a text file");
}

TEST(Ptb, RealCorpusHasTheDocumentedSizes) {
  const char* shared = std::getenv("NOS_SHARED_DATA");
  const fs::path dir = fs::path(shared ? shared : "../shared/data") / "ptb";
  if (!fs::exists(dir)) GTEST_SKIP() << "no PTB at " << dir;
  const Corpus c = read_ptb(dir);
  EXPECT_EQ(c.vocab.size(), 10000);
  EXPECT_EQ(c.train.size(), 929589u);
  EXPECT_EQ(c.valid.size(), 73760u);
  EXPECT_EQ(c.test.size(), 82430u);
}

ImageSet numbered(std::int64_t n) {
  ImageSet s{Tensor::zeros({n, 3, 4, 4}), Tensor::empty({n}, DType::i32)};
  for (std::int64_t i = 0; i < n; ++i) {
    s.labels.idata()[i] = static_cast<std::int32_t>(i % 10);
    s.images.data()[i * 48] = static_cast<float>(i);  // identifies the image
  }
  return s;
}

TEST(Splits, SearchSplitIsDisjointAndReproducible) {
  const ImageSet all = numbered(100);
  const SearchSplit a = search_split(all, 30, 20, 7), b = search_split(all, 30, 20, 7),
                    c = search_split(all, 30, 20, 8);
  std::vector<bool> seen(100, false);
  auto id = [](const ImageSet& s, std::int64_t i) { return static_cast<int>(s.images.data()[i * 48]); };
  for (std::int64_t i = 0; i < 20; ++i) seen[id(a.validation, i)] = true;
  for (std::int64_t i = 0; i < 30; ++i) {
    EXPECT_FALSE(seen[id(a.train, i)]) << "image in both splits";
    EXPECT_EQ(id(a.train, i), id(b.train, i));
  }
  bool differs = false;
  for (std::int64_t i = 0; i < 30; ++i) differs = differs || id(a.train, i) != id(c.train, i);
  EXPECT_TRUE(differs);
  EXPECT_THROW(search_split(all, 90, 20, 1), std::invalid_argument);
}

TEST(Splits, ChannelStatsNormalizeToZeroMeanUnitVariance) {
  ImageSet s = numbered(10);
  for (std::int64_t i = 0; i < s.images.numel(); ++i) s.images.data()[i] = static_cast<float>(i % 7);
  normalize(s, channel_stats(s));
  const ChannelStats after = channel_stats(s);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(after.mean[c], 0.0f, 1e-5f);
    EXPECT_NEAR(after.stddev[c], 1.0f, 1e-4f);
  }
}

TEST(Splits, CropAndFlipMovePixelsWithinThePadding) {
  // One 1-channel 4x4 image 1..16; every augmented pixel is 0 (padding) or a pixel of the image,
  // and the multiset of non-zero values is a shifted window.
  Tensor img = Tensor::empty({1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) img.data()[i] = static_cast<float>(i + 1);
  std::mt19937_64 rng(3);
  bool saw_flip_or_shift = false;
  for (int t = 0; t < 20; ++t) {
    const Tensor out = augment_crop_flip(img, 2, rng);
    for (int i = 0; i < 16; ++i) {
      const float v = out.data()[i];
      EXPECT_TRUE(v == 0.0f || (v >= 1.0f && v <= 16.0f));
    }
    saw_flip_or_shift = saw_flip_or_shift || out.to_vector() != img.to_vector();
    // Row structure survives: within a row, non-padding neighbours differ by exactly 1.
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x + 1 < 4; ++x) {
        const float a = out.data()[y * 4 + x], b = out.data()[y * 4 + x + 1];
        if (a != 0 && b != 0) {
          EXPECT_EQ(std::abs(a - b), 1.0f);
        }
      }
  }
  EXPECT_TRUE(saw_flip_or_shift);
}

// Fashion-MNIST's own readers hold the files to the data set's spec: 28x28 images, 60000/10000.
TEST(FashionMnist, ShapesCountsAndHugeHeadersAreCheckedAgainstTheSpec) {
  const fs::path d = temp_dir();
  const auto pair = [&](std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
    write_plain(d / "train-images-idx3-ubyte",
                idx(0x803, {n, rows, cols}, std::vector<unsigned char>(size_t{n} * rows * cols, 0)));
    write_plain(d / "train-labels-idx1-ubyte", idx(0x801, {n}, std::vector<unsigned char>(n, 1)));
    return error_of([&] { read_fashion_mnist_train(d); });
  };
  const std::string images = (d / "train-images-idx3-ubyte").string();
  EXPECT_EQ(pair(3, 1, 1), images + ": images are 1x1, Fashion-MNIST's are 28x28");
  EXPECT_EQ(pair(3, 14, 56), images + ": images are 14x56, Fashion-MNIST's are 28x28");
  EXPECT_EQ(pair(3, 28, 28), images + ": 3 images, Fashion-MNIST's file holds 60000");
  EXPECT_EQ(pair(3, 0, 0), images + ": dimension 1 of the images (N, rows, cols) is 0");
  // 2^32-1 on each side overflows 64 bits when multiplied out naively.
  write_plain(d / "huge", idx(0x803, {0xffffffffu, 0xffffffffu, 0xffffffffu}, std::vector<unsigned char>(4, 0)));
  EXPECT_NE(error_of([&] {
              read_idx_pair(d / "huge", d / "train-labels-idx1-ubyte");
            }).find((d / "huge").string() + ": header shape"),
            std::string::npos);
}

}  // namespace
}  // namespace nos::data
