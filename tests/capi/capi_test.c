/* The C API (capi/nos/optim.h) as a C program uses it: statuses and messages for every kind of
 * error, exact SGD, Adam against its textbook definition, thread-count independence, and
 * checkpoints in memory that resume bit for bit. Plain C, no test framework, so the same file is
 * built in the tree and against an installed prefix (tests/install/). Exit 0 iff all checks pass. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nos/optim.h>

static int checks = 0, failures = 0;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
    }                                                                          \
  } while (0)

static const char* kPowerSign = "mul g exp mul sign_g sign_m";

static void fill(float* x, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)((double)(seed >> 8) / 16777216.0 * 2.0 - 1.0);
  }
}

static void test_errors(void) {
  nos_optimizer* opt = (nos_optimizer*)1;
  nos_status s = nos_optimizer_create("mul g", NULL, &opt);
  CHECK(s == NOS_ERROR_RULE, "status %d", (int)s);
  CHECK(opt == NULL, "out not reset");
  CHECK(strstr(nos_last_error(), "<rule>:1:") != NULL && strstr(nos_last_error(), "error") != NULL,
        "no dslc diagnostic: '%s'", nos_last_error());

  s = nos_optimizer_create("mul g exp mul ld mul sign_g sign_m", NULL, &opt);
  CHECK(s == NOS_ERROR_RULE && strstr(nos_last_error(), "total_steps") != NULL, "%d '%s'", (int)s, nos_last_error());

  nos_options o;
  nos_options_init(&o);
  o.beta1 = 1.5;
  s = nos_optimizer_create(kPowerSign, &o, &opt);
  CHECK(s == NOS_ERROR_ARGUMENT && strstr(nos_last_error(), "beta1") != NULL, "%d '%s'", (int)s, nos_last_error());

  nos_options_init(&o);
  o.schedule = NOS_SCHEDULE_COSINE; /* decay_steps = 0 */
  s = nos_optimizer_create(kPowerSign, &o, &opt);
  CHECK(s == NOS_ERROR_ARGUMENT && strstr(nos_last_error(), "decay_steps") != NULL, "%d '%s'", (int)s,
        nos_last_error());

  CHECK(nos_optimizer_create(kPowerSign, NULL, NULL) == NOS_ERROR_ARGUMENT, "NULL out");
  CHECK(nos_optimizer_create(NULL, NULL, &opt) == NOS_ERROR_ARGUMENT, "NULL rule");

  float w[4] = {0}, g[4] = {0};
  CHECK(nos_optimizer_create(kPowerSign, NULL, &opt) == NOS_OK, "%s", nos_last_error());
  CHECK(nos_optimizer_add(opt, NULL, g, 4) == NOS_ERROR_ARGUMENT, "null weights");
  CHECK(nos_optimizer_add(opt, w, g, 4) == NOS_OK, "%s", nos_last_error());
  CHECK(nos_optimizer_step(opt) == NOS_OK, "%s", nos_last_error());
  s = nos_optimizer_add(opt, w, g, 4);
  CHECK(s == NOS_ERROR_STATE && strstr(nos_last_error(), "after step") != NULL, "%d '%s'", (int)s, nos_last_error());
  CHECK(nos_optimizer_set_lr(opt, NAN) == NOS_ERROR_ARGUMENT, "NaN rate accepted");
  CHECK(nos_optimizer_set_lr(opt, -1.0) == NOS_ERROR_ARGUMENT, "negative rate accepted");
  CHECK(nos_optimizer_set_lr(opt, 0.25) == NOS_OK && nos_optimizer_lr(opt) == 0.25, "rate %g", nos_optimizer_lr(opt));
  CHECK(nos_optimizer_set_threads(opt, -1) == NOS_ERROR_ARGUMENT, "negative threads accepted");

  size_t written = 99;
  char small[8];
  s = nos_optimizer_save(opt, small, sizeof small, &written);
  CHECK(s == NOS_ERROR_CHECKPOINT && written == 0 && strstr(nos_last_error(), "bytes") != NULL, "%d '%s'", (int)s,
        nos_last_error());
  const char junk[64] = "not a checkpoint";
  s = nos_optimizer_load(opt, junk, sizeof junk);
  CHECK(s == NOS_ERROR_CHECKPOINT && strstr(nos_last_error(), "not a nos optimizer checkpoint") != NULL, "%d '%s'",
        (int)s, nos_last_error());
  const size_t size = nos_optimizer_save_size(opt);
  char* buf = malloc(size);
  CHECK(nos_optimizer_save(opt, buf, size, &written) == NOS_OK && written == size, "%s", nos_last_error());
  s = nos_optimizer_load(opt, buf, size - 1);
  CHECK(s == NOS_ERROR_CHECKPOINT && strstr(nos_last_error(), "truncated") != NULL, "%d '%s'", (int)s,
        nos_last_error());
  CHECK(nos_optimizer_steps(opt) == 1, "a failed load changed the step count");

  nos_optimizer* adam = NULL;
  CHECK(nos_optimizer_create("adam", NULL, &adam) == NOS_OK, "%s", nos_last_error());
  nos_optimizer_add(adam, w, g, 4);
  s = nos_optimizer_load(adam, buf, size);
  CHECK(s == NOS_ERROR_CHECKPOINT && strstr(nos_last_error(), "another rule") != NULL, "%d '%s'", (int)s,
        nos_last_error());
  free(buf);
  nos_optimizer_free(adam);
  nos_optimizer_free(opt);
  nos_optimizer_free(NULL);
}

