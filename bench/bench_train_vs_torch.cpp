// Training steps of the three model families, nos against libtorch, in one process on the same
// machine with the same thread count: the paper's child network (batch 100, with and without
// pooling), WRN-16-4 (batch 128) and the "small" PTB LSTM (batch 20 x 35 steps). Both sides run
// one SGD step per iteration on the same random data, the two sides' steps alternating (a machine
// shared with other work changes its load by the second); we print median wall and process-CPU
// milliseconds per step and the ratios (libtorch time / nos time: above 1 means nos is faster).
//
//   nos-bench-train-vs-torch [--threads N] [--steps N] [--only convnet|wrn|lstm] [--profile-nos-lstm]
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <vector>

#include "autograd/autograd.h"
#include "nn/models/convnet.h"
#include "nn/models/lstm_lm.h"
#include "nn/models/wide_resnet.h"
#include "nn/train/train.h"
#include "optim/arena_optimizer.h"
#include "tensor/blas_env.h"
#include "tensor/threads.h"

namespace {

using Clock = std::chrono::steady_clock;

double median_ms(const std::function<void()>& step, int warmup, int steps) {
  for (int i = 0; i < warmup; ++i) step();
  std::vector<double> t;
  for (int i = 0; i < steps; ++i) {
    const auto t0 = Clock::now();
    step();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Medians of two steps timed alternately (a, b, a, b, ...), so that both see the same machine:
// on a shared machine the load changes by the second, and timing one side after the other
// measures the load as much as the code. Wall milliseconds and process CPU milliseconds.
struct PairTimes {
  double a_ms, b_ms, a_cpu_ms, b_cpu_ms;
};
double cpu_ms_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
PairTimes interleaved_ms(const std::function<void()>& a, const std::function<void()>& b, int warmup, int steps) {
  for (int i = 0; i < warmup; ++i) {
    a();
    b();
  }
  std::vector<double> ta, tb, ca, cb;
  auto time = [](const std::function<void()>& f, std::vector<double>& wall, std::vector<double>& cpu) {
    const double c0 = cpu_ms_now();
    const auto t0 = Clock::now();
    f();
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    cpu.push_back(cpu_ms_now() - c0);
  };
  for (int i = 0; i < steps; ++i) {
    time(a, ta, ca);
    time(b, tb, cb);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  return {median(ta), median(tb), median(ca), median(cb)};
}

// The same images and labels as nos tensors.
nos::Tensor to_nos_images(const torch::Tensor& x) {
  nos::Tensor t = nos::Tensor::empty({x.size(0), x.size(1), x.size(2), x.size(3)});
  std::memcpy(t.data(), x.contiguous().data_ptr<float>(), t.numel() * sizeof(float));
  return t;
}
nos::Tensor to_nos_labels(const torch::Tensor& y) {
  auto flat = y.contiguous().view({-1});
  std::vector<int32_t> v(flat.numel());
  for (int64_t i = 0; i < flat.numel(); ++i) v[i] = static_cast<int32_t>(flat[i].item<int64_t>());
  return nos::Tensor::from_ints({flat.numel()}, v);
}

// SGD as nos runs it: the rule `g` (w -= lr * g) JIT-compiled over the whole arena.
std::shared_ptr<nos::optim::Optimizer> nos_sgd(nos::ParamArena& arena, double lr) {
  auto opt = std::make_shared<nos::optim::Optimizer>("g", nos::optim::OptimizerOptions{.hyper = {.lr = lr}});
  nos::optim::add_arena(*opt, arena);
  return opt;
}

// One SGD training step of a nos classifier on (xt, yt), as a callable (owns its inputs).
std::function<void()> nos_classifier_step(nos::nn::Module& net, nos::ParamArena& arena, const torch::Tensor& xt,
                                          const torch::Tensor& yt) {
  struct State {
    nos::Tensor x, y;
    nos::nn::Context ctx;
  };
  auto st = std::make_shared<State>(State{to_nos_images(xt), to_nos_labels(yt), {}});
  const auto sgd = nos_sgd(arena, 0.01);
  return [&net, &arena, st, sgd] {
    arena.zero_grad();
    nos::ag::backward(nos::ag::softmax_cross_entropy(net.forward(nos::ag::Var(st->x), st->ctx), st->y));
    sgd->step();
  };
}

// ---- the child network ----------------------------------------------------------------------
struct TorchConvNet : torch::nn::Module {
  TorchConvNet(bool pooling) : pooling(pooling) {
    c1 = register_module("c1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 32, 3).padding(1).bias(false)));
    b1 = register_module("b1", torch::nn::BatchNorm2d(32));
    c2 = register_module("c2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 32, 3).padding(1).bias(false)));
    b2 = register_module("b2", torch::nn::BatchNorm2d(32));
    fc = register_module("fc", torch::nn::Linear(pooling ? 32 * 8 * 8 : 32 * 32 * 32, 10));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(b1(c1(x)));
    if (pooling) x = torch::max_pool2d(x, 2);
    x = torch::relu(b2(c2(x)));
    if (pooling) x = torch::max_pool2d(x, 2);
    return fc(x.flatten(1));
  }
  bool pooling;
  torch::nn::Conv2d c1{nullptr}, c2{nullptr};
  torch::nn::BatchNorm2d b1{nullptr}, b2{nullptr};
  torch::nn::Linear fc{nullptr};
};

// Wall medians of steps timed alternately (interleaved_ms), and CPU medians.
struct Row {
  std::string name;
  double torch_ms, nos_ms, torch_cpu_ms, nos_cpu_ms;
};
Row make_row(std::string name, const PairTimes& p) { return {std::move(name), p.a_ms, p.b_ms, p.a_cpu_ms, p.b_cpu_ms}; }

Row bench_convnet(bool pooling, int steps) {
  const int64_t B = 100;
  auto xt = torch::randn({B, 3, 32, 32});
  auto yt = torch::randint(0, 10, {B}, torch::kLong);
  auto tnet = std::make_shared<TorchConvNet>(pooling);
  torch::optim::SGD topt(tnet->parameters(), torch::optim::SGDOptions(0.01));
  auto torch_step = [&] {
    topt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(tnet->forward(xt), yt);
    loss.backward();
    topt.step();
  };
  std::mt19937_64 rng(1);
  nos::ParamArena arena;
  nos::nn::ConvNet net(arena, {.pooling = pooling}, rng);
  return make_row(fmt::format("child ConvNet{} batch 100", pooling ? " + pooling" : ""),
                  interleaved_ms(torch_step, nos_classifier_step(net, arena, xt, yt), 3, steps));
}

// ---- WRN-16-4 ---------------------------------------------------------------------------------
struct TorchWideBlock : torch::nn::Module {
  TorchWideBlock(int64_t in, int64_t out, int64_t stride) {
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(in));
    conv1 = register_module(
        "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(out));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    if (in != out || stride != 1)
      shortcut =
          register_module("sc", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
  }
  torch::Tensor forward(torch::Tensor x) {
    auto a = torch::relu(bn1(x));
    auto h = conv2(torch::relu(bn2(conv1(a))));
    return h + (shortcut ? shortcut(a) : x);
  }
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, shortcut{nullptr};
};

struct TorchWrn : torch::nn::Module {
  TorchWrn(int depth, int k) {
    const int n = (depth - 4) / 6;
    const int64_t w[4] = {16, 16 * k, 32 * k, 64 * k};
    stem = register_module("stem", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 16, 3).padding(1).bias(false)));
    int64_t in = 16;
    for (int g = 0; g < 3; ++g)
      for (int b = 0; b < n; ++b) {
        blocks.push_back(register_module(fmt::format("b{}_{}", g, b),
                                         std::make_shared<TorchWideBlock>(in, w[g + 1], (g > 0 && b == 0) ? 2 : 1)));
        in = w[g + 1];
      }
    bn = register_module("bn", torch::nn::BatchNorm2d(in));
    fc = register_module("fc", torch::nn::Linear(in, 10));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = stem(x);
    for (auto& b : blocks) x = b->forward(x);
    x = torch::adaptive_avg_pool2d(torch::relu(bn(x)), {1, 1}).flatten(1);
    return fc(x);
  }
  torch::nn::Conv2d stem{nullptr};
  std::vector<std::shared_ptr<TorchWideBlock>> blocks;
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear fc{nullptr};
};

Row bench_wrn(int steps) {
  const int64_t B = 128;
  auto xt = torch::randn({B, 3, 32, 32});
  auto yt = torch::randint(0, 10, {B}, torch::kLong);
  auto tnet = std::make_shared<TorchWrn>(16, 4);
  torch::optim::SGD topt(tnet->parameters(), torch::optim::SGDOptions(0.01));
  auto torch_step = [&] {
    topt.zero_grad();
    torch::nn::functional::cross_entropy(tnet->forward(xt), yt).backward();
    topt.step();
  };
  std::mt19937_64 rng(1);
  nos::ParamArena arena;
  nos::nn::WideResNet net(arena, {.depth = 16, .widen = 4}, rng);
  return make_row("WRN-16-4 batch 128", interleaved_ms(torch_step, nos_classifier_step(net, arena, xt, yt), 1, steps));
}

// ---- PTB small LSTM ---------------------------------------------------------------------------
struct TorchLm : torch::nn::Module {
  TorchLm(int64_t V, int64_t H) {
    emb = register_module("emb", torch::nn::Embedding(V, H));
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(H, H).num_layers(2)));
    dec = register_module("dec", torch::nn::Linear(H, V));
  }
  torch::Tensor forward(torch::Tensor tokens) {  // [T, B]
    auto out = std::get<0>(lstm(emb(tokens)));
    return dec(out.reshape({-1, out.size(2)}));
  }
  torch::nn::Embedding emb{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear dec{nullptr};
};

// profile_nos: run only nos's steps (for `perf record`), print their median and return no row.
Row bench_lstm(int steps, bool profile_nos) {
  const int64_t V = 10000, H = 200, T = 35, B = 20;
  auto tok = torch::randint(0, V, {T, B}, torch::kLong);
  auto tgt = torch::randint(0, V, {T * B}, torch::kLong);
  auto tlm = std::make_shared<TorchLm>(V, H);
  torch::optim::SGD topt(tlm->parameters(), torch::optim::SGDOptions(1.0));
  auto torch_step = [&] {
    topt.zero_grad();
    torch::nn::functional::cross_entropy(tlm->forward(tok), tgt).backward();
    torch::nn::utils::clip_grad_norm_(tlm->parameters(), 5.0);
    topt.step();
  };

  std::mt19937_64 rng(1);
  nos::ParamArena arena;
  nos::nn::LstmLm lm(arena, nos::nn::LstmLmOptions::small(V), rng);
  const nos::Tensor tokens = to_nos_labels(tok).reshape({T, B}), targets = to_nos_labels(tgt);
  nos::nn::Context ctx;
  const auto sgd = nos_sgd(arena, 1.0);
  auto nos_step = [&] {
    nos::nn::LstmState s;
    arena.zero_grad();
    nos::ag::backward(lm.loss(tokens, targets, s, ctx));
    nos::nn::clip_grad_norm(arena, 5.0);
    sgd->step();
  };
  if (profile_nos) {
    fmt::print("PTB small LSTM, nos only: {:.1f} ms\n", median_ms(nos_step, 2, steps));
    return {};
  }
  return make_row("PTB small LSTM 20x35", interleaved_ms(torch_step, nos_step, 2, steps));
}

}  // namespace

int main(int argc, char** argv) {
  nos::ensure_blas_coretype(argc, argv);
  CLI::App app{"Training steps of nos's models against libtorch's, same machine, same run"};
  int threads = 0, steps = 10;
  std::string only;
  bool profile_nos = false;
  app.add_option("--threads", threads, "Threads for both (default: NOS_THREADS or all cores)");
  app.add_option("--steps", steps, "Timed steps per model (median reported)")->check(CLI::Range(1, 10000));
  app.add_option("--only", only, "Run one model: convnet, wrn or lstm")
      ->check(CLI::IsMember({"convnet", "wrn", "lstm"}));
  app.add_flag("--profile-nos-lstm", profile_nos, "Run only nos's LSTM steps (to profile them with perf)");
  CLI11_PARSE(app, argc, argv);
  if (profile_nos) {
    nos::set_num_threads(threads <= 0 ? nos::init_threads_from_env() : threads);
    bench_lstm(steps, true);
    return 0;
  }
  if (threads <= 0) threads = nos::init_threads_from_env();
  nos::set_num_threads(threads);
  torch::set_num_threads(threads);
  at::set_num_interop_threads(1);
  torch::manual_seed(1);
  fmt::print("threads {}, OpenBLAS core {}, libtorch {} (mkldnn {})\n\n", threads, nos::blas_core_name(), TORCH_VERSION,
             at::globalContext().userEnabledMkldnn() ? "on" : "off");
  std::vector<Row> rows;
  if (only.empty() || only == "convnet") {
    rows.push_back(bench_convnet(false, steps));
    rows.push_back(bench_convnet(true, steps));
  }
  if (only.empty() || only == "lstm") rows.push_back(bench_lstm(steps, false));
  if (only.empty() || only == "wrn") rows.push_back(bench_wrn(std::max(3, steps / 3)));
  fmt::print(
      "| model, one SGD training step (steps interleaved, medians) | libtorch ms | nos ms | libtorch / nos "
      "| libtorch CPU ms | nos CPU ms | CPU ratio |\n|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows)
    fmt::print("| {} | {:.1f} | {:.1f} | {:.2f} | {:.1f} | {:.1f} | {:.2f} |\n", r.name, r.torch_ms, r.nos_ms,
               r.torch_ms / r.nos_ms, r.torch_cpu_ms, r.nos_cpu_ms, r.torch_cpu_ms / r.nos_cpu_ms);
  return 0;
}
