#include "nn/models/convnet.h"

#include <fmt/format.h>

namespace nos::nn {

ConvNet::ConvNet(ParamArena& arena, const ConvNetOptions& o, std::mt19937_64& rng) : options(o) {
  std::int64_t size = o.image_size, channels = o.in_channels;
  for (int l = 1; l <= 2; ++l) {
    const std::string name = fmt::format("conv{}", l);
    net.add<Conv2d>(arena, name, channels, o.filters, 3, 1, o.padding ? 1 : 0, false, rng);
    net.add<BatchNorm2d>(arena, fmt::format("bn{}", l), o.filters);
    net.add<ReLU>();
    if (!o.padding) size -= 2;
    if (o.pooling) {
      net.add<MaxPool2d>(Pool2dOptions::square(2, 2));
      size /= 2;
    }
    channels = o.filters;
  }
  if (size < 1)
    throw std::invalid_argument(fmt::format("ConvNet: image size {} is too small for this variant", o.image_size));
  net.add<Flatten>();
  net.add<Linear>(arena, "fc", channels * size * size, o.classes, true, rng);
}

ag::Var ConvNet::forward(const ag::Var& x, Context& ctx) { return net.forward(x, ctx); }

}  // namespace nos::nn
