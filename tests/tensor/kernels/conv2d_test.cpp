// conv2d kernels against a direct 7-loop double-precision convolution.
#include "tensor/kernels/conv2d.h"

#include "tensor/kernels/isa.h"

#include "tests/tensor/kernels/test_util.h"

namespace nos::kernels::test {
namespace {

std::size_t in_size(const Conv2dShape& s) { return s.n * s.c_in * s.h * s.w; }
std::size_t out_size(const Conv2dShape& s) { return s.n * s.c_out * s.out_h() * s.out_w(); }
std::size_t w_size(const Conv2dShape& s) { return s.c_out * s.c_in * s.kh * s.kw; }

// Calls f(n, co, oh, ow, ci, i, j, x_index) for every multiply of the convolution.
template <class F>
void for_each_tap(const Conv2dShape& s, F&& f) {
  const std::int64_t OH = s.out_h(), OW = s.out_w();
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t co = 0; co < s.c_out; ++co)
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow)
          for (std::int64_t ci = 0; ci < s.c_in; ++ci)
            for (std::int64_t i = 0; i < s.kh; ++i)
              for (std::int64_t j = 0; j < s.kw; ++j) {
                const std::int64_t ih = oh * s.stride_h - s.pad_h + i, iw = ow * s.stride_w - s.pad_w + j;
                if (ih < 0 || ih >= s.h || iw < 0 || iw >= s.w) continue;
                const std::int64_t xi = ((n * s.c_in + ci) * s.h + ih) * s.w + iw;
                const std::int64_t wi = ((co * s.c_in + ci) * s.kh + i) * s.kw + j;
                const std::int64_t yi = ((n * s.c_out + co) * OH + oh) * OW + ow;
                f(xi, wi, yi);
              }
}

struct Ref {
  std::vector<double> y, dx, dw, db;
};

Ref reference(const Conv2dShape& s, const GuardedF& x, const GuardedF& w, const GuardedF& b, const GuardedF& dy) {
  Ref r{std::vector<double>(out_size(s)), std::vector<double>(in_size(s)), std::vector<double>(w_size(s)),
        std::vector<double>(s.c_out)};
  const std::int64_t P = s.out_h() * s.out_w();
  for (std::size_t i = 0; i < r.y.size(); ++i) r.y[i] = b[(i / P) % s.c_out];
  for_each_tap(s, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) {
    r.y[yi] += static_cast<double>(x[xi]) * w[wi];
    r.dx[xi] += static_cast<double>(dy[yi]) * w[wi];
    r.dw[wi] += static_cast<double>(dy[yi]) * x[xi];
  });
  for (std::size_t i = 0; i < dy.size(); ++i) r.db[(i / P) % s.c_out] += dy[i];
  return r;
}

struct Result {
  std::vector<float> y, y_nobias, dx, dw, db;
};

// Runs every entry point at the current thread count, checks guards, returns the outputs.
Result run(const Conv2dShape& s, const GuardedF& x, const GuardedF& w, const GuardedF& b, const GuardedF& dy) {
  GuardedF ws(conv2d_workspace_floats(s), std::nanf(""));
  GuardedF y = output_buffer(out_size(s)), y2 = output_buffer(out_size(s));
  GuardedF dx = output_buffer(in_size(s)), dw = output_buffer(w_size(s)), db = output_buffer(s.c_out);
  GuardedF dx2 = output_buffer(in_size(s)), dw2 = output_buffer(w_size(s)), db2 = output_buffer(s.c_out);
  GuardedF dw3 = output_buffer(w_size(s));
  conv2d_forward(s, x.data(), w.data(), b.data(), y.data(), ws.data());
  conv2d_forward(s, x.data(), w.data(), nullptr, y2.data(), ws.data());
  conv2d_backward(s, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(), ws.data());
  conv2d_backward_data(s, dy.data(), w.data(), dx2.data(), ws.data());
  conv2d_backward_weight(s, x.data(), dy.data(), dw2.data(), db2.data(), ws.data());
  conv2d_backward_weight(s, x.data(), dy.data(), dw3.data(), nullptr, ws.data());
  for (const GuardedF* g : {&ws, &y, &y2, &dx, &dw, &db, &dx2, &dw2, &db2, &dw3}) EXPECT_TRUE(g->guards_intact());
  // The split entry points compute the same thing as the fused one.
  EXPECT_EQ(max_abs_diff(dx.data(), dx2.data(), dx.size()), 0.0);
  EXPECT_EQ(max_abs_diff(dw.data(), dw2.data(), dw.size()), 0.0);
  EXPECT_EQ(max_abs_diff(dw.data(), dw3.data(), dw.size()), 0.0);
  EXPECT_EQ(max_abs_diff(db.data(), db2.data(), db.size()), 0.0);
  auto vec = [](const GuardedF& g) { return std::vector<float>(g.data(), g.data() + g.size()); };
  return {vec(y), vec(y2), vec(dx), vec(dw), vec(db)};
}

