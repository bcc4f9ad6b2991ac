// The planned runs: log-spaced rates, Adam's eps only on Rosenbrock, repeats with their seeds.
#include "apps/transfer/sweep.h"

#include "apps/transfer/run_start.h"

#include <gtest/gtest.h>

namespace nos::transfer {
namespace {

TEST(TransferSweep, LogSpacedRates) {
  EXPECT_EQ(log_rates(1e-5, 10, 7), (std::vector<double>{1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10}));  // the paper's
  EXPECT_EQ(log_rates(1e-4, 1e-3, 3), (std::vector<double>{1e-4, 0.000316228, 1e-3}));
  EXPECT_EQ(log_rates(0.5, 0.5, 3), (std::vector<double>{0.5}));  // a pinned rate is one run, not three
  EXPECT_EQ(log_rates(0.2, 7, 1), (std::vector<double>{0.2}));
  EXPECT_THROW(log_rates(0, 1, 3), std::invalid_argument);
  EXPECT_THROW(log_rates(1, 0.1, 3), std::invalid_argument);
}

TEST(TransferSweep, PlanCoversOptimizersRatesEpsAndRepeats) {
  TransferConfig c;
  c.task = "rosenbrock";
  c.rates = 2;
  c.lr_min = 1e-3;
  c.lr_max = 1e-2;
  c.repeats = 2;
  c.seed = 7;
  c.adam_eps = {1e-3, 1e-8};
  c.lr_ranges["sgd"] = {0.1, 0.1};
  c.optimizers = app::resolve_optimizers({"sgd", "adam"}, {}, "");
  const auto plan = plan_runs(c);
  // sgd: 1 pinned rate x 2 repeats; adam: 2 rates x 2 eps x 2 repeats
  ASSERT_EQ(plan.size(), 2u + 8u);
  EXPECT_EQ(plan[0].key, (RunKey{"sgd", 0.1, 1e-8, 0}));
  EXPECT_EQ(plan[0].seed, 7u);
  EXPECT_EQ(plan[1].seed, 8u);
  EXPECT_EQ(plan[2].key, (RunKey{"adam", 1e-3, 1e-3, 0}));
  EXPECT_EQ(plan.back().key, (RunKey{"adam", 1e-2, 1e-8, 1}));

  c.task = "wrn";  // eps is swept on Rosenbrock only
  EXPECT_EQ(plan_runs(c).size(), 2u + 4u);

  c.lr_ranges["SGD"] = {0.1, 1};  // names are matched as given: a typo must not fall back silently
  EXPECT_THROW(plan_runs(c), std::invalid_argument);
}

// TensorFlow's RMSProp runs at TF's decay 0.9 and eps 1e-10 (in its key, so tables show it), under
// any name; every other rule, TF's Adam included, at dslc's beta2 0.999 and eps 1e-8.
TEST(TransferSweep, TensorFlowRmsPropRunsAtTensorFlowsDecayAndEps) {
  TransferConfig c;
  c.task = "wrn";
  c.rates = 1;
  c.lr_min = c.lr_max = 1e-3;
  c.optimizers = app::resolve_optimizers({"rmsprop_tf", "adam_tf", "rmsprop", "mine=add rmsprop_tf g"}, {}, "");
  const auto plan = plan_runs(c);
  ASSERT_EQ(plan.size(), 4u);
  const double eps[] = {1e-10, 1e-8, 1e-8, 1e-10}, beta2[] = {0.9, 0.999, 0.999, 0.9};
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].key.eps, eps[i]) << plan[i].key.optimizer;
    const optim::OptimizerOptions o = run_optimizer_options(plan[i], 1e-3, 10);
    EXPECT_EQ(o.hyper.beta2, beta2[i]) << plan[i].key.optimizer;
    EXPECT_EQ(o.hyper.eps, eps[i]) << plan[i].key.optimizer;
  }
  EXPECT_FALSE(app::reads_rmsprop_tf("rmsprop"));
}

TEST(TransferSweep, KeysAreDistinctAndFileSafe) {
  EXPECT_EQ(key_string({"adam", 0.001, 1e-8, 0}), "adam lr=0.001 eps=1e-08 rep=0");
  EXPECT_NE(key_string({"adam", 0.001, 1e-8, 0}), key_string({"adam", 0.001, 1e-3, 0}));
  const std::string stem = key_file_stem({"mul g exp mul sign_g sign_m", 0.01, 1e-8, 1});
  EXPECT_EQ(stem.find_first_of(" /*"), std::string::npos) << stem;
  const std::string a = key_file_stem({std::string(50, 'g') + "a", 0.01, 1e-8, 0});
  const std::string b = key_file_stem({std::string(50, 'g') + "b", 0.01, 1e-8, 0});
  EXPECT_NE(a, b);  // long literal rules are cut, but their hash keeps them apart
}

}  // namespace
}  // namespace nos::transfer
