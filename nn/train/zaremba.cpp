#include "nn/train/zaremba.h"

#include <stdexcept>

namespace nos::nn {

ZarembaRecipe zaremba_recipe(const std::string& size) {
  if (size == "small") return {};
  if (size == "medium")
    return {.batch = 20, .bptt = 35, .epochs = 39, .lr = 1.0f, .clip = 5.0f, .decay_start = 6, .decay = 1.0f / 1.2f};
  throw std::invalid_argument("unknown LSTM size '" + size + "' (expected small or medium)");
}

}  // namespace nos::nn
