// Zaremba, Sutskever & Vinyals (2014)'s recipe for the word-level PTB LSTM, per model size. It is
// the default of every tool that trains the language model (nos-train, nos-transfer), kept here so
// that the tools cannot drift apart. The rate's per-epoch decay is the optimizer's schedule:
// optim::zaremba_schedule(steps_per_epoch, decay_start, decay) (optim/schedule.h).
#pragma once
#include <cstdint>
#include <string>

namespace nos::nn {

struct ZarembaRecipe {
  std::int64_t batch = 20, bptt = 20;
  int epochs = 13;
  float lr = 1.0f, clip = 5.0f;
  int decay_start = 4;  // the rate is multiplied by `decay` after each epoch past this one
  float decay = 0.5f;
};

// "small": bptt 20, 13 epochs, x0.5 per epoch past the 4th. "medium": bptt 35, 39 epochs, divided
// by 1.2 per epoch past the 6th (the paper's words; TensorFlow's reference model uses x0.8).
// Both: batch 20, lr 1, gradient-norm clip 5. Any other size is an error naming the valid ones.
ZarembaRecipe zaremba_recipe(const std::string& size);

}  // namespace nos::nn
