/* Embedding a JIT-compiled optimizer in a C program: the C twin of optim/examples/embed_optimizer.cpp.
 *
 * Least squares, minimize 0.5 * sum_i (w_i - target_i)^2: the gradient is w - target. The
 * weights and gradients are this program's arrays; nos compiles the rule and steps them.
 *   ./build/release/capi/nos-embed-optimizer-c ['RULE']        (default: PowerSign)
 * Against an installed nos:  cc embed_optimizer.c $(pkg-config --cflags --libs nos) -lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <nos/optim.h>

#define N 1000
#define STEPS 500

static double loss(const float* w, const float* target) {
  double l = 0;
  for (int i = 0; i < N; ++i) l += 0.5 * (w[i] - target[i]) * (w[i] - target[i]);
  return l;
}

int main(int argc, char** argv) {
  const char* rule = argc > 1 ? argv[1] : "mul g exp mul sign_g sign_m";
  static float w[N], g[N], target[N];
  for (int i = 0; i < N; ++i) target[i] = sinf(0.01f * (float)i);

  nos_options o;
  nos_options_init(&o);
  o.lr = 0.01;
  o.total_steps = STEPS;
  o.schedule = NOS_SCHEDULE_COSINE;
  o.decay_steps = STEPS;
  nos_optimizer* opt = NULL;
  if (nos_optimizer_create(rule, &o, &opt) != NOS_OK || nos_optimizer_add(opt, w, g, N) != NOS_OK) {
    fprintf(stderr, "%s\n", nos_last_error());
    nos_optimizer_free(opt);
    return 1;
  }
  printf("rule %s (canonical: %s), %zu bytes of state\n", rule, nos_optimizer_canonical(opt),
         nos_optimizer_state_bytes(opt));

  void* checkpoint = NULL;
  size_t checkpoint_size = 0;
  for (int t = 1; t <= STEPS; ++t) {
    for (int i = 0; i < N; ++i) g[i] = w[i] - target[i]; /* your backward pass */
    if (nos_optimizer_step(opt) != NOS_OK) break;
    if (t == 250) { /* state + step count, bit for bit, into memory */
      checkpoint_size = nos_optimizer_save_size(opt);
      checkpoint = malloc(checkpoint_size);
      if (!checkpoint || nos_optimizer_save(opt, checkpoint, checkpoint_size, NULL) != NOS_OK) break;
    }
    if (t % 100 == 0) printf("step %3d  lr %.5f  loss %.6f\n", t, nos_optimizer_lr(opt), loss(w, target));
  }
  int rc = 0;
  if (!checkpoint || nos_optimizer_load(opt, checkpoint, checkpoint_size) != NOS_OK) {
    fprintf(stderr, "%s\n", checkpoint ? nos_last_error() : "no checkpoint");
    rc = 1;
  } else {
    printf("restored the checkpoint of step %llu\n", (unsigned long long)nos_optimizer_steps(opt));
  }
  free(checkpoint);
  nos_optimizer_free(opt);
  return rc;
}
