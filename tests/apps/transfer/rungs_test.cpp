// Successive halving over a study's (optimizer, rate) pairs, on synthetic records: which runs
// each rung trains, at which budget, which candidates go on (by the table's own score), and what
// the tables say about stopped runs.
#include "apps/transfer/rungs.h"

#include <gtest/gtest.h>

#include <cmath>

#include "apps/transfer/table.h"

namespace nos::transfer {
namespace {

// wrn, sgd and adam at 4 rates each (0.001, 0.01, 0.1, 1), `repeats` repeats.
std::vector<PlannedRun> plan(int repeats = 1, std::vector<std::string> opts = {"sgd", "adam"}) {
  TransferConfig c{.task = "wrn", .lr_min = 1e-3, .lr_max = 1, .rates = 4, .repeats = repeats};
  c.optimizers = app::resolve_optimizers(opts, {}, "");
  return plan_runs(c);
}

// The finished run of `p` stopped at `steps` (0: whole) whose validation accuracy per epoch is `vals`.
RunRecord record(const PlannedRun& p, std::int64_t steps, std::vector<double> vals, bool diverged = false) {
  RunRecord r;
  r.key = p.key;
  r.key.steps = steps;
  r.rule = p.opt.rule;
  r.total_steps = 24;
  r.diverged = diverged;
  int e = 0;
  for (double v : vals) r.epochs.push_back({.epoch = ++e, .val = v, .test = steps ? NAN : v});
  return r;
}

const PlannedRun& at(const std::vector<PlannedRun>& p, const std::string& opt, double lr, int repeat = 0) {
  for (const auto& r : p)
    if (r.key.optimizer == opt && r.key.lr == lr && r.key.repeat == repeat) return r;
  throw std::logic_error("not planned");
}

std::vector<std::string> keys(const std::vector<PlannedRun>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) out.push_back(key_string(r.key));
  return out;
}

using S = std::vector<std::string>;
const app::HalvingSpec kEta3{.eta = 3, .rungs = 3};

TEST(TransferRungs, TheFlagIsEtaOrEtaColonRungsAndBadValuesNameIt) {
  const app::HalvingSpec a = parse_halving("3");
  EXPECT_EQ(a.eta, 3);
  EXPECT_EQ(a.rungs, 3);
  const app::HalvingSpec b = parse_halving("2:4");
  EXPECT_EQ(b.eta, 2);
  EXPECT_EQ(b.rungs, 4);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"1", "--halving '1': eta 1 (keep 1/eta per rung: at least 2)"},
      {"3:0", "--halving '3:0': 0 rungs (1 to 16)"},
      {"3:17", "--halving '3:17': 17 rungs (1 to 16)"},
      {"three", "--halving 'three': expected ETA or ETA:RUNGS (whole numbers), e.g. 3 or 3:4"},
      {"3:", "--halving '3:': expected ETA or ETA:RUNGS (whole numbers), e.g. 3 or 3:4"},
      {"2.5", "--halving '2.5': expected ETA or ETA:RUNGS (whole numbers), e.g. 3 or 3:4"},
      {"3:3:3", "--halving '3:3:3': expected ETA or ETA:RUNGS (whole numbers), e.g. 3 or 3:4"},
      {"", "--halving '': expected ETA or ETA:RUNGS (whole numbers), e.g. 3 or 3:4"},
  };
  for (const auto& [flag, message] : bad) {
    try {
      parse_halving(flag);
      ADD_FAILURE() << flag << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
  }
}

TEST(TransferRungs, TheFirstRungIsEveryPairAtTheSmallestBudget) {
  const auto p = plan();
  const HalvingState s = halving_state(p, {}, table_spec("wrn"), kEta3, "optimizer", 24);
  EXPECT_EQ(s.budgets, (std::vector<std::int64_t>{3, 8, 24}));
  EXPECT_EQ(keys(s.pending), (S{"sgd lr=0.001 eps=1e-08 rep=0 steps=3", "sgd lr=0.01 eps=1e-08 rep=0 steps=3",
                                "sgd lr=0.1 eps=1e-08 rep=0 steps=3", "sgd lr=1 eps=1e-08 rep=0 steps=3",
                                "adam lr=0.001 eps=1e-08 rep=0 steps=3", "adam lr=0.01 eps=1e-08 rep=0 steps=3",
                                "adam lr=0.1 eps=1e-08 rep=0 steps=3", "adam lr=1 eps=1e-08 rep=0 steps=3"}));
  EXPECT_EQ(s.runs_used, 0);
  // Per optimizer 4 runs of 3 steps, then 2 of 8, then 1 whole run of 24: 7 runs, 52 steps
  // (a full sweep: 4 runs, 96 steps).
  EXPECT_EQ(s.runs_left, 14);
  EXPECT_EQ(s.steps_left, 104);
}

