// Pooling kernels against direct double-precision references.
#include "tensor/kernels/pool.h"

#include <limits>

#include "tensor/kernels/isa.h"
#include "tests/tensor/kernels/test_util.h"

namespace nos::kernels::test {
namespace {

std::string describe(const Pool2dShape& s) {
  return "n=" + std::to_string(s.n) + " c=" + std::to_string(s.c) + " h=" + std::to_string(s.h) +
         " w=" + std::to_string(s.w) + " k=" + std::to_string(s.kh) + "x" + std::to_string(s.kw) +
         " stride=" + std::to_string(s.stride_h) + "," + std::to_string(s.stride_w) +
         " pad=" + std::to_string(s.pad_h) + "," + std::to_string(s.pad_w);
}

// Calls f(out_index, in_index or -1 for padding) for every window element.
template <class F>
void for_each_window(const Pool2dShape& s, F&& f) {
  const std::int64_t OH = s.out_h(), OW = s.out_w();
  for (std::int64_t p = 0; p < s.n * s.c; ++p)
    for (std::int64_t oh = 0; oh < OH; ++oh)
      for (std::int64_t ow = 0; ow < OW; ++ow)
        for (std::int64_t i = 0; i < s.kh; ++i)
          for (std::int64_t j = 0; j < s.kw; ++j) {
            const std::int64_t ih = oh * s.stride_h - s.pad_h + i, iw = ow * s.stride_w - s.pad_w + j;
            const std::int64_t o = (p * OH + oh) * OW + ow;
            const bool in = ih >= 0 && ih < s.h && iw >= 0 && iw < s.w;
            // Padding beyond the padded input (only when stride does not divide) is not counted.
            const bool in_padded = ih < s.h + s.pad_h && iw < s.w + s.pad_w;
            f(o, in ? (p * s.h + ih) * s.w + iw : (in_padded ? -1 : -2));
          }
}

void check_shape(const Pool2dShape& s, std::uint32_t seed) {
  SCOPED_TRACE(describe(s));
  ASSERT_TRUE(s.valid());
  std::mt19937 rng(seed);
  const std::size_t in = s.n * s.c * s.h * s.w, out = s.n * s.c * s.out_h() * s.out_w();
  GuardedF x(in), dy(out);
  fill_uniform(x, rng);
  fill_uniform(dy, rng);

  // References.
  std::vector<double> mx(out, -std::numeric_limits<double>::infinity()), mdx(in, 0.0);
  std::vector<std::int64_t> arg(out, -1);
  std::vector<double> avg_inc(out, 0.0), avg_exc(out, 0.0), cnt_inc(out, 0.0), cnt_exc(out, 0.0);
  for_each_window(s, [&](std::int64_t o, std::int64_t i) {
    if (i >= -1) cnt_inc[o] += 1;
    if (i < 0) return;
    cnt_exc[o] += 1;
    avg_inc[o] += x[i];
    if (x[i] > mx[o]) {
      mx[o] = x[i];
      arg[o] = i;
    }
  });
  std::vector<double> adx_inc(in, 0.0), adx_exc(in, 0.0);
  for_each_window(s, [&](std::int64_t o, std::int64_t i) {
    if (i < 0) return;
    adx_inc[i] += dy[o] / cnt_inc[o];
    adx_exc[i] += dy[o] / cnt_exc[o];
  });
  for (std::size_t o = 0; o < out; ++o) {
    avg_exc[o] = avg_inc[o] / cnt_exc[o];
    avg_inc[o] /= cnt_inc[o];
    mdx[arg[o]] += dy[o];
  }
  const std::int64_t plane = s.h * s.w;

  // Every ISA path this CPU has (the 2x2/2 max pool has AVX2 and AVX-512 kernels).
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(std::string("isa ") + isa_name(isa));
    IsaCeiling ceiling(isa);
    std::vector<float> first_y, first_dx;
    for (int threads : {1, 2}) {
      ThreadScope scope(threads);
      GuardedF y = output_buffer(out), dx = output_buffer(in);
      GuardedI am(out, -1);
      maxpool2d_forward(s, x.data(), y.data(), am.data());
      maxpool2d_backward(s, dy.data(), am.data(), dx.data());
      EXPECT_TRUE(near(y.data(), mx, 0.0, 0.0));
      EXPECT_TRUE(near(dx.data(), mdx, 1e-6));
      for (std::size_t o = 0; o < out; ++o) {
        const std::int64_t p = o / (s.out_h() * s.out_w());
        ASSERT_EQ(am[o] + p * plane, arg[o]) << "argmax at " << o;
      }
      for (bool inc : {true, false}) {
        GuardedF ay = output_buffer(out), adx = output_buffer(in);
        avgpool2d_forward(s, x.data(), ay.data(), inc);
        avgpool2d_backward(s, dy.data(), adx.data(), inc);
        EXPECT_TRUE(near(ay.data(), inc ? avg_inc : avg_exc, 1e-6));
        EXPECT_TRUE(near(adx.data(), inc ? adx_inc : adx_exc, 1e-6));
        EXPECT_TRUE(ay.guards_intact() && adx.guards_intact());
        if (inc && threads == 1) first_y.assign(ay.data(), ay.data() + out);
        if (inc && threads == 2) {
          EXPECT_EQ(max_abs_diff(first_y.data(), ay.data(), out), 0.0);
        }
      }
      EXPECT_TRUE(y.guards_intact() && dx.guards_intact() && am.guards_intact());
    }
  }
}

TEST(kernels_pool, Shapes) {
  check_shape(Pool2dShape::square(2, 3, 8, 8, 2, 2, 0), 1);
  check_shape(Pool2dShape::square(2, 3, 9, 9, 3, 2, 1), 2);
  check_shape(Pool2dShape::square(1, 2, 7, 7, 3, 1, 1), 3);
  check_shape(Pool2dShape::square(3, 2, 11, 11, 5, 2, 2), 4);
  check_shape(Pool2dShape{2, 3, 7, 10, 3, 2, 2, 1, 1, 0}, 5);
  check_shape(Pool2dShape{1, 1, 5, 5, 5, 5, 1, 1, 0, 0}, 6);
  check_shape(Pool2dShape::square(100, 32, 32, 32, 2, 2, 0), 7);  // large: runs the parallel path
  check_shape(Pool2dShape::square(64, 32, 17, 17, 3, 2, 1), 8);
  check_shape(Pool2dShape::square(2, 3, 9, 11, 2, 2, 0), 9);   // 2x2/2 vector path, odd sizes
  check_shape(Pool2dShape::square(1, 2, 6, 70, 2, 2, 0), 10);  // rows of more than 32 columns
}

TEST(kernels_pool, RandomShapes) {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 15; ++t) {
    Pool2dShape s;
    s.n = pick(1, 3);
    s.c = pick(1, 4);
    s.kh = pick(1, 4);
    s.kw = pick(1, 4);
    s.stride_h = pick(1, 3);
    s.stride_w = pick(1, 3);
    s.pad_h = pick(0, static_cast<int>(s.kh) / 2);
    s.pad_w = pick(0, static_cast<int>(s.kw) / 2);
    s.h = pick(static_cast<int>(s.kh), 12);
    s.w = pick(static_cast<int>(s.kw), 12);
    check_shape(s, 50 + t);
  }
}

