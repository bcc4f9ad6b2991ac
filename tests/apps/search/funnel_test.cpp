// The funnel's promotions (apps/search/funnel.h), driven directly: which rules each stage takes,
// when, ties, rules seen before, the last partial window, top stages, and a resumed funnel that
// re-sends only what is missing. Rewards are set by hand; nothing is trained.
#include "apps/search/funnel.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "apps/search/config.h"
#include "apps/search/stages.h"

namespace nos::search {
namespace {

namespace fs = std::filesystem;

SearchConfig funnel_config(std::vector<std::string> stages, std::int64_t samples, int every) {
  SearchConfig c;
  c.reward = "synthetic";
  c.samples = samples;
  c.promote_every = every;
  c.stages = std::move(stages);
  c.quiet = true;
  return c;
}

RunPaths fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("nos-funnel-test-" + std::to_string(getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return {.dir = d, .record_fields = {{"data_set", {{"dataset", "synthetic"}}}}};
}

// A stage-0 result of sample `i`: rule fingerprint `key`, reward `r` (status ok unless r < 0).
void observe(Funnel& f, std::int64_t i, std::uint64_t key, double r) {
  const RuleIdentity id{.canonical_hash = key * 7919,
                        .canonical = "g",
                        .infix = "r" + std::to_string(key),
                        .depends_on_g = true,
                        .fingerprint = key};
  Evaluation e{.reward = r, .status = r < 0 ? "diverged" : "ok"};
  f.observe(i, "rule" + std::to_string(key), &id, e);
}

// Every job the funnel has due, as (first sample, stage, seed), without finishing them.
std::vector<std::tuple<std::int64_t, int, int>> due(Funnel& f) {
  std::vector<std::tuple<std::int64_t, int, int>> out;
  while (auto j = f.next()) out.emplace_back(j->sample, j->fidelity, j->seed);
  return out;
}

void finish(Funnel& f, std::int64_t sample, int stage, int seed, double reward) {
  f.finished({.sample = sample, .fidelity = stage, .seed = seed, .eval = {.reward = reward, .status = "ok"}});
}

TEST(Funnel, AWindowGoesOnWhenItIsCompleteWithItsBestRules) {
  const SearchConfig c = funnel_config({"s0", "full:keep=0.5"}, 8, 4);
  const RunPaths p = fresh_dir("window");
  Funnel f(c, p);
  observe(f, 0, 10, 0.2);
  observe(f, 1, 11, 0.6);
  observe(f, 3, 13, 0.6);  // ties with sample 1: the earlier sample goes first
  EXPECT_TRUE(due(f).empty()) << "window 0 is not complete";
  observe(f, 2, 12, -1);  // diverged: never promoted
  EXPECT_EQ(due(f), (std::vector<std::tuple<std::int64_t, int, int>>{{1, 1, 0}, {3, 1, 0}}));
  finish(f, 1, 1, 0, 0.7);
  finish(f, 3, 1, 0, 0.5);
  // Window 1: rule 11 again (sample 4) was scored at stage 1 already, so the next best goes.
  observe(f, 4, 11, 0.6);
  observe(f, 5, 14, 0.1);
  observe(f, 6, 15, 0.3);
  observe(f, 7, 16, 0.05);
  EXPECT_EQ(due(f), (std::vector<std::tuple<std::int64_t, int, int>>{{6, 1, 0}, {5, 1, 0}}));
  EXPECT_FALSE(f.done());
  f.search_complete();
  EXPECT_FALSE(f.done()) << "two promotions are in flight";
  finish(f, 6, 1, 0, 0.4);
  finish(f, 5, 1, 0, 0.2);
  EXPECT_TRUE(f.done());
}

TEST(Funnel, TheLastPartialWindowWaitsForTheBudgetAndTopStagesForEveryWindow) {
  const SearchConfig c = funnel_config({"s0", "mid:keep=1", "final:seeds=2,top=2"}, 6, 4);
  const RunPaths p = fresh_dir("top");
  Funnel f(c, p);
  for (std::int64_t i = 0; i < 6; ++i) observe(f, i, 100 + static_cast<std::uint64_t>(i), 0.1 * static_cast<double>(i));
  // Window 0 (samples 0-3) goes on at once; window 1 (4-5) is the partial last one.
  EXPECT_EQ(due(f), (std::vector<std::tuple<std::int64_t, int, int>>{{3, 1, 0}}));
  finish(f, 3, 1, 0, 0.9);
  EXPECT_TRUE(due(f).empty());
  f.search_complete();
  EXPECT_EQ(due(f), (std::vector<std::tuple<std::int64_t, int, int>>{{5, 1, 0}}));
  finish(f, 5, 1, 0, 0.95);
  // Both windows are through: the top 2 by `mid` at 2 seeds each, best first.
  EXPECT_EQ(due(f), (std::vector<std::tuple<std::int64_t, int, int>>{{5, 2, 0}, {5, 2, 1}, {3, 2, 0}, {3, 2, 1}}));
  for (auto [s, k] : std::vector<std::pair<std::int64_t, int>>{{5, 0}, {5, 1}, {3, 0}, {3, 1}}) finish(f, s, 2, k, 0.5);
  EXPECT_TRUE(f.done());
}

TEST(Funnel, AResumedFunnelSendsOnlyWhatIsMissing) {
  const SearchConfig c = funnel_config({"s0", "full:seeds=2,keep=2"}, 4, 4);
  const RunPaths p = fresh_dir("resume");
  {
    Funnel f(c, p);
    for (std::int64_t i = 0; i < 4; ++i)
      observe(f, i, 200 + static_cast<std::uint64_t>(i), 0.1 * static_cast<double>(i));
    ASSERT_EQ(due(f).size(), 4u);
    finish(f, 3, 1, 1, 0.8);  // one of the four, then the process dies
  }
  Funnel f(c, p);  // reads promotions.jsonl
  for (std::int64_t i = 0; i < 4; ++i) observe(f, i, 200 + static_cast<std::uint64_t>(i), 0.1 * static_cast<double>(i));
  EXPECT_EQ(due(f), (std::vector<std::tuple<std::int64_t, int, int>>{{3, 1, 0}, {2, 1, 0}, {2, 1, 1}}));
}

TEST(Funnel, RecordsFromAnotherFunnelAreRefused) {
  const RunPaths p = fresh_dir("other");
  {
    Funnel f(funnel_config({"s0", "full:keep=1"}, 2, 2), p);
    observe(f, 0, 1, 0.5);
    observe(f, 1, 2, 0.1);
    ASSERT_EQ(due(f).size(), 1u);
    finish(f, 0, 1, 0, 0.5);
  }
  try {
    Funnel f(funnel_config({"s0", "other:keep=1"}, 2, 2), p);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("promotions.jsonl record 1: stage 1 'full' is not a stage of this run"),
              std::string::npos)
        << e.what();
  }
}

TEST(Stages, SpecsAndTheirErrors) {
  auto error_of = [](std::vector<std::string> stages) {
    try {
      (void)search_stages(funnel_config(std::move(stages), 10, 5));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const auto s = search_stages(funnel_config({"p:train=1000,val=1000", "full:keep=0.1", "final:seeds=3,top=5"}, 10, 5));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].fidelity.train_images, 1000);
  EXPECT_EQ(s[1].fidelity.train_images, 10000);  // the flags' protocol
  EXPECT_EQ(s[1].keep_of(50), 5);
  EXPECT_EQ(s[1].keep_of(3), 1);  // at least one
  EXPECT_EQ(s[2].top, 5);
  EXPECT_EQ(s[2].fidelity.seeds, 3);
  EXPECT_EQ(stage_spec(s[2]),
            "final:train=10000,val=5000,rates=paper,sweep-epochs=1,final-epochs=5,batch=100,seeds=3,top=5");
  EXPECT_EQ(search_stages(funnel_config({}, 10, 5)).front().fidelity.name, "base");
  EXPECT_EQ(error_of({"p:keep=0.5"}),
            "--stage 'p:keep=0.5': the first stage scores every sample; keep and top belong to the stages after it");
  EXPECT_EQ(error_of({"p:seeds=2"}),
            "--stage 'p:seeds=2': the first stage scores every sample once (the strategy learns from it); give seeds "
            "to a later stage");
  EXPECT_EQ(error_of({"p", "q"}),
            "--stage 'q': a later stage needs keep=F, keep=N or top=N (which rules it re-scores)");
  EXPECT_EQ(error_of({"p", "q:keep=1.5"}),
            "--stage 'q:keep=1.5': keep=1.5: expected a fraction in (0, 1) or a whole number of rules");
  EXPECT_EQ(error_of({"p", "q:keep=1,top=2"}), "--stage 'q:keep=1,top=2': give keep or top, not both");
  EXPECT_EQ(error_of({"p", "q:top=2", "r:keep=1"}),
            "--stage 'r:keep=1': a keep stage cannot follow a top stage (top stages run once the budget is spent)");
  EXPECT_EQ(error_of({"p", "p:top=2"}), "--stage 'p:top=2': two stages are named 'p'");
  EXPECT_EQ(error_of({"p", "q:top=0"}), "--stage 'q:top=0': top=0: expected a positive whole number of rules");
}

}  // namespace
}  // namespace nos::search
