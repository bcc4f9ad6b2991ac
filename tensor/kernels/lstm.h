// The pointwise part of an LSTM cell (gate nonlinearities, cell and hidden state) in one pass,
// forward and backward. The matrix products around it (input and recurrent projections, weight
// gradients) are sgemm calls made by the caller (autograd/ops/lstm.h).
//
// Gates are laid out per row as [i | f | g | o], each `hidden` wide (PyTorch's order):
//   i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
//   c = f * c_prev + i * g,  h = o * tanh(c)
// The arithmetic is the same, operation by operation, as composing ag::sigmoid/tanh/mul/add, so
// the fused forward gives bitwise the same h and c as the composed graph.
#pragma once
#include <cstdint>

namespace nos::kernels {

// gates [batch, 4*hidden]: pre-activations in, activations (i, f, g, o) out. c_prev, c, tanh_c,
// h: [batch, hidden]. tanh_c keeps tanh(c) for the backward pass.
void lstm_cell_forward(std::int64_t batch, std::int64_t hidden, float* gates, const float* c_prev, float* c,
                       float* tanh_c, float* h);

// From the saved activations (gates), c_prev and tanh_c of one step, and the gradient reaching h
// from above (dh_out) and through the recurrence (dh_rec, may be null for none):
//   dgates [batch, 4*hidden] receives d loss / d pre-activations;
//   dc [batch, hidden] holds d loss / d c on entry and d loss / d c_prev on return.
void lstm_cell_backward(std::int64_t batch, std::int64_t hidden, const float* gates, const float* c_prev,
                        const float* tanh_c, const float* dh_out, const float* dh_rec, float* dc, float* dgates);

}  // namespace nos::kernels