/* SGD is w - lr*g in float: one rounding for the product, one for the difference. */
static void test_sgd_exact(void) {
  enum { n = 37 };
  float w[n], g[n], expect[n];
  fill(w, n, 1);
  fill(g, n, 2);
  nos_options o;
  nos_options_init(&o);
  o.lr = 0.1;
  nos_optimizer* opt = NULL;
  CHECK(nos_optimizer_create("g", &o, &opt) == NOS_OK, "%s", nos_last_error());
  CHECK(nos_optimizer_add(opt, w, g, n) == NOS_OK, "%s", nos_last_error());
  CHECK(nos_optimizer_state_bytes(opt) == 0, "sgd has state: %zu", nos_optimizer_state_bytes(opt));
  for (int t = 0; t < 3; ++t) {
    for (int i = 0; i < n; ++i) {
      volatile float step = (float)o.lr * g[i];
      expect[i] = w[i] - step;
    }
    CHECK(nos_optimizer_step(opt) == NOS_OK, "%s", nos_last_error());
    CHECK(memcmp(w, expect, sizeof w) == 0, "sgd step %d differs from w - lr*g", t + 1);
  }
  nos_optimizer_free(opt);
}

/* Adam against Kingma & Ba in double; float32 kernels agree to ~1e-6 relative. */
static void test_adam_textbook(void) {
  enum { n = 100, steps = 20 };
  float w[n], g[n];
  double wd[n], m[n] = {0}, v[n] = {0};
  fill(w, n, 3);
  for (int i = 0; i < n; ++i) wd[i] = w[i];
  nos_options o;
  nos_options_init(&o);
  o.lr = 0.01;
  nos_optimizer* opt = NULL;
  CHECK(nos_optimizer_create("adam", &o, &opt) == NOS_OK, "%s", nos_last_error());
  CHECK(nos_optimizer_add(opt, w, g, n) == NOS_OK, "%s", nos_last_error());
  CHECK(nos_optimizer_state_bytes(opt) == 2 * n * sizeof(float), "adam state %zu", nos_optimizer_state_bytes(opt));
  double worst = 0;
  for (int t = 1; t <= steps; ++t) {
    fill(g, n, 100 + t);
    for (int i = 0; i < n; ++i) {
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i];
      const double mh = m[i] / (1 - pow(o.beta1, t)), vh = v[i] / (1 - pow(o.beta2, t));
      wd[i] -= o.lr * mh / (sqrt(vh) + o.eps);
    }
    nos_optimizer_step(opt);
  }
  for (int i = 0; i < n; ++i) worst = fmax(worst, fabs(w[i] - wd[i]) / fmax(fabs(wd[i]), 1e-3));
  CHECK(worst < 1e-5, "adam vs textbook: worst relative error %g", worst);
  CHECK(nos_optimizer_steps(opt) == steps, "steps %llu", (unsigned long long)nos_optimizer_steps(opt));
  nos_optimizer_free(opt);
}

