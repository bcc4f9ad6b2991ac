#include "rl/controller.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "autograd/autograd.h"
#include "nn/modules/module.h"
#include "rl/categorical.h"
#include "search/sampling.h"
#include "tensor/threads.h"

namespace nos::rl {
namespace {

// Embedding rows: 0 start, then operands, $1..$(n-1), unary, binary.
int vocab_size(const SearchSpace& s) {
  return 1 + static_cast<int>(s.operands.size()) + (s.groups - 1) + static_cast<int>(s.unary.size() + s.binary.size());
}

const SearchSpace& checked(const SearchSpace& s) {
  if (auto why = search::validate(s); !why.empty()) throw std::invalid_argument(why);
  return s;
}

}  // namespace

Controller::Controller(SearchSpace space, ControllerConfig cfg)
    : space_(checked(space)),
      cfg_(cfg),
      embed_(arena_, "controller.embed", vocab_size(space_), cfg.embed),
      lstm_(arena_, "controller.lstm", cfg.embed, cfg.hidden, 1) {
  if (cfg.hidden < 1 || cfg.embed < 1) throw std::invalid_argument("Controller: hidden and embed must be positive");
  const int O = static_cast<int>(space_.operands.size()), U = static_cast<int>(space_.unary.size());
  const int ref0 = 1 + O, unary0 = ref0 + space_.groups - 1, binary0 = unary0 + U;
  for (int p = 0; p < length(); ++p) {
    choices_.push_back(search::choices(space_, p));
    std::vector<int> ids;
    for (size_t i = 0; i < choices_[p].size(); ++i) {
      const Choice& c = choices_[p][i];
      const int idx = static_cast<int>(i);
      switch (search::slot_of(p)) {
        case 0:
        case 1: ids.push_back(c.is_ref() ? ref0 + c.ref - 1 : 1 + idx); break;
        case 2:
        case 3: ids.push_back(unary0 + idx); break;
        default: ids.push_back(binary0 + idx);
      }
    }
    token_ids_.push_back(std::move(ids));
    const auto K = static_cast<std::int64_t>(choices_[p].size());
    w_.push_back(nn::make_param(arena_, fmt::format("controller.softmax{}.w", p), {K, cfg.hidden}));
    b_.push_back(nn::make_param(arena_, fmt::format("controller.softmax{}.b", p), {K}));
  }
  // Every weight, biases included, uniform in [-r, r] from our own bit source (same on every
  // standard library, so a seed means the same controller everywhere).
  std::mt19937_64 rng(cfg.seed);
  float* v = arena_.values();
  for (std::int64_t i = 0; i < arena_.size(); ++i)
    v[i] = static_cast<float>((2.0 * search::uniform01(rng) - 1.0) * cfg.init_range);
}

ag::Var Controller::head(int p, const ag::Var& h) const { return ag::linear(h, w_[p], b_[p]); }

std::vector<Sample> Controller::sample(int batch, std::mt19937_64& rng) const {
  if (batch < 1) throw std::invalid_argument("Controller::sample: batch must be positive");
  SingleThreaded one_thread;
  ag::NoGradGuard no_grad;
  nn::Context ctx{.training = false};
  std::vector<Sample> out(static_cast<size_t>(batch));
  nn::LstmState state;
  std::vector<std::int32_t> prev(static_cast<size_t>(batch), 0);  // start token
  std::vector<double> p;
  for (int pos = 0; pos < length(); ++pos) {
    ag::Var x = embed_.forward(Tensor::from_ints({1, batch}, prev));
    ag::Var h = ag::reshape(lstm_.forward(x, state, ctx), {batch, cfg_.hidden});
    const Tensor z = head(pos, h).value();
    const auto K = static_cast<std::int64_t>(choices_[pos].size());
    p.resize(static_cast<size_t>(K));
    for (int b = 0; b < batch; ++b) {
      Sample& s = out[b];
      const auto ok = search::allowed(space_, pos, s.choices);
      std::vector<float> mask(ok.begin(), ok.end());
      masked_softmax(z.data() + b * K, mask.data(), K, p.data());
      const double u = search::uniform01(rng);
      int pick = -1, last = -1;
      double cum = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        if (p[k] <= 0) continue;  // masked entries (and underflow) are never drawn
        last = static_cast<int>(k);
        cum += p[k];
        if (u < cum) {
          pick = last;
          break;
        }
      }
      if (pick < 0) pick = last;  // rounding left u above the final cumulative sum
      double h_pos = 0;
      for (std::int64_t k = 0; k < K; ++k)
        if (p[k] > 0) h_pos -= p[k] * std::log(p[k]);
      s.choices.push_back(pick);
      s.log_prob += std::log(p[pick]);
      s.entropy += h_pos;
      prev[b] = token_id(pos, pick);
    }
  }
  return out;
}

