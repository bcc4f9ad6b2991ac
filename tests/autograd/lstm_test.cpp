// The fused LSTM layer (autograd/ops/lstm.h) against finite differences, and against the same
// recurrence composed from the elementary ops (linear, slice, sigmoid, tanh, mul, add).
#include <gtest/gtest.h>

#include "autograd/autograd.h"
#include "tests/autograd/gradcheck.h"
#include "tests/threads.h"

namespace nos {
namespace {

using ag::Var;
using test::gradcheck;
using test::random_tensor;

// The recurrence written with one op per gate, as nn::Lstm did before the fused node.
ag::LstmLayerOutput composed_layer(const Var& xproj, const Var& w_hh, const Var& h0, const Var& c0) {
  const std::int64_t B = h0.shape()[0], H = h0.shape()[1], T = xproj.shape()[0] / B;
  Var h = h0, c = c0;
  std::vector<Var> outs;
  for (std::int64_t t = 0; t < T; ++t) {
    Var gates = ag::add(ag::slice(xproj, 0, t * B, (t + 1) * B), ag::linear(h, w_hh, Var()));
    Var i = ag::sigmoid(ag::slice(gates, 1, 0, H));
    Var f = ag::sigmoid(ag::slice(gates, 1, H, 2 * H));
    Var g = ag::tanh(ag::slice(gates, 1, 2 * H, 3 * H));
    Var o = ag::sigmoid(ag::slice(gates, 1, 3 * H, 4 * H));
    c = ag::add(ag::mul(f, c), ag::mul(i, g));
    h = ag::mul(o, ag::tanh(c));
    outs.push_back(ag::reshape(h, {1, B, H}));
  }
  return {ag::concat(outs, 0), h, c};
}

struct Inputs {
  Var xproj, w_hh, h0, c0;
};
Inputs make_inputs(std::int64_t T, std::int64_t B, std::int64_t H, unsigned seed) {
  std::mt19937 rng(seed);
  return {Var(random_tensor({T * B, 4 * H}, rng, -2.0f, 2.0f), true),
          Var(random_tensor({4 * H, H}, rng, -0.8f, 0.8f), true), Var(random_tensor({B, H}, rng), true),
          Var(random_tensor({B, H}, rng), true)};
}

// Element by element within atol + rtol * |want|.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, float atol, float rtol,
                  const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], atol + rtol * std::abs(want[i])) << what << " " << i;
}

// Every result feeds the checked scalar, so the gradients through out, the last h and the last c
// are all checked (each reaches every input through the recurrence).
Var all_results(const ag::LstmLayerOutput& r) {
  return ag::concat({ag::reshape(r.out, {-1}), ag::reshape(r.h, {-1}), ag::reshape(r.c, {-1})}, 0);
}

TEST(LstmLayer, GradientsMatchFiniteDifferences) {
  const Inputs in = make_inputs(4, 3, 5, 11);
  gradcheck([](const std::vector<Var>& v) { return all_results(ag::lstm_layer(v[0], v[1], v[2], v[3])); },
            {in.xproj, in.w_hh, in.h0, in.c0}, {.eps = 1e-2f, .atol = 2e-3f, .rtol = 1e-2f});
}

TEST(LstmLayer, OneStepAndOnlyTheSequenceOutput) {
  const Inputs one = make_inputs(1, 2, 3, 12);
  gradcheck([](const std::vector<Var>& v) { return all_results(ag::lstm_layer(v[0], v[1], v[2], v[3])); },
            {one.xproj, one.w_hh, one.h0, one.c0}, {.eps = 1e-2f, .atol = 2e-3f, .rtol = 1e-2f});
  const Inputs in = make_inputs(3, 2, 4, 13);
  gradcheck([](const std::vector<Var>& v) { return ag::lstm_layer(v[0], v[1], v[2], v[3]).out; },
            {in.xproj, in.w_hh, in.h0, in.c0}, {.eps = 1e-2f, .atol = 2e-3f, .rtol = 1e-2f});
}

TEST(LstmLayer, ConstantStateAndWeights) {
  // A detached state (truncated BPTT) and a frozen recurrent weight get no gradient; the rest does.
  Inputs in = make_inputs(3, 2, 4, 14);
  const Var h0(in.h0.value()), c0(in.c0.value()), w(in.w_hh.value());
  gradcheck([&](const std::vector<Var>& v) { return all_results(ag::lstm_layer(v[0], w, h0, c0)); }, {in.xproj},
            {.eps = 1e-2f, .atol = 2e-3f, .rtol = 1e-2f});
}

