#include "nn/data/fashion_mnist.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace nos::data {
namespace fs = std::filesystem;
namespace {

// The whole (decompressed) content of a file.
std::vector<unsigned char> read_all(const fs::path& file) {
  std::unique_ptr<gzFile_s, decltype(&gzclose)> f(gzopen(file.c_str(), "rb"), &gzclose);
  if (!f) throw std::runtime_error(fmt::format("{}: cannot open IDX file", file.string()));
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  for (;;) {
    const int n = gzread(f.get(), buf, sizeof buf);
    if (n < 0) {
      int err = 0;
      throw std::runtime_error(
          fmt::format("{}: corrupt or truncated gzip data ({})", file.string(), gzerror(f.get(), &err)));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Checks the magic number and dimension count, returns the dimensions.
std::vector<std::uint32_t> header(const fs::path& file, const std::vector<unsigned char>& bytes, std::uint32_t magic,
                                  const char* what) {
  const std::size_t ndim = magic & 0xff;
  if (bytes.size() < 4 + 4 * ndim)
    throw std::runtime_error(
        fmt::format("{}: {} bytes is too short for an IDX {} header", file.string(), bytes.size(), what));
  if (be32(bytes.data()) != magic)
    throw std::runtime_error(fmt::format("{}: magic number 0x{:08x}, expected 0x{:08x} ({})", file.string(),
                                         be32(bytes.data()), magic, what));
  std::vector<std::uint32_t> dims(ndim);
  // Sizes from the header are checked against the file before anything is multiplied out, so a
  // header of huge dimensions cannot overflow into a small "expected" size.
  std::uint64_t total = 1;
  for (std::size_t i = 0; i < ndim; ++i) {
    dims[i] = be32(bytes.data() + 4 + 4 * i);
    if (i > 0 && dims[i] == 0)
      throw std::runtime_error(fmt::format("{}: dimension {} of the {} is 0", file.string(), i, what));
    if (dims[i] != 0 && total > bytes.size() / dims[i])
      throw std::runtime_error(
          fmt::format("{}: header shape [{}] needs more than the file's {} bytes", file.string(),
                      fmt::join(std::vector<std::uint32_t>(dims.begin(), dims.begin() + i + 1), ", "), bytes.size()));
    total *= dims[i];
  }
  const std::uint64_t want = 4 + 4 * ndim + total;
  if (bytes.size() != want)
    throw std::runtime_error(fmt::format("{}: {} bytes, expected {} for {} of shape [{}]", file.string(), bytes.size(),
                                         want, what, fmt::join(dims, ", ")));
  return dims;
}

fs::path pick(const fs::path& dir, const std::string& stem) {
  const fs::path gz = dir / (stem + ".gz");
  return fs::exists(gz) ? gz : dir / stem;
}

}  // namespace

ImageSet read_idx_pair(const fs::path& images, const fs::path& labels) {
  const auto ib = read_all(images);
  const auto lb = read_all(labels);
  const auto idim = header(images, ib, 0x00000803, "images (N, rows, cols)");
  const auto ldim = header(labels, lb, 0x00000801, "labels (N)");
  if (idim[0] != ldim[0])
    throw std::runtime_error(
        fmt::format("{} has {} images but {} has {} labels", images.string(), idim[0], labels.string(), ldim[0]));
  const std::int64_t n = idim[0], rows = idim[1], cols = idim[2];
  ImageSet set{Tensor::empty({n, 1, rows, cols}), Tensor::empty({n}, DType::i32)};
  const unsigned char* px = ib.data() + 16;
  float* img = set.images.data();
  for (std::int64_t i = 0; i < n * rows * cols; ++i) img[i] = px[i] * (1.0f / 255.0f);
  for (std::int64_t i = 0; i < n; ++i) {
    const unsigned char l = lb[8 + i];
    if (l > 9) throw std::runtime_error(fmt::format("{}: label {} of item {} is outside 0-9", labels.string(), l, i));
    set.labels.idata()[i] = l;
  }
  return set;
}

namespace {
// Fashion-MNIST's spec: 28x28 images, 60000 for training, 10000 for testing.
ImageSet read_fashion(const fs::path& images, const fs::path& labels, std::int64_t count) {
  ImageSet s = read_idx_pair(images, labels);
  const Shape& sh = s.images.shape();
  if (sh[2] != 28 || sh[3] != 28)
    throw std::runtime_error(
        fmt::format("{}: images are {}x{}, Fashion-MNIST's are 28x28", images.string(), sh[2], sh[3]));
  if (s.size() != count)
    throw std::runtime_error(
        fmt::format("{}: {} images, Fashion-MNIST's file holds {}", images.string(), s.size(), count));
  return s;
}
}  // namespace

ImageSet read_fashion_mnist_train(const fs::path& dir) {
  return read_fashion(pick(dir, "train-images-idx3-ubyte"), pick(dir, "train-labels-idx1-ubyte"), 60000);
}
ImageSet read_fashion_mnist_test(const fs::path& dir) {
  return read_fashion(pick(dir, "t10k-images-idx3-ubyte"), pick(dir, "t10k-labels-idx1-ubyte"), 10000);
}

}  // namespace nos::data