std::vector<Tensor> Controller::masks(const std::vector<Choices>& strings) const {
  const auto B = static_cast<std::int64_t>(strings.size());
  std::vector<Tensor> out;
  for (int pos = 0; pos < length(); ++pos) {
    const auto K = static_cast<std::int64_t>(choices_[pos].size());
    Tensor m = Tensor::zeros({B, K});
    for (std::int64_t b = 0; b < B; ++b) {
      const auto ok = search::allowed(space_, pos, std::span<const int>(strings[b]).subspan(0, pos));
      for (std::int64_t k = 0; k < K; ++k) m.data()[b * K + k] = ok[k];
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<ag::Var> Controller::logits(const std::vector<Choices>& strings) const {
  const auto B = static_cast<std::int64_t>(strings.size());
  const int T = length();
  if (B < 1) throw std::invalid_argument("Controller::logits: no strings");
  std::vector<std::int32_t> in(static_cast<size_t>(T * B), 0);
  for (std::int64_t b = 0; b < B; ++b) {
    if (static_cast<int>(strings[b].size()) != T)
      throw std::invalid_argument(
          fmt::format("Controller: string {} has {} choices, the space has {}", b, strings[b].size(), T));
    for (int pos = 1; pos < T; ++pos) {
      const int c = strings[b][pos - 1];
      if (c < 0 || c >= static_cast<int>(choices_[pos - 1].size()))
        throw std::invalid_argument(
            fmt::format("Controller: string {} position {}: choice {} out of range", b, pos - 1, c));
      in[pos * B + b] = token_id(pos - 1, c);
    }
  }
  SingleThreaded one_thread;
  nn::Context ctx{.training = false};
  nn::LstmState state;
  // All steps in one LSTM call: the input projection is one GEMM over every position.
  ag::Var hs =
      ag::reshape(lstm_.forward(embed_.forward(Tensor::from_ints({T, B}, in)), state, ctx), {T * B, cfg_.hidden});
  std::vector<ag::Var> out;
  for (int pos = 0; pos < T; ++pos) out.push_back(head(pos, ag::slice(hs, 0, pos * B, (pos + 1) * B)));
  return out;
}

Scores Controller::score(const std::vector<Choices>& strings) const {
  const auto z = logits(strings);
  const auto m = masks(strings);
  const auto B = static_cast<std::int64_t>(strings.size());
  Scores s;
  for (int pos = 0; pos < length(); ++pos) {
    std::vector<std::int32_t> c(static_cast<size_t>(B));
    for (std::int64_t b = 0; b < B; ++b) c[b] = strings[b][pos];
    ag::Var lp = masked_log_prob(z[pos], m[pos], Tensor::from_ints({B}, c));
    ag::Var h = masked_entropy(z[pos], m[pos]);
    s.log_prob = pos == 0 ? lp : ag::add(s.log_prob, lp);
    s.entropy = pos == 0 ? h : ag::add(s.entropy, h);
  }
  return s;
}

}  // namespace nos::rl