/* 1 and 2 threads give the same bits, random draws included (drop's mask is keyed by index). */
static void test_threads(void) {
  enum { n = 10001 };
  float* w1 = malloc(n * sizeof(float));
  float* w2 = malloc(n * sizeof(float));
  float* g = malloc(n * sizeof(float));
  fill(w1, n, 5);
  memcpy(w2, w1, n * sizeof(float));
  fill(g, n, 6);
  nos_options o;
  nos_options_init(&o);
  o.seed = 7;
  nos_optimizer *a = NULL, *b = NULL;
  o.threads = 1;
  CHECK(nos_optimizer_create("mul drop3 g exp mul sign_g sign_m", &o, &a) == NOS_OK, "%s", nos_last_error());
  o.threads = 2;
  CHECK(nos_optimizer_create("mul drop3 g exp mul sign_g sign_m", &o, &b) == NOS_OK, "%s", nos_last_error());
  nos_optimizer_add(a, w1, g, n);
  nos_optimizer_add(b, w2, g, n);
  for (int t = 0; t < 3; ++t) {
    nos_optimizer_step(a);
    nos_optimizer_step(b);
  }
  CHECK(memcmp(w1, w2, n * sizeof(float)) == 0, "1 and 2 threads differ");
  nos_optimizer_free(a);
  nos_optimizer_free(b);
  free(w1);
  free(w2);
  free(g);
}

/* Save after 5 steps into memory; 5 more steps; a fresh optimizer loads the checkpoint, the
 * weights are restored, and the same 5 steps give the same bits. */
static void test_checkpoint_resume(void) {
  enum { n = 1000 };
  float w[n], g[n], w5[n], wa[n];
  fill(w, n, 8);
  nos_options o;
  nos_options_init(&o);
  o.lr = 0.01;
  o.schedule = NOS_SCHEDULE_COSINE;
  o.decay_steps = 10;
  nos_optimizer* a = NULL;
  CHECK(nos_optimizer_create(kPowerSign, &o, &a) == NOS_OK, "%s", nos_last_error());
  nos_optimizer_add(a, w, g, n);
  char* blob = NULL;
  size_t size = 0;
  for (int t = 1; t <= 10; ++t) {
    fill(g, n, 200 + t);
    nos_optimizer_step(a);
    if (t == 5) {
      size = nos_optimizer_save_size(a);
      blob = malloc(size);
      CHECK(nos_optimizer_save(a, blob, size, NULL) == NOS_OK, "%s", nos_last_error());
      memcpy(w5, w, sizeof w);
    }
  }
  memcpy(wa, w, sizeof w);
  nos_optimizer* b = NULL;
  CHECK(nos_optimizer_create(kPowerSign, &o, &b) == NOS_OK, "%s", nos_last_error());
  memcpy(w, w5, sizeof w);
  nos_optimizer_add(b, w, g, n);
  CHECK(nos_optimizer_load(b, blob, size) == NOS_OK, "%s", nos_last_error());
  CHECK(nos_optimizer_steps(b) == 5, "loaded step count %llu", (unsigned long long)nos_optimizer_steps(b));
  for (int t = 6; t <= 10; ++t) {
    fill(g, n, 200 + t);
    nos_optimizer_step(b);
  }
  CHECK(memcmp(w, wa, sizeof w) == 0, "resumed training differs from the uninterrupted run");
  CHECK(nos_optimizer_state_bytes(b) == n * sizeof(float), "powersign state %zu", nos_optimizer_state_bytes(b));
  CHECK(strcmp(nos_optimizer_canonical(a), nos_optimizer_canonical(b)) == 0 &&
            nos_optimizer_hash(a) == nos_optimizer_hash(b),
        "canonical forms differ");
  free(blob);
  nos_optimizer_free(a);
  nos_optimizer_free(b);
}

int main(void) {
  test_errors();
  test_sgd_exact();
  test_adam_textbook();
  test_threads();
  test_checkpoint_resume();
  printf("capi_test: %d of %d checks passed\n", checks - failures, checks);
  return failures == 0 ? 0 : 1;
}
