// Penn Treebank (Mikolov's word-level version): whitespace-separated words, one sentence per line;
// each line ends with an "<eos>" token. The vocabulary comes from the training file.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "tensor/tensor.h"

namespace nos::data {

struct Vocabulary {
  std::vector<std::string> words;  // id -> word
  std::unordered_map<std::string, std::int32_t> ids;
  std::int64_t size() const { return static_cast<std::int64_t>(words.size()); }
};

// Ids by descending frequency in `file`, ties alphabetical (stable across runs and machines).
Vocabulary build_vocabulary(const std::filesystem::path& file);

// The token ids of a file, "<eos>" after each line. A word missing from the vocabulary is an
// error naming file:line and the word (PTB's valid and test sets have none: they use <unk>).
std::vector<std::int32_t> tokenize(const std::filesystem::path& file, const Vocabulary& vocab);

struct Corpus {
  Vocabulary vocab;
  std::vector<std::int32_t> train, valid, test;
};
// dir holds ptb.train.txt, ptb.valid.txt, ptb.test.txt.
Corpus read_ptb(const std::filesystem::path& dir);

// Checks, before any training, that `tokens` (read from `file`) fill at least two rows of
// `batch` streams, as batchify needs; throws naming the file.
void require_tokens_for_batch(const std::vector<std::int32_t>& tokens, std::int64_t batch,
                              const std::filesystem::path& file);

// Lays a token stream out as `batch` parallel streams: int32 [steps, batch], column b holding
// tokens [b*steps, (b+1)*steps); the tail that does not fill a row is dropped.
Tensor batchify(const std::vector<std::int32_t>& tokens, std::int64_t batch);

struct LmBatch {
  Tensor inputs;   // int32 [T, B]
  Tensor targets;  // int32 [T*B]: the token after each input, row-major like the model's logits
};
// The window starting at row `start` of a batchified stream, at most `bptt` rows long.
LmBatch lm_batch(const Tensor& data, std::int64_t start, std::int64_t bptt);

}  // namespace nos::data
