// The controller RNN of the paper (§3.2, §4.2): a single-layer LSTM that writes a rule token by
// token.
//
// Step p feeds the embedding of the token chosen at step p-1 (a start token at p = 0) into the
// LSTM; position p's own softmax layer (W_p [K_p, H], b_p [K_p]) turns the hidden state into
// logits over that position's choices, masked by the search space's constraints. There is one
// embedding table over every token of the space (start, operands, $1.., unary, binary): a token
// has one embedding wherever it appears; the per-position softmax layers are what differ, because
// the operand bank grows with each group.
//
// Every parameter (embedding, LSTM, softmax layers) lives in one ParamArena and starts uniform
// in [-init_range, init_range] (0.08 in the paper).
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "autograd/var.h"
#include "nn/modules/recurrent.h"
#include "search/search_space.h"
#include "tensor/param_arena.h"
#include "tensor/threads.h"

namespace nos::rl {

// The controller writes strings of a search space (search/search_space.h); these names are part
// of its interface (Sample::choices, the strings update() scores), so they are used here as is.
using search::Choice;
using search::Choices;
using search::SearchSpace;

// The controller's tensors are tiny ([5, 150] by [150, 600]): OpenMP threads cost more in
// wake-ups than they save, several times over on a loaded machine. Sampling, the teacher-forced
// pass, update() and the Fisher-vector product run single-threaded on the calling thread
// (OpenMP's setting is per thread) and restore the caller's setting afterwards.
struct SingleThreaded : ThreadScope {
  SingleThreaded() : ThreadScope(1) {}
};

struct ControllerConfig {
  int hidden = 150;          // paper §4.2
  int embed = 150;           // not in the paper; the hidden size, as in NAS controllers
  float init_range = 0.08f;  // paper §4.2
  std::uint64_t seed = 1;    // initial weights
};

struct Sample {
  Choices choices;      // one index per position into choices(space, p)
  double log_prob = 0;  // sum over positions of the masked log-probability of the choice
  double entropy = 0;   // sum over positions of the masked distribution's entropy
};

// Differentiable per-string sums over positions, each [B].
struct Scores {
  ag::Var log_prob;
  ag::Var entropy;
};

class Controller {
 public:
  explicit Controller(SearchSpace space, ControllerConfig cfg = {});
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  const SearchSpace& space() const { return space_; }
  const ControllerConfig& config() const { return cfg_; }
  int length() const { return search::length(space_); }
  const std::vector<Choice>& choices(int p) const { return choices_[p]; }
  ParamArena& arena() { return arena_; }
  const ParamArena& arena() const { return arena_; }

  // Samples `batch` strings (no graph is recorded). Deterministic given the rng state.
  std::vector<Sample> sample(int batch, std::mt19937_64& rng) const;

  // Teacher-forced pass over given strings: logits[p] is [B, K_p], unmasked (recorded when grad
  // mode is on). masks(strings)[p] is the matching [B, K_p] float mask.
  std::vector<ag::Var> logits(const std::vector<Choices>& strings) const;
  std::vector<Tensor> masks(const std::vector<Choices>& strings) const;
  // log-probability and entropy of each string under the current weights, differentiable.
  Scores score(const std::vector<Choices>& strings) const;

 private:
  int token_id(int p, int choice) const { return token_ids_[p][choice]; }
  ag::Var head(int p, const ag::Var& h) const;

  SearchSpace space_;
  ControllerConfig cfg_;
  std::vector<std::vector<Choice>> choices_;  // per position
  std::vector<std::vector<int>> token_ids_;   // per position and choice: row of the embedding
  ParamArena arena_;
  nn::Embedding embed_;
  nn::Lstm lstm_;
  std::vector<ag::Var> w_, b_;  // per position
};

}  // namespace nos::rl
