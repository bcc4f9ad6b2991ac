// One LSTM layer over a whole sequence as a single autograd node.
//
// Composed from sigmoid/tanh/mul/add/slice, a 2x200 LSTM over 35 steps records ~700 nodes, each
// allocating its output and gradient; here the recurrence runs in one forward loop (a small sgemm
// and the fused cell kernel per step, tensor/kernels/lstm.h) and one backward loop (the fused cell
// backward and a small sgemm per step), and the recurrent weight gradient is one sgemm over all
// steps at the end instead of one per step.
#pragma once
#include "autograd/var.h"

namespace nos::ag {

struct LstmLayerOutput {
  Var out;  // [T, B, H]: h of every step
  Var h;    // [B, H]: h after the last step
  Var c;    // [B, H]: c after the last step
};

// xproj [T*B, 4H]: the input projections x_t W_ih^T + bias of all steps (row t*B + b), gates in the
// order i, f, g, o; w_hh [4H, H]; h0, c0 [B, H]. Any of them may require a gradient.
LstmLayerOutput lstm_layer(const Var& xproj, const Var& w_hh, const Var& h0, const Var& c0);

// Each thread runs the recurrence for its own batch rows when a pass has at least this many
// multiply-adds in its per-step products (T * B * 4H * H); below it one thread does all rows.
inline constexpr std::int64_t kLstmSplitMinWork = 1 << 17;

}  // namespace nos::ag
