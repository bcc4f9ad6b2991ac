// Drawing strings of a search space: uniformly (the `random` strategy, the first evolution
// population) and by one-token mutation (the `evolution` strategy). The controller samples with
// its own distribution (rl/controller.h) but through the same masks (search_space.h's allowed()).
#pragma once
#include <random>

#include "search/search_space.h"

namespace nos::search {

// A string drawn uniformly among the allowed choices at each position (the `random` strategy).
Choices sample_uniform(const SearchSpace& s, std::mt19937_64& rng);

// A string one token away, for the `evolution` strategy: one position takes another allowed
// choice (uniformly), and any later position the change made forbidden is redrawn uniformly among
// its allowed choices. The parent must pass check(); so does the child, and it differs from it
// (unless no position has a second allowed choice, when the parent is returned).
Choices mutate(const SearchSpace& s, const Choices& parent, std::mt19937_64& rng);

// Uniform double in [0, 1) from 53 random bits: the same on every standard library.
inline double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace nos::search
