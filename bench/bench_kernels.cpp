// Google Benchmark for the raw kernels: sgemm wrapper, conv2d forward/backward on the paper's
// child-network shapes, batch norm, max pool. The conv/bn/pool benchmarks take the thread count
// (omp_set_num_threads); conv and max pool also an ISA ceiling (0 generic, 1 avx2, 2 avx512:
// tensor/kernels/isa.h), so the AVX2 and AVX-512 paths run side by side in one process (an ISA the
// CPU lacks is skipped). Conv GFLOP/s count the direct convolution's 2*N*Co*P*Ci*k*k FLOPs, on
// every path (Winograd F(2x2,3x3) executes 2.25x fewer multiplies for the same result).
// Buffers are allocated and touched before timing.
//
//   OPENBLAS_CORETYPE=SkylakeX ./build/release/bench/nos-bench-kernels --benchmark_filter=sgemm
#include <benchmark/benchmark.h>
#include <omp.h>

#include <random>
#include <vector>

#include "tensor/kernels/batchnorm.h"
#include "tensor/kernels/conv2d.h"
#include "tensor/kernels/gemm.h"
#include "tensor/kernels/isa.h"
#include "tensor/kernels/pool.h"

namespace nk = nos::kernels;

namespace {

std::vector<float> random_vec(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Args: m, n, k, threads.
void BM_sgemm(benchmark::State& state) {
  const std::int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  omp_set_num_threads(static_cast<int>(state.range(3)));
  auto a = random_vec(m * k, 1), b = random_vec(k * n, 2);
  std::vector<float> c(m * n, 0.0f);
  for (auto _ : state) {
    nk::sgemm(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(nk::blas_corename());
}
BENCHMARK(BM_sgemm)
    ->ArgNames({"m", "n", "k", "threads"})
    ->Args({256, 256, 256, 1})
    ->Args({512, 512, 512, 1})
    ->Args({1024, 1024, 1024, 1})
    ->Args({32, 1024, 288, 1})  // one image of the 32->32 conv forward
    ->Args({1024, 1024, 1024, 2})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// The paper's child network: batch 100, 32x32, 3x3, padding 1, stride 1.
nk::Conv2dShape child_shape(std::int64_t c_in) { return nk::Conv2dShape::square(100, c_in, 32, 32, 32, 3, 1, 1); }

struct ConvBuffers {
  nk::Conv2dShape s;
  std::vector<float> x, w, b, y, dy, dx, dw, db, ws;
  explicit ConvBuffers(const nk::Conv2dShape& shape)
      : s(shape),
        x(random_vec(s.n * s.c_in * s.h * s.w, 1)),
        w(random_vec(s.c_out * s.patch(), 2, -0.1f, 0.1f)),
        b(random_vec(s.c_out, 3)),
        y(s.n * s.c_out * s.out_h() * s.out_w(), 0.0f),
        dy(random_vec(y.size(), 4)),
        dx(x.size(), 0.0f),
        dw(w.size(), 0.0f),
        db(b.size(), 0.0f),
        ws(nk::conv2d_workspace_floats(s), 0.0f) {}
};

void conv_counters(benchmark::State& state, const nk::Conv2dShape& s, double passes) {
  const double flops = 2.0 * s.n * s.c_out * s.out_h() * s.out_w() * s.patch() * passes;
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Caps the kernels at `isa` for one benchmark; false (and the benchmark skipped) if the CPU lacks it.
bool use_isa(benchmark::State& state, std::int64_t isa) {
  if (isa > static_cast<int>(nk::cpu_isa())) {
    state.SkipWithError("the CPU lacks this ISA");
    return false;
  }
  state.SetLabel(nk::isa_name(static_cast<nk::Isa>(isa)));
  return true;
}

// Args: c_in, threads, isa.
void BM_conv2d_forward(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(1)));
  if (!use_isa(state, state.range(2))) return;
  const nk::IsaCeiling ceiling(static_cast<nk::Isa>(state.range(2)));
  ConvBuffers c(child_shape(state.range(0)));
  for (auto _ : state) nk::conv2d_forward(c.s, c.x.data(), c.w.data(), c.b.data(), c.y.data(), c.ws.data());
  conv_counters(state, c.s, 1);
}
// Backward as a network needs it: the first layer (c_in = 3) computes no input gradient.
void BM_conv2d_backward(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(1)));
  if (!use_isa(state, state.range(2))) return;
  const nk::IsaCeiling ceiling(static_cast<nk::Isa>(state.range(2)));
  ConvBuffers c(child_shape(state.range(0)));
  const bool want_dx = c.s.c_in != 3;
  for (auto _ : state)
    nk::conv2d_backward(c.s, c.x.data(), c.w.data(), c.dy.data(), want_dx ? c.dx.data() : nullptr, c.dw.data(),
                        c.db.data(), c.ws.data());
  conv_counters(state, c.s, want_dx ? 2 : 1);
}
BENCHMARK(BM_conv2d_forward)
    ->ArgNames({"cin", "threads", "isa"})
    ->ArgsProduct({{3, 32}, {1, 2}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_conv2d_backward)
    ->ArgNames({"cin", "threads", "isa"})
    ->ArgsProduct({{3, 32}, {1, 2}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Batch norm on the child network's activations: [100, 32, 32, 32]. Args: threads.
void BM_batchnorm_forward_train(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  const nk::BatchNormShape s{100, 32, 32 * 32};
  auto x = random_vec(s.n * s.c * s.hw, 1);
  std::vector<float> y(x.size()), g(s.c, 1.0f), b(s.c, 0.0f), rm(s.c, 0.0f), rv(s.c, 1.0f), sm(s.c), si(s.c);
  for (auto _ : state)
    nk::batchnorm2d_forward_train(s, x.data(), g.data(), b.data(), rm.data(), rv.data(), 0.1f, 1e-5f, y.data(),
                                  sm.data(), si.data());
  state.SetBytesProcessed(state.iterations() * x.size() * sizeof(float) * 3);
}
void BM_batchnorm_backward(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  const nk::BatchNormShape s{100, 32, 32 * 32};
  auto x = random_vec(s.n * s.c * s.hw, 1), dy = random_vec(s.n * s.c * s.hw, 2);
  std::vector<float> dx(x.size()), g(s.c, 1.0f), sm(s.c, 0.0f), si(s.c, 1.0f), dg(s.c), db(s.c);
  for (auto _ : state)
    nk::batchnorm2d_backward(s, x.data(), dy.data(), g.data(), sm.data(), si.data(), dx.data(), dg.data(), db.data());
  state.SetBytesProcessed(state.iterations() * x.size() * sizeof(float) * 5);
}
BENCHMARK(BM_batchnorm_forward_train)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_batchnorm_backward)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Max pool 2x2 stride 2 on [100, 32, 32, 32]. Args: threads (, isa for the forward pass).
void BM_maxpool_forward(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  if (!use_isa(state, state.range(1))) return;
  const nk::IsaCeiling ceiling(static_cast<nk::Isa>(state.range(1)));
  const auto s = nk::Pool2dShape::square(100, 32, 32, 32, 2, 2, 0);
  auto x = random_vec(s.n * s.c * s.h * s.w, 1);
  std::vector<float> y(s.n * s.c * s.out_h() * s.out_w());
  std::vector<std::int32_t> am(y.size());
  for (auto _ : state) nk::maxpool2d_forward(s, x.data(), y.data(), am.data());
  state.SetBytesProcessed(state.iterations() * (x.size() + 2 * y.size()) * sizeof(float));
}
void BM_maxpool_backward(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  const auto s = nk::Pool2dShape::square(100, 32, 32, 32, 2, 2, 0);
  auto x = random_vec(s.n * s.c * s.h * s.w, 1);
  std::vector<float> y(s.n * s.c * s.out_h() * s.out_w()), dx(x.size());
  std::vector<std::int32_t> am(y.size());
  nk::maxpool2d_forward(s, x.data(), y.data(), am.data());
  for (auto _ : state) nk::maxpool2d_backward(s, y.data(), am.data(), dx.data());
  state.SetBytesProcessed(state.iterations() * (dx.size() + 2 * y.size()) * sizeof(float));
}
BENCHMARK(BM_maxpool_forward)
    ->ArgNames({"threads", "isa"})
    ->ArgsProduct({{1, 2}, {0, 1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_maxpool_backward)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
