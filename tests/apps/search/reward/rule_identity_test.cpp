// The cache keys: canonical hash, g-dependence, and the behaviour fingerprint.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "apps/search/reward/fingerprint.h"
#include "apps/search/reward/rule_identity.h"

namespace nos::search {
namespace {

TEST(RuleIdentity, ReportsCanonicalFormInfixAndHash) {
  const RuleIdentity a = identify("mul g exp mul sign_g sign_m");
  const RuleIdentity b = identify("sign_g sign_m id id mul ; $1 g exp id mul");  // controller form
  EXPECT_EQ(a.canonical_hash, b.canonical_hash);
  EXPECT_EQ(a.canonical, b.canonical);
  EXPECT_EQ(a.infix, "g * exp(sign(g) * sign(m))");
  EXPECT_TRUE(a.depends_on_g);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
}

TEST(RuleIdentity, RuleIgnoringGradientDoesNotDependOnG) {
  EXPECT_FALSE(identify("w4").depends_on_g);
  EXPECT_FALSE(identify("mul one w2").depends_on_g);
  EXPECT_TRUE(identify("add g w4").depends_on_g);
}

TEST(RuleIdentity, BadRuleThrowsWithDiagnostics) {
  try {
    identify("mul g exp foo");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown symbol 'foo'"), std::string::npos) << e.what();
  }
}

// Forms that are equal in value: either canonicalization already merges them, or the fingerprint does.
TEST(Fingerprint, EqualInValueDifferentInFormShareFingerprint) {
  EXPECT_EQ(identify("mul g one").fingerprint, identify("g").fingerprint);
  EXPECT_EQ(identify("mul g exp mul sign_g sign_m").fingerprint, identify("mul g exp mul sign_m sign_g").fingerprint);
  EXPECT_EQ(identify("sub g neg m").fingerprint, identify("add g m").fingerprint);
  EXPECT_EQ(identify("sub g neg w4").fingerprint, identify("add w4 g").fingerprint);
  EXPECT_EQ(identify("mul two g").fingerprint, identify("add g g").fingerprint);
  EXPECT_EQ(identify("mul g2 g").fingerprint, identify("g3").fingerprint);
  EXPECT_EQ(identify("neg neg g").fingerprint, identify("g").fingerprint);
}

// Pairs whose canonical forms differ but whose updates are identical: only the fingerprint can
// merge them. (If dslc's passes learn these identities too, the first expectation below tells.)
TEST(Fingerprint, MergesRulesCanonicalizationKeepsApart) {
  const RuleIdentity a = identify("mul sign_g g"), b = identify("sqrt g2");  // |g| both ways
  const RuleIdentity c = identify("mul g exp log one"), d = identify("g");   // exp(log|1|) = 1
  EXPECT_NE(a.canonical_hash, b.canonical_hash);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(c.fingerprint, d.fingerprint);
  // Two rules that never move a weight: dslc keeps `sub g g` as written (and says it depends on g).
  const RuleIdentity e = identify("sub g g"), f = identify("sub m m");
  EXPECT_NE(e.canonical_hash, f.canonical_hash);
  EXPECT_EQ(e.fingerprint, f.fingerprint);
}

TEST(Fingerprint, DistinguishesTheKnownOptimizers) {
  const std::uint64_t powersign = identify("mul g exp mul sign_g sign_m").fingerprint;
  const std::uint64_t addsign = identify("mul g add one mul sign_g sign_m").fingerprint;
  const std::uint64_t adam = identify("adam").fingerprint;
  const std::uint64_t sgd = identify("g").fingerprint;
  const std::uint64_t rmsprop = identify("rmsprop").fingerprint;
  const std::uint64_t momentum = identify("mom").fingerprint;
  const std::uint64_t v[] = {powersign, addsign, adam, sgd, rmsprop, momentum};
  for (size_t i = 0; i < std::size(v); ++i)
    for (size_t j = i + 1; j < std::size(v); ++j) EXPECT_NE(v[i], v[j]) << i << " vs " << j;
}

// Small differences the probe must see: eps, a weight-decay term, a scale factor, a decay.
TEST(Fingerprint, SeesSmallButRealDifferences) {
  EXPECT_NE(identify("div m add sqrt v 1e-6").fingerprint, identify("adam").fingerprint);  // a larger eps
  EXPECT_NE(identify("add g w4").fingerprint, identify("g").fingerprint);
  EXPECT_NE(identify("mul 1.001 g").fingerprint, identify("g").fingerprint);
  EXPECT_NE(identify("mul ld g").fingerprint, identify("mul cd g").fingerprint);
  EXPECT_NE(identify("drop1 g").fingerprint, identify("drop3 g").fingerprint);
}

TEST(Fingerprint, RandomRulesAreDeterministic) {
  for (const char* rule : {"drop5 g", "add g noise", "mul ep m"})
    EXPECT_EQ(identify(rule).fingerprint, identify(rule).fingerprint) << rule;
}

// Fingerprints are stored in run directories' caches and read back on --resume: a change to the
// probe, the hyperparameters or the hash silently splits every cached rule from its new self.
// If you change them on purpose, bump the "nos-fingerprint-v1" tag and update these values.
TEST(Fingerprint, StableAcrossRunsAndBuilds) {
  EXPECT_EQ(identify("mul g exp mul sign_g sign_m").fingerprint, 0x4e40ccf8c93b35feull);
  EXPECT_EQ(identify("adam").fingerprint, 0x69de6788375bbc5dull);
  // dslc/random.h's per-element hash changed (a 32-bit hash, for the JIT's speed): drop* and noise
  // rules now draw other numbers, so their fingerprints changed with their behaviour; rules
  // without draws keep theirs (the tag stays v1, so their cached fingerprints stay valid).
  EXPECT_EQ(identify("drop5 g").fingerprint, 0xfc4a2a30f5b6969full);
}

TEST(Fingerprint, QuantizationMergesRoundingAndKeepsSpecialValues) {
  const double x = 0.123456789;
  EXPECT_EQ(quantize_value(x), quantize_value(x * (1 + 1e-12)));  // float rounding noise
  EXPECT_NE(quantize_value(x), quantize_value(x * (1 + 1e-4)));   // a real difference
  EXPECT_NE(quantize_value(x), quantize_value(-x));
  EXPECT_EQ(quantize_value(0.0), quantize_value(-0.0));
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(quantize_value(std::nan("1")), quantize_value(-std::nan("2")));
  EXPECT_NE(quantize_value(inf), quantize_value(-inf));
  EXPECT_NE(quantize_value(inf), quantize_value(std::nan("")));
  EXPECT_NE(quantize_value(std::numeric_limits<double>::max()), quantize_value(inf));
  // A mantissa that rounds up to the next power of two lands on that power's code.
  EXPECT_EQ(quantize_value(std::nextafter(1.0, 0.0)), quantize_value(1.0));
}

TEST(Fingerprint, DivergingRuleStillFingerprints) {
  // exp(1/g) overflows for small positive g: inf and NaN are part of the behaviour.
  EXPECT_NE(identify("exp div one g").fingerprint, identify("g").fingerprint);
  EXPECT_EQ(identify("exp div one g").fingerprint, identify("exp div one g").fingerprint);
}

}  // namespace
}  // namespace nos::search
