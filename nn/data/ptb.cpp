#include "nn/data/ptb.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nos::data {
namespace fs = std::filesystem;
namespace {
constexpr const char* kEos = "<eos>";

// A word as it can be printed: an exception message is cut at a NUL byte, a terminal garbled
// by control bytes, so those are written as \xNN.
std::string printable(const std::string& w) {
  std::string out;
  for (unsigned char ch : w)
    out += ch < 0x20 || ch == 0x7f ? fmt::format("\\x{:02x}", ch) : std::string(1, static_cast<char>(ch));
  return out;
}

template <class F>
void for_each_word(const fs::path& file, F f) {
  std::error_code ec;
  if (fs::is_directory(file, ec))
    throw std::runtime_error(fmt::format("{}: is a directory, not a text file", file.string()));
  std::ifstream in(file);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open text file", file.string()));
  std::string line;
  std::int64_t lineno = 1;
  for (; std::getline(in, line); ++lineno) {
    std::istringstream words(line);
    for (std::string w; words >> w;) f(w, lineno);
    f(kEos, lineno);
  }
  if (in.bad()) throw std::runtime_error(fmt::format("{}:{}: read error", file.string(), lineno));
  if (lineno == 1) throw std::runtime_error(fmt::format("{}: empty: no text", file.string()));
}
}  // namespace

Vocabulary build_vocabulary(const fs::path& file) {
  std::unordered_map<std::string, std::int64_t> count;
  for_each_word(file, [&](const std::string& w, std::int64_t) { ++count[w]; });
  if (count.empty()) throw std::runtime_error(fmt::format("{}: no words", file.string()));
  std::vector<std::pair<std::string, std::int64_t>> byfreq(count.begin(), count.end());
  std::sort(byfreq.begin(), byfreq.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  Vocabulary v;
  for (auto& [w, c] : byfreq) {
    v.ids.emplace(w, static_cast<std::int32_t>(v.words.size()));
    v.words.push_back(w);
  }
  return v;
}

std::vector<std::int32_t> tokenize(const fs::path& file, const Vocabulary& vocab) {
  std::vector<std::int32_t> out;
  for_each_word(file, [&](const std::string& w, std::int64_t lineno) {
    auto it = vocab.ids.find(w);
    if (it == vocab.ids.end())
      throw std::runtime_error(
          fmt::format("{}:{}: word '{}' is not in the training vocabulary", file.string(), lineno, printable(w)));
    out.push_back(it->second);
  });
  return out;
}

Corpus read_ptb(const fs::path& dir) {
  Corpus c;
  c.vocab = build_vocabulary(dir / "ptb.train.txt");
  c.train = tokenize(dir / "ptb.train.txt", c.vocab);
  c.valid = tokenize(dir / "ptb.valid.txt", c.vocab);
  c.test = tokenize(dir / "ptb.test.txt", c.vocab);
  return c;
}

void require_tokens_for_batch(const std::vector<std::int32_t>& tokens, std::int64_t batch, const fs::path& file) {
  if (static_cast<std::int64_t>(tokens.size()) < 2 * batch)
    throw std::runtime_error(fmt::format("{}: {} tokens are too few for batch {} (evaluation needs at least {})",
                                         file.string(), tokens.size(), batch, 2 * batch));
}

Tensor batchify(const std::vector<std::int32_t>& tokens, std::int64_t batch) {
  if (batch < 1) throw std::invalid_argument(fmt::format("batchify: batch {} must be positive", batch));
  const std::int64_t steps = static_cast<std::int64_t>(tokens.size()) / batch;
  if (steps < 2)
    throw std::invalid_argument(fmt::format("batchify: {} tokens are too few for {} streams", tokens.size(), batch));
  Tensor t = Tensor::empty({steps, batch}, DType::i32);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t s = 0; s < steps; ++s) t.idata()[s * batch + b] = tokens[b * steps + s];
  return t;
}

LmBatch lm_batch(const Tensor& data, std::int64_t start, std::int64_t bptt) {
  const std::int64_t steps = data.size(0), B = data.size(1);
  if (start < 0 || start + 1 >= steps)
    throw std::out_of_range(fmt::format("lm_batch: start {} outside {} rows", start, steps));
  const std::int64_t T = std::min(bptt, steps - 1 - start);
  LmBatch b{Tensor::empty({T, B}, DType::i32), Tensor::empty({T * B}, DType::i32)};
  std::memcpy(b.inputs.idata(), data.idata() + start * B, T * B * sizeof(std::int32_t));
  std::memcpy(b.targets.idata(), data.idata() + (start + 1) * B, T * B * sizeof(std::int32_t));
  return b;
}

}  // namespace nos::data
