// The controller's checkpoint sections: a controller, its policy-gradient state and the rng come
// back bit for bit, and continue exactly as the original would; a checkpoint of another space,
// size or constraint set is refused by name.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "rl/controller_checkpoint.h"

namespace nos::rl {
namespace {

using search::Checkpoint;
using search::decode;
using search::encode;
using search::get_rng;
using search::preset;
using search::put_rng;

std::vector<double> fixed_rewards(const std::vector<Sample>& s) {
  std::vector<double> r;
  for (size_t i = 0; i < s.size(); ++i) r.push_back(s[i].choices[0] == 0 ? 1.0 : 0.1 * static_cast<double>(i));
  return r;
}

// A controller that has taken a few Adam steps, so every part of the state is non-trivial.
void train(Controller& c, PgState& st, std::mt19937_64& rng, const PgConfig& cfg, int updates) {
  for (int u = 0; u < updates; ++u) {
    const auto s = c.sample(cfg.batch, rng);
    update(c, st, cfg, s, fixed_rewards(s));
  }
}

bool same_bits(const float* a, const float* b, std::int64_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

PgConfig reinforce() {
  PgConfig cfg;
  cfg.method = Method::Reinforce;
  cfg.adam.lr = 1e-2;
  return cfg;
}

TEST(Checkpoint, RoundTripIsExactAndContinuesIdentically) {
  const ControllerConfig cc{.hidden = 16, .embed = 8, .seed = 5};
  const PgConfig cfg = reinforce();
  Controller a(preset("tiny", 2), cc);
  PgState sa;
  std::mt19937_64 ra(11);
  train(a, sa, ra, cfg, 3);

  Checkpoint ck;
  put_controller(ck, a, sa);
  put_rng(ck, "rng", ra);
  ck.put("app", std::string("any bytes\0here", 14));
  const std::string bytes = encode(ck);

  Controller b(preset("tiny", 2), {.hidden = 16, .embed = 8, .seed = 99});  // different initial weights
  PgState sb;
  std::mt19937_64 rb(0);
  const Checkpoint back = decode(bytes, "mem");
  get_controller(back, b, sb);
  get_rng(back, "rng", rb);
  EXPECT_EQ(back.get("app"), std::string("any bytes\0here", 14));

  ASSERT_EQ(a.arena().size(), b.arena().size());
  EXPECT_TRUE(same_bits(a.arena().values(), b.arena().values(), a.arena().size()));
  EXPECT_EQ(sa.adam.t, 3);
  EXPECT_EQ(sb.adam.t, sa.adam.t);
  EXPECT_EQ(sb.updates, sa.updates);
  EXPECT_EQ(sb.baseline.value, sa.baseline.value);
  EXPECT_EQ(sb.baseline.initialized, sa.baseline.initialized);
  ASSERT_EQ(sb.adam.m.size(), sa.adam.m.size());
  EXPECT_TRUE(same_bits(sa.adam.m.data(), sb.adam.m.data(), static_cast<std::int64_t>(sa.adam.m.size())));
  EXPECT_TRUE(same_bits(sa.adam.v.data(), sb.adam.v.data(), static_cast<std::int64_t>(sa.adam.v.size())));
  EXPECT_EQ(ra, rb);

  // Both continue the same way: same samples, same weights after more updates.
  train(a, sa, ra, cfg, 2);
  train(b, sb, rb, cfg, 2);
  EXPECT_TRUE(same_bits(a.arena().values(), b.arena().values(), a.arena().size()));
  EXPECT_EQ(ra, rb);
  // And the encoding is a function of the state: the same state encodes to the same bytes.
  Checkpoint ca, cb;
  put_controller(ca, a, sa);
  put_controller(cb, b, sb);
  EXPECT_EQ(encode(ca), encode(cb));
}

TEST(Checkpoint, FreshStateRoundTrips) {
  Controller a(preset("tiny", 1), {.hidden = 4, .embed = 4});
  PgState s;
  Checkpoint ck;
  put_controller(ck, a, s);
  Controller b(preset("tiny", 1), {.hidden = 4, .embed = 4, .seed = 2});
  PgState t;
  t.updates = 7;
  get_controller(decode(encode(ck), "mem"), b, t);
  EXPECT_EQ(t.updates, 0);
  EXPECT_TRUE(t.adam.m.empty());
  EXPECT_FALSE(t.baseline.initialized);
  EXPECT_TRUE(same_bits(a.arena().values(), b.arena().values(), a.arena().size()));
}

std::string some_checkpoint() {
  Controller a(preset("tiny", 1), {.hidden = 4, .embed = 4});
  PgState s;
  std::mt19937_64 rng(3);
  train(a, s, rng, reinforce(), 1);
  Checkpoint ck;
  put_controller(ck, a, s);
  put_rng(ck, "rng", rng);
  return encode(ck);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, MismatchedControllersAreRejected) {
  const Checkpoint ck = decode(some_checkpoint(), "ck.bin");
  PgState s;
  Controller other_space(preset("tiny", 2), {.hidden = 4, .embed = 4});
  EXPECT_NE(error_of([&] { get_controller(ck, other_space, s); }).find("search space"), std::string::npos);
  Controller other_size(preset("tiny", 1), {.hidden = 5, .embed = 4});
  EXPECT_NE(error_of([&] { get_controller(ck, other_size, s); }).find("hidden 4"), std::string::npos);
  SearchSpace loose = preset("tiny", 1);
  loose.constraints.final_not_add = false;
  Controller other_constraints(loose, {.hidden = 4, .embed = 4});
  EXPECT_NE(error_of([&] { get_controller(ck, other_constraints, s); }).find("constraints"), std::string::npos);
}

}  // namespace
}  // namespace nos::rl