TEST(TransferRungs, TheBestThirdOfEachOptimizerGoesOnByBestValidation) {
  const auto p = plan();
  std::vector<RunRecord> done = {
      // sgd: 0.01 and 0.1 are best. 0.1's best validation (0.5, epoch 1) counts, not its last.
      record(at(p, "sgd", 0.001), 3, {0.2}),
      record(at(p, "sgd", 0.01), 3, {0.45}),
      record(at(p, "sgd", 0.1), 3, {0.5, 0.1}),
      record(at(p, "sgd", 1), 3, {0.3}),
      // adam: 1 is best; 0.001 and 0.1 tie at 0.3 and the smaller rate goes on; 0.01 diverged.
      record(at(p, "adam", 0.001), 3, {0.3}),
      record(at(p, "adam", 0.01), 3, {0.9}, true),
      record(at(p, "adam", 0.1), 3, {0.3}),
      record(at(p, "adam", 1), 3, {0.6}),
  };
  HalvingState s = halving_state(p, done, table_spec("wrn"), kEta3, "optimizer", 24);
  EXPECT_EQ(keys(s.pending), (S{"sgd lr=0.01 eps=1e-08 rep=0 steps=8", "sgd lr=0.1 eps=1e-08 rep=0 steps=8",
                                "adam lr=0.001 eps=1e-08 rep=0 steps=8", "adam lr=1 eps=1e-08 rep=0 steps=8"}));
  EXPECT_EQ(s.runs_used, 8);
  EXPECT_EQ(s.runs_left, 6);
  EXPECT_EQ(s.steps_left, 4 * 8 + 2 * 24);

  // Rung 1 leaves one per optimizer: its whole run (steps 0, the key a full sweep uses).
  done.push_back(record(at(p, "sgd", 0.01), 8, {0.55}));
  done.push_back(record(at(p, "sgd", 0.1), 8, {0.50}));
  done.push_back(record(at(p, "adam", 0.001), 8, {0.40}));
  done.push_back(record(at(p, "adam", 1), 8, {0.41}));
  s = halving_state(p, done, table_spec("wrn"), kEta3, "optimizer", 24);
  EXPECT_EQ(keys(s.pending), (S{"sgd lr=0.01 eps=1e-08 rep=0", "adam lr=1 eps=1e-08 rep=0"}));
  EXPECT_EQ(s.pending[0].key.steps, 0);

  done.push_back(record(at(p, "sgd", 0.01), 0, {0.6, 0.7}));
  done.push_back(record(at(p, "adam", 1), 0, {0.5, 0.6}));
  s = halving_state(p, done, table_spec("wrn"), kEta3, "optimizer", 24);
  EXPECT_TRUE(s.pending.empty());
  EXPECT_EQ(s.runs_used, 14);
  EXPECT_EQ(s.runs_left, 0);
  EXPECT_EQ(s.steps_left, 0);
}

TEST(TransferRungs, AnUnfinishedRungDecidesNothingAndOtherRecordsAreIgnored) {
  const auto p = plan();
  const std::vector<RunRecord> done = {
      record(at(p, "sgd", 0.001), 3, {0.2}), record(at(p, "sgd", 0.01), 3, {0.45}), record(at(p, "sgd", 0.1), 3, {0.5}),
      record(at(p, "sgd", 1), 0, {0.9}),  // a whole run from another study: not rung 0's
      record(at(p, "sgd", 1), 5, {0.9}),  // a budget this spec never has
      record(at(p, "adam", 0.1), 3, {0.3}),
  };
  const HalvingState s = halving_state(p, done, table_spec("wrn"), kEta3, "optimizer", 24);
  EXPECT_EQ(keys(s.pending), (S{"sgd lr=1 eps=1e-08 rep=0 steps=3", "adam lr=0.001 eps=1e-08 rep=0 steps=3",
                                "adam lr=0.01 eps=1e-08 rep=0 steps=3", "adam lr=1 eps=1e-08 rep=0 steps=3"}));
  EXPECT_EQ(s.runs_used, 4);
}

