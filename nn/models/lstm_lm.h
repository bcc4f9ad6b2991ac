// Word-level LSTM language model (Zaremba, Sutskever & Vinyals 2014): embedding -> dropout ->
// multi-layer LSTM (dropout between layers) -> dropout -> linear decoder over the vocabulary.
// Embeddings and decoder are untied. "small": 2x200, no dropout, init +-0.1; "medium": 2x650,
// dropout 0.5, init +-0.05.
#pragma once
#include "nn/modules/layers.h"
#include "nn/modules/recurrent.h"

namespace nos::nn {

struct LstmLmOptions {
  std::int64_t vocab = 10000, embed = 200, hidden = 200;
  int layers = 2;
  float dropout = 0.0f, init_scale = 0.1f;
  static LstmLmOptions small(std::int64_t vocab) { return {vocab, 200, 200, 2, 0.0f, 0.1f}; }
  static LstmLmOptions medium(std::int64_t vocab) { return {vocab, 650, 650, 2, 0.5f, 0.05f}; }
};

class LstmLm {
 public:
  LstmLm(ParamArena& arena, const LstmLmOptions& o, std::mt19937_64& rng);
  // tokens int32 [T, B] -> logits [T*B, vocab] (row t*B + b predicts the token after tokens[t][b]).
  ag::Var forward(const Tensor& tokens, LstmState& state, Context& ctx);
  // Mean cross-entropy of the next-token predictions against int32 targets [T*B]: the same value
  // and gradients as softmax_cross_entropy(forward(...), targets), with the decoder and the loss
  // in one node (ag::linear_cross_entropy), which saves a pass over the [T*B, vocab] gradient.
  ag::Var loss(const Tensor& tokens, const Tensor& targets, LstmState& state, Context& ctx);
  LstmLmOptions options;
  Embedding embedding;
  Lstm lstm;
  Linear decoder;

 private:
  ag::Var hidden(const Tensor& tokens, LstmState& state, Context& ctx);  // [T*B, hidden], before the decoder
};

}  // namespace nos::nn
