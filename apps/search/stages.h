// The stages of a multi-fidelity search (--stage, repeated; funnel.h runs them). Stage 0 scores
// every sample and is what the strategy learns from; each later stage re-scores the best rules of
// the stage before it at a higher fidelity:
//
//   --stage proxy:train=1000,val=1000,rates=1e-3/1e-2/1e-1,final-epochs=1   every sample
//   --stage full:keep=0.1                  the best 10% of each window of samples, at the flags' protocol
//   --stage final:seeds=3,top=5            at the end, the 5 best by `full`, at 3 seeds
//
// A stage is a fidelity spec (fidelity.h) derived from the run's flags, plus how it promotes:
// keep=F (0 < F < 1: that fraction of each window's samples, rounded up), keep=N (N of each
// window) or top=N (once the budget is spent, the N best overall). Windows are
// --promote-every consecutive samples. Without --stage the run has one stage, its flags'
// protocol, named "base".
#pragma once
#include <string>
#include <vector>

#include "apps/search/fidelity.h"

namespace nos::search {

struct SearchConfig;

struct Stage {
  Fidelity fidelity;
  double keep_fraction = 0;  // in (0, 1), or 0
  int keep_count = 0;        // >= 1, or 0
  int top = 0;               // >= 1, or 0
  bool at_end() const { return top > 0; }
  // How many of a window of `window` samples go on (keep_*), at least 1.
  int keep_of(int window) const;
};

// The run's stages, stage 0 first. Throws std::invalid_argument naming --stage and the spec: a
// first stage that promotes or has several seeds, a later one without exactly one of keep and
// top, a keep stage after a top stage, two stages of one name.
std::vector<Stage> search_stages(const SearchConfig& c);

// The stage spec that reads back to `s` (fidelity_spec plus its promotion key).
std::string stage_spec(const Stage& s);

}  // namespace nos::search
