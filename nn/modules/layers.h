// The feed-forward layers: Linear, Conv2d, BatchNorm2d, activations, pooling, Dropout, Flatten,
// Sequential.
#pragma once
#include "nn/modules/module.h"
#include "tensor/ops/conv2d.h"
#include "tensor/ops/pool.h"

namespace nos::nn {

class Linear : public Module {
 public:
  // Weight [out, in] and bias [out], both uniform in +-1/sqrt(in) (PyTorch's default).
  Linear(ParamArena& arena, const std::string& name, std::int64_t in, std::int64_t out, bool bias,
         std::mt19937_64& rng);
  ag::Var forward(const ag::Var& x, Context& ctx) override;
  ag::Var weight, bias;
};

class Conv2d : public Module {
 public:
  // Weight [out, in, k, k], Kaiming-normal (fan_in = in*k*k); bias zero.
  Conv2d(ParamArena& arena, const std::string& name, std::int64_t in, std::int64_t out, std::int64_t k,
         std::int64_t stride, std::int64_t pad, bool bias, std::mt19937_64& rng);
  ag::Var forward(const ag::Var& x, Context& ctx) override;
  ag::Var weight, bias;
  Conv2dOptions options;
};

class BatchNorm2d : public Module {
 public:
  // gamma = 1, beta = 0; running mean 0 and variance 1 (buffers, not parameters).
  BatchNorm2d(ParamArena& arena, const std::string& name, std::int64_t channels, float momentum = 0.1f,
              float eps = 1e-5f);
  ag::Var forward(const ag::Var& x, Context& ctx) override;
  ag::Var gamma, beta;
  Tensor running_mean, running_var;
  float momentum, eps;
};

class ReLU : public Module {
 public:
  ag::Var forward(const ag::Var& x, Context& ctx) override;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Pool2dOptions o) : options(o) {}
  ag::Var forward(const ag::Var& x, Context& ctx) override;
  Pool2dOptions options;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Pool2dOptions o) : options(o) {}
  ag::Var forward(const ag::Var& x, Context& ctx) override;
  Pool2dOptions options;
};

class GlobalAvgPool : public Module {  // [N, C, H, W] -> [N, C]
 public:
  ag::Var forward(const ag::Var& x, Context& ctx) override;
};

class Dropout : public Module {  // inverted dropout, identity in evaluation
 public:
  explicit Dropout(float p) : p(p) {}
  ag::Var forward(const ag::Var& x, Context& ctx) override;
  float p;
};

class Flatten : public Module {  // [N, ...] -> [N, prod(...)]
 public:
  ag::Var forward(const ag::Var& x, Context& ctx) override;
};

class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<ModulePtr> layers) : layers(std::move(layers)) {}
  template <class M, class... A>
  M& add(A&&... args) {
    auto m = std::make_unique<M>(std::forward<A>(args)...);
    M& ref = *m;
    layers.push_back(std::move(m));
    return ref;
  }
  ag::Var forward(const ag::Var& x, Context& ctx) override;
  std::vector<ModulePtr> layers;
};

}  // namespace nos::nn
