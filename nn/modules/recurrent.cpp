#include "nn/modules/recurrent.h"

#include <fmt/format.h>

#include <stdexcept>

#include "autograd/autograd.h"

namespace nos::nn {

Embedding::Embedding(ParamArena& arena, const std::string& name, std::int64_t vocab, std::int64_t dim)
    : table(make_param(arena, name + ".weight", {vocab, dim})) {}

ag::Var Embedding::forward(const Tensor& indices) const { return ag::embedding(table, indices); }

LstmState detach(const LstmState& s) {
  LstmState d;
  for (const auto& h : s.h) d.h.emplace_back(h.value());
  for (const auto& c : s.c) d.c.emplace_back(c.value());
  return d;
}

Lstm::Lstm(ParamArena& arena, const std::string& name, std::int64_t input, std::int64_t hidden, int layers,
           float dropout)
    : input_size(input), hidden_size(hidden), num_layers(layers), dropout(dropout) {
  if (layers < 1) throw std::invalid_argument(fmt::format("Lstm: {} layers, need at least 1", layers));
  for (int l = 0; l < layers; ++l) {
    const std::string p = fmt::format("{}.l{}", name, l);
    w_ih.push_back(make_param(arena, p + ".w_ih", {4 * hidden, l == 0 ? input : hidden}));
    w_hh.push_back(make_param(arena, p + ".w_hh", {4 * hidden, hidden}));
    bias.push_back(make_param(arena, p + ".bias", {4 * hidden}));
  }
}

LstmState Lstm::zero_state(std::int64_t batch) const {
  LstmState s;
  for (int l = 0; l < num_layers; ++l) {
    s.h.emplace_back(Tensor::zeros({batch, hidden_size}));
    s.c.emplace_back(Tensor::zeros({batch, hidden_size}));
  }
  return s;
}

ag::Var Lstm::forward(const ag::Var& x, LstmState& state, Context& ctx) const {
  if (x.shape().size() != 3 || x.shape()[2] != input_size)
    throw_shape_error("Lstm", fmt::format("expects input [T, B, {}], got {}", input_size, to_string(x.shape())));
  const std::int64_t T = x.shape()[0], B = x.shape()[1], H = hidden_size;
  if (state.empty()) state = zero_state(B);
  if (static_cast<int>(state.h.size()) != num_layers || state.h[0].shape() != Shape{B, H})
    throw_shape_error("Lstm", fmt::format("state does not match {} layers of [{}, {}]", num_layers, B, H));

  ag::Var layer_in = x;
  for (int l = 0; l < num_layers; ++l) {
    if (l > 0 && ctx.training && dropout > 0.0f) {
      if (!ctx.rng) throw std::invalid_argument("Lstm: training with dropout needs Context::rng");
      layer_in = ag::dropout(layer_in, dropout, *ctx.rng);
    }
    // The input projection of all T steps is one GEMM; only the recurrent part runs per step.
    const std::int64_t in = layer_in.shape()[2];
    ag::Var xproj = ag::linear(ag::reshape(layer_in, {T * B, in}), w_ih[l], bias[l]);  // [T*B, 4H]
    // The recurrence is one fused node (autograd/ops/lstm.h): per step a small sgemm and one
    // pass over the gates, instead of ~10 recorded ops per step.
    ag::LstmLayerOutput r = ag::lstm_layer(xproj, w_hh[l], state.h[l], state.c[l]);
    state.h[l] = r.h;
    state.c[l] = r.c;
    layer_in = r.out;
  }
  return layer_in;
}

}  // namespace nos::nn
