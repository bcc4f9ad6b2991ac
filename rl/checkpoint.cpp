#include "rl/checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "hash.h"

namespace nos::rl {
namespace {

static_assert(std::endian::native == std::endian::little, "checkpoints store little-endian integers and floats");

constexpr std::string_view kMagic = "NOSCKPT\n";

// Appends plain values and blobs to a byte string.
struct Writer {
  std::string out;
  template <typename T>
  void pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(std::string_view s, bool wide) {
    if (wide) pod<std::uint64_t>(s.size());
    else pod<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    out.append(s);
  }
  void floats(const std::vector<float>& v) {
    pod<std::uint64_t>(v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
};

// Reads them back; every read checks that the bytes are there.
struct Reader {
  std::string_view in;
  std::string what;  // "SOURCE section NAME"
  size_t pos = 0;
  void need(size_t n) const {
    if (in.size() - pos < n)
      throw std::runtime_error(fmt::format("{}: truncated (needed {} more bytes at offset {}, {} left)", what, n, pos,
                                           in.size() - pos));
  }
  template <typename T>
  T pod() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, in.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string_view str(bool wide) {
    const std::uint64_t n = wide ? pod<std::uint64_t>() : pod<std::uint32_t>();
    need(n);
    auto s = in.substr(pos, n);
    pos += n;
    return s;
  }
  std::vector<float> floats() {
    const auto n = pod<std::uint64_t>();
    if (n > (in.size() - pos) / sizeof(float)) need(n * sizeof(float));
    std::vector<float> v(n);
    std::memcpy(v.data(), in.data() + pos, n * sizeof(float));
    pos += n * sizeof(float);
    return v;
  }
  void finish() const {
    if (pos != in.size()) throw std::runtime_error(fmt::format("{}: {} unexpected trailing bytes", what, in.size() - pos));
  }
};

}  // namespace

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
  Writer payload;
  for (const auto& [name, data] : c.sections) {
    payload.str(name, false);
    payload.str(data, true);
  }
  Writer w;
  w.out.append(kMagic);
  w.pod<std::uint32_t>(kCheckpointVersion);
  w.str(payload.out, true);
  w.pod<std::uint64_t>(dslc::fnv1a64(payload.out));
  return std::move(w.out);
}

Checkpoint decode(std::string_view bytes, std::string source) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic)
    throw std::runtime_error(fmt::format("{}: not a nos checkpoint (expected the magic \"NOSCKPT\", {} bytes)", source,
                                         bytes.size()));
  Reader r{bytes, source, kMagic.size()};
  const auto version = r.pod<std::uint32_t>();
  if (version != kCheckpointVersion)
    throw std::runtime_error(fmt::format("{}: checkpoint version {}, this program reads version {}", source, version,
                                         kCheckpointVersion));
  const auto payload = r.str(true);
  const auto sum = r.pod<std::uint64_t>();
  r.finish();
  if (sum != dslc::fnv1a64(payload))
    throw std::runtime_error(fmt::format("{}: checksum mismatch (the file is corrupt)", source));
  Checkpoint c;
  c.source = source;
  Reader p{payload, source};
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

std::string describe(const SearchSpace& s) {
  std::string d = "operands";
  for (auto x : s.operands) d += fmt::format(" {}", dslc::symbol(x).name);
  d += " / unary";
  for (auto x : s.unary) d += fmt::format(" {}", dslc::symbol(x).name);
  d += " / binary";
  for (auto x : s.binary) d += fmt::format(" {}", dslc::symbol(x).name);
  const auto& c = s.constraints;
  d += fmt::format(" / groups {} / constraints {}{}{}", s.groups, int(c.distinct_operands), int(c.final_not_add),
                   int(c.use_earlier_output));
  return d;
}

void put_controller(Checkpoint& c, const Controller& ctrl, const PgState& st) {
  c.put("controller.space", describe(ctrl.space()));
  Writer cfg;
  cfg.pod<std::int32_t>(ctrl.config().hidden);
  cfg.pod<std::int32_t>(ctrl.config().embed);
  c.put("controller.config", std::move(cfg.out));

  Writer arena;
  const auto& a = ctrl.arena();
  arena.pod<std::uint64_t>(a.entries().size());
  for (const auto& e : a.entries()) {
    arena.str(e.name, false);
    arena.pod<std::int64_t>(e.numel);
  }
  arena.floats(std::vector<float>(a.values(), a.values() + a.size()));
  c.put("controller.arena", std::move(arena.out));

  Writer pg;
  pg.pod<double>(st.baseline.value);
  pg.pod<std::uint8_t>(st.baseline.initialized ? 1 : 0);
  pg.floats(st.adam.m);
  pg.floats(st.adam.v);
  pg.pod<std::int64_t>(st.adam.t);
  pg.pod<std::int64_t>(st.updates);
  c.put("pg.state", std::move(pg.out));
}

void get_controller(const Checkpoint& c, Controller& ctrl, PgState& st) {
  const std::string space = describe(ctrl.space());
  if (c.get("controller.space") != space)
    throw std::runtime_error(fmt::format("{}: written for the search space [{}], but this controller's space is [{}]",
                                         c.source, c.get("controller.space"), space));
  Reader cfg{c.get("controller.config"), c.source + " section controller.config"};
  const int hidden = cfg.pod<std::int32_t>(), embed = cfg.pod<std::int32_t>();
  cfg.finish();
  if (hidden != ctrl.config().hidden || embed != ctrl.config().embed)
    throw std::runtime_error(fmt::format("{}: controller with hidden {} and embed {}, this one has hidden {} and embed {}",
                                         c.source, hidden, embed, ctrl.config().hidden, ctrl.config().embed));

  auto& a = ctrl.arena();
  Reader ar{c.get("controller.arena"), c.source + " section controller.arena"};
  const auto n = ar.pod<std::uint64_t>();
  if (n != a.entries().size())
    throw std::runtime_error(fmt::format("{}: {} controller parameters, expected {}", c.source, n, a.entries().size()));
  for (const auto& e : a.entries()) {
    const std::string name(ar.str(false));
    const auto numel = ar.pod<std::int64_t>();
    if (name != e.name || numel != e.numel)
      throw std::runtime_error(fmt::format("{}: parameter {} with {} floats where {} with {} was expected", c.source, name,
                                           numel, e.name, e.numel));
  }
  const auto values = ar.floats();
  ar.finish();
  if (static_cast<std::int64_t>(values.size()) != a.size())
    throw std::runtime_error(fmt::format("{}: {} arena floats, expected {}", c.source, values.size(), a.size()));

  Reader pg{c.get("pg.state"), c.source + " section pg.state"};
  PgState s;
  s.baseline.value = pg.pod<double>();
  s.baseline.initialized = pg.pod<std::uint8_t>() != 0;
  s.adam.m = pg.floats();
  s.adam.v = pg.floats();
  s.adam.t = pg.pod<std::int64_t>();
  s.updates = pg.pod<std::int64_t>();
  pg.finish();
  for (const auto* mv : {&s.adam.m, &s.adam.v})
    if (!mv->empty() && static_cast<std::int64_t>(mv->size()) != a.size())
      throw std::runtime_error(fmt::format("{}: Adam state of {} floats for an arena of {}", c.source, mv->size(), a.size()));

  std::copy(values.begin(), values.end(), a.values());
  st = std::move(s);
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

}  // namespace nos::rl
