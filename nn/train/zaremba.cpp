#include "nn/train/zaremba.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nos::nn {

ZarembaRecipe zaremba_recipe(const std::string& size) {
  if (size == "small") return {};
  if (size == "medium") return {.batch = 20, .bptt = 35, .epochs = 39, .lr = 1.0f, .clip = 5.0f, .decay_start = 6, .decay = 1.0f / 1.2f};
  throw std::invalid_argument("unknown LSTM size '" + size + "' (expected small or medium)");
}

double zaremba_rate(double base, int epoch, int decay_start, double decay) {
  return base * std::pow(decay, std::max(0, epoch - decay_start));
}

LrSchedule zaremba_schedule(float base, int decay_start, float decay) {
  return [=](std::int64_t, int epoch) { return static_cast<float>(zaremba_rate(base, epoch, decay_start, decay)); };
}

}  // namespace nos::nn
