#include "nn/data/cifar10.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace nos::data {
namespace fs = std::filesystem;

ImageSet read_cifar10_file(const fs::path& file) {
  if (std::error_code ec; fs::is_directory(file, ec))
    throw std::runtime_error(fmt::format("{}: is a directory, not a CIFAR-10 batch file", file.string()));
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open CIFAR-10 batch file", file.string()));
  const std::int64_t bytes = in.tellg();
  if (bytes <= 0 || bytes % kCifarRecordBytes != 0)
    throw std::runtime_error(
        fmt::format("{}: {} bytes is not a whole number of {}-byte CIFAR-10 records (label + 3x32x32 pixels)",
                    file.string(), bytes, kCifarRecordBytes));
  const std::int64_t n = bytes / kCifarRecordBytes;
  std::vector<unsigned char> raw(static_cast<std::size_t>(bytes));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(raw.data()), bytes))
    throw std::runtime_error(fmt::format("{}: read failed after {} of {} bytes", file.string(),
                                         static_cast<std::int64_t>(in.gcount()), bytes));
  ImageSet set{Tensor::empty({n, 3, 32, 32}), Tensor::empty({n}, DType::i32)};
  float* img = set.images.data();
  std::int32_t* lab = set.labels.idata();
  for (std::int64_t r = 0; r < n; ++r) {
    const unsigned char* rec = raw.data() + r * kCifarRecordBytes;
    if (rec[0] > 9)
      throw std::runtime_error(fmt::format("{}: record {} has label {}, expected 0-9", file.string(), r, rec[0]));
    lab[r] = rec[0];
    for (int i = 0; i < 3072; ++i) img[r * 3072 + i] = rec[1 + i] * (1.0f / 255.0f);
  }
  return set;
}

namespace {
ImageSet concat_sets(const std::vector<ImageSet>& parts) {
  std::int64_t n = 0;
  for (const auto& p : parts) n += p.size();
  ImageSet all{Tensor::empty({n, 3, 32, 32}), Tensor::empty({n}, DType::i32)};
  std::int64_t at = 0;
  for (const auto& p : parts) {
    all.images.slice0(at, at + p.size()).copy_from(p.images);
    all.labels.slice0(at, at + p.size()).copy_from(p.labels);
    at += p.size();
  }
  return all;
}
}  // namespace

namespace {
// The binary version's spec: every batch file holds exactly 10000 records. A file cut at a
// record boundary would otherwise pass as a smaller data set.
ImageSet read_full_batch(const fs::path& file) {
  ImageSet s = read_cifar10_file(file);
  constexpr std::int64_t kRecords = 10000;
  if (s.size() != kRecords)
    throw std::runtime_error(
        fmt::format("{}: {} records, but a CIFAR-10 batch file holds {} ({} bytes): the file is "
                    "incomplete",
                    file.string(), s.size(), kRecords, kRecords * kCifarRecordBytes));
  return s;
}
}  // namespace

ImageSet read_cifar10_train(const fs::path& dir) {
  std::vector<ImageSet> parts;
  for (int i = 1; i <= 5; ++i) parts.push_back(read_full_batch(dir / fmt::format("data_batch_{}.bin", i)));
  return concat_sets(parts);
}

ImageSet read_cifar10_test(const fs::path& dir) { return read_full_batch(dir / "test_batch.bin"); }

ImageSet gather(const ImageSet& set, const std::vector<std::int64_t>& index) {
  const auto n = static_cast<std::int64_t>(index.size());
  Shape s = set.images.shape();
  s[0] = n;
  const std::int64_t row = set.images.numel() / std::max<std::int64_t>(set.size(), 1);
  ImageSet out{Tensor::empty(s), Tensor::empty({n}, DType::i32)};
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t j = index[i];
    if (j < 0 || j >= set.size())
      throw std::out_of_range(fmt::format("gather: index {} outside a set of {}", j, set.size()));
    std::memcpy(out.images.data() + i * row, set.images.data() + j * row, row * sizeof(float));
    out.labels.idata()[i] = set.labels.idata()[j];
  }
  return out;
}

}  // namespace nos::data