TEST(kernels_pool, MaxPoolTiesTakeFirstAndNaNWins) {
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(std::string("isa ") + isa_name(isa));
    IsaCeiling ceiling(isa);
    const Pool2dShape s = Pool2dShape::square(1, 1, 2, 2, 2, 2, 0);
    GuardedF x(4, 1.0f), y(1);
    GuardedI am(1);
    maxpool2d_forward(s, x.data(), y.data(), am.data());
    EXPECT_EQ(am[0], 0);
    x[2] = std::nanf("");
    maxpool2d_forward(s, x.data(), y.data(), am.data());
    EXPECT_TRUE(std::isnan(y[0]));
    EXPECT_EQ(am[0], 2);
    // The same rules in every lane of the vector kernels: a 2 x 40 plane of ties (window k: all
    // equal), with a NaN in window 3 (second row, odd column) and window 17 (first row, even column).
    const Pool2dShape w = Pool2dShape::square(1, 1, 2, 40, 2, 2, 0);
    GuardedF xw(80, 0.5f), yw = output_buffer(20);
    GuardedI aw(20, -1);
    xw[40 + 7] = std::nanf("");
    xw[34] = std::nanf("");
    maxpool2d_forward(w, xw.data(), yw.data(), aw.data());
    for (int k = 0; k < 20; ++k) {
      SCOPED_TRACE(k);
      if (k == 3) {
        EXPECT_TRUE(std::isnan(yw[k]));
        EXPECT_EQ(aw[k], 47);
      } else if (k == 17) {
        EXPECT_TRUE(std::isnan(yw[k]));
        EXPECT_EQ(aw[k], 34);
      } else {
        EXPECT_EQ(yw[k], 0.5f);
        EXPECT_EQ(aw[k], 2 * k);
      }
    }
    EXPECT_TRUE(yw.guards_intact() && aw.guards_intact());
  }
}

TEST(kernels_pool, GlobalAverage) {
  std::mt19937 rng(9);
  for (auto [n, c, hw] : {std::tuple<int, int, int>{2, 3, 49}, {1, 1, 1}, {100, 64, 64}, {3, 5, 17}}) {
    GuardedF x(n * c * hw), dy(n * c);
    fill_uniform(x, rng);
    fill_uniform(dy, rng);
    std::vector<double> want(n * c, 0.0), dwant(n * c * hw);
    for (int p = 0; p < n * c; ++p) {
      for (int i = 0; i < hw; ++i) want[p] += x[p * hw + i];
      want[p] /= hw;
      for (int i = 0; i < hw; ++i) dwant[p * hw + i] = dy[p] / static_cast<double>(hw);
    }
    for (int threads : {1, 2}) {
      ThreadScope scope(threads);
      GuardedF y = output_buffer(n * c), dx = output_buffer(n * c * hw);
      global_avgpool_forward(n, c, hw, x.data(), y.data());
      global_avgpool_backward(n, c, hw, dy.data(), dx.data());
      EXPECT_TRUE(near(y.data(), want, 1e-6));
      EXPECT_TRUE(near(dx.data(), dwant, 1e-7));
      EXPECT_TRUE(y.guards_intact() && dx.guards_intact());
    }
  }
}

}  // namespace
}  // namespace nos::kernels::test
