#include "apps/search/mpi.h"

#include <fmt/format.h>
#include <mpi.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace nos::search {
namespace {

enum Tag : int { kJob = 1, kOutcome = 2, kStop = 3, kFailure = 4 };

bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

void send_text(const std::string& s, int to, int tag) {
  MPI_Send(s.data(), static_cast<int>(s.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

// Receives the message that MPI_Probe/MPI_Iprobe announced in `st`.
std::string receive_text(const MPI_Status& st) {
  int n = 0;
  MPI_Get_count(&st, MPI_CHAR, &n);
  std::string s(static_cast<size_t>(n), '\0');
  MPI_Recv(s.data(), n, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return s;
}

std::string processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int n = 0;
  MPI_Get_processor_name(name, &n);
  return std::string(name, static_cast<size_t>(n));
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  if (!launched_by_mpirun()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  active_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  if (active_) MPI_Finalize();
}

void MpiSession::abort(int code) const {
  if (active_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

void mpi_broadcast_config(const std::string& json) {
  long long n = static_cast<long long>(json.size());
  MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  std::string copy = json;
  if (n > 0) MPI_Bcast(copy.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD);
}

std::string mpi_receive_config() {
  long long n = 0;
  MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  std::string s(static_cast<size_t>(n), '\0');
  if (n > 0) MPI_Bcast(s.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD);
  return s;
}

MpiWorkers::MpiWorkers(int world_size) : ranks_(world_size - 1) {
  if (ranks_ < 1)
    throw std::invalid_argument("MPI run with one rank: start at least 2 (rank 0 drives, the others evaluate)");
  for (int r = ranks_; r >= 1; --r) idle_.push_back(r);  // rank 1 first
}

MpiWorkers::~MpiWorkers() {
  for (int r = 1; r <= ranks_; ++r) send_text("", r, kStop);
}

void MpiWorkers::submit(Job job) {
  if (idle_.empty()) throw std::logic_error("MpiWorkers::submit: every worker is busy");
  const int r = idle_.back();
  idle_.pop_back();
  send_text(fmt::format("{} {} {}\n{}", job.sample, job.fidelity, job.seed, job.rule), r, kJob);
}

std::optional<Outcome> MpiWorkers::wait(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (flag) {
      const std::string text = receive_text(st);
      if (st.MPI_TAG == kFailure)
        throw std::runtime_error(fmt::format("worker rank {} failed: {}", st.MPI_SOURCE, text));
      idle_.push_back(st.MPI_SOURCE);
      const auto j = nlohmann::json::parse(text);
      return Outcome{.sample = j.at("sample").get<std::int64_t>(),
                     .fidelity = j.at("fidelity").get<int>(),
                     .seed = j.at("seed").get<int>(),
                     .eval = evaluation_from_json(j.at("eval")),
                     .worker = j.at("worker").get<std::string>()};
    }
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    // A worker's answer takes seconds to minutes; polling every 2 ms costs nothing and keeps
    // rank 0 responsive to SIGINT (a blocking MPI_Recv would not return for it).
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int run_mpi_worker(const Evaluator& evaluator, int rank) {
  const std::string name = fmt::format("rank {} on {}", rank, processor_name());
  for (;;) {
    MPI_Status st;
    MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    const std::string text = receive_text(st);
    if (st.MPI_TAG == kStop) return 0;
    const auto nl = text.find('\n');
    try {
      if (st.MPI_TAG != kJob || nl == std::string::npos) throw std::runtime_error("malformed job message");
      std::int64_t sample = 0;
      int fidelity = 0, seed = 0;
      if (std::sscanf(text.substr(0, nl).c_str(), "%" SCNd64 " %d %d", &sample, &fidelity, &seed) != 3)
        throw std::runtime_error("malformed job message");
      // Only text crosses the wire: the rank compiles it once here and evaluates that value.
      const Evaluation e = evaluator.evaluate(std::string_view(text).substr(nl + 1), fidelity, seed);
      send_text(
          nlohmann::json{
              {"sample", sample}, {"fidelity", fidelity}, {"seed", seed}, {"worker", name}, {"eval", to_json(e)}}
              .dump(),
          0, kOutcome);
    } catch (const std::exception& e) {
      send_text(e.what(), 0, kFailure);
      return 1;
    }
  }
}

}  // namespace nos::search
