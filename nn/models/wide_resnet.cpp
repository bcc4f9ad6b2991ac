#include "nn/models/wide_resnet.h"

#include <fmt/format.h>

#include "autograd/autograd.h"

namespace nos::nn {

WideBlock::WideBlock(ParamArena& arena, const std::string& name, std::int64_t in, std::int64_t out, std::int64_t stride,
                     float dropout, std::mt19937_64& rng)
    : bn1(arena, name + ".bn1", in),
      bn2(arena, name + ".bn2", out),
      conv1(arena, name + ".conv1", in, out, 3, stride, 1, false, rng),
      conv2(arena, name + ".conv2", out, out, 3, 1, 1, false, rng),
      drop(dropout) {
  if (in != out || stride != 1)
    shortcut = std::make_unique<Conv2d>(arena, name + ".shortcut", in, out, 1, stride, 0, false, rng);
}

ag::Var WideBlock::forward(const ag::Var& x, Context& ctx) {
  ag::Var a = ag::relu(bn1.forward(x, ctx));
  ag::Var h = conv1.forward(a, ctx);
  h = drop.forward(ag::relu(bn2.forward(h, ctx)), ctx);
  h = conv2.forward(h, ctx);
  return ag::add(h, shortcut ? shortcut->forward(a, ctx) : x);
}

WideResNet::WideResNet(ParamArena& arena, const WideResNetOptions& o, std::mt19937_64& rng) : options(o) {
  if (o.depth < 10 || (o.depth - 4) % 6 != 0)
    throw std::invalid_argument(
        fmt::format("WideResNet: depth {} is not 6n + 4 with n >= 1 (10, 16, 22, 28, 40, ...)", o.depth));
  if (o.widen < 1) throw std::invalid_argument(fmt::format("WideResNet: widen factor {} must be at least 1", o.widen));
  const int n = (o.depth - 4) / 6;
  const std::int64_t widths[4] = {16, 16 * o.widen, 32 * o.widen, 64 * o.widen};
  stem = std::make_unique<Conv2d>(arena, "stem", o.in_channels, widths[0], 3, 1, 1, false, rng);
  std::int64_t in = widths[0];
  for (int g = 0; g < 3; ++g)
    for (int b = 0; b < n; ++b) {
      const std::int64_t stride = (g > 0 && b == 0) ? 2 : 1;
      blocks.push_back(std::make_unique<WideBlock>(arena, fmt::format("group{}.block{}", g + 1, b + 1), in,
                                                   widths[g + 1], stride, o.dropout, rng));
      in = widths[g + 1];
    }
  bn = std::make_unique<BatchNorm2d>(arena, "bn", in);
  fc = std::make_unique<Linear>(arena, "fc", in, o.classes, true, rng);
}

ag::Var WideResNet::forward(const ag::Var& x, Context& ctx) {
  ag::Var h = stem->forward(x, ctx);
  for (auto& b : blocks) h = b->forward(h, ctx);
  h = ag::global_avgpool(ag::relu(bn->forward(h, ctx)));
  return fc->forward(h, ctx);
}

}  // namespace nos::nn
