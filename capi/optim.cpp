// The C API: a thin shell over nos::optim::Optimizer that turns every exception into a status and
// a per-thread message, so no C++ exception ever unwinds through a C caller's frames.
#include "capi/nos/optim.h"

#include <algorithm>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>

#include "optim/optimizer.h"

struct nos_optimizer {
  nos::optim::Optimizer opt;
};

namespace {

thread_local std::string g_last_error;

nos_status fail(nos_status s, std::string message) {
  try {
    g_last_error = std::move(message);
  } catch (...) {
    // Out of memory for the message itself: keep the status.
  }
  return s;
}

// Runs f, mapping the exceptions optim::Optimizer documents to their statuses.
template <class F>
nos_status guarded(nos_status on_invalid, F&& f) {
  try {
    f();
    return NOS_OK;
  } catch (const std::bad_alloc&) {
    return fail(NOS_ERROR_MEMORY, "nos: out of memory");
  } catch (const std::invalid_argument& e) {
    return fail(on_invalid, e.what());
  } catch (const std::logic_error& e) {
    return fail(NOS_ERROR_STATE, e.what());
  } catch (const std::runtime_error& e) {
    return fail(NOS_ERROR_CHECKPOINT, e.what());
  } catch (const std::exception& e) {
    return fail(NOS_ERROR_INTERNAL, e.what());
  } catch (...) {
    return fail(NOS_ERROR_INTERNAL, "nos: unknown error");
  }
}

nos::optim::OptimizerOptions to_cpp(const nos_options& o) {
  nos::optim::OptimizerOptions r;
  r.hyper = {.lr = o.lr,
             .beta1 = o.beta1,
             .beta2 = o.beta2,
             .beta3 = o.beta3,
             .eps = o.eps,
             .mu = o.mu,
             .lion_beta2 = o.lion_beta2,
             .total_steps = o.total_steps,
             .seed = o.seed};
  r.threads = o.threads;
  r.schedule = {.kind = static_cast<nos::optim::ScheduleKind>(o.schedule),
                .decay_steps = o.decay_steps,
                .decay_rate = o.decay_rate,
                .alpha = o.alpha,
                .beta = o.beta,
                .num_periods = o.num_periods,
                .initial_variance = o.initial_variance,
                .variance_decay = o.variance_decay,
                .seed = o.schedule_seed};
  return r;
}

}  // namespace

