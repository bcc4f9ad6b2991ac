// A pool of threads in this process, each evaluating one rule at a time single-threaded
// (evaluate_rule(..., threads = 1)): one child network per core is faster than one network on
// every core for the paper's small ConvNet, and no OpenMP pools fight over the cores.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "apps/search/workers.h"

namespace nos::search {

class LocalWorkers final : public Workers {
 public:
  // `evaluator` must outlive the pool. threads >= 1.
  LocalWorkers(const Evaluator& evaluator, int threads);
  ~LocalWorkers() override;  // finishes the jobs in flight, then joins

  int size() const override { return static_cast<int>(threads_.size()); }
  void submit(Job job) override;
  std::optional<Outcome> wait(std::chrono::milliseconds timeout) override;

 private:
  void work(int id);

  const Evaluator& evaluator_;
  std::mutex mu_;
  std::condition_variable jobs_cv_, done_cv_;
  std::deque<Job> jobs_;
  std::deque<Outcome> done_;
  std::exception_ptr failure_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace nos::search
