// Batch norm kernels against double-precision references (PyTorch's BatchNorm2d semantics).
#include "tensor/kernels/batchnorm.h"

#include "tests/tensor/kernels/test_util.h"

namespace nos::kernels::test {
namespace {

void check_shape(const BatchNormShape& s, bool affine, std::uint32_t seed) {
  SCOPED_TRACE(testing::Message() << "n=" << s.n << " c=" << s.c << " hw=" << s.hw << " affine=" << affine);
  std::mt19937 rng(seed);
  const std::size_t total = s.n * s.c * s.hw;
  const double m = static_cast<double>(s.n * s.hw);
  const float momentum = 0.1f, eps = 1e-5f;
  GuardedF x(total), dy(total), gamma(s.c), beta(s.c), rm0(s.c), rv0(s.c);
  fill_uniform(x, rng, 2.0f, 5.0f);  // an offset mean checks the variance is not E[x^2]-E[x]^2 naive
  fill_uniform(dy, rng);
  fill_uniform(gamma, rng, 0.5f, 1.5f);
  fill_uniform(beta, rng);
  fill_uniform(rm0, rng);
  fill_uniform(rv0, rng, 0.5f, 2.0f);
  auto at = [&](std::int64_t n, std::int64_t c, std::int64_t i) { return (n * s.c + c) * s.hw + i; };

  std::vector<double> mean(s.c, 0.0), var(s.c, 0.0), inv(s.c), y(total), rm(s.c), rv(s.c), ye(total);
  std::vector<double> dx(total), dg(s.c, 0.0), db(s.c, 0.0);
  for (std::int64_t c = 0; c < s.c; ++c) {
    for (std::int64_t n = 0; n < s.n; ++n)
      for (std::int64_t i = 0; i < s.hw; ++i) mean[c] += x[at(n, c, i)];
    mean[c] /= m;
    for (std::int64_t n = 0; n < s.n; ++n)
      for (std::int64_t i = 0; i < s.hw; ++i) var[c] += (x[at(n, c, i)] - mean[c]) * (x[at(n, c, i)] - mean[c]);
    var[c] /= m;
    inv[c] = 1.0 / std::sqrt(var[c] + eps);
    const double g = affine ? gamma[c] : 1.0, b = affine ? beta[c] : 0.0;
    rm[c] = (1 - momentum) * rm0[c] + momentum * mean[c];
    rv[c] = (1 - momentum) * rv0[c] + momentum * (m > 1 ? var[c] * m / (m - 1) : var[c]);
    const double einv = 1.0 / std::sqrt(static_cast<double>(rv0[c]) + eps);
    for (std::int64_t n = 0; n < s.n; ++n)
      for (std::int64_t i = 0; i < s.hw; ++i) {
        const std::int64_t k = at(n, c, i);
        const double xh = (x[k] - mean[c]) * inv[c];
        y[k] = g * xh + b;
        ye[k] = g * (x[k] - rm0[c]) * einv + b;
        db[c] += dy[k];
        dg[c] += dy[k] * xh;
      }
    for (std::int64_t n = 0; n < s.n; ++n)
      for (std::int64_t i = 0; i < s.hw; ++i) {
        const std::int64_t k = at(n, c, i);
        const double xh = (x[k] - mean[c]) * inv[c];
        dx[k] = g * inv[c] / m * (m * dy[k] - db[c] - xh * dg[c]);
      }
  }

  std::vector<float> first;
  for (int threads : {1, 2}) {
    ThreadScope scope(threads);
    GuardedF yo = output_buffer(total), ys = output_buffer(total), rmo = rm0, rvo = rv0;
    GuardedF sm = output_buffer(s.c), si = output_buffer(s.c);
    GuardedF dxo = output_buffer(total), dgo = output_buffer(s.c), dbo = output_buffer(s.c);
    const float* g = affine ? gamma.data() : nullptr;
    const float* b = affine ? beta.data() : nullptr;
    batchnorm2d_forward_train(s, x.data(), g, b, rmo.data(), rvo.data(), momentum, eps, yo.data(), sm.data(),
                              si.data());
    batchnorm2d_forward_eval(s, x.data(), g, b, rm0.data(), rv0.data(), eps, ys.data());
    batchnorm2d_backward(s, x.data(), dy.data(), g, sm.data(), si.data(), dxo.data(), dgo.data(), dbo.data());
    EXPECT_TRUE(near(yo.data(), y, 2e-5));
    EXPECT_TRUE(near(ys.data(), ye, 2e-5));
    EXPECT_TRUE(near(sm.data(), mean, 1e-5));
    EXPECT_TRUE(near(si.data(), inv, 0.0, 1e-5));
    EXPECT_TRUE(near(rmo.data(), rm, 1e-6));
    EXPECT_TRUE(near(rvo.data(), rv, 1e-6));
    EXPECT_TRUE(near(dxo.data(), dx, 1e-4));
    EXPECT_TRUE(near(dgo.data(), dg, 1e-5 * m));
    EXPECT_TRUE(near(dbo.data(), db, 1e-5 * m));
    for (const GuardedF* q : {&yo, &ys, &rmo, &rvo, &sm, &si, &dxo, &dgo, &dbo}) EXPECT_TRUE(q->guards_intact());
    std::vector<float> all(yo.data(), yo.data() + total);
    all.insert(all.end(), dxo.data(), dxo.data() + total);
    all.insert(all.end(), dgo.data(), dgo.data() + s.c);
    if (threads == 1) {
      first = all;
    } else {
      EXPECT_EQ(max_abs_diff(first.data(), all.data(), all.size()), 0.0);
    }
    // dx only, no parameter gradients.
    GuardedF dx2 = output_buffer(total);
    batchnorm2d_backward(s, x.data(), dy.data(), g, sm.data(), si.data(), dx2.data(), nullptr, nullptr);
    EXPECT_EQ(max_abs_diff(dx2.data(), dxo.data(), total), 0.0);
  }
}

TEST(kernels_batchnorm, Shapes) {
  check_shape({2, 3, 25}, true, 1);
  check_shape({1, 4, 7}, true, 2);
  check_shape({5, 1, 1}, true, 3);
  check_shape({3, 5, 13}, false, 4);
  check_shape({64, 32, 256}, true, 5);  // large enough for the parallel path
  check_shape({7, 33, 81}, true, 6);
}

}  // namespace
}  // namespace nos::kernels::test
