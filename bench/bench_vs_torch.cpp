// Side-by-side: nos conv2d kernels vs libtorch (at::conv2d, at::convolution_backward) on the paper's
// child-network shapes, in the same process, alternating call by call, at the same thread count.
// libtorch runs with oneDNN (mkldnn) enabled and disabled; the ratio uses its faster setting.
// Checks that both give the same numbers and exits non-zero if they do not.
//
//   ./build/release/bench/nos-bench-vs-torch [repetitions]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <omp.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tensor/kernels/conv2d.h"
#include "tensor/kernels/gemm.h"

namespace nk = nos::kernels;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double max_abs_diff(const float* a, const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  const float* b = c.data_ptr<float>();
  double m = 0.0;
  for (std::int64_t i = 0; i < c.numel(); ++i) m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

struct Timings {
  std::vector<double> fwd, bwd, both;
  void add(double f, double b) {
    fwd.push_back(f);
    bwd.push_back(b);
    both.push_back(f + b);
  }
};

struct Row {
  std::string layer, backend;
  int threads;
  double torch_fwd, ours_fwd, torch_bwd, ours_bwd, torch_both, ours_both;
  double torch_both_min, ours_both_min;  // fastest repetition (least disturbed by other load)
};

bool g_ok = true;

// One layer at the current thread count with mkldnn on or off; returns the medians.
Row run_case(const char* layer, std::int64_t c_in, bool want_dx, int threads, bool mkldnn, int reps) {
  at::globalContext().setUserEnabledMkldnn(mkldnn);
  const nk::Conv2dShape s = nk::Conv2dShape::square(100, c_in, 32, 32, 32, 3, 1, 1);
  at::manual_seed(42);
  const at::Tensor x = at::randn({s.n, s.c_in, s.h, s.w});
  const at::Tensor w = at::randn({s.c_out, s.c_in, s.kh, s.kw}) * (1.0 / std::sqrt(double(s.patch())));
  const at::Tensor b = at::randn({s.c_out});
  const at::Tensor dy = at::randn({s.n, s.c_out, s.out_h(), s.out_w()});
  std::vector<float> y(dy.numel(), 0.0f), dx(x.numel(), 0.0f), dw(w.numel(), 0.0f), db(s.c_out, 0.0f);
  std::vector<float> ws(nk::conv2d_workspace_floats(s), 0.0f);
  const std::vector<std::int64_t> stride{1, 1}, pad{1, 1}, dil{1, 1}, outpad{0, 0}, bias_sizes{s.c_out};

  auto ours_fwd = [&] {
    nk::conv2d_forward(s, x.data_ptr<float>(), w.data_ptr<float>(), b.data_ptr<float>(), y.data(), ws.data());
  };
  auto ours_bwd = [&] {
    nk::conv2d_backward(s, x.data_ptr<float>(), w.data_ptr<float>(), dy.data_ptr<float>(),
                        want_dx ? dx.data() : nullptr, dw.data(), db.data(), ws.data());
  };
  at::Tensor ty;
  std::tuple<at::Tensor, at::Tensor, at::Tensor> tg;
  auto torch_fwd = [&] { ty = at::conv2d(x, w, b, stride, pad); };
  auto torch_bwd = [&] {
    tg = at::convolution_backward(dy, x, w, at::IntArrayRef(bias_sizes), stride, pad, dil, false, outpad, 1,
                                  {want_dx, true, true});
  };

  for (int i = 0; i < 3; ++i) {  // warm-up (and the outputs for the comparison)
    ours_fwd();
    ours_bwd();
    torch_fwd();
    torch_bwd();
  }
  const double dy_diff = max_abs_diff(y.data(), ty);
  const double dw_diff = max_abs_diff(dw.data(), std::get<1>(tg));
  const double db_diff = max_abs_diff(db.data(), std::get<2>(tg));
  const double dx_diff = want_dx ? max_abs_diff(dx.data(), std::get<0>(tg)) : 0.0;
  const double y_scale = ty.abs().max().item<double>(), w_scale = std::get<1>(tg).abs().max().item<double>();
  const double dx_scale = want_dx ? std::get<0>(tg).abs().max().item<double>() : 1.0;
  const double db_scale = std::get<2>(tg).abs().max().item<double>();
  const bool same = dy_diff <= 1e-4 * y_scale && dw_diff <= 1e-4 * w_scale && db_diff <= 1e-4 * db_scale &&
                    dx_diff <= 1e-4 * dx_scale;
  std::printf(
      "# %s threads=%d mkldnn=%d: max|diff| y %.2e (max|y| %.1f), dx %.2e (%.1f), dw %.2e (%.1f), "
      "db %.2e (%.1f) -> %s\n",
      layer, threads, mkldnn, dy_diff, y_scale, dx_diff, dx_scale, dw_diff, w_scale, db_diff, db_scale,
      same ? "same" : "DIFFERENT");
  if (!same) g_ok = false;

  Timings ours, torch;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    ours_fwd();
    const double of = ms_since(t0);
    t0 = Clock::now();
    torch_fwd();
    const double tf = ms_since(t0);
    t0 = Clock::now();
    ours_bwd();
    const double ob = ms_since(t0);
    t0 = Clock::now();
    torch_bwd();
    const double tb = ms_since(t0);
    ours.add(of, ob);
    torch.add(tf, tb);
  }
  return Row{layer,
             mkldnn ? "oneDNN" : "native",
             threads,
             median(torch.fwd),
             median(ours.fwd),
             median(torch.bwd),
             median(ours.bwd),
             median(torch.both),
             median(ours.both),
             *std::min_element(torch.both.begin(), torch.both.end()),
             *std::min_element(ours.both.begin(), ours.both.end())};
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 30;
  CLI::App app{"nos-bench-vs-torch: the child network's conv and GEMM kernels against libtorch's, alternating"};
  app.add_option("reps", reps, "alternating repetitions (medians)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  at::set_num_interop_threads(1);
  const bool mkldnn_default = at::globalContext().userEnabledMkldnn();
  std::printf("# libtorch %s, hasMKLDNN=%d, userEnabledMkldnn (default)=%d, OpenBLAS core %s\n", TORCH_VERSION,
              at::hasMKLDNN(), mkldnn_default, nk::blas_corename());
  {
    char load[128] = "?";
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      if (!std::fgets(load, sizeof load, f)) load[0] = 0;
      std::fclose(f);
    }
    const char* ct = std::getenv("OPENBLAS_CORETYPE");
    std::printf("# OPENBLAS_CORETYPE=%s, load average at start: %s", ct ? ct : "<unset>", load);
  }
  std::printf("# batch 100, 32x32, 3x3, padding 1, stride 1; medians of %d alternating repetitions (ms)\n", reps);
  std::printf("# conv1 (3->32) backward computes dweight+dbias only (no input gradient, as in a network);\n");
  std::printf("# conv2 (32->32) backward computes dx+dweight+dbias.\n\n");

  std::vector<Row> rows;
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    omp_set_num_threads(threads);
    for (bool mkldnn : {true, false}) {
      rows.push_back(run_case("conv1 3->32", 3, false, threads, mkldnn, reps));
      rows.push_back(run_case("conv2 32->32", 32, true, threads, mkldnn, reps));
    }
  }
  at::globalContext().setUserEnabledMkldnn(mkldnn_default);

  std::printf("\n| layer | threads | libtorch conv | pass | libtorch ms | nos ms | libtorch/nos |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    auto line = [&](const char* pass, double t, double o) {
      std::printf("| %s | %d | %s | %s | %.2f | %.2f | %.2f |\n", r.layer.c_str(), r.threads, r.backend.c_str(), pass,
                  t, o, t / o);
    };
    line("forward", r.torch_fwd, r.ours_fwd);
    line("backward", r.torch_bwd, r.ours_bwd);
    line("fwd+bwd", r.torch_both, r.ours_both);
  }
  // Against libtorch's best backend per layer, thread count and pass.
  std::printf("\n| layer | threads | pass | best libtorch ms | nos ms | libtorch/nos |\n|---|---|---|---|---|---|\n");
  std::vector<std::string> min_lines;
  for (const Row& a : rows) {
    if (a.backend != "oneDNN") continue;
    for (const Row& n : rows) {
      if (n.backend != "native" || n.layer != a.layer || n.threads != a.threads) continue;
      auto line = [&](const char* pass, double ta, double oa, double tn, double on) {
        // Ours averaged over both runs; libtorch's faster backend.
        const double ours = 0.5 * (oa + on), best = std::min(ta, tn);
        std::printf("| %s | %d | %s | %.2f (%s) | %.2f | %.2f |\n", a.layer.c_str(), a.threads, pass, best,
                    ta <= tn ? "oneDNN" : "native", ours, best / ours);
      };
      line("forward", a.torch_fwd, a.ours_fwd, n.torch_fwd, n.ours_fwd);
      line("backward", a.torch_bwd, a.ours_bwd, n.torch_bwd, n.ours_bwd);
      line("fwd+bwd", a.torch_both, a.ours_both, n.torch_both, n.ours_both);
      const double best_min = std::min(a.torch_both_min, n.torch_both_min);
      const double ours_min = std::min(a.ours_both_min, n.ours_both_min);
      char buf[256];
      std::snprintf(buf, sizeof buf, "| %s | %d | %.2f (%s) | %.2f | %.2f |\n", a.layer.c_str(), a.threads, best_min,
                    a.torch_both_min <= n.torch_both_min ? "oneDNN" : "native", ours_min, best_min / ours_min);
      min_lines.push_back(buf);
    }
  }
  std::printf(
      "\nFastest repetition, forward+backward:\n\n| layer | threads | best libtorch ms | nos ms | libtorch/nos |\n"
      "|---|---|---|---|---|\n");
  for (const std::string& l : min_lines) std::printf("%s", l.c_str());
  if (!g_ok) {
    std::printf("\nRESULTS DIFFER between nos and libtorch\n");
    return 1;
  }
  return 0;
}
