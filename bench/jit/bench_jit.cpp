// JIT benchmarks, in one run (issue 4):
//   1. in-place memory bandwidth: a STREAM-style reference loop vs JIT-compiled rules (Adam,
//      PowerSign, SGD, the paper's Table 1) stepping a 16M-parameter arena; counted bytes
//      (reads + writes of w, g and the rule's state) per second, as a fraction of the reference
//      (measured once up front, and interleaved: reference and rule timed back to back per
//      repetition, the median of the per-pair ratios: the fair number on a shared machine);
//   2. the same rules against libtorch (torch::optim::Adam, torch::optim::SGD, PowerSign written
//      with tensor ops) on one 16M tensor and on the tensors of the paper's child network;
//   3. compile latency, rule string -> callable kernel, over the Table 1 rules.
// Every time is the median of repeated runs (the machine is shared; medians resist outliers).
//
//   ./build/release/bench/jit/nos-bench-jit [threads=2] [reps=21]
// On a shared machine, other load shows up as scheduler delays of whole time slices in a
// multi-threaded step; the "best" columns (fastest repetition) are the least disturbed.
#include <immintrin.h>
#include <omp.h>
#include <sys/mman.h>
#include <time.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench/jit/table1.h"
#include "dslc/compile.h"
#include "dslc/parser.h"
#include "jit/kernel.h"
#include "optim/optimizer.h"

#ifdef NOS_HAVE_TORCH
#include <torch/torch.h>
#endif

namespace {

using clk = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Time {
  double med, min;  // seconds: the median, and the fastest run (least disturbed by other load)
};
// `reps` calls of f, after two warm-up calls.
Time time_runs(int reps, const std::function<void()>& f) {
  f();
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto a = clk::now();
    f();
    t.push_back(std::chrono::duration<double>(clk::now() - a).count());
  }
  return {median(t), *std::min_element(t.begin(), t.end())};
}

double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

using nos::bench::kTable1;
using nos::bench::Rule;

// Bytes a step moves per parameter: w read+write, g read, each state buffer read+write.
int bytes_per_param(uint8_t state) {
  int buffers = 0;
  for (int b = 0; b < 8; ++b) buffers += (state >> b) & 1;
  return 4 * (3 + 2 * buffers);
}

// The child network of nn/models/convnet.h (defaults: padding, no pooling).
const std::vector<std::vector<int64_t>> kChildShapes = {{32, 3, 3, 3}, {32}, {32},        {32, 32, 3, 3},
                                                        {32},          {32}, {10, 32768}, {10}};

size_t numel(const std::vector<int64_t>& s) {
  size_t n = 1;
  for (int64_t d : s) n *= static_cast<size_t>(d);
  return n;
}

// The same access pattern as a rule with S state buffers (read w, g and the state, write w and the
// state), with trivial arithmetic: what memory allows for that pattern, compiled C++.
template <int S>
void pattern_kernel(float* w, const float* g, float* const* st, size_t n, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) {
    float acc = g[i];
    for (int k = 0; k < S; ++k) {
      const float s = 0.5f * st[k][i] + acc;
      st[k][i] = s;
      acc = s;
    }
    w[i] = w[i] - 1e-6f * acc;
  }
}

// A float buffer on 2 MiB boundaries with transparent huge pages requested, as the optimizer
// allocates its state: the weights and gradients of a large model would live in such memory.
struct HugeBuf {
  float* p = nullptr;
  size_t n = 0;
  explicit HugeBuf(size_t n_) : n(n_) {
    const size_t bytes = (n * sizeof(float) + (size_t{2} << 20) - 1) / (size_t{2} << 20) * (size_t{2} << 20);
    p = static_cast<float*>(std::aligned_alloc(size_t{2} << 20, bytes));
    if (!p) std::abort();
    ::madvise(p, bytes, MADV_HUGEPAGE);
  }
  HugeBuf(const HugeBuf&) = delete;
  HugeBuf& operator=(const HugeBuf&) = delete;
  HugeBuf(HugeBuf&& o) noexcept : p(o.p), n(o.n) { o.p = nullptr; }
  ~HugeBuf() { std::free(p); }
  float* data() { return p; }
  size_t size() const { return n; }
  float& operator[](size_t i) { return p[i]; }
};