TEST(LstmLayer, SameValuesAndGradientsAsTheComposedOps) {
  const std::int64_t T = 7, B = 3, H = 16;  // H of 16 lanes and more: the vector path of the cell kernel
  const Inputs a = make_inputs(T, B, H, 21);
  const Inputs b{Var(a.xproj.value().clone(), true), Var(a.w_hh.value().clone(), true), Var(a.h0.value().clone(), true),
                 Var(a.c0.value().clone(), true)};
  const ag::LstmLayerOutput fused = ag::lstm_layer(a.xproj, a.w_hh, a.h0, a.c0);
  const ag::LstmLayerOutput ref = composed_layer(b.xproj, b.w_hh, b.h0, b.c0);
  // The forward pass does the same float operations in the same order: bitwise equal.
  EXPECT_EQ(fused.out.value().to_vector(), ref.out.value().to_vector());
  EXPECT_EQ(fused.h.value().to_vector(), ref.h.value().to_vector());
  EXPECT_EQ(fused.c.value().to_vector(), ref.c.value().to_vector());

  std::mt19937 rng(5);
  const Var wout(random_tensor(fused.out.shape(), rng)), wh(random_tensor({B, H}, rng)), wc(random_tensor({B, H}, rng));
  auto loss = [&](const ag::LstmLayerOutput& r) {
    return ag::add(ag::add(ag::sum(ag::mul(r.out, wout)), ag::sum(ag::mul(r.h, wh))), ag::sum(ag::mul(r.c, wc)));
  };
  ag::backward(loss(fused));
  ag::backward(loss(ref));
  // Gradients are summed in a different order (dW_hh in one sgemm over all steps): close, not equal.
  expect_close(a.xproj.grad().to_vector(), b.xproj.grad().to_vector(), 1e-5f, 1e-4f, "xproj");
  expect_close(a.w_hh.grad().to_vector(), b.w_hh.grad().to_vector(), 1e-5f, 1e-4f, "w_hh");
  expect_close(a.h0.grad().to_vector(), b.h0.grad().to_vector(), 1e-5f, 1e-4f, "h0");
  expect_close(a.c0.grad().to_vector(), b.c0.grad().to_vector(), 1e-5f, 1e-4f, "c0");
}

TEST(LstmLayer, BatchRowsSplitAcrossThreadsGiveTheSameResult) {
  // Large enough for the per-thread recurrences; 5 rows over 3 threads: uneven row ranges.
  const std::int64_t T = 6, B = 5, H = 40;
  ASSERT_GE(T * B * 4 * H * H, ag::kLstmSplitMinWork) << "too small to take the threaded path";
  const Inputs a = make_inputs(T, B, H, 41);
  std::mt19937 rng(6);
  const Tensor wout = random_tensor({T, B, H}, rng), wh = random_tensor({B, H}, rng), wc = random_tensor({B, H}, rng);
  struct Result {
    std::vector<float> out, h, c, dx, dw, dh0, dc0;
  };
  auto run = [&](int threads) {
    const test::ThreadScope scope(threads);
    const Inputs in{Var(a.xproj.value().clone(), true), Var(a.w_hh.value().clone(), true),
                    Var(a.h0.value().clone(), true), Var(a.c0.value().clone(), true)};
    const ag::LstmLayerOutput r = ag::lstm_layer(in.xproj, in.w_hh, in.h0, in.c0);
    ag::backward(ag::add(ag::add(ag::sum(ag::mul(r.out, Var(wout))), ag::sum(ag::mul(r.h, Var(wh)))),
                         ag::sum(ag::mul(r.c, Var(wc)))));
    return Result{r.out.value().to_vector(),   r.h.value().to_vector(),    r.c.value().to_vector(),
                  in.xproj.grad().to_vector(), in.w_hh.grad().to_vector(), in.h0.grad().to_vector(),
                  in.c0.grad().to_vector()};
  };
  if (!test::threads_granted(2)) GTEST_SKIP() << "OpenMP gives this process one thread (OMP_THREAD_LIMIT?)";
  const Result one = run(1), three = run(3);
  const float atol = 1e-6f, rtol = 1e-5f;
  expect_close(three.out, one.out, atol, rtol, "out");
  expect_close(three.h, one.h, atol, rtol, "h");
  expect_close(three.c, one.c, atol, rtol, "c");
  expect_close(three.dx, one.dx, atol, rtol, "d xproj");
  expect_close(three.dw, one.dw, atol, rtol, "d w_hh");
  expect_close(three.dh0, one.dh0, atol, rtol, "d h0");
  expect_close(three.dc0, one.dc0, atol, rtol, "d c0");
}

TEST(LstmLayer, RejectsMismatchedShapes) {
  const Inputs in = make_inputs(2, 3, 4, 31);
  EXPECT_THROW(ag::lstm_layer(in.xproj, Var(Tensor::zeros({4 * 4, 5})), in.h0, in.c0), std::invalid_argument);
  EXPECT_THROW(ag::lstm_layer(Var(Tensor::zeros({7, 16})), in.w_hh, in.h0, in.c0), std::invalid_argument);
  EXPECT_THROW(ag::lstm_layer(in.xproj, in.w_hh, in.h0, Var(Tensor::zeros({3, 5}))), std::invalid_argument);
}

}  // namespace
}  // namespace nos
