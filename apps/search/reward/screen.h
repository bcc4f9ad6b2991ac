// Screening before training (ENOS-style): a few microseconds-to-milliseconds of the rule's own JIT
// kernel on probe gradients tell apart rules that cannot train the child network at any rate, so
// the search does not spend seconds to minutes of training on them. Only what is certain is
// rejected (the thresholds were tuned on the calibration set so that no rule scoring above chance
// there is rejected: apps/search/results/screen-2026-12-07.md):
//   - not finite: an update of inf or NaN at child-network gradient scales (|g| ~ 1e-2) makes the
//     weights non-finite at the first step, whatever the rate;
//   - ascent: of the coordinates it moves, clearly fewer move down the gradient than up it, at both
//     probe scales (1e-2 and 1), after a warm-up of the state;
//   - inert: it moves no coordinate, or its update does not change when the gradient does.
// The probes use lr 1, weights reset before every step to fixed N(0, 0.05²) values (where a rule
// that reads w will run: at w = 0, g*w looks inert and exp(g/(w+eps)) infinite), and N(0, scale²)
// gradients, all from a fixed seed, so a rule's verdict is the same on every run and machine.
#pragma once
#include <string>

#include "jit/kernel.h"

namespace nos::search {

struct ScreenProbe {
  double scale = 0;       // the probe gradients' standard deviation
  double along = 0;       // of the coordinates the update moves, the fraction with update·g > 0
  double moved = 0;       // fraction of coordinates with a nonzero update
  bool finite = true;     // every update finite
  bool responds = false;  // the update changes when the gradient does (same state, other gradient)
};

struct Screen {
  ScreenProbe small, unit;  // scales 1e-2 and 1
  std::string reject;       // empty: train it; else why not ("ascent: ...")
};

// Below this fraction of descending coordinates at both scales, a rule is an ascent rule.
inline constexpr double kAscentBelow = 0.3;

Screen screen_rule(const jit::Kernel& kernel);

}  // namespace nos::search
