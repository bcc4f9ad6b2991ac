#include "search/checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "dslc/hash.h"

namespace nos::search {
namespace {

static_assert(std::endian::native == std::endian::little, "checkpoints store little-endian integers and floats");

constexpr std::string_view kMagic = "NOSCKPT\n";

}  // namespace

void ByteReader::need(size_t n) const {
  if (in.size() - pos < n)
    throw std::runtime_error(
        fmt::format("{}: truncated (needed {} more bytes at offset {}, {} left)", what, n, pos, in.size() - pos));
}

std::string_view ByteReader::str(bool wide) {
  const std::uint64_t n = wide ? pod<std::uint64_t>() : pod<std::uint32_t>();
  need(n);
  auto s = in.substr(pos, n);
  pos += n;
  return s;
}

std::vector<float> ByteReader::floats() {
  const auto n = pod<std::uint64_t>();
  if (n > (in.size() - pos) / sizeof(float)) need(n * sizeof(float));
  std::vector<float> v(n);
  std::memcpy(v.data(), in.data() + pos, n * sizeof(float));
  pos += n * sizeof(float);
  return v;
}

void ByteReader::finish() const {
  if (pos != in.size())
    throw std::runtime_error(fmt::format("{}: {} unexpected trailing bytes", what, in.size() - pos));
}

void Checkpoint::put(std::string name, std::string data) {
  for (auto& [n, d] : sections)
    if (n == name) {
      d = std::move(data);
      return;
    }
  sections.emplace_back(std::move(name), std::move(data));
}

bool Checkpoint::has(std::string_view name) const {
  return std::any_of(sections.begin(), sections.end(), [&](const auto& s) { return s.first == name; });
}

const std::string& Checkpoint::get(std::string_view name) const {
  for (const auto& [n, d] : sections)
    if (n == name) return d;
  throw std::runtime_error(fmt::format("{}: no section '{}' (written by another program or version?)", source, name));
}

std::string encode(const Checkpoint& c) {
  ByteWriter payload;
  for (const auto& [name, data] : c.sections) {
    payload.str(name, false);
    payload.str(data, true);
  }
  ByteWriter w;
  w.out.append(kMagic);
  w.pod<std::uint32_t>(kCheckpointVersion);
  w.str(payload.out, true);
  w.pod<std::uint64_t>(dslc::fnv1a64(payload.out));
  return std::move(w.out);
}

Checkpoint decode(std::string_view bytes, std::string source) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic)
    throw std::runtime_error(
        fmt::format("{}: not a nos checkpoint (expected the magic \"NOSCKPT\", {} bytes)", source, bytes.size()));
  ByteReader r{bytes, source, kMagic.size()};
  const auto version = r.pod<std::uint32_t>();
  if (version != kCheckpointVersion)
    throw std::runtime_error(
        fmt::format("{}: checkpoint version {}, this program reads version {}", source, version, kCheckpointVersion));
  const auto payload = r.str(true);
  const auto sum = r.pod<std::uint64_t>();
  r.finish();
  if (sum != dslc::fnv1a64(payload))
    throw std::runtime_error(fmt::format("{}: checksum mismatch (the file is corrupt)", source));
  Checkpoint c;
  c.source = source;
  ByteReader p{payload, source};
  while (p.pos < payload.size()) {
    std::string name(p.str(false));
    std::string data(p.str(true));
    if (c.has(name)) throw std::runtime_error(fmt::format("{}: section '{}' appears twice", source, name));
    c.sections.emplace_back(std::move(name), std::move(data));
  }
  return c;
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(fmt::format("{}: cannot open checkpoint: {}", path.string(), std::strerror(errno)));
  std::ostringstream ss;
  ss << f.rdbuf();
  return decode(ss.str(), path.string());
}

void put_rng(Checkpoint& c, const std::string& name, const std::mt19937_64& rng) {
  std::ostringstream ss;
  ss << rng;
  c.put(name, ss.str());
}

void get_rng(const Checkpoint& c, const std::string& name, std::mt19937_64& rng) {
  std::istringstream ss(c.get(name));
  std::mt19937_64 r;
  ss >> r;
  if (!ss || (ss >> std::ws, !ss.eof()))
    throw std::runtime_error(fmt::format("{}: section '{}' is not a std::mt19937_64 state", c.source, name));
  rng = r;
}

}  // namespace nos::search
