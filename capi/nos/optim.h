/* nos/optim.h: the C API of nos's JIT-compiled optimizers.
 *
 * A rule (any dslc rule: "mul g exp mul sign_g sign_m" is PowerSign, "adam" is Adam) is compiled
 * once by LLVM into a vector kernel; the optimizer steps float buffers the caller owns:
 *
 *   nos_options o;  nos_options_init(&o);  o.lr = 1e-3;
 *   nos_optimizer* opt;
 *   if (nos_optimizer_create("mul g exp mul sign_g sign_m", &o, &opt) != NOS_OK)
 *     fprintf(stderr, "%s\n", nos_last_error());
 *   nos_optimizer_add(opt, weights, grads, n);
 *   for (...) { compute grads; nos_optimizer_step(opt); }
 *   nos_optimizer_free(opt);
 *
 * Every function returns a nos_status; on failure nos_last_error() gives the message (for a bad
 * rule, dslc's diagnostics with line:column). No C++ exception crosses this header. The message
 * is per thread and valid until the next failing call on that thread.
 *
 * Buffers registered with nos_optimizer_add must stay valid and not move while the optimizer
 * lives. One optimizer must not be used from two threads at once; step() itself runs on all
 * threads (OpenMP) and gives identical bits for any thread count.
 *
 * Link: find_package(nos CONFIG) and target nos::optim, or `pkg-config --cflags --libs nos`. */
#ifndef NOS_OPTIM_H
#define NOS_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nos_status {
  NOS_OK = 0,
  NOS_ERROR_RULE = 1,       /* the rule does not parse or compile: dslc's diagnostics */
  NOS_ERROR_ARGUMENT = 2,   /* a bad option, a null pointer, a rate that is not finite and >= 0 */
  NOS_ERROR_STATE = 3,      /* a call in the wrong order: add() after step() */
  NOS_ERROR_CHECKPOINT = 4, /* load(): not a checkpoint, another rule or size, truncated; save(): buffer too small */
  NOS_ERROR_MEMORY = 5,     /* out of memory */
  NOS_ERROR_INTERNAL = 6    /* anything else (a bug: please report the message) */
} nos_status;

/* Learning-rate schedules (TensorFlow 1.x's tf.train.*_decay); see optim/schedule.h. */
typedef enum nos_schedule_kind {
  NOS_SCHEDULE_CONSTANT = 0,
  NOS_SCHEDULE_STEP = 1,               /* lr * decay_rate ^ floor(step / decay_steps) */
  NOS_SCHEDULE_COSINE = 2,             /* cosine_decay(alpha) */
  NOS_SCHEDULE_LINEAR_COSINE = 3,      /* linear_cosine_decay(num_periods, alpha, beta) */
  NOS_SCHEDULE_NOISY_LINEAR_COSINE = 4 /* noisy_linear_cosine_decay(...) */
} nos_schedule_kind;

/* Hyperparameters; nos_options_init() sets the defaults of dslc::Hyper and optim::Schedule. */
typedef struct nos_options {
  double lr, beta1, beta2, beta3, eps, mu, lion_beta2;
  uint64_t total_steps; /* T of ld/cd/rd; 0 = unknown (rules that read them need it) */
  uint64_t seed;        /* of the random symbols (drop*, ep) */
  int threads;          /* 0: OpenMP's default */
  nos_schedule_kind schedule;
  uint64_t decay_steps; /* > 0 for every schedule but constant */
  double decay_rate, alpha, beta, num_periods, initial_variance, variance_decay;
  uint64_t schedule_seed;
} nos_options;

void nos_options_init(nos_options* options);

typedef struct nos_optimizer nos_optimizer;

/* The message of the last failing call on this thread ("" if none). */
const char* nos_last_error(void);

/* Compiles `rule` (prefix or controller form). options may be NULL (the defaults). */
nos_status nos_optimizer_create(const char* rule, const nos_options* options, nos_optimizer** out);
void nos_optimizer_free(nos_optimizer* opt); /* NULL is fine */

/* Registers n weights and their gradients; parameter indices (the random key) follow
 * registration order. Only before the first step. */
nos_status nos_optimizer_add(nos_optimizer* opt, float* weights, const float* grads, size_t n);
/* One update of every registered element. */
nos_status nos_optimizer_step(nos_optimizer* opt);

/* Every following step uses exactly lr (replaces the schedule). */
nos_status nos_optimizer_set_lr(nos_optimizer* opt, double lr);
nos_status nos_optimizer_set_threads(nos_optimizer* opt, int threads);
double nos_optimizer_lr(const nos_optimizer* opt);             /* the rate of the next step */
uint64_t nos_optimizer_steps(const nos_optimizer* opt);        /* steps taken */
size_t nos_optimizer_size(const nos_optimizer* opt);           /* registered elements */
size_t nos_optimizer_state_bytes(const nos_optimizer* opt);    /* optimizer state allocated */
uint64_t nos_optimizer_hash(const nos_optimizer* opt);         /* canonical hash of the rule */
const char* nos_optimizer_canonical(const nos_optimizer* opt); /* canonical prefix form; owned by opt */

/* Checkpoints in memory: the step count and every state buffer, bit for bit.
 * nos_optimizer_save_size() is the exact size save() writes; save() fails with
 * NOS_ERROR_CHECKPOINT (writing nothing) if capacity is smaller. load() needs the same rule and
 * registered size, and leaves the optimizer unchanged on failure. */
size_t nos_optimizer_save_size(const nos_optimizer* opt);
nos_status nos_optimizer_save(const nos_optimizer* opt, void* buffer, size_t capacity, size_t* written);
nos_status nos_optimizer_load(nos_optimizer* opt, const void* buffer, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* NOS_OPTIM_H */
