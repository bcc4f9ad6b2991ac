#include "rl/controller_checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace nos::rl {

void put_controller(search::Checkpoint& c, const Controller& ctrl, const PgState& st) {
  c.put("controller.space", search::describe(ctrl.space()));
  search::ByteWriter cfg;
  cfg.pod<std::int32_t>(ctrl.config().hidden);
  cfg.pod<std::int32_t>(ctrl.config().embed);
  c.put("controller.config", std::move(cfg.out));

  search::ByteWriter arena;
  const auto& a = ctrl.arena();
  arena.pod<std::uint64_t>(a.entries().size());
  for (const auto& e : a.entries()) {
    arena.str(e.name, false);
    arena.pod<std::int64_t>(e.numel);
  }
  arena.floats(std::vector<float>(a.values(), a.values() + a.size()));
  c.put("controller.arena", std::move(arena.out));

  search::ByteWriter pg;
  pg.pod<double>(st.baseline.value);
  pg.pod<std::uint8_t>(st.baseline.initialized ? 1 : 0);
  pg.floats(st.adam.m);
  pg.floats(st.adam.v);
  pg.pod<std::int64_t>(st.adam.t);
  pg.pod<std::int64_t>(st.updates);
  c.put("pg.state", std::move(pg.out));
}

void get_controller(const search::Checkpoint& c, Controller& ctrl, PgState& st) {
  const std::string space = search::describe(ctrl.space());
  if (c.get("controller.space") != space)
    throw std::runtime_error(fmt::format("{}: written for the search space [{}], but this controller's space is [{}]",
                                         c.source, c.get("controller.space"), space));
  search::ByteReader cfg{c.get("controller.config"), c.source + " section controller.config"};
  const int hidden = cfg.pod<std::int32_t>(), embed = cfg.pod<std::int32_t>();
  cfg.finish();
  if (hidden != ctrl.config().hidden || embed != ctrl.config().embed)
    throw std::runtime_error(
        fmt::format("{}: controller with hidden {} and embed {}, this one has hidden {} and embed {}", c.source, hidden,
                    embed, ctrl.config().hidden, ctrl.config().embed));

  auto& a = ctrl.arena();
  search::ByteReader ar{c.get("controller.arena"), c.source + " section controller.arena"};
  const auto n = ar.pod<std::uint64_t>();
  if (n != a.entries().size())
    throw std::runtime_error(fmt::format("{}: {} controller parameters, expected {}", c.source, n, a.entries().size()));
  for (const auto& e : a.entries()) {
    const std::string name(ar.str(false));
    const auto numel = ar.pod<std::int64_t>();
    if (name != e.name || numel != e.numel)
      throw std::runtime_error(fmt::format("{}: parameter {} with {} floats where {} with {} was expected", c.source,
                                           name, numel, e.name, e.numel));
  }
  const auto values = ar.floats();
  ar.finish();
  if (static_cast<std::int64_t>(values.size()) != a.size())
    throw std::runtime_error(fmt::format("{}: {} arena floats, expected {}", c.source, values.size(), a.size()));

  search::ByteReader pg{c.get("pg.state"), c.source + " section pg.state"};
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
      throw std::runtime_error(
          fmt::format("{}: Adam state of {} floats for an arena of {}", c.source, mv->size(), a.size()));

  std::copy(values.begin(), values.end(), a.values());
  st = std::move(s);
}

}  // namespace nos::rl
