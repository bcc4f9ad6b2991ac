#include "autograd/ops/lstm.h"

#include <fmt/format.h>

#include <omp.h>

#include <cstring>
#include <optional>

#include "autograd/ops/layout.h"
#include "tensor/kernels/gemm.h"
#include "tensor/kernels/lstm.h"
#include "tensor/ops/matmul.h"

namespace nos::ag {
namespace {
// The per-step products are small ([B, H] x [H, 4H]: 20 x 200 x 800 for PTB "small", ~60 us on
// one core). Split across threads, each costs a fork and a join, and on a loaded machine a
// two-thread region waits for whichever thread was descheduled; so the recurrence runs its
// products on one thread (OpenBLAS follows the calling thread's omp_get_max_threads()).
struct OneBlasThread {
  int saved = omp_get_max_threads();
  OneBlasThread() { omp_set_num_threads(1); }
  ~OneBlasThread() { omp_set_num_threads(saved); }
  OneBlasThread(const OneBlasThread&) = delete;
  OneBlasThread& operator=(const OneBlasThread&) = delete;
};
}  // namespace

LstmLayerOutput lstm_layer(const Var& xproj, const Var& w_hh, const Var& h0, const Var& c0) {
  if (w_hh.value().dim() != 2 || w_hh.shape()[0] != 4 * w_hh.shape()[1])
    throw_shape_error("lstm_layer", fmt::format("expects w_hh [4H, H], got {}", to_string(w_hh.shape())));
  const std::int64_t H = w_hh.shape()[1];
  if (h0.value().dim() != 2 || h0.shape()[1] != H || c0.shape() != h0.shape())
    throw_shape_error("lstm_layer", fmt::format("expects h0 and c0 [B, {}], got {} and {}", H, to_string(h0.shape()),
                                                to_string(c0.shape())));
  const std::int64_t B = h0.shape()[0];
  if (xproj.value().dim() != 2 || xproj.shape()[1] != 4 * H || B == 0 || xproj.shape()[0] % B != 0 ||
      xproj.shape()[0] == 0)
    throw_shape_error("lstm_layer", fmt::format("expects xproj [T*{}, {}] with T >= 1, got {}", B, 4 * H,
                                                to_string(xproj.shape())));
  const std::int64_t T = xproj.shape()[0] / B, G = 4 * H;

  // Saved for the backward pass: gate activations, c and tanh(c) of every step, and h of every
  // step behind h0 (hs row 0 is h0), so that hs[0, T) is the stack of every step's h_{t-1}.
  Tensor acts = Tensor::empty({T, B, G});
  Tensor cs = Tensor::empty({T, B, H});
  Tensor tanh_cs = Tensor::empty({T, B, H});
  Tensor hs = Tensor::empty({T + 1, B, H});
  std::memcpy(hs.data(), h0.value().data(), sizeof(float) * B * H);
  const float* x = xproj.value().data();
  const float* w = w_hh.value().data();
  std::optional<OneBlasThread> one_thread(std::in_place);
  for (std::int64_t t = 0; t < T; ++t) {
    float* a = acts.data() + t * B * G;
    const float* h_prev = hs.data() + t * B * H;
    const float* c_prev = t == 0 ? c0.value().data() : cs.data() + (t - 1) * B * H;
    // h_prev W_hh^T, then + x_t: the same two roundings as add(slice(xproj), linear(h, w_hh)).
    kernels::sgemm(false, true, B, G, H, 1.0f, h_prev, H, w, H, 0.0f, a, G);
    const float* xt = x + t * B * G;
    for (std::int64_t k = 0; k < B * G; ++k) a[k] = xt[k] + a[k];
    kernels::lstm_cell_forward(B, H, a, c_prev, cs.data() + t * B * H, tanh_cs.data() + t * B * H,
                               hs.data() + (t + 1) * B * H);
  }
  one_thread.reset();

  // One node whose value packs every step's h (rows 0..T-1) and the last c (row T); the three
  // results are slices of it, so a gradient into any of them reaches the recurrence.
  Tensor packed = Tensor::empty({T + 1, B, H});
  std::memcpy(packed.data(), hs.data() + B * H, sizeof(float) * T * B * H);
  std::memcpy(packed.data() + T * B * H, cs.data() + (T - 1) * B * H, sizeof(float) * B * H);

  Var node = record("lstm_layer", packed, {xproj, w_hh, h0, c0}, [acts, cs, tanh_cs, hs, T, B, H, G](Node& n) {
    Node& xn = *n.inputs[0];
    Node& wn = *n.inputs[1];
    Node& hn = *n.inputs[2];
    Node& cn = *n.inputs[3];
    const float* dy = n.grad.data();
    const float* w = wn.value.data();
    Tensor dgates = Tensor::empty({T * B, G});
    Tensor dc = Tensor::empty({B, H});
    std::memcpy(dc.data(), dy + T * B * H, sizeof(float) * B * H);  // the gradient into the last c
    Tensor dh_rec = Tensor::empty({B, H});
    bool have_rec = false;  // no gradient flows back into the last step through h yet
    std::optional<OneBlasThread> one_thread(std::in_place);
    for (std::int64_t t = T - 1; t >= 0; --t) {
      const float* c_prev = t == 0 ? cn.value.data() : cs.data() + (t - 1) * B * H;
      float* dg = dgates.data() + t * B * G;
      kernels::lstm_cell_backward(B, H, acts.data() + t * B * G, c_prev, tanh_cs.data() + t * B * H, dy + t * B * H,
                                  have_rec ? dh_rec.data() : nullptr, dc.data(), dg);
      if (t > 0 || hn.requires_grad) {  // dh_{t-1} = dgates_t W_hh
        kernels::sgemm(false, false, B, H, G, 1.0f, dg, G, w, H, 0.0f, dh_rec.data(), H);
        have_rec = true;
      }
    }
    one_thread.reset();  // the weight gradient below is one large product: all threads
    if (wn.requires_grad) {
      // dW_hh = sum_t dgates_t^T h_{t-1}: one sgemm over all T*B rows, straight into an owned
      // gradient (a parameter's arena view) when there is one.
      const Tensor h_prev = hs.slice0(0, T).reshape({T * B, H});
      if (wn.grad.defined() && wn.grad_owned)
        matmul_into(wn.grad, dgates, h_prev, true, false, 1.0f, 1.0f);
      else
        accumulate_grad(wn, matmul(dgates, h_prev, true, false));
    }
    if (hn.requires_grad) accumulate_grad(hn, dh_rec);
    if (cn.requires_grad) accumulate_grad(cn, dc);
    if (xn.requires_grad) accumulate_grad(xn, dgates);
  });
  return {slice(node, 0, 0, T), reshape(slice(node, 0, T - 1, T), {B, H}), reshape(slice(node, 0, T, T + 1), {B, H})};
}

}  // namespace nos::ag
