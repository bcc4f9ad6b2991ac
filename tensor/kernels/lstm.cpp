#include "tensor/kernels/lstm.h"

#include "tensor/kernels/fast_math.h"

namespace nos::kernels {

// A step of the PTB "small" model is 20 x 200: far too little work to split across threads, so
// these loops are single-threaded and vectorised along the hidden units.
void lstm_cell_forward(std::int64_t batch, std::int64_t hidden, float* gates, const float* c_prev, float* c,
                       float* tanh_c, float* h) {
  const std::int64_t H = hidden;
  for (std::int64_t b = 0; b < batch; ++b) {
    float* __restrict gi = gates + b * 4 * H;
    float* __restrict gf = gi + H;
    float* __restrict gg = gi + 2 * H;
    float* __restrict go = gi + 3 * H;
    const float* __restrict cp = c_prev + b * H;
    float* __restrict cb = c + b * H;
    float* __restrict tb = tanh_c + b * H;
    float* __restrict hb = h + b * H;
    // Two passes: GCC contracts a*b + c*d into an fma, which rounds differently from the
    // composed graph (ag::add(ag::mul(f, c), ag::mul(i, g)) rounds both products). Storing the
    // products first keeps each rounding; the second pass only adds them.
#pragma omp simd
    for (std::int64_t j = 0; j < H; ++j) {
      const float i = fast_sigmoid(gi[j]), f = fast_sigmoid(gf[j]), g = fast_tanh(gg[j]), o = fast_sigmoid(go[j]);
      gi[j] = i;
      gf[j] = f;
      gg[j] = g;
      go[j] = o;
      cb[j] = f * cp[j];
      tb[j] = i * g;
    }
#pragma omp simd
    for (std::int64_t j = 0; j < H; ++j) {
      const float cn = cb[j] + tb[j];
      const float tc = fast_tanh(cn);
      cb[j] = cn;
      tb[j] = tc;
      hb[j] = go[j] * tc;
    }
  }
}

void lstm_cell_backward(std::int64_t batch, std::int64_t hidden, const float* gates, const float* c_prev,
                        const float* tanh_c, const float* dh_out, const float* dh_rec, float* dc, float* dgates) {
  const std::int64_t H = hidden;
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* __restrict gi = gates + b * 4 * H;
    const float* __restrict gf = gi + H;
    const float* __restrict gg = gi + 2 * H;
    const float* __restrict go = gi + 3 * H;
    const float* __restrict cp = c_prev + b * H;
    const float* __restrict tb = tanh_c + b * H;
    const float* __restrict dho = dh_out + b * H;
    const float* __restrict dhr = dh_rec ? dh_rec + b * H : nullptr;
    float* __restrict dcb = dc + b * H;
    float* __restrict di = dgates + b * 4 * H;
    float* __restrict df = di + H;
    float* __restrict dg = di + 2 * H;
    float* __restrict dox = di + 3 * H;
    if (dhr) {
#pragma omp simd
      for (std::int64_t j = 0; j < H; ++j) {
        const float i = gi[j], f = gf[j], g = gg[j], o = go[j], tc = tb[j];
        const float dh = dho[j] + dhr[j];
        const float dcn = dcb[j] + dh * o * (1.0f - tc * tc);
        dox[j] = dh * tc * o * (1.0f - o);
        di[j] = dcn * g * i * (1.0f - i);
        dg[j] = dcn * i * (1.0f - g * g);
        df[j] = dcn * cp[j] * f * (1.0f - f);
        dcb[j] = dcn * f;
      }
    } else {
#pragma omp simd
      for (std::int64_t j = 0; j < H; ++j) {
        const float i = gi[j], f = gf[j], g = gg[j], o = go[j], tc = tb[j];
        const float dh = dho[j];
        const float dcn = dcb[j] + dh * o * (1.0f - tc * tc);
        dox[j] = dh * tc * o * (1.0f - o);
        di[j] = dcn * g * i * (1.0f - i);
        dg[j] = dcn * i * (1.0f - g * g);
        df[j] = dcn * cp[j] * f * (1.0f - f);
        dcb[j] = dcn * f;
      }
    }
  }
}

}  // namespace nos::kernels
