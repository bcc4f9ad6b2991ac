// Many machines through OpenMPI: `mpirun -np N nos-search ...` makes rank 0 the search driver
// and ranks 1..N-1 workers. Dispatch is asynchronous: a worker that finishes gets the next rule
// at once. Messages are small text: a job is "SAMPLE FIDELITY SEED\nRULE" (the rank compiles RULE once on
// arrival and evaluates that compiled value), an outcome a JSON object.
//
// MPI is initialised only when the process was started by mpirun (OMPI_COMM_WORLD_SIZE or
// PMI_SIZE / PMIX_RANK set), so the plain binary pays nothing for it. Only the main thread of a
// rank calls MPI (MPI_THREAD_FUNNELED).
#pragma once
#include <string>
#include <vector>

#include "apps/search/workers.h"

namespace nos::search {

class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();  // MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  bool active() const { return active_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Ends every rank at once (after an error on rank 0 while workers may be busy).
  [[noreturn]] void abort(int code) const;

 private:
  bool active_ = false;
  int rank_ = 0, size_ = 1;
};

// Rank 0 -> all: the run's configuration as JSON; an empty string tells the workers to exit.
void mpi_broadcast_config(const std::string& json);
std::string mpi_receive_config();

// Rank 0's view of ranks 1..size-1. The destructor tells every worker to stop.
class MpiWorkers final : public Workers {
 public:
  explicit MpiWorkers(int world_size);
  ~MpiWorkers() override;
  int size() const override { return static_cast<int>(ranks_); }
  void submit(Job job) override;
  std::optional<Outcome> wait(std::chrono::milliseconds timeout) override;

 private:
  int ranks_;
  std::vector<int> idle_;  // ranks without a job
};

// A worker rank: evaluates jobs from rank 0 until told to stop. Returns the exit code.
int run_mpi_worker(const Evaluator& evaluator, int rank);

}  // namespace nos::search
