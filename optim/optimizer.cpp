#include "optim/optimizer.h"

#include <omp.h>
#include <sys/mman.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <vector>

#include "dslc/compile.h"
#include "dslc/symbols.h"
#include "jit/kernel.h"

namespace nos::optim {

namespace {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using FloatBuf = std::unique_ptr<float[], FreeDeleter>;

// Zeroed; 64-byte aligned, and buffers of 2 MiB or more on 2 MiB boundaries with transparent huge
// pages requested: a step streams several such buffers, and with 4 KiB pages (the kernel default
// when THP is "madvise") TLB misses cost a visible part of the bandwidth.
FloatBuf alloc_zeroed(size_t n) {
  if (n == 0) return nullptr;
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t raw = n * sizeof(float);
  const size_t align = raw >= kHuge ? kHuge : 64;
  const size_t bytes = (raw + align - 1) / align * align;
  auto* p = static_cast<float*>(std::aligned_alloc(align, bytes));
  if (!p) throw std::bad_alloc();
  if (align == kHuge) ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure is harmless
  std::memset(p, 0, bytes);
  return FloatBuf(p);
}

struct Tensor {
  float* w;
  const float* g;
  size_t n, offset;
};

constexpr char kMagic[8] = {'N', 'O', 'S', 'O', 'P', 'T', '0', '1'};

}  // namespace

struct Optimizer::Impl {
  OptimizerOptions opt;
  jit::Kernel kernel;  // carries the rule's hash, state set and canonical form
  std::vector<Tensor> tensors;
  size_t total = 0;
  // One buffer per state-table row (dslc/state.h) over all registered elements, in
  // registration order; null for state the rule does not use.
  FloatBuf state[dslc::kStateCount];
  uint64_t t = 0;
  std::optional<double> lr_override;  // set_learning_rate: replaces the schedule
};

namespace {

void validate_options(const OptimizerOptions& options) {
  if (const std::string why = dslc::validate(options.hyper); !why.empty())
    throw std::invalid_argument("optimizer: " + why);
  if (const std::string why = validate(options.schedule); !why.empty())
    throw std::invalid_argument("optimizer: " + why);
}

// The options are checked before the rule is compiled: a bad option is reported as such even
// when the rule is bad too (the C API maps the two to different statuses).
jit::Kernel compile_checked(std::string_view rule, const OptimizerOptions& options) {
  validate_options(options);
  return jit::compile_kernel(dslc::compile_rule(rule, "optimizer"));
}

}  // namespace

Optimizer::Optimizer(std::string_view rule, const OptimizerOptions& options)
    : Optimizer(compile_checked(rule, options), options) {}

Optimizer::Optimizer(const jit::Kernel& kernel, const OptimizerOptions& options) : impl_(std::make_unique<Impl>()) {
  validate_options(options);
  if (!kernel) throw std::invalid_argument("optimizer: the kernel is empty (not compiled)");
  if (kernel.needs_total && options.hyper.total_steps == 0)
    throw std::invalid_argument("optimizer: the rule reads ld/cd/rd: set hyper.total_steps");
  impl_->opt = options;
  impl_->kernel = kernel;
}

Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

void Optimizer::add(float* w, const float* g, size_t n) {
  Impl& s = *impl_;
  if (s.t != 0) throw std::logic_error("optimizer: add() after step()");
  if (n > 0 && (!w || !g)) throw std::invalid_argument("optimizer: null buffer");
  s.tensors.push_back({w, g, n, s.total});
  const size_t total = s.total + n;
  // Re-allocate to the new total; nothing has been stepped, so state is at its initial value anyway.
  for (int b = 0; b < dslc::kStateCount; ++b) {
    s.state[b] = (s.kernel.state >> b) & 1 ? alloc_zeroed(total) : nullptr;
    if (const float init = dslc::state_init(dslc::state_buf(b)); s.state[b] && init != 0.0f)
      std::fill_n(s.state[b].get(), total, init);
  }
  s.total = total;
}

void Optimizer::step() {
  Impl& s = *impl_;
  const uint64_t t = s.t + 1;
  dslc::Hyper h = s.opt.hyper;
  h.lr = s.lr_override ? *s.lr_override : optim::learning_rate(s.opt.schedule, s.opt.hyper.lr, t - 1);
  const jit::StepBlock block = jit::make_step_block(dslc::step_params(h, t));
  const int threads = s.opt.threads > 0 ? s.opt.threads : omp_get_max_threads();
  const size_t W = static_cast<size_t>(s.kernel.width);
  const size_t total = s.total;
  // Whole vectors per thread, so only the last range has a masked tail.
  const size_t vecs = (total + W - 1) / W;
  const int nt = static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), std::max<size_t>(vecs, 1)));
  float* st[dslc::kStateCount];
  for (int b = 0; b < dslc::kStateCount; ++b) st[b] = s.state[b].get();