template <class Buf>
void fill(Buf& v, float scale, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < v.size(); ++i) v[i] = scale * std::sin(0.001f * static_cast<float>(i % 100000) + 0.3f);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 21;
  CLI::App app{"nos-bench-jit: the JIT's bandwidth per rule, against libtorch, and its compile latency"};
  app.add_option("threads", threads, "threads of the 16M-parameter runs")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  app.add_option("reps", reps, "repetitions per timing (medians)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const size_t n = size_t{16} << 20;  // 16M parameters
  std::printf("# nos JIT benchmarks: %zu parameters, %d threads, median of %d, host %s, %d float lanes\n\n", n, threads,
              reps, nos::jit::host_cpu_name().c_str(), nos::jit::host_vector_width());

  HugeBuf w(n), g(n);
  fill(w, 1.0f, threads);
  fill(g, 0.01f, threads);

  // ---- 1. bandwidth -----------------------------------------------------------------------------
  // The reference: the same in-place access pattern as SGD (read w and g, write w), plain
  // compiled C++ over the same static split of the range across threads.
  float* wp = w.data();
  const float* gp = g.data();
  const Time t_ref = time_runs(reps, [&] {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < n; ++i) wp[i] = wp[i] - 1e-6f * gp[i];
  });
  const double ref_gbs = 12.0 * static_cast<double>(n) / t_ref.med / 1e9;
  const double ref_gbs_best = 12.0 * static_cast<double>(n) / t_ref.min / 1e9;
  // The scale kernel (read 1, write 1) as a second reference point.
  const Time t_scale = time_runs(reps, [&] {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < n; ++i) wp[i] = wp[i] * 0.999999f;
  });
  const double scale_gbs = 8.0 * static_cast<double>(n) / t_scale.med / 1e9;
  const double scale_gbs_best = 8.0 * static_cast<double>(n) / t_scale.min / 1e9;
  const double ref = std::max(ref_gbs, scale_gbs), ref_best = std::max(ref_gbs_best, scale_gbs_best);
  // Per access pattern (0..3 state buffers), the same kind of reference.
  std::vector<HugeBuf> pst;
  for (int k = 0; k < 3; ++k) pst.emplace_back(n);
  for (auto& b : pst) fill(b, 0.1f, threads);
  float* sp[3] = {pst[0].data(), pst[1].data(), pst[2].data()};
  double pat[4];
  for (int s = 0; s < 4; ++s) {
    const Time t = time_runs(reps, [&] {
      switch (s) {
        case 0: pattern_kernel<0>(wp, gp, sp, n, threads); break;
        case 1: pattern_kernel<1>(wp, gp, sp, n, threads); break;
        case 2: pattern_kernel<2>(wp, gp, sp, n, threads); break;
        default: pattern_kernel<3>(wp, gp, sp, n, threads); break;
      }
    });
    pat[s] = 4.0 * (3 + 2 * s) * static_cast<double>(n) / t.med / 1e9;
  }
  std::printf("## In-place bandwidth (16M parameters)\n\n");
  std::printf(
      "reference w -= s*g (read 2, write 1): %.1f GB/s median, %.1f GB/s best; w *= s (read 1, write 1): "
      "%.1f GB/s median, %.1f best; reference = the larger: %.1f GB/s median, %.1f GB/s best\n\n",
      ref_gbs, ref_gbs_best, scale_gbs, scale_gbs_best, ref, ref_best);
  std::printf(
      "same access pattern, plain C++ (read w, g, s state buffers; write w and the state): "
      "s=0 %.1f, s=1 %.1f, s=2 %.1f, s=3 %.1f GB/s (median)\n\n",
      pat[0], pat[1], pat[2], pat[3]);
  std::printf(
      "| rule | bytes/param | ms/step (median) | GB/s (median) | fraction of reference (median) | GB/s (best) | "
      "fraction of reference (best) | fraction of same-pattern reference (median) | "
      "fraction of the interleaved reference (median of pairs) |\n"
      "|---|---|---|---|---|---|---|---|---|\n");

  // Each repetition times the reference (w *= s) and then the rule, back to back, and the ratio
  // of their bandwidths is taken per pair: on a shared machine the bandwidth left to us changes
  // from second to second, and a reference measured once at the start compares the rule with a
  // different machine. The median of the per-pair ratios is the fair fraction.
  auto scale_once = [&] {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < n; ++i) wp[i] = wp[i] * 0.999999f;
  };
  auto bench_rule = [&](const char* name, const char* text) {
    nos::optim::OptimizerOptions o;
    o.hyper.lr = 1e-6;
    o.threads = threads;
    nos::optim::Optimizer opt(text, o);
    opt.add(w.data(), g.data(), n);
    const int bpp = bytes_per_param(opt.state_bits());
    std::vector<double> rule_t, pair_ratio;
    opt.step();
    scale_once();
    for (int r = 0; r < reps; ++r) {
      auto a = clk::now();
      scale_once();
      const double ts = std::chrono::duration<double>(clk::now() - a).count();
      a = clk::now();
      opt.step();
      const double tr = std::chrono::duration<double>(clk::now() - a).count();
      rule_t.push_back(tr);
      pair_ratio.push_back((bpp / tr) / (8.0 / ts));
    }
    const Time t{median(rule_t), *std::min_element(rule_t.begin(), rule_t.end())};
    const double gbs = bpp * static_cast<double>(n) / t.med / 1e9, best = bpp * static_cast<double>(n) / t.min / 1e9;
    std::printf("| %s `%s` | %d | %.2f | %.1f | %.0f%% | %.1f | %.0f%% | %.0f%% | %.0f%% |\n", name, text, bpp,
                t.med * 1e3, gbs, 100.0 * gbs / ref, best, 100.0 * best / ref_best,
                100.0 * gbs / pat[(bpp / 4 - 3) / 2], 100.0 * median(pair_ratio));
    return t;
  };
  const Time t_adam = bench_rule("adam", "adam");
  const Time t_powersign = bench_rule("powersign", "mul g exp mul sign_g sign_m");
  const Time t_sgd = bench_rule("sgd", "g");
  for (const Rule& r : kTable1) bench_rule(r.name, r.text);

  // ---- 1b. SGD against libtorch's in-place add, interleaved -------------------------------------
  // Plain SGD is one streaming pass (read w and g, write w): the question is whether nos's kernel
  // moves those bytes as fast as the best loop there is. Per repetition, back to back and in
  // rotating order: the C++ loop w -= s*g (the bandwidth reference), the same loop with
  // non-temporal (streaming) stores, nos's `g` kernel and, with libtorch, w.add_(g, -lr) on the
  // same buffers (libtorch's own threads, set to the same count). Medians of per-repetition time
  // ratios against the C++ loop.
  {
    nos::optim::OptimizerOptions o;
    o.hyper.lr = 1e-6;
    o.threads = threads;
    nos::optim::Optimizer sgd("g", o);
    sgd.add(w.data(), g.data(), n);
    auto plain = [&] {
#pragma omp parallel for num_threads(threads) schedule(static)
      for (size_t i = 0; i < n; ++i) wp[i] = wp[i] - 1e-6f * gp[i];
    };
    // 8 floats per store, whole vectors per thread; buffers are 2 MiB aligned.
    auto streaming = [&] {
      const size_t vecs = n / 8;
#pragma omp parallel for num_threads(threads) schedule(static)
      for (size_t v = 0; v < vecs; ++v) {
        const __m256 x =
            _mm256_sub_ps(_mm256_load_ps(wp + 8 * v), _mm256_mul_ps(_mm256_set1_ps(1e-6f), _mm256_load_ps(gp + 8 * v)));
        _mm256_stream_ps(wp + 8 * v, x);
      }
      _mm_sfence();
    };
    std::vector<std::pair<const char*, std::function<void()>>> sides = {
        {"C++ w -= s*g", plain}, {"C++, streaming stores", streaming}, {"nos `g` kernel", [&] { sgd.step(); }}};
#ifdef NOS_HAVE_TORCH
    at::set_num_threads(threads);
    torch::Tensor tw = torch::from_blob(wp, {static_cast<int64_t>(n)}, torch::kFloat32);
    torch::Tensor tg = torch::from_blob(const_cast<float*>(gp), {static_cast<int64_t>(n)}, torch::kFloat32);
    sides.push_back({"libtorch w.add_(g, -lr)", [&] { tw.add_(tg, -1e-6); }});
#endif
    std::vector<std::vector<double>> t(sides.size()), ratio(sides.size());
    for (auto& sd : sides) sd.second();
    const int pairs = 3 * reps;
    for (int r = 0; r < pairs; ++r) {
      std::vector<double> tr(sides.size());
      for (size_t k = 0; k < sides.size(); ++k) {
        const size_t j = (k + static_cast<size_t>(r)) % sides.size();  // rotate who goes first
        const auto a = clk::now();
        sides[j].second();
        tr[j] = std::chrono::duration<double>(clk::now() - a).count();
      }
      for (size_t k = 0; k < sides.size(); ++k) t[k].push_back(tr[k]), ratio[k].push_back(tr[0] / tr[k]);
    }
    std::printf(
        "\n## SGD on one 16M tensor: interleaved, %d repetitions in rotating order\n\n"
        "| loop | ms (median) | GB/s (median, 12 B/param) | speed vs C++ w -= s*g (median of per-repetition ratios) |\n"
        "|---|---|---|---|\n",
        pairs);
    for (size_t k = 0; k < sides.size(); ++k)
      std::printf("| %s | %.2f | %.1f | %.3f |\n", sides[k].first, median(t[k]) * 1e3,
                  12.0 * static_cast<double>(n) / median(t[k]) / 1e9, median(ratio[k]));
#ifdef NOS_HAVE_TORCH
    std::vector<double> vs_torch;
    for (size_t r = 0; r < t[2].size(); ++r) vs_torch.push_back(t[3][r] / t[2][r]);
    std::printf(
        "\nnos `g` vs libtorch in-place add (libtorch time / nos time, median of per-repetition ratios): %.3fx\n",
        median(vs_torch));
#endif
  }

  // ---- 2. libtorch ------------------------------------------------------------------------------
  // Child network: one Optimizer over all its tensors (one kernel call per tensor per thread).
  std::vector<std::vector<float>> cw, cg;
  for (const auto& s : kChildShapes) {
    cw.emplace_back(numel(s), 0.5f);
    cg.emplace_back(numel(s), 0.01f);
  }
  // Like libtorch below, nos gets its faster thread setting on these small tensors.
  auto child_time = [&](const char* text) -> Time {
    Time best{1e30, 1e30};
    for (int th : {threads, 1}) {
      nos::optim::OptimizerOptions o;
      o.hyper.lr = 1e-6;
      o.threads = th;
      nos::optim::Optimizer opt(text, o);
      for (size_t k = 0; k < cw.size(); ++k) opt.add(cw[k].data(), cg[k].data(), cw[k].size());
      const Time t = time_runs(reps * 10, [&] { opt.step(); });
      best = {std::min(best.med, t.med), std::min(best.min, t.min)};
    }
    return best;
  };
  const Time c_adam = child_time("adam"), c_powersign = child_time("mul g exp mul sign_g sign_m"),
             c_sgd = child_time("g");
