#include "nn/data/splits.h"

#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace nos::data {

void shuffle_indices(std::vector<std::int64_t>& idx, std::mt19937_64& rng) {
  for (std::int64_t i = static_cast<std::int64_t>(idx.size()) - 1; i > 0; --i) {
    const std::int64_t j = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(i + 1));
    std::swap(idx[i], idx[j]);
  }
}

SearchSplit search_split(const ImageSet& set, std::int64_t train, std::int64_t val, std::uint64_t seed) {
  if (train < 1 || val < 0 || train + val > set.size())
    throw std::invalid_argument(fmt::format(
        "search_split: {} training + {} validation images do not fit in a set of {}", train, val, set.size()));
  std::vector<std::int64_t> idx(set.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(seed);
  shuffle_indices(idx, rng);
  return {gather(set, {idx.begin() + val, idx.begin() + val + train}), gather(set, {idx.begin(), idx.begin() + val})};
}

ChannelStats channel_stats(const ImageSet& set) {
  const std::int64_t C = set.images.size(1), plane = set.images.size(2) * set.images.size(3);
  if (C > 3) throw std::invalid_argument("channel_stats: at most 3 channels");
  ChannelStats s;
  for (std::int64_t c = 0; c < C; ++c) {
    double sum = 0, sq = 0;
    for (std::int64_t i = 0; i < set.size(); ++i) {
      const float* p = set.images.data() + (i * C + c) * plane;
      for (std::int64_t k = 0; k < plane; ++k) {
        sum += p[k];
        sq += static_cast<double>(p[k]) * p[k];
      }
    }
    const double n = static_cast<double>(plane) * set.size();
    s.mean[c] = static_cast<float>(sum / n);
    s.stddev[c] = static_cast<float>(std::sqrt(std::max(sq / n - (sum / n) * (sum / n), 1e-12)));
  }
  return s;
}

void normalize(ImageSet& set, const ChannelStats& s) {
  const std::int64_t C = set.images.size(1), plane = set.images.size(2) * set.images.size(3);
  float* p = set.images.data();
  for (std::int64_t i = 0; i < set.size(); ++i)
    for (std::int64_t c = 0; c < C; ++c) {
      float* q = p + (i * C + c) * plane;
      const float m = s.mean[c], inv = 1.0f / s.stddev[c];
      for (std::int64_t k = 0; k < plane; ++k) q[k] = (q[k] - m) * inv;
    }
}

Tensor augment_crop_flip(const Tensor& images, std::int64_t pad, std::mt19937_64& rng) {
  const std::int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  Tensor out = Tensor::empty(images.shape());
  for (std::int64_t n = 0; n < N; ++n) {
    const std::int64_t dy = static_cast<std::int64_t>(rng() % (2 * pad + 1)) - pad;
    const std::int64_t dx = static_cast<std::int64_t>(rng() % (2 * pad + 1)) - pad;
    const bool flip = rng() & 1;
    for (std::int64_t c = 0; c < C; ++c) {
      const float* src = images.data() + (n * C + c) * H * W;
      float* dst = out.data() + (n * C + c) * H * W;
      for (std::int64_t y = 0; y < H; ++y)
        for (std::int64_t x = 0; x < W; ++x) {
          const std::int64_t sy = y + dy, sx0 = x + dx;
          const std::int64_t sx = flip ? W - 1 - sx0 : sx0;
          dst[y * W + x] = (sy >= 0 && sy < H && sx0 >= 0 && sx0 < W) ? src[sy * W + sx] : 0.0f;
        }
    }
  }
  return out;
}

}  // namespace nos::data
