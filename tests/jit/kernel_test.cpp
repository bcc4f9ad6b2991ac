// JIT kernels against the float32 reference (bit for bit) and the double-precision interpreter,
// over random rules of the whole vocabulary; tails, guards, thread counts, the cache.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "dslc/compile.h"
#include "dslc/interp.h"
#include "dslc/random.h"
#include "jit/kernel.h"
#include "jit/reference.h"
#include "jit/vecmath.h"
#include "optim/optimizer.h"
#include "tests/dslc/test_util.h"

namespace nos::jit {
using optim::Optimizer;
using optim::OptimizerOptions;
namespace {

using dslc::Compiled;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kGuard = -1234.5f;
constexpr size_t kG = 40;  // guard floats on each side of every buffer (more than a vector)

const float kSpecials[] = {
    0.0f, -0.0f, 1e-40f, -3e-39f, 1e-30f, -2.5e-7f, 0.3f,  -0.7f,
    3.0f, -1e5f, 1e30f,  3e38f,   -3e38f, kInf,     -kInf, std::numeric_limits<float>::quiet_NaN()};

bool same_bits(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

// One buffer with guard values on both sides; data() is the first element.
struct Guarded {
  std::vector<float> mem;
  size_t n;
  explicit Guarded(size_t n_) : mem(n_ + 2 * kG, kGuard), n(n_) {}
  float* data() { return mem.data() + kG; }
  float& operator[](size_t i) { return mem[kG + i]; }
  bool guards_intact() const {
    for (size_t k = 0; k < kG; ++k)
      if (!same_bits(mem[k], kGuard) || !same_bits(mem[kG + n + k], kGuard)) return false;
    return true;
  }
};

// w, g and one buffer per state-table row.
struct Buffers {
  std::vector<Guarded> buf;
  Guarded &w, &g, &m;
  explicit Buffers(size_t n) : buf(dslc::kBufCount, Guarded(n)), w(buf[0]), g(buf[1]), m(at(dslc::Buf::M)) {}
  Buffers(const Buffers& o) : buf(o.buf), w(buf[0]), g(buf[1]), m(at(dslc::Buf::M)) {}
  Buffers& operator=(const Buffers& o) {
    buf = o.buf;
    return *this;
  }
  Guarded& at(dslc::Buf b) { return buf[static_cast<size_t>(b)]; }
  StateBufs state() {
    StateBufs s;
    for (int k = 0; k < dslc::kStateCount; ++k) s[k] = buf[static_cast<size_t>(dslc::kFirstState + k)].data();
    return s;
  }
};

float pick_value(std::mt19937& r, bool specials) {
  if (specials && r() % 3 == 0) return kSpecials[r() % std::size(kSpecials)];
  std::normal_distribution<float> d(0.0f, 1.0f);
  return d(r);
}

void fill(Buffers& b, std::mt19937& r, bool specials, bool state) {
  for (size_t i = 0; i < b.w.n; ++i) {
    b.w[i] = pick_value(r, specials);
    b.g[i] = pick_value(r, specials);
    if (state)
      for (int k = dslc::kFirstState; k < dslc::kBufCount; ++k)
        b.buf[static_cast<size_t>(k)][i] = pick_value(r, specials);
    if (state) b.at(dslc::Buf::V)[i] = std::fabs(b.at(dslc::Buf::V)[i]);  // v >= 0 always holds for a real run
  }
}

void run_kernel(const Kernel& k, Buffers& b, const StepBlock& p, uint64_t base, uint64_t begin, uint64_t end) {
  k(b.w.data(), b.g.data(), b.state(), p, base, begin, end);
}
void run_reference(const dslc::Ir& ir, Buffers& b, const StepBlock& p, uint64_t base, uint64_t begin, uint64_t end) {
  reference_step(ir, b.w.data(), b.g.data(), b.state(), p, base, begin, end);
}

// Compares every element and guard of two buffer sets; returns a description of the first
// difference, or "".
std::string diff(Buffers& a, Buffers& b) {
  for (int k = 0; k < dslc::kBufCount; ++k) {
    const std::string name(dslc::buf_name(dslc::Buf(k)));
    Guarded &x = a.buf[static_cast<size_t>(k)], &y = b.buf[static_cast<size_t>(k)];
    if (!x.guards_intact()) return "guard of " + name + " overwritten (jit)";
    if (!y.guards_intact()) return "guard of " + name + " overwritten (reference)";
    for (size_t i = 0; i < a.w.n; ++i)
      if (!same_bits(x[i], y[i]))
        return name + "[" + std::to_string(i) + "]: jit " + std::to_string(x[i]) + " reference " + std::to_string(y[i]);
  }
  return "";
}

Compiled compile_text(const std::string& rule) { return dslc::test::compile_ok(rule); }

// The central property: thousands of random rules (full vocabulary including the random symbols
// and literals, controller depth 1-3), special values in weights, gradients and state, several
// steps: the kernel computes exactly the float32 reference's bits, and never writes outside
// [begin, end).
TEST(JitKernel, RandomRulesMatchFloatReferenceBitForBit) {
  dslc::test::RuleGen gen(4242, /*paper_only=*/false, /*allow_random=*/true);
  gen.literals = true;
  std::mt19937 r(11);
  const int W = host_vector_width();
  const int kRules = 2000;
  for (int i = 0; i < kRules; ++i) {
    const Compiled c = dslc::compile(dslc::Rule{"", i % 5 == 4 ? gen.tree(1 + i % 4) : gen.group_tree(1 + i % 3), {}});
    const Kernel k = compile_kernel(c.ir, c.hash);
    ASSERT_TRUE(k) << c.prefix;
    const size_t n = static_cast<size_t>(2 * W + 1 + i % (2 * W));
    Buffers jb(n);
    fill(jb, r, /*specials=*/true, /*state=*/i % 2 == 0);
    Buffers rb = jb;
    dslc::Hyper h;
    h.lr = i % 3 == 0 ? 0.5 : 0.01;
    h.total_steps = 10;
    h.seed = static_cast<uint64_t>(i);
    const uint64_t base = static_cast<uint64_t>(i) * 1000;
    for (uint64_t t = 1; t <= 3; ++t) {
      const StepBlock p = make_step_block(dslc::step_params(h, t));
      run_kernel(k, jb, p, base, 0, n);
      run_reference(c.ir, rb, p, base, 0, n);
      const std::string d = diff(jb, rb);
      ASSERT_EQ(d, "") << "rule " << c.prefix << ", step " << t << ", n " << n << "\n" << dslc::print_ir(c.ir);
      for (size_t e = 0; e < n; ++e) jb.g[e] = rb.g[e] = pick_value(r, true);
    }
  }
}

// exp of a sign product (PowerSign and five Table 1 rules) is lowered as a select among the
// constants exp(-1), exp(+-0), exp(1) (codegen.cpp, exp_of_sign). Every sign pattern, with +-0,
// denormals, infinities and NaN in g and m, must give the polynomial's bits; the fast form must
// really be taken (no fused multiply-add of the polynomial left: the rule has none of its own),
// and must not be taken for a value that is not a sign product.
TEST(JitKernel, ExpOfASignProductIsTheSameAsThePolynomial) {
  std::mt19937 r(77);
  for (const char* rule : {"mul g exp mul sign_g sign_m", "mul g exp neg mul sign_g sign_m", "mul g exp sign_m",
                           "mul m exp mul sign_g mul sign_m sign_g", "add exp mul sign_g sign_m exp g",
                           "mul adam exp mul sign_g sign_m"}) {
    const Compiled c = compile_text(rule);
    const Kernel k = compile_kernel(c.ir, c.hash);
    const size_t n = 4 * static_cast<size_t>(host_vector_width()) + 3;
    Buffers jb(n);
    fill(jb, r, /*specials=*/true, /*state=*/true);
    for (size_t i = 0; i < std::size(kSpecials) && i < n; ++i)
      jb.g[i] = jb.m[i] = kSpecials[i];  // every special with itself
    Buffers rb = jb;
    dslc::Hyper h;
    for (uint64_t t = 1; t <= 3; ++t) {
      const StepBlock p = make_step_block(dslc::step_params(h, t));
      run_kernel(k, jb, p, 0, 0, n);
      run_reference(c.ir, rb, p, 0, 0, n);
      ASSERT_EQ(diff(jb, rb), "") << rule << ", step " << t;
      for (size_t e = 0; e < n; ++e) jb.g[e] = rb.g[e] = pick_value(r, true);
    }
  }
  EXPECT_EQ(emit_llvm(compile_text("mul g exp mul sign_g sign_m").ir).find("llvm.fma"), std::string::npos);
  EXPECT_NE(emit_llvm(compile_text("mul g exp mul sign_g m").ir).find("llvm.fma"), std::string::npos);
}

// The float32 path against dslc's double-precision interpreter, the ground truth: on ordinary
// inputs nearly every weight agrees to a relative 1e-4 after three steps, and NaN appears exactly
// where the interpreter gives NaN. Elements whose double computation leaves the float range at any
// intermediate value (e.g. exp(exp(exp g))) are not comparable and are skipped (and counted).
// Rules that amplify rounding (division by a cancellation, log near 0) may differ legitimately
// between float and double, so the bound is on the fraction of agreeing elements.
TEST(JitKernel, RandomRulesAgreeWithDoubleInterpreter) {
  dslc::test::RuleGen gen(99, /*paper_only=*/false, /*allow_random=*/true);
  std::mt19937 r(5);
  const size_t n = 64;
  size_t total = 0, agree = 0, nan_mismatch = 0, bad_rules = 0, skipped = 0;
  std::string worst;
  std::vector<double> scratch;
  for (int i = 0; i < 400; ++i) {
    const Compiled c = dslc::compile(dslc::Rule{"", gen.group_tree(1 + i % 3), {}});
    const Kernel k = compile_kernel(c.ir, c.hash);
    dslc::Hyper h;
    h.lr = 0.01;
    h.total_steps = 10;
    h.seed = static_cast<uint64_t>(i);
    std::vector<float> w(n), g(n);
    std::vector<std::vector<float>> state(dslc::kStateCount, std::vector<float>(n, 0.0f));
    StateBufs sb;
    for (int b = 0; b < dslc::kStateCount; ++b) sb[b] = state[b].data();
    std::vector<double> wd(n);
    dslc::State sd = dslc::make_state(c.ir.state, n);
    const dslc::StepProgram prologue = dslc::prologue_program(c.ir.state);
    std::vector<bool> out_of_range(n, false);
    std::uniform_real_distribution<float> mag(0.05f, 1.5f);
    for (size_t e = 0; e < n; ++e) {
      w[e] = (r() % 2 ? 1.0f : -1.0f) * mag(r);
      wd[e] = w[e];
    }
    for (uint64_t t = 1; t <= 3; ++t) {
      for (size_t e = 0; e < n; ++e) g[e] = (r() % 2 ? 1.0f : -1.0f) * mag(r);
      const dslc::StepParams sp = dslc::step_params(h, t);
      k(w.data(), g.data(), sb, make_step_block(sp), 0, 0, n);
      // interp_step, element by element, to see the intermediate values.
      for (size_t e = 0; e < n; ++e) {
        const dslc::Element el = dslc::begin_element(prologue, sp, wd[e], g[e], sd, e, e, scratch);
        wd[e] = wd[e] - sp[dslc::Slot::Lr] * dslc::eval_ir(c.ir, el, scratch);
        for (double x : scratch)
          if (std::fabs(x) > 1e37 || (x != 0 && std::fabs(x) < 1e-36)) out_of_range[e] = true;
      }
    }
    size_t rule_agree = 0, rule_total = 0;
    for (size_t e = 0; e < n; ++e) {
      if (out_of_range[e]) {
        ++skipped;
        continue;
      }
      const double want = wd[e];
      ++rule_total;
      if (std::isnan(want) != std::isnan(w[e])) {
        ++nan_mismatch;
        worst += "NaN mismatch: " + c.prefix + "\n";
      }
      if (std::isnan(want)) {
        ++rule_agree;
        continue;
      }
      if (std::fabs(w[e] - want) <= 1e-4 * std::max(1.0, std::fabs(want))) ++rule_agree;
    }
    total += rule_total, agree += rule_agree;
    if (rule_agree < rule_total * 9 / 10) {
      ++bad_rules;
      worst += c.prefix + "\n";
    }
  }
  EXPECT_EQ(nan_mismatch, 0u) << worst;
  EXPECT_LE(skipped, total / 20) << "too few comparable elements";
  EXPECT_GE(static_cast<double>(agree), 0.995 * static_cast<double>(total)) << agree << " of " << total;
  EXPECT_LE(bad_rules, 6u) << "rules that disagree on more than 10% of elements:\n" << worst;
  std::printf("double interpreter: %zu of %zu elements agree, %zu skipped, %zu rules off\n", agree, total, skipped,
              bad_rules);
}

// Sizes around the vector width, a begin that is not 0, guards on every buffer.
TEST(JitKernel, TailsAndRangesNeverTouchOutside) {
  const size_t W = static_cast<size_t>(host_vector_width());
  const char* rules[] = {
      "adam", "add y mul drop5 m noise", "mul g exp mul sign_g sign_m", "w4", "log g", "add lion nesterov", "rms"};
  std::mt19937 r(3);
  for (const char* rule : rules) {
    const Compiled c = compile_text(rule);
    const Kernel k = compile_kernel(c.ir, c.hash);
    for (size_t n : {size_t{0}, size_t{1}, W - 1, W, W + 1, 2 * W - 1, 3 * W + 5, size_t{100003}}) {
      for (size_t begin : {size_t{0}, size_t{1}, W + 1}) {
        if (begin > n) continue;
        Buffers jb(n);
        fill(jb, r, true, true);
        Buffers rb = jb;
        const StepBlock p = make_step_block(dslc::step_params(dslc::Hyper{.seed = 7}, 2));
        run_kernel(k, jb, p, 17, begin, n);
        run_reference(c.ir, rb, p, 17, begin, n);
        ASSERT_EQ(diff(jb, rb), "") << rule << " n=" << n << " begin=" << begin;
      }
    }
    // An empty or inverted range does nothing at all.
    Buffers b(8);
    fill(b, r, false, true);
    Buffers before = b;
    const StepBlock p = make_step_block(dslc::step_params(dslc::Hyper{}, 1));
    run_kernel(k, b, p, 0, 5, 5);
    run_kernel(k, b, p, 0, 6, 2);
    EXPECT_EQ(diff(b, before), "") << rule;
  }
}

// The kernel's exp (on AVX-512 scaled by vscalefps, elsewhere by two exact-then-rounding factors)
// equals vm::exp_f32 over its whole range, densely where results are denormal or overflow.
TEST(JitKernel, ExpEqualsTheScalarPolynomialOverItsRange) {
  std::vector<float> xs;
  for (uint32_t b = 0; b <= std::bit_cast<uint32_t>(100.0f); b += 211) xs.push_back(std::bit_cast<float>(b));
  for (uint32_t b = std::bit_cast<uint32_t>(-0.0f); b <= std::bit_cast<uint32_t>(-120.0f); b += 211)
    xs.push_back(std::bit_cast<float>(b));
  for (uint32_t b = std::bit_cast<uint32_t>(-85.0f); b <= std::bit_cast<uint32_t>(-106.0f); b += 3)
    xs.push_back(std::bit_cast<float>(b));
  for (uint32_t b = std::bit_cast<uint32_t>(86.0f); b <= std::bit_cast<uint32_t>(89.0f); b += 3)
    xs.push_back(std::bit_cast<float>(b));
  const size_t n = xs.size();
  const Compiled c = compile_text("exp g");
  const Kernel k = compile_kernel(c.ir, c.hash);
  Buffers jb(n);
  for (size_t i = 0; i < n; ++i) jb.w[i] = 0.0f, jb.g[i] = xs[i];
  Buffers rb = jb;
  const StepBlock p = make_step_block(dslc::step_params(dslc::Hyper{.lr = 1.0}, 1));
  run_kernel(k, jb, p, 0, 0, n);
  run_reference(c.ir, rb, p, 0, 0, n);
  ASSERT_EQ(diff(jb, rb), "");
  for (size_t i = 0; i < n; i += 1 + n / 1000)
    ASSERT_TRUE(same_bits(jb.w[i], 0.0f - 1.0f * vm::exp_f32(xs[i]))) << xs[i];
}

// On 8 and 4 lanes a vector takes exp's fast path only when every lane has |x| <= vm::kExpFast;
// any other lane (beyond it, infinite, NaN) sends the whole vector to the helper. Vectors that mix
// both kinds, lanes at and next to the threshold: every lane equals vm::exp_f32.
TEST(JitKernel, ExpFastPathAndItsFallbackMixLaneByLane) {
  const float t = vm::kExpFast;
  const float edge[] = {t,
                        -t,
                        std::nextafter(t, 0.0f),
                        std::nextafter(-t, 0.0f),
                        std::nextafter(t, 100.0f),
                        std::nextafter(-t, -100.0f),
                        88.7f,
                        -103.9f,
                        kInf,
                        -kInf,
                        std::numeric_limits<float>::quiet_NaN(),
                        0.0f,
                        -0.0f,
                        1e-40f};
  std::mt19937 r(17);
  std::uniform_real_distribution<float> in_range(-t, t);
  std::vector<float> xs;
  for (int k = 0; k < 4000; ++k) xs.push_back(r() % 5 == 0 ? edge[r() % std::size(edge)] : in_range(r));
  const size_t n = xs.size();
  const Compiled c = compile_text("exp g");
  const Kernel k = compile_kernel(c.ir, c.hash);
  Buffers jb(n);
  for (size_t i = 0; i < n; ++i) jb.w[i] = 0.0f, jb.g[i] = xs[i];
  const StepBlock p = make_step_block(dslc::step_params(dslc::Hyper{.lr = 1.0}, 1));
  run_kernel(k, jb, p, 0, 0, n);
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(same_bits(jb.w[i], 0.0f - 1.0f * vm::exp_f32(xs[i]))) << xs[i];
}

// A draw's key depends on the high 32 bits of the parameter index (dslc/random.h), so the kernel
// cuts its range where the index crosses a multiple of 2^32: the draws on both sides, and in the
// vector that straddles it, must still be rng::bits of the full 64-bit index.
TEST(JitKernel, DrawsAcrossA32BitIndexBoundaryMatchTheReference) {
  const size_t W = static_cast<size_t>(host_vector_width());
  for (const char* rule : {"add y mul drop5 m noise", "add drop3 m mul ep noise", "drop1 g"}) {
    const Compiled c = compile_text(rule);
    const Kernel k = compile_kernel(c.ir, c.hash);
    std::mt19937 r(11);
    for (uint64_t base : {(uint64_t{1} << 32) - 37, (uint64_t{3} << 32) - W / 2, ~uint64_t{0} - 200}) {
      for (size_t begin : {size_t{0}, size_t{5}}) {
        const size_t n = 10 * W + 3;
        Buffers jb(n);
        fill(jb, r, false, true);
        Buffers rb = jb;
        const StepBlock p = make_step_block(dslc::step_params(dslc::Hyper{.seed = 3}, 4));
        run_kernel(k, jb, p, base, begin, n);
        run_reference(c.ir, rb, p, base, begin, n);
        ASSERT_EQ(diff(jb, rb), "") << rule << " base=" << base << " begin=" << begin;
      }
    }
  }
  // The high half of the index matters: index i and i + 2^32 draw differently.
  EXPECT_NE(dslc::rng::bits(1, 2, 5, 0), dslc::rng::bits(1, 2, 5 + (uint64_t{1} << 32), 0));
}

TEST(JitKernel, ElementsBeforeBeginAreUntouched) {
  const size_t W = static_cast<size_t>(host_vector_width());
  const Compiled c = compile_text("adam");
  const Kernel k = compile_kernel(c.ir, c.hash);
  const size_t n = 3 * W + 3, begin = W + 2;
  Buffers b(n);
  std::mt19937 r(1);
  fill(b, r, false, true);
  Buffers before = b;
  run_kernel(k, b, make_step_block(dslc::step_params(dslc::Hyper{}, 1)), 0, begin, n);
  for (size_t i = 0; i < begin; ++i) {
    EXPECT_TRUE(same_bits(b.w[i], before.w[i])) << i;
    EXPECT_TRUE(same_bits(b.m[i], before.m[i])) << i;
  }
  for (size_t i = begin; i < n; ++i) EXPECT_FALSE(same_bits(b.w[i], before.w[i])) << i;
}

// Random draws are keyed by parameter index: 1 and 2 threads (and any chunking) give the same bits.
TEST(JitKernel, OneAndTwoThreadsGiveIdenticalResults) {
  const size_t n = 1'000'003;
  for (const char* rule : {"add drop3 m mul ep noise", "mul adam exp mul sign_g sign_m", "add clip5 rmsprop drop3 m"}) {
    std::vector<float> results[2];
    for (int threads : {1, 2}) {
      std::vector<float> w(n), g(n);
      for (size_t i = 0; i < n; ++i) w[i] = std::sin(0.001f * static_cast<float>(i));
      OptimizerOptions o;
      o.hyper.seed = 5;
      o.threads = threads;
      Optimizer opt(rule, o);
      opt.add(w.data(), g.data(), n / 3);
      opt.add(w.data() + n / 3, g.data() + n / 3, n - n / 3);
      for (int t = 0; t < 3; ++t) {
        for (size_t i = 0; i < n; ++i) g[i] = std::cos(0.37f * static_cast<float>(i) + static_cast<float>(t)) - 0.1f;
        opt.step();
      }
      results[threads - 1] = w;
    }
    ASSERT_EQ(std::memcmp(results[0].data(), results[1].data(), n * sizeof(float)), 0) << rule;
  }
}

TEST(JitKernel, CacheReturnsTheSameCodeForTheSameRule) {
  const Compiled a = compile_text("mul g exp mul sign_g sign_m");
  const Compiled b = compile_text("sign_g sign_m id id mul ; $1 g exp id mul");  // same rule, controller form
  ASSERT_EQ(a.hash, b.hash);
  const Kernel ka = compile_kernel(a.ir, a.hash);
  const uint64_t before = compiled_kernel_total();
  const Kernel kb = compile_kernel(b.ir, b.hash);
  EXPECT_EQ(compiled_kernel_total(), before);
  EXPECT_EQ(ka.fn, kb.fn);
  EXPECT_EQ(ka.code, kb.code);
}

size_t rss_kib() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * 4;
}

// Kernels nobody holds are removed from the JIT (resource trackers), so compiling many rules in
// one process keeps memory flat.
TEST(JitKernel, ReleasedKernelsFreeTheirMemory) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer quarantines freed memory on purpose, so resident memory cannot fall back.
  GTEST_SKIP() << "RSS is not meaningful under AddressSanitizer";
#endif
  auto compile_nth = [](int i) {
    const Compiled c = compile_text("mul add g " + std::to_string(i + 1) + " exp mul sign_g sign_m");
    return compile_kernel(c.ir, c.hash);
  };
  const size_t live0 = cached_kernel_count();
  {
    const Kernel k = compile_nth(100000);
    EXPECT_EQ(cached_kernel_count(), live0 + 1);
  }
  EXPECT_EQ(cached_kernel_count(), live0);
  for (int i = 0; i < 100; ++i) compile_nth(i);  // warm up allocators
  const size_t rss0 = rss_kib();
  for (int i = 100; i < 500; ++i) {
    const Kernel k = compile_nth(i);
    ASSERT_TRUE(k);
  }
  const size_t rss1 = rss_kib();
  EXPECT_EQ(cached_kernel_count(), live0);
  // Measured on this machine: the 400 kernels kept alive add about 3.5 MiB of resident memory
  // (code pages, symbols); released, nothing (0 KiB). 1 MiB allows for allocator noise.
  EXPECT_LT(rss1, rss0 + 1024) << "RSS grew from " << rss0 << " KiB to " << rss1 << " KiB";
}

TEST(JitKernel, EmitsVerifiedVectorIrAndAssembly) {
  const Compiled c = compile_text("mul g exp mul sign_g sign_m");
  const std::string ll = emit_llvm(c.ir, "powersign");
  const std::string vec = "<" + std::to_string(host_vector_width()) + " x float>";
  EXPECT_NE(ll.find("define void @powersign("), std::string::npos) << ll;
  EXPECT_NE(ll.find(vec), std::string::npos) << ll;
  EXPECT_NE(ll.find("llvm.masked.store"), std::string::npos) << ll;  // the tail
  for (const char* libm : {"@expf", "@exp(", "@logf", "@llvm.exp.", "@llvm.log."})
    EXPECT_EQ(ll.find(libm), std::string::npos) << libm;
  const std::string s = emit_asm(c.ir, "powersign");
  EXPECT_NE(s.find("powersign:"), std::string::npos);
  EXPECT_EQ(s.find("call"), std::string::npos) << "no calls in the kernel";
  if (host_vector_width() == 16) {
    EXPECT_NE(s.find("zmm"), std::string::npos);
  }
}

}  // namespace
}  // namespace nos::jit