TEST(TransferRungs, OverAllPairsTheBestThirdOfEveryPairGoesOn) {
  const auto p = plan();
  std::vector<RunRecord> done;
  const std::vector<double> vals = {0.1, 0.2, 0.7, 0.3, 0.6, 0.8, 0.05, 0.0};  // sgd's 4, then adam's
  for (size_t i = 0; i < p.size(); ++i) done.push_back(record(p[i], 3, {vals[i]}));
  HalvingState s = halving_state(p, done, table_spec("wrn"), kEta3, "all", 24);
  // ceil(8 / 3) = 3: adam 0.01 (0.8), sgd 0.1 (0.7), adam 0.001 (0.6), in plan order.
  EXPECT_EQ(keys(s.pending), (S{"sgd lr=0.1 eps=1e-08 rep=0 steps=8", "adam lr=0.001 eps=1e-08 rep=0 steps=8",
                                "adam lr=0.01 eps=1e-08 rep=0 steps=8"}));
  EXPECT_EQ(s.runs_left, 4);
  EXPECT_EQ(s.steps_left, 3 * 8 + 24);
  for (const auto& q : s.pending) done.push_back(record(q, 8, {q.key.lr == 0.001 ? 0.9 : 0.5}));
  s = halving_state(p, done, table_spec("wrn"), kEta3, "all", 24);
  EXPECT_EQ(keys(s.pending), (S{"adam lr=0.001 eps=1e-08 rep=0"}));
}

TEST(TransferRungs, ALoneCandidateGoesStraightToTheWholeRun) {
  // One rate: no rung can decide anything. Three rates with eta 3: rung 0 keeps one.
  TransferConfig c{.task = "wrn", .lr_min = 0.1, .lr_max = 0.1, .rates = 1};
  c.optimizers = app::resolve_optimizers({"sgd"}, {}, "");
  const HalvingState one = halving_state(plan_runs(c), {}, table_spec("wrn"), kEta3, "optimizer", 24);
  EXPECT_EQ(keys(one.pending), (S{"sgd lr=0.1 eps=1e-08 rep=0"}));
  EXPECT_EQ(one.steps_left, 24);

  c.rates = 3;
  c.lr_min = 0.01;
  const auto p = plan_runs(c);
  EXPECT_EQ(halving_state(p, {}, table_spec("wrn"), kEta3, "optimizer", 24).steps_left, 3 * 3 + 24);
  std::vector<RunRecord> done;
  for (const auto& q : p) done.push_back(record(q, 3, {q.key.lr}));
  EXPECT_EQ(keys(halving_state(p, done, table_spec("wrn"), kEta3, "optimizer", 24).pending),
            (S{"sgd lr=0.1 eps=1e-08 rep=0"}));
}

TEST(TransferRungs, RepeatsAreAveragedAndADivergedRepeatNeverGoesOn) {
  const auto p = plan(2, {"sgd"});
  std::vector<RunRecord> done = {
      record(at(p, "sgd", 0.001, 0), 3, {0.50}), record(at(p, "sgd", 0.001, 1), 3, {0.10}),  // mean 0.30
      record(at(p, "sgd", 0.01, 0), 3, {0.35}),  record(at(p, "sgd", 0.01, 1), 3, {0.35}),   // mean 0.35
      record(at(p, "sgd", 0.1, 0), 3, {0.90}),   record(at(p, "sgd", 0.1, 1), 3, {0.9}, true),
      record(at(p, "sgd", 1, 0), 3, {0.20}),     record(at(p, "sgd", 1, 1), 3, {0.20}),
  };
  const HalvingState s = halving_state(p, done, table_spec("wrn"), kEta3, "optimizer", 24);
  EXPECT_EQ(keys(s.pending), (S{"sgd lr=0.001 eps=1e-08 rep=0 steps=8", "sgd lr=0.001 eps=1e-08 rep=1 steps=8",
                                "sgd lr=0.01 eps=1e-08 rep=0 steps=8", "sgd lr=0.01 eps=1e-08 rep=1 steps=8"}));
}

TEST(TransferRungs, PerplexityGoesOnWhenLowest) {
  TransferConfig c{.task = "lstm", .lr_min = 0.1, .lr_max = 10, .rates = 3};
  c.optimizers = app::resolve_optimizers({"sgd"}, {}, "");
  const auto p = plan_runs(c);
  std::vector<RunRecord> done;
  const std::vector<double> ppl = {300, 150, 900};
  for (size_t i = 0; i < p.size(); ++i) done.push_back(record(p[i], 3, {ppl[i]}));
  const HalvingState s = halving_state(p, done, table_spec("lstm"), kEta3, "optimizer", 24);
  EXPECT_EQ(keys(s.pending), (S{"sgd lr=1 eps=1e-08 rep=0"}));
}

