#include "apps/search/score_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "apps/common/run_files.h"
#include "apps/search/cache.h"
#include "apps/search/evaluator.h"
#include "dslc/hash.h"

namespace nos::search {
namespace {

constexpr const char* kFormat = "nos-search score cache";

nlohmann::json read_cache_file(const std::filesystem::path& f) {
  if (!std::filesystem::exists(f)) return nullptr;
  try {
    auto j = nlohmann::json::parse(app::read_file(f));
    if (j.at("format") != kFormat || j.at("version") != 1)
      throw std::runtime_error(fmt::format("expected format '{}' version 1", kFormat));
    (void)j.at("entries").items();
    return j;
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("{}: malformed score cache ({}); delete it to start it again", f.string(), e.what()));
  }
}

// An exclusive flock on DIR/.score-cache.lock for one read-modify-replace of a cache file, so that
// runs storing at the same moment (processes or threads: each holds its own open file) keep each
// other's scores. On a file system without locks it goes on unlocked, as before.
class StoreLock {
 public:
  explicit StoreLock(const std::filesystem::path& dir) {
    const auto path = dir / ".score-cache.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    int rc;
    do rc = ::flock(fd_, LOCK_EX);
    while (rc != 0 && errno == EINTR);
  }
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock() { ::close(fd_); }  // closing the last descriptor releases the lock

 private:
  int fd_ = -1;
};

}  // namespace

nlohmann::json scored_protocol(nlohmann::json protocol, const nlohmann::json& dataset) {
  protocol["dataset"] = dataset;
  return protocol;
}

std::string protocol_hash(const nlohmann::json& protocol) { return dslc::hash_hex(dslc::fnv1a64(protocol.dump())); }

std::filesystem::path ScoreCache::file(const nlohmann::json& protocol) const {
  return dir_ / (protocol_hash(protocol) + ".json");
}

std::optional<Evaluation> ScoreCache::lookup(const nlohmann::json& protocol, std::uint64_t canonical) const {
  if (!enabled()) return std::nullopt;
  const auto f = file(protocol);
  const nlohmann::json j = read_cache_file(f);
  const std::string key = dslc::hash_hex(canonical);
  if (j.is_null() || !j["entries"].contains(key)) return std::nullopt;
  try {
    return evaluation_from_json(j["entries"][key].at("eval"));
  } catch (const nlohmann::json::exception& ex) {
    throw std::runtime_error(fmt::format("{}: entry {}: {}", f.string(), key, ex.what()));
  }
}

void ScoreCache::store(const nlohmann::json& protocol, std::uint64_t canonical, const std::string& name,
                       const std::string& rule, const Evaluation& e) const {
  if (!enabled()) return;
  std::filesystem::create_directories(dir_);
  const StoreLock lock(dir_);
  const auto f = file(protocol);
  nlohmann::json j = read_cache_file(f);
  if (j.is_null())
    j = {{"format", kFormat}, {"version", 1}, {"protocol", protocol}, {"entries", nlohmann::json::object()}};
  j["entries"][dslc::hash_hex(canonical)] = {{"name", name}, {"rule", rule}, {"eval", to_json(e)}};
  app::write_file_atomic(f, j.dump(1) + "\n");
}

}  // namespace nos::search
