#include "apps/search/local_workers.h"

#include <fmt/format.h>

#include <stdexcept>

namespace nos::search {

LocalWorkers::LocalWorkers(const Evaluator& evaluator, int threads) : evaluator_(evaluator) {
  if (threads < 1) throw std::invalid_argument("LocalWorkers: need at least one thread");
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, i] { work(i + 1); });
}

LocalWorkers::~LocalWorkers() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  jobs_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void LocalWorkers::submit(Job job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  jobs_cv_.notify_one();
}

std::optional<Outcome> LocalWorkers::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  done_cv_.wait_for(lock, timeout, [&] { return !done_.empty() || failure_; });
  if (failure_) std::rethrow_exception(failure_);
  if (done_.empty()) return std::nullopt;
  Outcome o = std::move(done_.front());
  done_.pop_front();
  return o;
}

void LocalWorkers::work(int id) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      jobs_cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      // The driver's compiled value; a job without one (not sent by the driver) is compiled here.
      const Evaluation e = job.compiled ? evaluator_.evaluate(*job.compiled, job.fidelity, job.seed)
                                        : evaluator_.evaluate(job.rule, job.fidelity, job.seed);
      Outcome o{.sample = job.sample,
                .fidelity = job.fidelity,
                .seed = job.seed,
                .eval = e,
                .worker = fmt::format("thread {}", id)};
      std::lock_guard lock(mu_);
      done_.push_back(std::move(o));
    } catch (...) {
      std::lock_guard lock(mu_);
      failure_ = std::current_exception();
    }
    done_cv_.notify_all();
  }
}

}  // namespace nos::search
