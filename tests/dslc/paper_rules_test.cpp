// The rules of the paper (Table 1 and §4.3): both syntaxes give one canonical form, the forms
// print back, and the interpreter reproduces values computed by hand over several steps.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "dslc/interp.h"
#include "dslc/random.h"
#include "tests/dslc/test_util.h"

namespace nos::dslc {
namespace {

// What a rule sees at one element and step, computed independently of dslc.
struct Hand {
  double g, w, m, v, y;  // m, v, y bias-corrected
  uint64_t step, index, seed;
  bool dropped(double p) const { return rng::dropped(rng::bits(seed, step, index, 0), p); }
  double drop(double x, double p) const { return dropped(p) ? 0.0 : x; }
};

double sgn(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }
double clip(double x, double l) { return std::min(std::max(x, -l), l); }
constexpr double kEps = 1e-8;
double adam(const Hand& h) { return h.m / (std::sqrt(h.v) + kEps); }
double rmsprop(const Hand& h) { return h.g / (std::sqrt(h.v) + kEps); }

struct PaperRule {
  const char* name;
  const char* prefix;
  const char* controller;
  std::function<double(const Hand&)> hand;
};

const std::vector<PaperRule>& paper_rules() {
  static const std::vector<PaperRule> rules = {
      {"sgd", "g", "g g id id keep", [](const Hand& h) { return h.g; }},
      {"adam", "adam", "m v id sqrt div", adam},
      {"rmsprop", "rmsprop", "g v id sqrt div", rmsprop},
      {"t1_01", "mul add exp mul sign_g sign_m clip4 g g",
       "sign_g sign_m id id mul; $1 g exp clip4 add; $2 g id id mul",
       [](const Hand& h) { return (std::exp(sgn(h.g) * sgn(h.m)) + clip(h.g, 1e-4)) * h.g; }},
      {"t1_02", "mul clip4 m exp v", "m v clip4 exp mul",
       [](const Hand& h) { return clip(h.m, 1e-4) * std::exp(h.v); }},
      {"t1_03", "mul m exp v", "m v id exp mul", [](const Hand& h) { return h.m * std::exp(h.v); }},
      {"t1_04", "mul g exp mul sign_g sign_m", "sign_g sign_m id id mul; g $1 id exp mul",
       [](const Hand& h) { return h.g * std::exp(sgn(h.g) * sgn(h.m)); }},
      {"t1_05", "mul drop3 g exp mul sign_g sign_m", "sign_g sign_m id id mul; g $1 drop3 exp mul",
       [](const Hand& h) { return h.drop(h.g, 0.3) * std::exp(sgn(h.g) * sgn(h.m)); }},
      {"t1_06", "mul m exp g2", "m g2 id exp mul", [](const Hand& h) { return h.m * std::exp(h.g * h.g); }},
      {"t1_07", "div drop1 m exp g2", "m g2 drop1 exp div",
       [](const Hand& h) { return h.drop(h.m, 0.1) / (std::exp(h.g * h.g) + kEps); }},
      {"t1_08", "mul drop1 g exp mul sign_g sign_m", "sign_g sign_m id id mul; g $1 drop1 exp mul",
       [](const Hand& h) { return h.drop(h.g, 0.1) * std::exp(sgn(h.g) * sgn(h.m)); }},
      {"t1_09", "add clip5 rmsprop drop3 m", "rmsprop m clip5 drop3 add",
       [](const Hand& h) { return clip(rmsprop(h), 1e-5) + h.drop(h.m, 0.3); }},
      {"t1_10", "mul adam exp mul sign_g sign_m", "sign_g sign_m id id mul; adam $1 id exp mul",
       [](const Hand& h) { return adam(h) * std::exp(sgn(h.g) * sgn(h.m)); }},
      {"t1_11", "mul adam exp m", "adam m id exp mul", [](const Hand& h) { return adam(h) * std::exp(h.m); }},
      {"t1_12", "add g drop3 m", "g m id drop3 add", [](const Hand& h) { return h.g + h.drop(h.m, 0.3); }},
      {"t1_13", "mul drop1 m exp g3", "m g3 drop1 exp mul",
       [](const Hand& h) { return h.drop(h.m, 0.1) * std::exp(h.g * h.g * h.g); }},
      {"t1_14", "sub g clip4 g2", "g g2 id clip4 sub", [](const Hand& h) { return h.g - clip(h.g * h.g, 1e-4); }},
      {"t1_15", "sub exp g exp m", "g m exp exp sub", [](const Hand& h) { return std::exp(h.g) - std::exp(h.m); }},
      {"t1_16", "mul drop3 m exp w3", "m w3 drop3 exp mul",
       [](const Hand& h) { return h.drop(h.m, 0.3) * std::exp(1e-3 * h.w); }},
      {"addsign", "mul add one mul sign_g sign_m g", "sign_g sign_m id id mul; one $1 id id add; $2 g id id mul",
       [](const Hand& h) { return (1.0 + sgn(h.g) * sgn(h.m)) * h.g; }},
  };
  return rules;
}

TEST(PaperRules, BothSyntaxesGiveTheSameCanonicalForm) {
  for (const PaperRule& r : paper_rules()) {
    const Compiled a = test::compile_ok(r.prefix);
    const Compiled b = test::compile_ok(r.controller);
    EXPECT_EQ(a.prefix, b.prefix) << r.name;
    EXPECT_EQ(a.hash, b.hash) << r.name;
  }
}

TEST(PaperRules, CanonicalFormPrintsBack) {
  for (const PaperRule& r : paper_rules()) {
    const Compiled c = test::compile_ok(r.prefix);
    EXPECT_EQ(test::canon(c.prefix), c.prefix) << r.name;
    EXPECT_FALSE(print_infix(c.canonical).empty());
    EXPECT_FALSE(print_latex(c.canonical).empty());
  }
}

TEST(PaperRules, Printers) {
  const Compiled ps = test::compile_ok("mul exp mul sign_g sign_m g");
  EXPECT_EQ(ps.prefix, "mul g exp mul sign_g sign_m");
  EXPECT_EQ(print_infix(ps.canonical), "g * exp(sign(g) * sign(m))");
  EXPECT_EQ(print_latex(ps.canonical), "g \\cdot e^{\\operatorname{sign}(g) \\cdot \\operatorname{sign}(\\hat{m})}");
  const Compiled o1 = test::compile_ok("mul add exp mul sign_g sign_m clip4 g g");
  EXPECT_EQ(print_infix(o1.canonical), "g * (clip(g, 1e-4) + exp(sign(g) * sign(m)))");
  EXPECT_EQ(print_latex(test::compile_ok("div drop1 m exp g2").canonical),
            "\\frac{\\operatorname{drop}(\\hat{m}, 0.1)}{e^{g^2} + \\epsilon}");
  EXPECT_EQ(print_latex(test::compile_ok("mul g div add m y v").canonical),
            "g \\cdot \\frac{\\hat{m} + \\hat{\\gamma}}{\\hat{v} + \\epsilon}");
  EXPECT_EQ(print_infix(test::compile_ok("mul g div add m y v").canonical), "g * ((m + y) / (v + eps))");
  EXPECT_EQ(print_infix(test::compile_ok("sub g sub m v").canonical), "g - (m - v)");
  EXPECT_EQ(print_infix(test::compile_ok("neg add g m").canonical), "-(g + m)");
  EXPECT_EQ(print_infix(test::compile_ok("mul add g m sub v y").canonical), "(g + m) * (v - y)");
  EXPECT_EQ(print_infix(test::compile_ok("mul w3 exp m").canonical), "1e-3*w * exp(m)");
  EXPECT_EQ(print_latex(test::compile_ok("mul 1e-05 g").canonical), "10^{-5} \\cdot g");
}

TEST(PaperRules, InterpreterMatchesHandComputedValues) {
  const std::vector<std::vector<double>> grads = {{0.5, -0.2, 0.0},  {0.4, 0.1, -0.3},   {-0.6, 0.3, 0.2},
                                                  {0.05, -0.4, 0.0}, {-0.1, -0.05, 0.7}, {0.2, 0.2, -0.2}};
  const std::vector<double> w0 = {1.0, -2.0, 0.25};
  Hyper hyper;
  hyper.lr = 0.1;
  hyper.seed = 42;
  for (const PaperRule& r : paper_rules()) {
    const Compiled c = test::compile_ok(r.prefix);
    const auto got = interp_run(c.ir, hyper, w0, grads);
    // The same steps by hand.
    std::vector<double> w = w0, m(3, 0.0), v(3, 0.0), y(3, 0.0);
    for (size_t t = 1; t <= grads.size(); ++t) {
      for (size_t i = 0; i < 3; ++i) {
        const double g = grads[t - 1][i];
        m[i] = 0.9 * m[i] + (1 - 0.9) * g;
        v[i] = 0.999 * v[i] + (1 - 0.999) * g * g;
        y[i] = 0.999 * y[i] + (1 - 0.999) * g * g * g;
        const Hand h{g,
                     w[i],
                     m[i] / (1 - std::pow(0.9, static_cast<double>(t))),
                     v[i] / (1 - std::pow(0.999, static_cast<double>(t))),
                     y[i] / (1 - std::pow(0.999, static_cast<double>(t))),
                     t,
                     i,
                     42};
        w[i] -= 0.1 * r.hand(h);
        EXPECT_DOUBLE_EQ(got[t - 1][i], w[i]) << r.name << " step " << t << " weight " << i;
      }
    }
  }
}

// The drop rules really drop: over many elements the fraction of zeroed updates is close to p.
TEST(PaperRules, DropRatesAreAsNamed) {
  for (auto [rule, p] : {std::pair{"drop1 g", 0.1}, {"drop3 g", 0.3}, {"drop5 g", 0.5}}) {
    const Compiled c = test::compile_ok(rule);
    const size_t n = 200000;
    std::vector<double> w(n, 0.0), g(n, 1.0);
    State s = make_state(c.ir.state, n);
    interp_step(c.ir, step_params(Hyper{.lr = 1.0}, 1), w, g, s);
    size_t zero = 0;
    for (double x : w) zero += x == 0.0;
    EXPECT_NEAR(static_cast<double>(zero) / n, p, 0.005) << rule;  // ~5 standard deviations
  }
}

}  // namespace
}  // namespace nos::dslc