#pragma omp parallel num_threads(nt)
  {
    const size_t id = static_cast<size_t>(omp_get_thread_num()), n = static_cast<size_t>(omp_get_num_threads());
    const size_t lo = std::min(total, vecs * id / n * W), hi = std::min(total, vecs * (id + 1) / n * W);
    for (const Tensor& tn : s.tensors) {
      const size_t a = std::max(lo, tn.offset), b = std::min(hi, tn.offset + tn.n);
      if (a >= b) continue;
      const size_t o = tn.offset;
      jit::StateBufs sb;
      for (int k = 0; k < dslc::kStateCount; ++k) sb[static_cast<size_t>(k)] = st[k] ? st[k] + o : nullptr;
      s.kernel(tn.w, tn.g, sb, block, o, a - o, b - o);
    }
  }
  s.t = t;
}

uint64_t Optimizer::steps() const { return impl_->t; }
size_t Optimizer::size() const { return impl_->total; }
size_t Optimizer::state_bytes() const {
  size_t buffers = 0;
  for (const FloatBuf& b : impl_->state) buffers += b != nullptr;
  return impl_->total * sizeof(float) * buffers;
}
uint8_t Optimizer::state_bits() const { return impl_->kernel.state; }
uint64_t Optimizer::hash() const { return impl_->kernel.hash; }
const std::string& Optimizer::canonical() const { return impl_->kernel.canonical; }
double Optimizer::learning_rate() const {
  if (impl_->lr_override) return *impl_->lr_override;
  return optim::learning_rate(impl_->opt.schedule, impl_->opt.hyper.lr, impl_->t);
}
void Optimizer::set_learning_rate(double lr) {
  if (!std::isfinite(lr) || lr < 0)
    throw std::invalid_argument("optimizer: learning rate " + std::to_string(lr) + " is not finite and >= 0");
  impl_->lr_override = lr;
}
void Optimizer::set_threads(int threads) { impl_->opt.threads = threads; }
int Optimizer::vector_width() const { return impl_->kernel.width; }

void Optimizer::save(std::ostream& out) const {
  const Impl& s = *impl_;
  const uint64_t head[3] = {s.kernel.hash, s.t, s.total};
  out.write(kMagic, sizeof kMagic);
  out.write(reinterpret_cast<const char*>(head), sizeof head);
  const char bits = static_cast<char>(s.kernel.state);
  out.write(&bits, 1);
  for (const FloatBuf& b : s.state)
    if (b) out.write(reinterpret_cast<const char*>(b.get()), static_cast<std::streamsize>(s.total * sizeof(float)));
  if (!out) throw std::runtime_error("optimizer: cannot write the checkpoint");
}

void Optimizer::load(std::istream& in) {
  Impl& s = *impl_;
  char magic[sizeof kMagic];
  uint64_t head[3];
  char bits = 0;
  in.read(magic, sizeof magic);
  in.read(reinterpret_cast<char*>(head), sizeof head);
  in.read(&bits, 1);
  if (!in || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
    throw std::runtime_error("optimizer: not a nos optimizer checkpoint");
  if (head[0] != s.kernel.hash || static_cast<uint8_t>(bits) != s.kernel.state)
    throw std::runtime_error("optimizer: the checkpoint is of another rule");
  if (head[2] != s.total)
    throw std::runtime_error("optimizer: the checkpoint holds " + std::to_string(head[2]) +
                             " parameters, the optimizer " + std::to_string(s.total));
  // Read into fresh buffers so a truncated stream leaves the optimizer as it was.
  FloatBuf nb[dslc::kStateCount];
  for (int k = 0; k < dslc::kStateCount; ++k) {
    if (!s.state[k]) continue;
    nb[k] = alloc_zeroed(s.total);
    in.read(reinterpret_cast<char*>(nb[k].get()), static_cast<std::streamsize>(s.total * sizeof(float)));
    if (!in) throw std::runtime_error("optimizer: truncated checkpoint");
  }
  for (int k = 0; k < dslc::kStateCount; ++k)
    if (s.state[k]) s.state[k] = std::move(nb[k]);
  s.t = head[1];
}

}  // namespace nos::optim
