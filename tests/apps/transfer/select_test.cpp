// Table 1's selection on synthetic logs: best rate by validation, test at the best-validation
// epoch (not the final one), repeats as mean ± std, diverged rates excluded.
#include "apps/transfer/select.h"

#include <gtest/gtest.h>

#include "apps/transfer/table.h"

namespace nos::transfer {
namespace {

// A classifier run whose epochs have these (val, test) accuracies.
RunRecord run(const std::string& opt, double lr, int repeat, std::vector<std::pair<double, double>> val_test) {
  RunRecord r;
  r.key = {opt, lr, 1e-8, repeat};
  r.rule = opt == "sgd" ? "g" : "adam";
  int e = 0;
  for (auto [v, t] : val_test) r.epochs.push_back({.epoch = ++e, .train = 1.0 / e, .val = v, .test = t});
  return r;
}

TEST(TransferSelect, BestRateByBestValidationAndTestAtThatEpoch) {
  const std::vector<RunRecord> runs = {
      run("sgd", 0.01, 0, {{0.50, 0.49}, {0.60, 0.58}, {0.55, 0.70}}),  // best val 0.60 at epoch 2
      run("sgd", 0.1, 0, {{0.70, 0.69}, {0.80, 0.75}, {0.78, 0.79}}),   // best val 0.80 at epoch 2
      run("sgd", 1.0, 0, {{0.10, 0.10}, {0.79, 0.90}, {0.79, 0.91}}),   // best val 0.79
  };
  const TableSpec spec = table_spec("wrn");
  const auto rows = select_best(summarize(runs, spec), spec);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_TRUE(rows[0].best);
  EXPECT_EQ(rows[0].best->key.lr, 0.1);
  const auto& v = rows[0].best->values;
  EXPECT_DOUBLE_EQ(v[0].mean, 0.78);  // final val
  EXPECT_DOUBLE_EQ(v[1].mean, 0.79);  // final test
  EXPECT_DOUBLE_EQ(v[2].mean, 0.80);  // best val
  EXPECT_DOUBLE_EQ(v[3].mean, 0.75);  // test at the best-validation epoch, not the best test (0.79)
  EXPECT_DOUBLE_EQ(v[4].mean, 2);     // that epoch
  EXPECT_EQ(rows[0].rates, 3);
}

TEST(TransferSelect, RepeatsAreMeanAndSampleStd) {
  const std::vector<RunRecord> runs = {
      run("adam", 0.001, 0, {{0.90, 0.89}}),
      run("adam", 0.001, 1, {{0.92, 0.91}}),
      run("adam", 0.001, 2, {{0.94, 0.90}}),
  };
  const TableSpec spec = table_spec("convnet");
  const auto rows = select_best(summarize(runs, spec), spec);
  ASSERT_TRUE(rows.at(0).best);
  const Stat s = rows[0].best->values[2];
  EXPECT_EQ(s.n, 3);
  EXPECT_NEAR(s.mean, 0.92, 1e-12);
  EXPECT_NEAR(s.std, 0.02, 1e-12);  // sample std of 0.90, 0.92, 0.94
  EXPECT_EQ(format_stat(spec.columns[2], s), "92.00 ± 2.00");
  EXPECT_EQ(rows[0].best->runs, 3);
}

TEST(TransferSelect, DivergedRatesAreNotEligible) {
  RunRecord broken = run("sgd", 1.0, 1, {{0.99, 0.99}});
  broken.diverged = true;  // one repeat of lr 1 diverged: the rate is out, whatever the other got
  const std::vector<RunRecord> runs = {run("sgd", 0.1, 0, {{0.5, 0.5}}), run("sgd", 1.0, 0, {{0.95, 0.95}}), broken};
  const TableSpec spec = table_spec("wrn");
  const auto rows = select_best(summarize(runs, spec), spec);
  ASSERT_TRUE(rows.at(0).best);
  EXPECT_EQ(rows[0].best->key.lr, 0.1);
  EXPECT_EQ(rows[0].diverged_rates, 1);

  RunRecord only = run("adam", 0.1, 0, {});
  only.diverged = true;
  const auto none = select_best(summarize({only}, spec), spec);
  EXPECT_FALSE(none.at(0).best);
  EXPECT_NE(table_markdown({.task = "wrn"}, spec, none).find("all diverged"), std::string::npos);
}

TEST(TransferSelect, PerplexityIsLowerIsBetterAndTiesKeepTheSmallerRate) {
  auto lm = [](double lr, std::vector<double> valid) {
    RunRecord r;
    r.key = {"sgd", lr, 1e-8, 0};
    int e = 0;
    for (double v : valid) r.epochs.push_back({.epoch = ++e, .train = v + 10, .val = v, .test = v - 1});
    return r;
  };
  const TableSpec spec = table_spec("lstm");
  const auto rows =
      select_best(summarize({lm(0.5, {150, 120, 125}), lm(1.0, {140, 120, 121}), lm(2.0, {130, 122})}, spec), spec);
  ASSERT_TRUE(rows.at(0).best);
  EXPECT_EQ(rows[0].best->key.lr, 0.5);                 // best valid 120 at 0.5 and 1.0: the smaller rate
  EXPECT_DOUBLE_EQ(rows[0].best->values[3].mean, 120);  // best valid
  EXPECT_DOUBLE_EQ(rows[0].best->values[4].mean, 119);  // test at that epoch
  EXPECT_DOUBLE_EQ(rows[0].best->values[2].mean, 124);  // final test
}

TEST(TransferSelect, OptimizersKeepTheGivenOrderAndRosenbrockPicksTheLowestLoss) {
  auto rb = [](const std::string& opt, double lr, double eps, double loss) {
    RunRecord r;
    r.key = {opt, lr, eps, 0};
    r.final_loss = loss;
    r.x = r.y = 1;
    return r;
  };
  const TableSpec spec = table_spec("rosenbrock");
  const auto rows = select_best(summarize({rb("sgd", 1e-3, 1e-8, 0.5), rb("adam", 0.1, 1e-3, 1e-4),
                                           rb("adam", 0.1, 1e-8, 1e-9), rb("adam", 0.01, 1e-8, 1e-2)},
                                          spec, {"adam", "sgd"}),
                                spec);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].optimizer, "adam");
  EXPECT_EQ(rows[0].best->key.eps, 1e-8);
  EXPECT_EQ(rows[0].best->key.lr, 0.1);
  EXPECT_EQ(rows[0].rates, 3);  // (lr, eps) pairs tried
  EXPECT_EQ(rows[1].optimizer, "sgd");
}

