// Fidelity specs (--stage, --rung): what each key sets, the errors a user sees, the round trip
// through fidelity_spec, and that the base fidelity's protocol is the run's reward_protocol.
#include "apps/search/fidelity.h"

#include <gtest/gtest.h>

#include "apps/search/config.h"

namespace nos::search {
namespace {

std::string error_of(const std::string& spec) {
  try {
    (void)parse_fidelity(spec, base_fidelity(SearchConfig{}), "--stage");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Fidelity, KeysOverrideTheBaseAndTheRestIsKept) {
  SearchConfig c;
  c.child_batch = 50;
  c.reward_seed = 7;
  const Fidelity f = parse_fidelity("proxy:train=1000,val=500,rates=1e-3/0.01/0.1,final-epochs=1,seeds=3",
                                    base_fidelity(c), "--stage");
  EXPECT_EQ(f.name, "proxy");
  EXPECT_EQ(f.train_images, 1000);
  EXPECT_EQ(f.val_images, 500);
  EXPECT_EQ(f.reward.sweep_rates, (std::vector<double>{1e-3, 1e-2, 1e-1}));
  EXPECT_EQ(f.reward.sweep_epochs, 1);
  EXPECT_EQ(f.reward.final_epochs, 1);
  EXPECT_EQ(f.reward.batch, 50);  // from the base
  EXPECT_EQ(f.seeds, 3);
  EXPECT_EQ(reward_of(f, 2).seed, 9u);  // seed k trains with reward seed base + k
  const Fidelity full = parse_fidelity("full", base_fidelity(c), "--stage");
  EXPECT_EQ(full.reward.sweep_rates, paper_rates());
  EXPECT_EQ(full.train_images, 10000);
  EXPECT_EQ(full.seeds, 1);
}

TEST(Fidelity, BadSpecsNameTheFlagTheSpecAndTheProblem) {
  EXPECT_EQ(error_of(":train=10"), "--stage ':train=10': expected NAME or NAME:key=value,...");
  EXPECT_EQ(error_of("a b"), "--stage 'a b': the name 'a b' may hold letters, digits, '-', '_' and '.' only");
  EXPECT_EQ(error_of("p:train=0"), "--stage 'p:train=0': train=0: expected a positive integer");
  EXPECT_EQ(error_of("p:train=1e3"), "--stage 'p:train=1e3': train=1e3: expected a positive integer");
  EXPECT_EQ(error_of("p:rates=0.1/-1"), "--stage 'p:rates=0.1/-1': rates=-1: expected a positive number");
  EXPECT_EQ(error_of("p:epochs=2"),
            "--stage 'p:epochs=2': unknown key 'epochs' (keys: train, val, rates, sweep-epochs, final-epochs, batch, "
            "seeds, sweep-halving)");
  EXPECT_EQ(error_of("p:sweep-halving=1"),
            "--stage 'p:sweep-halving=1': sweep-halving=1: eta 1 (keep 1/eta per rung: at least 2)");
  EXPECT_EQ(error_of("p:train"), "--stage 'p:train': 'train' is not key=value");
}

TEST(Fidelity, TheSpecReadsBackToTheSameFidelity) {
  const Fidelity base = base_fidelity(SearchConfig{});
  for (const std::string spec : {"full", "proxy:train=1000,val=1000,rates=1e-3/1e-2/1e-1,final-epochs=1",
                                 "x:rates=paper,sweep-epochs=2,batch=64,seeds=3"}) {
    const Fidelity f = parse_fidelity(spec, base, "--rung");
    const Fidelity g = parse_fidelity(fidelity_spec(f), base_fidelity(SearchConfig{.child_batch = 7}), "--rung");
    EXPECT_EQ(fidelity_spec(g), fidelity_spec(f)) << spec;
    EXPECT_EQ(child_protocol(g, 1), child_protocol(f, 1)) << spec;
  }
  EXPECT_EQ(fidelity_spec(base),
            "base:train=10000,val=5000,rates=paper,sweep-epochs=1,final-epochs=5,batch=100,seeds=1");
}

TEST(Fidelity, TheBaseProtocolIsTheRunsRewardProtocol) {
  SearchConfig c;
  c.sweep_rates = {0.001, 0.01, 0.1};
  c.train_images = 1000;
  c.final_epochs = 1;
  EXPECT_EQ(child_protocol(base_fidelity(c), 0), reward_protocol(c));
  // make run's protocol written as a rung is the same protocol, so the two share scores.
  EXPECT_EQ(child_protocol(parse_fidelity("make-run:train=1000,val=5000,rates=1e-3/1e-2/1e-1,final-epochs=1",
                                          base_fidelity(SearchConfig{}), "--rung"),
                           0),
            reward_protocol(c));
  EXPECT_DOUBLE_EQ(relative_cost(base_fidelity(c), base_fidelity(c)), 1.0);
  EXPECT_LT(relative_cost(base_fidelity(c), base_fidelity(SearchConfig{})), 0.1);
}

}  // namespace
}  // namespace nos::search
