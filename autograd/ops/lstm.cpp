#include "autograd/ops/lstm.h"

#include <fmt/format.h>

#include <omp.h>

#include "tensor/threads.h"

#include <algorithm>
#include <cstring>

#include "autograd/ops/layout.h"
#include "tensor/kernels/gemm.h"
#include "tensor/kernels/lstm.h"
#include "tensor/ops/matmul.h"

namespace nos::ag {
namespace {
// The per-step products are small ([B, H] x [H, 4H]: 20 x 200 x 800 for PTB "small", ~60 us on
// one core) and strictly sequential in t, so BLAS cannot use a second core on them: split across
// BLAS threads, each product costs a fork and a join, and on a loaded machine every join waits
// for whichever thread was descheduled. The batch rows of a recurrence are independent, though,
// so each thread runs the whole recurrence for its own rows: one fork and one join per layer and
// pass, and a descheduled thread delays only its rows. Inside the region OpenBLAS runs on the
// calling thread.

// Runs body(b0, b1) over contiguous row ranges covering [0, B), one per thread when the whole
// recurrence is worth a parallel region (kLstmSplitMinWork). No more threads than rows, so no
// range is empty.
template <class Body>
void over_batch_rows(std::int64_t T, std::int64_t B, std::int64_t H, const Body& body) {
  const std::int64_t work = T * B * 4 * H * H;
  const int threads =
      work >= kLstmSplitMinWork ? static_cast<int>(std::min<std::int64_t>(omp_get_max_threads(), B)) : 1;
  if (threads <= 1) {
    const ThreadScope one_blas_thread(1);
    body(std::int64_t{0}, B);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t id = omp_get_thread_num(), n = omp_get_num_threads();
    body(B * id / n, B * (id + 1) / n);
  }
}
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
    throw_shape_error("lstm_layer",
                      fmt::format("expects xproj [T*{}, {}] with T >= 1, got {}", B, 4 * H, to_string(xproj.shape())));
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
  over_batch_rows(T, B, H, [&](std::int64_t b0, std::int64_t b1) {
    const std::int64_t rows = b1 - b0;
    for (std::int64_t t = 0; t < T; ++t) {
      float* a = acts.data() + (t * B + b0) * G;
      const float* h_prev = hs.data() + (t * B + b0) * H;
      const float* c_prev = (t == 0 ? c0.value().data() : cs.data() + (t - 1) * B * H) + b0 * H;
      // h_prev W_hh^T, then + x_t: the same two roundings as add(slice(xproj), linear(h, w_hh)).
      kernels::sgemm(false, true, rows, G, H, 1.0f, h_prev, H, w, H, 0.0f, a, G);
      const float* xt = x + (t * B + b0) * G;
      for (std::int64_t k = 0; k < rows * G; ++k) a[k] = xt[k] + a[k];
      kernels::lstm_cell_forward(rows, H, a, c_prev, cs.data() + (t * B + b0) * H, tanh_cs.data() + (t * B + b0) * H,
                                 hs.data() + ((t + 1) * B + b0) * H);
    }
  });

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
    const bool want_dh0 = hn.requires_grad;
    over_batch_rows(T, B, H, [&](std::int64_t b0, std::int64_t b1) {
      const std::int64_t rows = b1 - b0;
      bool have_rec = false;  // no gradient flows back into the last step through h yet
      for (std::int64_t t = T - 1; t >= 0; --t) {
        const float* c_prev = (t == 0 ? cn.value.data() : cs.data() + (t - 1) * B * H) + b0 * H;
        float* dg = dgates.data() + (t * B + b0) * G;
        float* dh = dh_rec.data() + b0 * H;
        kernels::lstm_cell_backward(rows, H, acts.data() + (t * B + b0) * G, c_prev, tanh_cs.data() + (t * B + b0) * H,
                                    dy + (t * B + b0) * H, have_rec ? dh : nullptr, dc.data() + b0 * H, dg);
        if (t > 0 || want_dh0) {  // dh_{t-1} = dgates_t W_hh
          kernels::sgemm(false, false, rows, H, G, 1.0f, dg, G, w, H, 0.0f, dh, H);
          have_rec = true;
        }
      }
    });
    // The weight gradient below is one large product: all threads.
    if (wn.requires_grad) {
      // dW_hh = sum_t dgates_t^T h_{t-1}: one sgemm over all T*B rows, straight into an owned
      // gradient (a parameter's arena view) when there is one.
      const Tensor h_prev = hs.slice0(0, T).reshape({T * B, H});
      if (wn.grad.defined() && wn.grad_owned) matmul_into(wn.grad, dgates, h_prev, true, false, 1.0f, 1.0f);
      else accumulate_grad(wn, matmul(dgates, h_prev, true, false));
    }
    if (hn.requires_grad) accumulate_grad(hn, dh_rec);
    if (cn.requires_grad) accumulate_grad(cn, dc);
    if (xn.requires_grad) accumulate_grad(xn, dgates);
  });
  return {slice(node, 0, 0, T), reshape(slice(node, 0, T - 1, T), {B, H}), reshape(slice(node, 0, T, T + 1), {B, H})};
}

}  // namespace nos::ag