std::string describe(const Conv2dShape& s) {
  return "n=" + std::to_string(s.n) + " cin=" + std::to_string(s.c_in) + " h=" + std::to_string(s.h) +
         " w=" + std::to_string(s.w) + " cout=" + std::to_string(s.c_out) + " k=" + std::to_string(s.kh) + "x" +
         std::to_string(s.kw) + " stride=" + std::to_string(s.stride_h) + "," + std::to_string(s.stride_w) +
         " pad=" + std::to_string(s.pad_h) + "," + std::to_string(s.pad_w);
}

void check_shape(const Conv2dShape& s, std::uint32_t seed) {
  SCOPED_TRACE(describe(s));
  ASSERT_TRUE(s.valid());
  std::mt19937 rng(seed);
  GuardedF x(in_size(s)), w(w_size(s)), b(s.c_out), dy(out_size(s));
  fill_uniform(x, rng);
  fill_uniform(w, rng);
  fill_uniform(b, rng);
  fill_uniform(dy, rng);
  const Ref ref = reference(s, x, w, b, dy);
  std::vector<double> ref_nobias = ref.y;
  const std::int64_t P = s.out_h() * s.out_w();
  for (std::size_t i = 0; i < ref_nobias.size(); ++i) ref_nobias[i] -= b[(i / P) % s.c_out];

  // Every ISA path this CPU has (generic im2col + sgemm, AVX2, AVX-512) against the reference.
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(std::string("isa ") + isa_name(isa));
    IsaCeiling ceiling(isa);
    ASSERT_EQ(active_isa(), isa);
    Result r1, r2;
    {
      ThreadScope t(1);
      r1 = run(s, x, w, b, dy);
    }
    {
      ThreadScope t(2);
      r2 = run(s, x, w, b, dy);
    }
    // Inputs are in [-1, 1]: a sum of K products has error ~ K * 2^-24; the tolerances are generous.
    const double k = static_cast<double>(s.patch()), k_dx = static_cast<double>(s.c_out * s.kh * s.kw);
    const double k_dw = static_cast<double>(s.n * P);
    EXPECT_TRUE(near(r1.y.data(), ref.y, 1e-5 * k));
    EXPECT_TRUE(near(r1.y_nobias.data(), ref_nobias, 1e-5 * k));
    EXPECT_TRUE(near(r1.dx.data(), ref.dx, 1e-5 * k_dx));
    EXPECT_TRUE(near(r1.dw.data(), ref.dw, 1e-5 * k_dw));
    EXPECT_TRUE(near(r1.db.data(), ref.db, 1e-5 * k_dw));
    EXPECT_TRUE(near(r2.dw.data(), ref.dw, 1e-5 * k_dw));
    EXPECT_TRUE(near(r2.db.data(), ref.db, 1e-5 * k_dw));
    // Forward and backward-data do not depend on the thread count; the weight gradient only by
    // reassociation of the per-thread partial sums.
    EXPECT_EQ(max_abs_diff(r1.y.data(), r2.y.data(), r1.y.size()), 0.0);
    EXPECT_EQ(max_abs_diff(r1.dx.data(), r2.dx.data(), r1.dx.size()), 0.0);
    EXPECT_LE(max_abs_diff(r1.dw.data(), r2.dw.data(), r1.dw.size()), 1e-6 * k_dw);
  }
}

TEST(kernels_conv2d, ChildNetworkLike) {
  check_shape(Conv2dShape::square(3, 3, 12, 12, 8, 3, 1, 1), 1);
  check_shape(Conv2dShape::square(4, 32, 16, 16, 32, 3, 1, 1), 2);
  check_shape(Conv2dShape::square(2, 32, 32, 32, 32, 3, 1, 1), 20);  // the real shape, batch 2
}

TEST(kernels_conv2d, StrideAndPadding) {
  check_shape(Conv2dShape::square(2, 4, 9, 9, 5, 3, 2, 0), 3);
  check_shape(Conv2dShape::square(2, 4, 9, 9, 5, 3, 2, 1), 4);
  check_shape(Conv2dShape::square(2, 3, 10, 11, 4, 5, 2, 2), 5);
  check_shape(Conv2dShape::square(3, 2, 8, 8, 3, 5, 1, 2), 6);
  check_shape(Conv2dShape::square(1, 2, 7, 7, 3, 3, 3, 1), 7);
}

TEST(kernels_conv2d, NonSquare) {
  check_shape(Conv2dShape{2, 3, 7, 13, 4, 3, 2, 2, 1, 1, 0}, 8);
  check_shape(Conv2dShape{3, 2, 11, 6, 5, 1, 3, 1, 2, 0, 1}, 9);
  check_shape(Conv2dShape{1, 5, 5, 17, 2, 5, 1, 1, 3, 2, 0}, 10);
}

TEST(kernels_conv2d, BatchOne) {
  check_shape(Conv2dShape::square(1, 3, 8, 8, 6, 3, 1, 1), 11);
  check_shape(Conv2dShape::square(1, 16, 10, 10, 8, 1, 1, 0), 12);
}