#ifdef NOS_HAVE_TORCH
  at::set_num_threads(threads);
  std::printf(
      "\n## Against libtorch %s (16M: %d threads for nos; libtorch and the child network: the faster of %d "
      "and 1 threads)\n\n",
      TORCH_VERSION, threads, threads);
  struct Side {
    Time adam, sgd, powersign;
  };
  // libtorch gets its better thread setting per case: `threads`, or 1 (small tensors lose more to
  // fork/join than they gain).
  auto torch_side_at = [&](std::vector<torch::Tensor> params, int r) {
    for (auto& p : params) {
      p.set_requires_grad(true);
      p.mutable_grad() = torch::full_like(p, 0.01f);
    }
    Side s{};
    {
      torch::optim::Adam opt(params, torch::optim::AdamOptions(1e-6));
      s.adam = time_runs(r, [&] { opt.step(); });
    }
    {
      torch::optim::SGD opt(params, torch::optim::SGDOptions(1e-6));
      s.sgd = time_runs(r, [&] { opt.step(); });
    }
    {
      // PowerSign with tensor ops: m = beta*m + (1-beta)*g; w -= lr * g * exp(sign(g)*sign(m)).
      torch::NoGradGuard ng;
      std::vector<torch::Tensor> ms;
      for (auto& p : params) ms.push_back(torch::zeros_like(p));
      s.powersign = time_runs(r, [&] {
        for (size_t k = 0; k < params.size(); ++k) {
          const torch::Tensor& gr = params[k].grad();
          ms[k].mul_(0.9).add_(gr, 0.1);
          params[k].sub_(gr * torch::exp(torch::sign(gr) * torch::sign(ms[k])), 1e-6);
        }
      });
    }
    return s;
  };
  auto torch_side = [&](auto make, int r) {
    at::set_num_threads(threads);
    const Side a = torch_side_at(make(), r);
    at::set_num_threads(1);
    const Side b = torch_side_at(make(), r);
    at::set_num_threads(threads);
    auto best = [](Time x, Time y) { return Time{std::min(x.med, y.med), std::min(x.min, y.min)}; };
    return Side{best(a.adam, b.adam), best(a.sgd, b.sgd), best(a.powersign, b.powersign)};
  };
  const Side big =
      torch_side([&] { return std::vector<torch::Tensor>{torch::full({static_cast<int64_t>(n)}, 0.5f)}; }, reps);
  const Side small = torch_side(
      [&] {
        std::vector<torch::Tensor> child;
        for (const auto& s : kChildShapes) child.push_back(torch::full(s, 0.5f));
        return child;
      },
      reps * 10);
  std::printf(
      "| parameters | optimizer | libtorch ms/step (median) | nos JIT ms/step (median) | speed-up (median) | "
      "libtorch best | nos best | speed-up (best) |\n|---|---|---|---|---|---|---|---|\n");
  auto row = [](const char* set, const char* opt, Time t, Time o) {
    std::printf("| %s | %s | %.3f | %.3f | %.2fx | %.3f | %.3f | %.2fx |\n", set, opt, t.med * 1e3, o.med * 1e3,
                t.med / o.med, t.min * 1e3, o.min * 1e3, t.min / o.min);
  };
  row("one 16M tensor", "Adam", big.adam, t_adam);
  row("one 16M tensor", "SGD", big.sgd, t_sgd);
  row("one 16M tensor", "PowerSign", big.powersign, t_powersign);
  row("child network (8 tensors, 338K)", "Adam", small.adam, c_adam);
  row("child network (8 tensors, 338K)", "SGD", small.sgd, c_sgd);
  row("child network (8 tensors, 338K)", "PowerSign", small.powersign, c_powersign);