TEST(TransferRungs, BudgetsTooSmallToSplitLeaveFewerRungs) {
  // 4 steps, eta 3: 4/9 and 4/3 round to 1 and to... 1 again, dropped: rungs of 1 and 4 steps.
  const HalvingState s = halving_state(plan(), {}, table_spec("wrn"), kEta3, "optimizer", 4);
  EXPECT_EQ(s.budgets, (std::vector<std::int64_t>{1, 4}));
  EXPECT_EQ(s.pending.front().key.steps, 1);
  EXPECT_THROW(halving_state(plan(), {}, table_spec("wrn"), kEta3, "some", 24), std::invalid_argument);
}

// The table of a halving study: rows at each optimizer's whole run, the stopped rates counted;
// a row whose best run was stopped (halving over all pairs) says so; sweep.md shows every rung.
TEST(TransferRungs, TablesMarkStoppedRuns) {
  const auto p = plan();
  const std::vector<RunRecord> done = {
      record(at(p, "sgd", 0.001), 3, {0.2}),     record(at(p, "sgd", 0.01), 3, {0.45}),
      record(at(p, "sgd", 0.1), 3, {0.5}),       record(at(p, "sgd", 1), 3, {0.3}),
      record(at(p, "sgd", 0.01), 8, {0.55}),     record(at(p, "sgd", 0.1), 8, {0.50}),
      record(at(p, "sgd", 0.01), 0, {0.6, 0.7}),  // sgd's whole run
      record(at(p, "adam", 0.001), 3, {0.3}),    record(at(p, "adam", 0.01), 3, {0.9}, true),
      record(at(p, "adam", 0.1), 3, {0.35}),     record(at(p, "adam", 0.1), 8, {0.4}),
      record(at(p, "adam", 1), 3, {0.1}),  // adam never reached a whole run
  };
  const TableSpec spec = table_spec("wrn");
  const auto rates = summarize(done, spec, {"sgd", "adam"});
  const auto rows = select_best(rates, spec);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows[0].best && rows[1].best);
  // sgd: the whole run at 0.01 (0.7), although 0.01 scored lower than 0.1 at 3 steps.
  EXPECT_EQ(rows[0].best->key.lr, 0.01);
  EXPECT_EQ(rows[0].best->key.steps, 0);
  EXPECT_EQ(rows[0].rates, 4);
  EXPECT_EQ(rows[0].stopped_rates, 3);
  // adam: its furthest run, 0.1 at 8 steps (0.4), beats the 3-step ones even where they scored higher.
  EXPECT_EQ(rows[1].best->key.lr, 0.1);
  EXPECT_EQ(rows[1].best->key.steps, 8);
  EXPECT_EQ(rows[1].stopped_rates, 3);
  EXPECT_EQ(rows[1].diverged_rates, 1);

  TransferConfig c{.task = "wrn", .halving_eta = 3, .halving_rungs = 3, .halving_pool = "all"};
  const std::string md = table_markdown(c, spec, rows);
  EXPECT_NE(md.find("successive halving (eta 3, 3 rungs, over all pairs) at 3, 8, 24 steps: 6 of 8 rates stopped "
                    "early"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| sgd | g | 0.01 | 1 | 24 steps | 70.00 | 70.00 | 70.00 | 70.00 | 2 | 3/4 | 0/4 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| adam | adam | 0.1 | 1 | **stopped at 8 of 24 steps** | 40.00 | — | 40.00 | — | 1 | 3/4 | 1/4 |"),
            std::string::npos)
      << md;
  const std::string sweep = sweep_markdown(c, spec, rates);
  EXPECT_NE(sweep.find("| sgd | 0.01 | 1e-08 | 3 of 24 steps | went on | 1 | 0 | 45.00 |"), std::string::npos) << sweep;
  EXPECT_NE(sweep.find("| sgd | 0.01 | 1e-08 | 24 steps | whole run | 1 | 0 | 70.00 |"), std::string::npos) << sweep;
  EXPECT_NE(sweep.find("| sgd | 1 | 1e-08 | 3 of 24 steps | **stopped** | 1 | 0 | 30.00 |"), std::string::npos)
      << sweep;
  EXPECT_NE(sweep.find("| adam | 0.01 | 1e-08 | 3 of 24 steps | diverged | 1 | 1 | diverged |"), std::string::npos)
      << sweep;
  const std::string csv = table_csv(c, spec, rows);
  EXPECT_NE(csv.find("optimizer,rule,lr,eps,runs,steps,total_steps,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",4,3,1\n"), std::string::npos) << csv;  // adam: rates, stopped, diverged

  // Without halving the tables keep their columns.
  EXPECT_EQ(table_markdown({.task = "wrn"}, spec, rows).find("steps"), std::string::npos);
}

}  // namespace
}  // namespace nos::transfer
