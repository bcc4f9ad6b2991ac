#include "nn/models/lstm_lm.h"

#include <stdexcept>

#include "autograd/autograd.h"

namespace nos::nn {

LstmLm::LstmLm(ParamArena& arena, const LstmLmOptions& o, std::mt19937_64& rng)
    : options(o),
      embedding(arena, "embedding", o.vocab, o.embed),
      lstm(arena, "lstm", o.embed, o.hidden, o.layers, o.dropout),
      decoder(arena, "decoder", o.hidden, o.vocab, true, rng) {
  // Every weight uniform in +-init_scale, as in the paper (overriding Linear's default).
  for (const auto& e : arena.entries()) {
    Tensor v = arena.get(e.name).value;
    std::uniform_real_distribution<float> d(-o.init_scale, o.init_scale);
    for (std::int64_t i = 0; i < v.numel(); ++i) v.data()[i] = d(rng);
  }
}

ag::Var LstmLm::hidden(const Tensor& tokens, LstmState& state, Context& ctx) {
  if (tokens.dim() != 2) throw_shape_error("LstmLm", "expects tokens [T, B]");
  auto drop = [&](const ag::Var& v) {
    if (!ctx.training || options.dropout == 0.0f) return v;
    if (!ctx.rng) throw std::invalid_argument("LstmLm: training with dropout needs Context::rng");
    return ag::dropout(v, options.dropout, *ctx.rng);
  };
  ag::Var x = drop(embedding.forward(tokens));    // [T, B, E]
  ag::Var h = drop(lstm.forward(x, state, ctx));  // [T, B, H]
  return ag::reshape(h, {tokens.size(0) * tokens.size(1), options.hidden});
}

ag::Var LstmLm::forward(const Tensor& tokens, LstmState& state, Context& ctx) {
  return decoder.forward(hidden(tokens, state, ctx), ctx);
}

ag::Var LstmLm::loss(const Tensor& tokens, const Tensor& targets, LstmState& state, Context& ctx) {
  return ag::linear_cross_entropy(hidden(tokens, state, ctx), decoder.weight, decoder.bias, targets);
}

}  // namespace nos::nn