#else
  std::printf("\n(libtorch not found: no comparison) child network: adam %.3f ms, powersign %.3f ms, sgd %.3f ms\n",
              c_adam.med * 1e3, c_powersign.med * 1e3, c_sgd.med * 1e3);
#endif

  // ---- 3. compile latency -----------------------------------------------------------------------
  // Parse + canonicalize + lower + LLVM O3 + machine code + symbol lookup. Each kernel is dropped
  // right away, so the cache never serves the next repetition.
  std::printf("\n## Compile latency, rule string -> callable kernel (Table 1, 16 rules x 5)\n\n");
  (void)nos::jit::host_vector_width();  // the one-time JIT start-up is not a rule's latency
  std::vector<double> wall, cpu;
  for (int rep = 0; rep < 5; ++rep) {
    for (const Rule& r : kTable1) {
      const auto a = clk::now();
      const double c0 = thread_cpu_ms();
      const nos::dslc::ParseResult p = nos::dslc::parse_rule(r.text);
      const nos::dslc::Compiled c = nos::dslc::compile(p.rules.at(0));
      const nos::jit::Kernel k = nos::jit::compile_kernel(c.ir, c.hash);
      cpu.push_back(thread_cpu_ms() - c0);
      wall.push_back(std::chrono::duration<double, std::milli>(clk::now() - a).count());
      if (!k) return 1;
    }
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("| | median | min | max |\n|---|---|---|---|\n");
  std::printf("| wall ms | %.2f | %.2f | %.2f |\n", median(wall), wall.front(), wall.back());
  std::printf("| thread CPU ms | %.2f | %.2f | %.2f |\n", median(cpu), cpu.front(), cpu.back());
  return 0;
}