TEST(TransferSelect, HeaderDescribesTheRatesRunNotTheLastInvocation) {
  // A sweep grown by a second invocation: its config holds only that invocation's one rate.
  const std::vector<RunRecord> runs = {
      run("sgd", 0.01, 0, {{0.50, 0.49}}),
      run("sgd", 0.1, 0, {{0.70, 0.69}}),
      run("sgd", 1.0, 0, {{0.60, 0.59}}),
      run("adam", 0.001, 0, {{0.80, 0.79}}),
  };
  TransferConfig c{.task = "convnet", .lr_min = 1.0, .lr_max = 1.0, .rates = 1};
  const TableSpec spec = table_spec("convnet");
  const auto rows = select_best(summarize(runs, spec, {"sgd", "adam"}), spec);
  EXPECT_EQ(rows.at(0).lr_lo, 0.01);
  EXPECT_EQ(rows.at(0).lr_hi, 1.0);
  const std::string md = table_markdown(c, spec, rows);
  EXPECT_NE(md.find("rates run: sgd 3 from 0.01 to 1, adam 0.001;"), std::string::npos) << md;
  EXPECT_NE(sweep_markdown(c, spec, summarize(runs, spec, {"sgd", "adam"})).find("rates run: sgd 3 from 0.01 to 1"),
            std::string::npos);

  // Rosenbrock's Adam sweeps eps too: 2 rates x 2 eps are 4 pairs but 2 rates.
  std::vector<RunRecord> rosen;
  for (double lr : {0.001, 0.01})
    for (double eps : {1e-8, 1e-3}) {
      RunRecord r;
      r.key = {"adam", lr, eps, 0};
      r.rule = "adam";
      r.final_loss = lr * eps;
      rosen.push_back(r);
    }
  const TableSpec rs = table_spec("rosenbrock");
  const auto rrows = select_best(summarize(rosen, rs), rs);
  EXPECT_EQ(rrows.at(0).rates, 4);
  EXPECT_EQ(rrows.at(0).lrs, 2);
  const TransferConfig rc{.task = "rosenbrock"};
  EXPECT_NE(table_markdown(rc, rs, rrows).find("rates run: adam 2 from 0.001 to 0.01;"), std::string::npos);
}

TEST(TransferSelect, UnknownTaskIsAnError) { EXPECT_THROW(table_spec("imagenet"), std::invalid_argument); }

}  // namespace
}  // namespace nos::transfer
