// The score cache shared by runs (apps/search/score_cache.h): what one writer stores another
// reads, and writers storing into the same protocol's file at once lose nothing.
#include "apps/search/score_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>
#include <vector>

namespace nos::search {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("nos-score-cache-test-" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(d);
  return d;
}

Evaluation eval_of(double reward) {
  Evaluation e;
  e.reward = reward;
  e.best_lr = 0.01;
  e.status = "ok";
  return e;
}

TEST(ScoreCache, AScoreStoredByOneCacheIsReadByAnotherAndKeyedByProtocol) {
  const auto dir = fresh_dir("roundtrip");
  const nlohmann::json p = scored_protocol({{"reward", "child"}, {"seed", 1}}, "cifar10");
  const nlohmann::json q = scored_protocol({{"reward", "child"}, {"seed", 2}}, "cifar10");
  ScoreCache(dir).store(p, 42, "adam", "adam", eval_of(0.51));
  const auto got = ScoreCache(dir).lookup(p, 42);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->reward, 0.51);
  EXPECT_EQ(got->best_lr, 0.01);
  EXPECT_FALSE(ScoreCache(dir).lookup(q, 42).has_value());
  EXPECT_FALSE(ScoreCache(dir).lookup(p, 43).has_value());
  EXPECT_FALSE(ScoreCache("").lookup(p, 42).has_value()) << "an empty directory is no cache";
}

// Runs sharing a cache store at any moment: each store re-reads the file and replaces it, under a
// lock, so concurrent writers (separate ScoreCache objects, as separate processes have) keep every
// score. Without the lock, writers in one process collided on the temporary file (a failed rename
// ended the test) and writers in separate processes could drop each other's newest scores.
TEST(ScoreCache, ConcurrentWritersToOneProtocolLoseNoScore) {
  const auto dir = fresh_dir("concurrent");
  const nlohmann::json p = scored_protocol({{"reward", "child"}, {"seed", 1}}, "cifar10");
  constexpr int kWriters = 6, kEach = 25;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      const ScoreCache cache(dir);
      for (int k = 0; k < kEach; ++k) {
        const auto key = static_cast<std::uint64_t>(w * kEach + k);
        cache.store(p, key, "r", "g", eval_of(static_cast<double>(key) / 1000));
      }
    });
  for (auto& t : writers) t.join();
  int found = 0;
  for (std::uint64_t key = 0; key < kWriters * kEach; ++key) {
    const auto e = ScoreCache(dir).lookup(p, key);
    if (e && e->reward == static_cast<double>(key) / 1000) ++found;
  }
  EXPECT_EQ(found, kWriters * kEach);
}

}  // namespace
}  // namespace nos::search