TEST(kernels_conv2d, Pointwise) {
  check_shape(Conv2dShape::square(3, 8, 5, 7, 6, 1, 1, 0), 13);
  check_shape(Conv2dShape::square(2, 8, 9, 9, 6, 1, 2, 0), 14);  // strided 1x1 goes through im2col
}

// Stride-1 shapes run the direct kernels: rows wider than one 32-pixel (AVX-512) or 8-pixel (AVX2) tile, ragged tails,
// output channels not a multiple of the 8-channel tile, kernels wider than 3 columns.
TEST(kernels_conv2d, DirectWideRowsAndTails) {
  check_shape(Conv2dShape::square(2, 5, 9, 40, 11, 3, 1, 1), 16);
  check_shape(Conv2dShape{1, 4, 6, 70, 3, 5, 5, 1, 1, 2, 2}, 17);
  check_shape(Conv2dShape{3, 3, 5, 33, 9, 3, 7, 1, 1, 0, 3}, 18);
  check_shape(Conv2dShape::square(2, 17, 16, 16, 13, 3, 1, 0), 19);
}

// 3x3 stride-1 shapes with c_in >= 8 run Winograd F(2x2,3x3): odd and tiny outputs (one tile,
// half tiles), padding 0-2, rows of more than 16 tiles, channel counts off the 8/16 tiles, and
// c_out < 8 (backward-data then falls back to the direct kernel).
TEST(kernels_conv2d, WinogradShapes) {
  check_shape(Conv2dShape::square(1, 8, 3, 3, 4, 3, 1, 0), 30);     // 1x1 output
  check_shape(Conv2dShape::square(2, 9, 7, 11, 5, 3, 1, 1), 31);    // odd output, c_out < 8
  check_shape(Conv2dShape::square(1, 12, 9, 13, 10, 3, 1, 2), 32);  // pad 2
  check_shape(Conv2dShape::square(3, 20, 5, 37, 18, 3, 1, 1), 33);  // 19 tiles per row, c_out 18
  check_shape(Conv2dShape{2, 11, 12, 6, 17, 3, 3, 1, 1, 2, 0}, 34);
  std::mt19937 rng(77);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 6; ++t) {
    Conv2dShape s;
    s.n = pick(1, 3);
    s.c_in = pick(8, 24);
    s.c_out = pick(1, 24);
    s.kh = s.kw = 3;
    s.pad_h = pick(0, 2);
    s.pad_w = pick(0, 2);
    s.h = pick(3 - 2 * static_cast<int>(s.pad_h) > 1 ? 3 - 2 * static_cast<int>(s.pad_h) : 1, 20);
    s.w = pick(3 - 2 * static_cast<int>(s.pad_w) > 1 ? 3 - 2 * static_cast<int>(s.pad_w) : 1, 40);
    check_shape(s, 40 + t);
  }
}

// The fast paths really run: the direct and Winograd layouts need a different workspace than
// im2col, so a stride-1 shape sizes its workspace differently on the generic path.
TEST(kernels_conv2d, IsaCeilingSelectsThePath) {
  const Conv2dShape wino = Conv2dShape::square(2, 16, 12, 12, 16, 3, 1, 1);
  const Conv2dShape direct = Conv2dShape::square(2, 4, 12, 12, 6, 5, 1, 2);
  std::size_t generic_wino, generic_direct;
  {
    IsaCeiling c(Isa::generic);
    generic_wino = conv2d_workspace_floats(wino, 1);
    generic_direct = conv2d_workspace_floats(direct, 1);
  }
  for (Isa isa : supported_isas()) {
    if (isa == Isa::generic) continue;
    SCOPED_TRACE(isa_name(isa));
    IsaCeiling c(isa);
    EXPECT_NE(conv2d_workspace_floats(wino, 1), generic_wino);
    EXPECT_NE(conv2d_workspace_floats(direct, 1), generic_direct);
  }
}

TEST(kernels_conv2d, LargePatchOneRowPerBlock) { check_shape(Conv2dShape::square(2, 128, 12, 12, 4, 7, 1, 3), 15); }

TEST(kernels_conv2d, RandomShapes) {
  std::mt19937 rng(2024);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 12; ++t) {
    Conv2dShape s;
    s.n = pick(1, 5);
    s.c_in = pick(1, 6);
    s.c_out = pick(1, 7);
    s.kh = pick(1, 4);
    s.kw = pick(1, 4);
    s.stride_h = pick(1, 3);
    s.stride_w = pick(1, 3);
    s.pad_h = pick(0, static_cast<int>(s.kh) - 1);
    s.pad_w = pick(0, static_cast<int>(s.kw) - 1);
    s.h = pick(static_cast<int>(s.kh), 13);
    s.w = pick(static_cast<int>(s.kw), 13);
    check_shape(s, 100 + t);
  }
}

}  // namespace
}  // namespace nos::kernels::test
