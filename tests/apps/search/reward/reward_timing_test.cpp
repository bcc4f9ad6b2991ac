// The paper's full protocol on real CIFAR-10 (7 rates x 1 epoch + 5 epochs, 10,000 training and
// 5,000 validation images, batch 100), timed. Minutes of work, so DISABLED_ for the suite; run by hand:
//   NOS_SHARED_DATA=../shared/data NOS_REWARD_THREADS=2 (or 1)
//   build/reward/tests/apps/search/reward/nos_search_reward_test --gtest_also_run_disabled_tests
//     --gtest_filter='*FullProtocol*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "apps/search/reward/reward.h"

namespace nos::search {
namespace {

TEST(RewardTiming, DISABLED_FullProtocolPowerSign) {
  const char* dir = std::getenv("NOS_SHARED_DATA");
  const char* t = std::getenv("NOS_REWARD_THREADS");
  const int threads = t ? std::atoi(t) : 2;
  const ChildData data = load_child_data({.dataset = "cifar10", .data_dir = dir ? dir : ""});
  const auto t0 = std::chrono::steady_clock::now();
  const Evaluation ev = evaluate_rule("mul g exp mul sign_g sign_m", RewardConfig{}, data, threads);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(ev.status, "ok") << ev.error;
  for (const RateResult& r : ev.sweep)
    std::printf("lr %-7g accuracy %.4f %s %.2f s %s\n", r.lr, r.accuracy, r.diverged ? "diverged" : "", r.seconds,
                r.reason.c_str());
  std::printf("best lr %g, reward %.4f, %d threads, evaluation %.2f s (wall %.2f s)\n", ev.best_lr, ev.reward, threads,
              ev.seconds, wall);
}

}  // namespace
}  // namespace nos::search