extern "C" {

void nos_options_init(nos_options* options) {
  if (!options) return;
  const nos::dslc::Hyper h;
  const nos::optim::Schedule s;
  *options = nos_options{.lr = h.lr,
                         .beta1 = h.beta1,
                         .beta2 = h.beta2,
                         .beta3 = h.beta3,
                         .eps = h.eps,
                         .mu = h.mu,
                         .lion_beta2 = h.lion_beta2,
                         .total_steps = h.total_steps,
                         .seed = h.seed,
                         .threads = 0,
                         .schedule = NOS_SCHEDULE_CONSTANT,
                         .decay_steps = s.decay_steps,
                         .decay_rate = s.decay_rate,
                         .alpha = s.alpha,
                         .beta = s.beta,
                         .num_periods = s.num_periods,
                         .initial_variance = s.initial_variance,
                         .variance_decay = s.variance_decay,
                         .schedule_seed = s.seed};
}

const char* nos_last_error(void) { return g_last_error.c_str(); }

nos_status nos_optimizer_create(const char* rule, const nos_options* options, nos_optimizer** out) {
  if (!out) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_create: out is NULL");
  *out = nullptr;
  if (!rule) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_create: rule is NULL");
  nos_options o;
  nos_options_init(&o);
  if (options) o = *options;
  if (o.schedule < NOS_SCHEDULE_CONSTANT || o.schedule > NOS_SCHEDULE_NOISY_LINEAR_COSINE)
    return fail(NOS_ERROR_ARGUMENT,
                "nos_optimizer_create: unknown schedule " + std::to_string(static_cast<int>(o.schedule)));
  const nos::optim::OptimizerOptions cpp = to_cpp(o);
  // Hyperparameters first, so that every std::invalid_argument the constructor throws after this
  // is about the rule (dslc's diagnostics, more than one rule, ld/cd/rd without total_steps).
  if (const std::string why = nos::dslc::validate(cpp.hyper); !why.empty())
    return fail(NOS_ERROR_ARGUMENT, "nos: " + why);
  if (const std::string why = nos::optim::validate(cpp.schedule); !why.empty())
    return fail(NOS_ERROR_ARGUMENT, "nos: " + why);
  return guarded(NOS_ERROR_RULE, [&] { *out = new nos_optimizer{nos::optim::Optimizer(rule, cpp)}; });
}

void nos_optimizer_free(nos_optimizer* opt) { delete opt; }

nos_status nos_optimizer_add(nos_optimizer* opt, float* weights, const float* grads, size_t n) {
  if (!opt) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_add: optimizer is NULL");
  return guarded(NOS_ERROR_ARGUMENT, [&] { opt->opt.add(weights, grads, n); });
}

nos_status nos_optimizer_step(nos_optimizer* opt) {
  if (!opt) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_step: optimizer is NULL");
  return guarded(NOS_ERROR_ARGUMENT, [&] { opt->opt.step(); });
}

nos_status nos_optimizer_set_lr(nos_optimizer* opt, double lr) {
  if (!opt) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_set_lr: optimizer is NULL");
  return guarded(NOS_ERROR_ARGUMENT, [&] { opt->opt.set_learning_rate(lr); });
}

nos_status nos_optimizer_set_threads(nos_optimizer* opt, int threads) {
  if (!opt) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_set_threads: optimizer is NULL");
  if (threads < 0)
    return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_set_threads: threads " + std::to_string(threads) + " < 0");
  opt->opt.set_threads(threads);
  return NOS_OK;
}

double nos_optimizer_lr(const nos_optimizer* opt) { return opt ? opt->opt.learning_rate() : 0.0; }
uint64_t nos_optimizer_steps(const nos_optimizer* opt) { return opt ? opt->opt.steps() : 0; }
size_t nos_optimizer_size(const nos_optimizer* opt) { return opt ? opt->opt.size() : 0; }
size_t nos_optimizer_state_bytes(const nos_optimizer* opt) { return opt ? opt->opt.state_bytes() : 0; }
uint64_t nos_optimizer_hash(const nos_optimizer* opt) { return opt ? opt->opt.hash() : 0; }
const char* nos_optimizer_canonical(const nos_optimizer* opt) { return opt ? opt->opt.canonical().c_str() : ""; }

size_t nos_optimizer_save_size(const nos_optimizer* opt) {
  if (!opt) return 0;
  try {
    std::ostringstream s;
    opt->opt.save(s);
    return s.str().size();
  } catch (...) {
    return 0;
  }
}

nos_status nos_optimizer_save(const nos_optimizer* opt, void* buffer, size_t capacity, size_t* written) {
  if (written) *written = 0;
  if (!opt) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_save: optimizer is NULL");
  return guarded(NOS_ERROR_ARGUMENT, [&] {
    std::ostringstream s;
    opt->opt.save(s);
    const std::string bytes = s.str();
    if (bytes.size() > capacity)
      throw std::runtime_error("nos_optimizer_save: the checkpoint needs " + std::to_string(bytes.size()) +
                               " bytes, the buffer holds " + std::to_string(capacity));
    if (!buffer && !bytes.empty()) throw std::invalid_argument("nos_optimizer_save: buffer is NULL");
    std::copy(bytes.begin(), bytes.end(), static_cast<char*>(buffer));
    if (written) *written = bytes.size();
  });
}

nos_status nos_optimizer_load(nos_optimizer* opt, const void* buffer, size_t size) {
  if (!opt) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_load: optimizer is NULL");
  if (!buffer && size) return fail(NOS_ERROR_ARGUMENT, "nos_optimizer_load: buffer is NULL");
  return guarded(NOS_ERROR_ARGUMENT, [&] {
    std::istringstream s(std::string(static_cast<const char*>(buffer), size));
    opt->opt.load(s);
  });
}

}  // extern "C"
