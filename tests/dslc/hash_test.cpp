// Canonical hashes: equal for equivalent strings, distinct for distinct rules, fixed forever.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dslc/hash.h"
#include "tests/dslc/test_util.h"

namespace nos::dslc {
namespace {

uint64_t hash_of(const std::string& s) { return test::compile_ok(s).hash; }

TEST(Hash, EquivalentStringsHashEqual) {
  const std::vector<std::vector<std::string>> classes = {
      {"mul exp mul sign_g sign_m g", "mul g exp mul sign_g sign_m", "mul exp mul sign_m sign_g g",
       "* g exp * sign g sign m", "mul id g exp mul sign_g sign_m", "mul mul one g exp mul sign_g sign_m",
       "sign_g sign_m id id mul ; $1 g exp id mul", "sign_m sign_g id id mul ; g $1 id exp mul",
       "sign_m g id id keep; sign_g $1 id id mul; $2 g exp id mul", "mul keep g w4 exp mul sign sign_g sign_m",
       "mul g exp neg neg mul sign_g sign_m", "mul g exp mul sign_g sign clip3 m"},
      {"adam", "div m sqrt v", "m v id sqrt div", "keep adam g"},
      {"rmsprop", "g v id sqrt div"},
      {"g", "g g id id keep", "add g 0", "mul g 1", "mul one g", "neg neg g", "sub g 0", "id g"},
      {"sub g clip4 g2", "add g neg clip4 mul g g", "g g2 id clip4 sub", "sub g clip4 mul g g"},
      {"mul add one mul sign_g sign_m g", "mul g add mul sign_m sign_g one"},
      {"mul two g", "add g g", "g g id id add", "mul 2 g"},
  };
  for (const auto& cls : classes) {
    const uint64_t h = hash_of(cls.front());
    for (const std::string& s : cls) EXPECT_EQ(hash_of(s), h) << s << " vs " << cls.front();
  }
  // ...and the classes differ from each other.
  std::set<uint64_t> distinct;
  for (const auto& cls : classes) distinct.insert(hash_of(cls.front()));
  EXPECT_EQ(distinct.size(), classes.size());
}

TEST(Hash, DifferentRulesHashDifferently) {
  EXPECT_NE(hash_of("sub g m"), hash_of("sub m g"));
  EXPECT_NE(hash_of("div g m"), hash_of("div m g"));
  EXPECT_NE(hash_of("clip4 g"), hash_of("clip5 g"));
  EXPECT_NE(hash_of("add 0.5 g"), hash_of("add 0.25 g"));
  EXPECT_NE(hash_of("mul drop1 g m"), hash_of("mul drop3 g m"));
}

// Over a large random sample of rules from the paper's space: distinct canonical forms never share
// a hash, and each canonical form has exactly one hash.
TEST(Hash, NoCollisionsOverARandomSample) {
  test::RuleGen gen(31337, /*paper_only=*/true, /*allow_random=*/true);
  std::map<uint64_t, std::string> by_hash;
  std::map<std::string, uint64_t> by_form;
  for (int i = 0; i < 30000; ++i) {
    const Compiled c = compile(Rule{"", gen.group_tree(1 + i % 3), {}});
    auto [it, fresh] = by_hash.emplace(c.hash, c.prefix);
    if (!fresh) {
      ASSERT_EQ(it->second, c.prefix) << "hash collision";
    }
    auto [jt, fresh2] = by_form.emplace(c.prefix, c.hash);
    if (!fresh2) {
      ASSERT_EQ(jt->second, c.hash);
    }
  }
  EXPECT_EQ(by_hash.size(), by_form.size());
  EXPECT_GT(by_form.size(), 10000u);  // the sample really is large and varied
}

TEST(Hash, ValuesAreFixed) {
  // FNV-1a 64 of the canonical text: a cache keyed by these survives rebuilds and platforms.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(hash_of("mul exp mul sign_g sign_m g"), fnv1a64("mul g exp mul sign_g sign_m"));
  EXPECT_EQ(hash_hex(hash_of("mul exp mul sign_g sign_m g")), "107adf6deeb8ecfd");
  EXPECT_EQ(hash_hex(0x1ull), "0000000000000001");
}

// Run directories store hashes as text: reading one back gives the value, and text that is not
// one is an error naming it (a hand-edited cache must not key the wrong rule).
TEST(Hash, HexTextRoundTripsAndBadTextIsRefused) {
  for (uint64_t v : {0ull, 1ull, 0x107adf6deeb8ecfdull, ~0ull}) EXPECT_EQ(parse_hash_hex(hash_hex(v)), v);
  EXPECT_EQ(parse_hash_hex("FF"), 255u);
  for (const std::string bad : {"", "12345678901234567", "12g4", "0x12", " 12", "-1"}) {
    try {
      parse_hash_hex(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + bad + "' is not a 64-bit hex number"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace nos::dslc
