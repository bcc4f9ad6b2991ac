// Where rules are evaluated: threads of this process (local_workers.h) or MPI ranks (mpi.h).
// The driver submits at most size() jobs at a time and collects outcomes as they finish, in any
// order; it attaches each outcome to its sample index, so timing never changes what is computed.
#pragma once
#include <chrono>
#include <optional>

#include "apps/search/evaluator.h"

namespace nos::search {

class Workers {
 public:
  virtual ~Workers() = default;
  virtual int size() const = 0;  // jobs that can run at once
  // Starts a job; the caller keeps at most size() jobs in flight.
  virtual void submit(Job job) = 0;
  // A finished job, or nullopt if none finished within `timeout` (so the caller can check for
  // SIGINT). Rethrows a worker's failure (not a bad rule, which is an outcome: a crash).
  virtual std::optional<Outcome> wait(std::chrono::milliseconds timeout) = 0;
};

}  // namespace nos::search
