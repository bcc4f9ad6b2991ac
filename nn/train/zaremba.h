// Zaremba, Sutskever & Vinyals (2014)'s recipe for the word-level PTB LSTM, per model size. It is
// the default of every tool that trains the language model (nos-train, nos-transfer), kept here so
// that the tools cannot drift apart.
#pragma once
#include <cstdint>
#include <string>

#include "nn/train/train.h"

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

// base * decay^max(0, epoch - decay_start): the rate of every step of a 1-based epoch.
double zaremba_rate(double base, int epoch, int decay_start, double decay);
LrSchedule zaremba_schedule(float base, int decay_start, float decay);

}  // namespace nos::nn
