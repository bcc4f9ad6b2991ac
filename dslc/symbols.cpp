// The symbol table. Each row is a whole symbol: names, printers, reference semantics, lowering.
#include "dslc/symbols.h"

#include <cmath>
#include <vector>

#include "dslc/ir.h"
#include "dslc/params.h"
#include "dslc/random.h"

namespace nos::dslc {

namespace {

// ---- reference semantics (double precision; the interpreter's tree evaluator uses these) ----

double sign_of(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }  // sign(±0) = ±0, NaN stays
double p_(const EvalArgs& a, Slot s) { return (*a.e->p)[s]; }
double at(const EvalArgs& a, Buf b) { return (*a.e)[b]; }
double mhat(const EvalArgs& a) { return at(a, Buf::M) / p_(a, Slot::Bc1); }
double vhat(const EvalArgs& a) { return at(a, Buf::V) / p_(a, Slot::Bc2); }
double yhat(const EvalArgs& a) { return at(a, Buf::Y) / p_(a, Slot::Bc3); }
uint64_t draw_bits(const EvalArgs& a) { return rng::bits(a.e->p->seed, a.e->p->step, a.e->index, a.draw); }
double clip_to(double x, double l) { return x > l ? l : x < -l ? -l : x; }

double ev_g(const EvalArgs& a) { return at(a, Buf::G); }
double ev_g2(const EvalArgs& a) { return at(a, Buf::G) * at(a, Buf::G); }
double ev_g3(const EvalArgs& a) { return at(a, Buf::G) * at(a, Buf::G) * at(a, Buf::G); }
double ev_m(const EvalArgs& a) { return mhat(a); }
double ev_v(const EvalArgs& a) { return vhat(a); }
double ev_y(const EvalArgs& a) { return yhat(a); }
double ev_sign_g(const EvalArgs& a) { return sign_of(at(a, Buf::G)); }
double ev_sign_m(const EvalArgs& a) { return sign_of(mhat(a)); }
double ev_one(const EvalArgs&) { return 1.0; }
double ev_two(const EvalArgs&) { return 2.0; }
double ev_noise(const EvalArgs& a) { return 0.01 * rng::normal(draw_bits(a)); }
double ev_w4(const EvalArgs& a) { return 1e-4 * at(a, Buf::W); }
double ev_w3(const EvalArgs& a) { return 1e-3 * at(a, Buf::W); }
double ev_w2(const EvalArgs& a) { return 1e-2 * at(a, Buf::W); }
double ev_w1(const EvalArgs& a) { return 1e-1 * at(a, Buf::W); }
double ev_adam(const EvalArgs& a) { return mhat(a) / (std::sqrt(vhat(a)) + p_(a, Slot::Eps)); }
double ev_rmsprop(const EvalArgs& a) { return at(a, Buf::G) / (std::sqrt(vhat(a)) + p_(a, Slot::Eps)); }
double ev_ld(const EvalArgs& a) { return p_(a, Slot::Ld); }
double ev_cd(const EvalArgs& a) { return p_(a, Slot::Cd); }
double ev_rd(const EvalArgs& a) { return p_(a, Slot::Rd); }
double ev_ep(const EvalArgs& a) { return p_(a, Slot::EpStd) * rng::normal(draw_bits(a)); }
double ev_mom(const EvalArgs& a) { return at(a, Buf::K); }
double ev_nesterov(const EvalArgs& a) { return at(a, Buf::G) + p_(a, Slot::Mu) * at(a, Buf::K); }
double ev_lion(const EvalArgs& a) { return sign_of(at(a, Buf::L)); }
double ev_rms(const EvalArgs& a) { return at(a, Buf::G) / (std::sqrt(at(a, Buf::V)) + p_(a, Slot::Eps)); }
double ev_adabelief(const EvalArgs& a) {
  return mhat(a) / (std::sqrt(at(a, Buf::S) / p_(a, Slot::Bc2)) + p_(a, Slot::Eps));
}
// TensorFlow's RMSProp accumulator starts at 1: ms_t = beta2^t + v_t with v the zero-started
// average, so TF's update is g / sqrt(v + beta2^t + eps) with eps inside the root.
double ev_rmsprop_tf(const EvalArgs& a) {
  return at(a, Buf::G) / std::sqrt(at(a, Buf::V) + p_(a, Slot::Beta2Pow) + p_(a, Slot::Eps));
}
// TensorFlow's Adam puts eps on the uncorrected v: lr sqrt(bc2)/bc1 * m / (sqrt(v) + eps).
double ev_adam_tf(const EvalArgs& a) {
  return mhat(a) * std::sqrt(p_(a, Slot::Bc2)) / (std::sqrt(at(a, Buf::V)) + p_(a, Slot::Eps));
}
double ev_lit(const EvalArgs& a) { return a.x; }

double ev_id(const EvalArgs& a) { return a.x; }
double ev_neg(const EvalArgs& a) { return -a.x; }
double ev_exp(const EvalArgs& a) { return std::exp(a.x); }
double ev_log(const EvalArgs& a) { return std::log(std::fabs(a.x)); }
double ev_clip5(const EvalArgs& a) { return clip_to(a.x, 1e-5); }
double ev_clip4(const EvalArgs& a) { return clip_to(a.x, 1e-4); }
double ev_clip3(const EvalArgs& a) { return clip_to(a.x, 1e-3); }
double ev_drop1(const EvalArgs& a) { return rng::dropped(draw_bits(a), 0.1) ? 0.0 : a.x; }
double ev_drop3(const EvalArgs& a) { return rng::dropped(draw_bits(a), 0.3) ? 0.0 : a.x; }
double ev_drop5(const EvalArgs& a) { return rng::dropped(draw_bits(a), 0.5) ? 0.0 : a.x; }
double ev_sign(const EvalArgs& a) { return sign_of(a.x); }
double ev_sqrt(const EvalArgs& a) { return std::sqrt(std::fabs(a.x)); }

double ev_add(const EvalArgs& a) { return a.x + a.y; }
double ev_sub(const EvalArgs& a) { return a.x - a.y; }
double ev_mul(const EvalArgs& a) { return a.x * a.y; }
double ev_div(const EvalArgs& a) { return a.x / (a.y + p_(a, Slot::Eps)); }
double ev_keep(const EvalArgs& a) { return a.x; }

// ---- lowering to IR: must compute exactly what the reference semantics above compute ----

using B = IrBuilder;
uint32_t hat(B& b, Buf buf, Slot bc) { return b.binary(Op::Div, b.load(buf), b.param(bc)); }
uint32_t sq(B& b) {
  uint32_t g = b.load(Buf::G);
  return b.binary(Op::Mul, g, g);
}

uint32_t lo_g(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return b.load(Buf::G); }
uint32_t lo_g2(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return sq(b); }
uint32_t lo_g3(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return b.binary(Op::Mul, sq(b), b.load(Buf::G)); }
uint32_t lo_m(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return hat(b, Buf::M, Slot::Bc1); }
uint32_t lo_v(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return hat(b, Buf::V, Slot::Bc2); }
uint32_t lo_y(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return hat(b, Buf::Y, Slot::Bc3); }
uint32_t lo_sign_g(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return b.unary(Op::Sign, b.load(Buf::G)); }
uint32_t lo_sign_m(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) {
  return b.unary(Op::Sign, hat(b, Buf::M, Slot::Bc1));
}
uint32_t lo_const(B& b, const Symbol& s, uint32_t, uint32_t, uint32_t) { return b.constant(s.param); }
uint32_t lo_noise(B& b, const Symbol& s, uint32_t, uint32_t, uint32_t d) {
  return b.binary(Op::Mul, b.constant(s.param), b.normal(d));
}
uint32_t lo_wscale(B& b, const Symbol& s, uint32_t, uint32_t, uint32_t) {
  return b.binary(Op::Mul, b.constant(s.param), b.load(Buf::W));
}
uint32_t adam_den(B& b) { return b.binary(Op::Add, b.unary(Op::Sqrt, hat(b, Buf::V, Slot::Bc2)), b.param(Slot::Eps)); }
uint32_t lo_adam(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) {
  uint32_t num = hat(b, Buf::M, Slot::Bc1);
  return b.binary(Op::Div, num, adam_den(b));
}
uint32_t lo_rmsprop(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) {
  uint32_t num = b.load(Buf::G);
  return b.binary(Op::Div, num, adam_den(b));
}
uint32_t lo_ld(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return b.param(Slot::Ld); }
uint32_t lo_cd(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return b.param(Slot::Cd); }
uint32_t lo_rd(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return b.param(Slot::Rd); }
uint32_t lo_ep(B& b, const Symbol&, uint32_t, uint32_t, uint32_t d) {
  return b.binary(Op::Mul, b.param(Slot::EpStd), b.normal(d));
}
uint32_t lo_mom(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return b.load(Buf::K); }
uint32_t lo_nesterov(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) {
  const uint32_t g = b.load(Buf::G);
  return b.binary(Op::Add, g, b.binary(Op::Mul, b.param(Slot::Mu), b.load(Buf::K)));
}
uint32_t lo_lion(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return b.unary(Op::Sign, b.load(Buf::L)); }
uint32_t lo_rms(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) {
  const uint32_t g = b.load(Buf::G);
  return b.binary(Op::Div, g, b.binary(Op::Add, b.unary(Op::Sqrt, b.load(Buf::V)), b.param(Slot::Eps)));
}
uint32_t lo_adabelief(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) {
  const uint32_t shat = hat(b, Buf::S, Slot::Bc2);
  return b.binary(Op::Div, hat(b, Buf::M, Slot::Bc1), b.binary(Op::Add, b.unary(Op::Sqrt, shat), b.param(Slot::Eps)));
}
uint32_t lo_rmsprop_tf(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) {
  const uint32_t ms = b.binary(Op::Add, b.load(Buf::V), b.param(Slot::Beta2Pow));
  return b.binary(Op::Div, b.load(Buf::G), b.unary(Op::Sqrt, b.binary(Op::Add, ms, b.param(Slot::Eps))));
}
uint32_t lo_adam_tf(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) {
  const uint32_t num = b.binary(Op::Mul, hat(b, Buf::M, Slot::Bc1), b.unary(Op::Sqrt, b.param(Slot::Bc2)));
  return b.binary(Op::Div, num, b.binary(Op::Add, b.unary(Op::Sqrt, b.load(Buf::V)), b.param(Slot::Eps)));
}
uint32_t lo_lit(B& b, const Symbol&, uint32_t, uint32_t, uint32_t) { return 0; }  // lower.cpp emits literals

uint32_t lo_id(B&, const Symbol&, uint32_t x, uint32_t, uint32_t) { return x; }
uint32_t lo_neg(B& b, const Symbol&, uint32_t x, uint32_t, uint32_t) { return b.unary(Op::Neg, x); }
uint32_t lo_exp(B& b, const Symbol&, uint32_t x, uint32_t, uint32_t) { return b.unary(Op::Exp, x); }
uint32_t lo_log(B& b, const Symbol&, uint32_t x, uint32_t, uint32_t) { return b.unary(Op::Log, b.unary(Op::Abs, x)); }
uint32_t lo_clip(B& b, const Symbol& s, uint32_t x, uint32_t, uint32_t) { return b.clip(x, s.param); }
uint32_t lo_drop(B& b, const Symbol& s, uint32_t x, uint32_t, uint32_t d) { return b.drop(x, s.param, d); }
uint32_t lo_sign(B& b, const Symbol&, uint32_t x, uint32_t, uint32_t) { return b.unary(Op::Sign, x); }
uint32_t lo_sqrt(B& b, const Symbol&, uint32_t x, uint32_t, uint32_t) { return b.unary(Op::Sqrt, b.unary(Op::Abs, x)); }
uint32_t lo_add(B& b, const Symbol&, uint32_t x, uint32_t y, uint32_t) { return b.binary(Op::Add, x, y); }
uint32_t lo_sub(B& b, const Symbol&, uint32_t x, uint32_t y, uint32_t) { return b.binary(Op::Sub, x, y); }
uint32_t lo_mul(B& b, const Symbol&, uint32_t x, uint32_t y, uint32_t) { return b.binary(Op::Mul, x, y); }
uint32_t lo_div(B& b, const Symbol&, uint32_t x, uint32_t y, uint32_t) {
  return b.binary(Op::Div, x, b.binary(Op::Add, y, b.param(Slot::Eps)));
}
uint32_t lo_keep(B&, const Symbol&, uint32_t x, uint32_t, uint32_t) { return x; }

constexpr Kind O = Kind::Operand, U = Kind::Unary, Bn = Kind::Binary;
constexpr StateSet N = kStateNone, SM = kStateM, SV = kStateV, SY = kStateY, SK = kStateK, SL = kStateL,
                   SMS = kStateM | kStateS;

// clang-format off
constexpr std::array<Symbol, kSymCount> kTable = {{
//  id            kind name       aliases      doc                                           state    paper  random comm  total  param
  {Sym::G,       O, "g",       {},          "the gradient g",                                N,       true,  false, false, false, 0,    "g",        "g",                          4, {0, 0}, ev_g,       lo_g},
  {Sym::G2,      O, "g2",      {},          "g^2",                                           N,       true,  false, false, false, 0,    "g^2",      "g^2",                        4, {0, 0}, ev_g2,      lo_g2},
  {Sym::G3,      O, "g3",      {},          "g^3",                                           N,       true,  false, false, false, 0,    "g^3",      "g^3",                        4, {0, 0}, ev_g3,      lo_g3},
  {Sym::M,       O, "m",       {},          "bias-corrected running mean of g (beta1)",     SM,      true,  false, false, false, 0,    "m",        "\\hat{m}",                   4, {0, 0}, ev_m,       lo_m},
  {Sym::V,       O, "v",       {},          "bias-corrected running mean of g^2 (beta2)",   SV,      true,  false, false, false, 0,    "v",        "\\hat{v}",                   4, {0, 0}, ev_v,       lo_v},
  {Sym::Y,       O, "y",       {"gamma"},   "bias-corrected running mean of g^3 (beta3)",   SY,      true,  false, false, false, 0,    "y",        "\\hat{\\gamma}",             4, {0, 0}, ev_y,       lo_y},
  {Sym::SignG,   O, "sign_g",  {},          "sign(g)",                                       N,       true,  false, false, false, 0,    "sign(g)",  "\\operatorname{sign}(g)",    4, {0, 0}, ev_sign_g,  lo_sign_g},
  {Sym::SignM,   O, "sign_m",  {},          "sign(m)",                                       SM,      true,  false, false, false, 0,    "sign(m)",  "\\operatorname{sign}(\\hat{m})", 4, {0, 0}, ev_sign_m, lo_sign_m},
  {Sym::One,     O, "one",     {},          "the constant 1",                                N,       true,  false, false, false, 1,    "1",        "1",                          4, {0, 0}, ev_one,     lo_const},
  {Sym::Noise,   O, "noise",   {},          "Gaussian noise, standard deviation 0.01",       N,       true,  true,  false, false, 0.01, "noise",    "\\mathrm{noise}",            4, {0, 0}, ev_noise,   lo_noise},
  {Sym::W4,      O, "w4",      {},          "1e-4 * w",                                      N,       true,  false, false, false, 1e-4, "1e-4*w",   "10^{-4} w",                  2, {0, 0}, ev_w4,      lo_wscale},
  {Sym::W3,      O, "w3",      {},          "1e-3 * w",                                      N,       true,  false, false, false, 1e-3, "1e-3*w",   "10^{-3} w",                  2, {0, 0}, ev_w3,      lo_wscale},
  {Sym::W2,      O, "w2",      {},          "1e-2 * w",                                      N,       true,  false, false, false, 1e-2, "1e-2*w",   "10^{-2} w",                  2, {0, 0}, ev_w2,      lo_wscale},
  {Sym::W1,      O, "w1",      {},          "1e-1 * w",                                      N,       true,  false, false, false, 1e-1, "1e-1*w",   "10^{-1} w",                  2, {0, 0}, ev_w1,      lo_wscale},
  {Sym::Adam,    O, "adam",    {},          "m / (sqrt(v) + eps)",                           SM | SV, true,  false, false, false, 0,    "adam",     "\\mathrm{ADAM}",             4, {0, 0}, ev_adam,    lo_adam},
  {Sym::RmsProp, O, "rmsprop", {},          "g / (sqrt(v) + eps)",                           SV,      true,  false, false, false, 0,    "rmsprop",  "\\mathrm{RMSProp}",          4, {0, 0}, ev_rmsprop, lo_rmsprop},
  {Sym::Two,     O, "two",     {},          "the constant 2",                                N,       false, false, false, false, 2,    "2",        "2",                          4, {0, 0}, ev_two,     lo_const},
  {Sym::Ld,      O, "ld",      {},          "linear decay over the run (TensorFlow sign_decay)", N,   false, false, false, true,  0,    "ld",       "\\mathrm{ld}",               4, {0, 0}, ev_ld,      lo_ld},
  {Sym::Cd,      O, "cd",      {},          "cosine decay over the run (TensorFlow sign_decay)", N,   false, false, false, true,  0,    "cd",       "\\mathrm{cd}",               4, {0, 0}, ev_cd,      lo_cd},
  {Sym::Rd,      O, "rd",      {},          "restart decay over the run (TensorFlow sign_decay)", N,  false, false, false, true,  0,    "rd",       "\\mathrm{rd}",               4, {0, 0}, ev_rd,      lo_rd},
  {Sym::Ep,      O, "ep",      {},          "annealed Gaussian noise, variance 1/(1+t)^0.55",  N,     false, true,  false, false, 0,    "ep",       "\\mathrm{ep}",               4, {0, 0}, ev_ep,      lo_ep},
  {Sym::Mom,      O, "mom",      {},         "heavy-ball accumulator k = mu*k + g",           SK,    false, false, false, false, 0,    "mom",      "\\mathrm{mom}",              4, {0, 0}, ev_mom,      lo_mom},
  {Sym::Nesterov, O, "nesterov", {},         "Nesterov momentum g + mu*k",                    SK,    false, false, false, false, 0,    "nesterov", "\\mathrm{nesterov}",         4, {0, 0}, ev_nesterov, lo_nesterov},
  {Sym::Lion,     O, "lion",     {},         "Lion: sign(beta1*l + (1-beta1)*g), l decays by lion_beta2", SL, false, false, false, false, 0, "lion", "\\mathrm{lion}",          4, {0, 0}, ev_lion,     lo_lion},
  {Sym::Rms,      O, "rms",      {},         "g / (sqrt(v) + eps), v not bias-corrected (textbook RMSProp)", SV, false, false, false, false, 0, "rms", "\\mathrm{rms}",          4, {0, 0}, ev_rms,      lo_rms},
  {Sym::AdaBelief, O, "adabelief", {},      "m / (sqrt(s) + eps), s the mean of (g-m)^2 + eps, both bias-corrected (AdaBelief)", SMS, false, false, false, false, 0, "adabelief", "\\mathrm{AdaBelief}", 4, {0, 0}, ev_adabelief, lo_adabelief},
  {Sym::RmsPropTf, O, "rmsprop_tf", {},      "TensorFlow's RMSProp: g / sqrt(ms + eps), ms = beta2 ms + (1-beta2) g^2 from ms = 1 (TF: beta2 0.9, eps 1e-10)", SV, false, false, false, false, 0, "rmsprop_tf", "\\mathrm{RMSProp}_{TF}", 4, {0, 0}, ev_rmsprop_tf, lo_rmsprop_tf},
  {Sym::AdamTf,    O, "adam_tf",    {},      "TensorFlow's Adam: m / (sqrt(v) + eps) with v uncorrected, scaled by sqrt(1-beta2^t)/(1-beta1^t)", SM | SV, false, false, false, false, 0, "adam_tf", "\\mathrm{ADAM}_{TF}", 4, {0, 0}, ev_adam_tf, lo_adam_tf},
  {Sym::Lit,     O, "",        {},          "a numeric literal",                             N,       false, false, false, false, 0,    "",         "",                           4, {0, 0}, ev_lit,     lo_lit},
  {Sym::Id,      U, "id",      {},          "x",                                             N,       true,  false, false, false, 0,    "$0",       "$0",                         4, {0, 0}, ev_id,      lo_id},
  {Sym::Neg,     U, "neg",     {},          "-x",                                            N,       true,  false, false, false, 0,    "-$0",      "-$0",                        3, {3, 0}, ev_neg,     lo_neg},
  {Sym::Exp,     U, "exp",     {},          "e^x",                                           N,       true,  false, false, false, 0,    "exp($0)",  "e^{$0}",                     4, {0, 0}, ev_exp,     lo_exp},
  {Sym::Log,     U, "log",     {},          "log|x|",                                        N,       true,  false, false, false, 0,    "log|$0|",  "\\log|$0|",                  4, {0, 0}, ev_log,     lo_log},
  {Sym::Clip5,   U, "clip5",   {},          "x clipped to [-1e-5, 1e-5]",                    N,       true,  false, false, false, 1e-5, "clip($0, 1e-5)", "\\operatorname{clip}($0, 10^{-5})", 4, {0, 0}, ev_clip5, lo_clip},
  {Sym::Clip4,   U, "clip4",   {},          "x clipped to [-1e-4, 1e-4]",                    N,       true,  false, false, false, 1e-4, "clip($0, 1e-4)", "\\operatorname{clip}($0, 10^{-4})", 4, {0, 0}, ev_clip4, lo_clip},
  {Sym::Clip3,   U, "clip3",   {},          "x clipped to [-1e-3, 1e-3]",                    N,       true,  false, false, false, 1e-3, "clip($0, 1e-3)", "\\operatorname{clip}($0, 10^{-3})", 4, {0, 0}, ev_clip3, lo_clip},
  {Sym::Drop1,   U, "drop1",   {},          "x, zeroed with probability 0.1",                N,       true,  true,  false, false, 0.1,  "drop($0, 0.1)", "\\operatorname{drop}($0, 0.1)", 4, {0, 0}, ev_drop1, lo_drop},
  {Sym::Drop3,   U, "drop3",   {},          "x, zeroed with probability 0.3",                N,       true,  true,  false, false, 0.3,  "drop($0, 0.3)", "\\operatorname{drop}($0, 0.3)", 4, {0, 0}, ev_drop3, lo_drop},
  {Sym::Drop5,   U, "drop5",   {},          "x, zeroed with probability 0.5",                N,       true,  true,  false, false, 0.5,  "drop($0, 0.5)", "\\operatorname{drop}($0, 0.5)", 4, {0, 0}, ev_drop5, lo_drop},
  {Sym::Sign,    U, "sign",    {},          "sign(x), with sign(0) = 0",                     N,       true,  false, false, false, 0,    "sign($0)", "\\operatorname{sign}($0)",   4, {0, 0}, ev_sign,    lo_sign},
  {Sym::Sqrt,    U, "sqrt",    {},          "sqrt|x|",                                       N,       false, false, false, false, 0,    "sqrt|$0|", "\\sqrt{|$0|}",               4, {0, 0}, ev_sqrt,    lo_sqrt},
  {Sym::Add,     Bn, "add",    {"+"},       "x + y",                                         N,       true,  false, true,  false, 0,    "$0 + $1",  "$0 + $1",                    1, {1, 2}, ev_add,     lo_add},
  {Sym::Sub,     Bn, "sub",    {"-"},       "x - y",                                         N,       true,  false, false, false, 0,    "$0 - $1",  "$0 - $1",                    1, {1, 2}, ev_sub,     lo_sub},
  {Sym::Mul,     Bn, "mul",    {"*"},       "x * y",                                         N,       true,  false, true,  false, 0,    "$0 * $1",  "$0 \\cdot $1",               2, {2, 3}, ev_mul,     lo_mul},
  {Sym::Div,     Bn, "div",    {"/"},       "x / (y + eps)",                                 N,       true,  false, false, false, 0,    "$0 / ($1 + eps)", "\\frac{$0}{$1 + \\epsilon}", 2, {2, 1}, ev_div, lo_div},
  {Sym::Keep,    Bn, "keep",   {},          "x (keep the left operand)",                     N,       true,  false, false, false, 0,    "keep($0, $1)", "\\operatorname{keep}($0, $1)", 4, {0, 0}, ev_keep, lo_keep},
}};
// clang-format on

constexpr bool rows_in_enum_order() {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].id) != i) return false;
  return true;
}
static_assert(rows_in_enum_order(), "kTable rows must follow the order of enum Sym");

}  // namespace

std::span<const Symbol> symbols() { return kTable; }
const Symbol& symbol(Sym s) { return kTable[static_cast<size_t>(s)]; }
std::span<const std::string_view> all_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const Symbol& s : kTable) {
      if (!s.name.empty()) out.push_back(s.name);
      for (auto a : s.aliases)
        if (!a.empty()) out.push_back(a);
    }
    return out;
  }();
  return names;
}

std::vector<Sym> vocabulary(Kind k, bool paper_only) {
  std::vector<Sym> out;
  for (const Symbol& s : kTable)
    if (s.kind == k && s.id != Sym::Lit && (s.paper || !paper_only)) out.push_back(s.id);
  return out;
}

std::optional<Sym> find_symbol(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (const Symbol& s : kTable) {
    if (s.name == name) return s.id;
    for (auto a : s.aliases)
      if (!a.empty() && a == name) return s.id;
  }
  return std::nullopt;
}

}  // namespace nos::dslc
