// The synthetic reward: a stand-in for the child network, for tests and for exercising the whole
// search loop (workers, cache, resume, MPI) in seconds. It is NOT a measure of an optimizer.
//
// Reward 1 when the rule's canonical form uses both `exp` and `sign_m` (the synthetic
// task: PowerSign's ingredients), else 0. It reads the canonical form, not the sampled string, so
// rules the cache treats as one get one reward, as with the real reward.
#pragma once
#include "apps/search/reward/reward.h"
#include "dslc/compile.h"

namespace nos::search {

// The reward of a compiled rule (its canonical prefix form); `delay_seconds` of sleep to look like
// work. (A rule that does not compile never gets here: Evaluator::evaluate reports it "invalid".)
Evaluation synthetic_evaluation(const dslc::Compiled& rule, double delay_seconds);

}  // namespace nos::search
