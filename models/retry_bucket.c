/*
 * retry_bucket: the adaptive retry token bucket of Brooker's 2022 retry
 * simulator ([retry_bucket]). Each client keeps a bucket that starts full;
 * every call it starts puts a deposit in (capped at the capacity), and a
 * retry goes out only while the bucket holds more than a threshold, and
 * then takes a cost out. Nothing else refills it: a success returns
 * nothing, a refused retry costs nothing. With max_attempts = unlimited the
 * bucket alone bounds the retries, as in the simulator. A refused retry
 * ends the call as calls_denied_retry_bucket.
 *
 * It is neither [retry_quota] aws (which refills only on a first-try
 * success and lets a retry through at tokens >= cost) nor grpc (which
 * deposits on successful attempts and charges the failures it refuses),
 * hence a model of its own.
 *
 * Source: Marc Brooker, "Fixing retries with token buckets and circuit
 * breakers" (brooker.co.za/blog/2022/02/28/retries.html), and its simulator
 * mbrooker/simulator_example, retry_sim/retry_strategy.py
 * (AdaptiveRetryStrategy(bucket_fill_rate = 0.1, bucket_size = 5), one
 * instance per client: new_call() returns the client's strategy itself).
 * The order of operations there, followed here exactly:
 *   - the bucket starts at bucket_size (full);
 *   - start(), when the call starts and before its first attempt is sent:
 *     bucket = min(bucket + fill_rate, bucket_size);
 *   - should_retry(), each time an attempt has failed: if bucket > 1.0
 *     (strictly greater), bucket -= 1.0 and retry; else give up, the
 *     bucket unchanged. There is no other limit on the retries of a call,
 *     so the last failed attempt of a call is the one the bucket refused.
 * The simulator keeps the tokens in a Python float; so does this (a
 * double, the same sums in the same order). Here the question is asked
 * only when the retry policy itself would retry (a retryable outcome,
 * attempts left), and the cost is taken only once every model allowed the
 * retry (model.h). A hedged copy asks like a retry (client_retry_allowed).
 */
#include <stdio.h>
#include <stdlib.h>

#include "world.h"

static model_info_t info;

enum { RBK_SCOPE_CLIENT, RBK_SCOPE_SHARED };

typedef struct {
    int enabled;
    double capacity;   /* tokens, the bucket's cap, > 0 */
    double initial;    /* tokens at the start of the run, 0..capacity */
    double deposit;    /* tokens added at each call start, >= 0 */
    double threshold;  /* tokens the bucket must hold MORE than for a retry, >= 0 */
    double cost;       /* tokens a retry takes, >= 0 */
    int scope;         /* RBK_SCOPE_CLIENT: one bucket per client id; RBK_SCOPE_SHARED: one for all */
} rbk_cfg_t;

static const key_name_t scopes[] = {{"client", RBK_SCOPE_CLIENT}, {"shared", RBK_SCOPE_SHARED}, {NULL, 0}};

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(rbk_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "adaptive retry token bucket (Brooker 2022): each call start deposits, a retry only while tokens > threshold"},
    {"capacity", KEY_DOUBLE, KEY_AT(rbk_cfg_t, capacity), "tokens", "5", KEY_OC(0, 1e9), NULL,
     "bucket size: deposits stop at it"},
    {"initial", KEY_DOUBLE, KEY_AT(rbk_cfg_t, initial), "tokens", "5", KEY_IN(0, 1e9), NULL,
     "tokens at the start of the run (at most capacity; 5 = full, as the simulator starts)"},
    {"deposit", KEY_DOUBLE, KEY_AT(rbk_cfg_t, deposit), "tokens", "0.1", KEY_IN(0, 1e9), NULL,
     "tokens added when a call starts, before its first attempt (capped at capacity)"},
    {"threshold", KEY_DOUBLE, KEY_AT(rbk_cfg_t, threshold), "tokens", "1", KEY_IN(0, 1e9), NULL,
     "a retry is allowed only while the bucket holds more than this"},
    {"cost", KEY_DOUBLE, KEY_AT(rbk_cfg_t, cost), "tokens", "1", KEY_IN(0, 1e9), NULL,
     "tokens a retry takes; a refused retry takes none"},
    {"scope", KEY_ENUM, KEY_AT(rbk_cfg_t, scope), "", "client", KEY_ANY, scopes,
     "one bucket per client id (arrivals.clients), as the simulator, or one shared by the whole client pool"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

static const metrics_def_t series[] = {
    {"calls_denied_retry_bucket", STATS_SUM, "calls",
     "calls failed: the adaptive retry token bucket refused a retry", METRIC_CALL_FAILURE},
};
static const metrics_scalar_t scalars[] = {
    {"calls_denied_retry_bucket", "calls", "calls failed: the adaptive retry token bucket refused a retry"},
};

typedef struct {
    const rbk_cfg_t *c;
    double *tokens;    /* per bucket, tokens */
    uint32_t n;        /* buckets: 1 (shared) or the client count */
} rbk_t;

static uint32_t instances(const rbk_cfg_t *c, const run_cfg_t *run)
{
    return c->scope == RBK_SCOPE_SHARED || run->arrivals.clients < 1 ? 1 : (uint32_t)run->arrivals.clients;
}

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const rbk_cfg_t *)cfg)->enabled;
}

static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    (void)run;
    const rbk_cfg_t *c = cfg;
    if (c->enabled && c->initial > c->capacity) {
        *key = "retry_bucket.initial";
        snprintf(err, errlen, "initial (%g tokens) is above capacity (%g tokens)", c->initial, c->capacity);
        return -1;
    }
    return 0;
}

static int attach(world_t *w, void **state)
{
    rbk_t *m = calloc(1, sizeof *m);
    if (m) {
        m->c = world_cfg(w, &info);
        m->n = instances(m->c, w->cfg);
        m->tokens = malloc((size_t)m->n * sizeof *m->tokens);
    }
    if (!m || !m->tokens) {
        free(m);
        snprintf(w->err, sizeof w->err, "out of memory for the retry buckets");
        return -1;
    }
    for (uint32_t i = 0; i < m->n; i++)
        m->tokens[i] = m->c->initial;
    *state = m;
    return 0;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    rbk_t *m = state;
    free(m->tokens);
    free(m);
}

static double *bucket_of(const rbk_t *m, const world_t *w, uint32_t call)
{
    return &m->tokens[m->n == 1 ? 0 : world_call(w, call)->client % m->n];
}

/* start(): the deposit, capped, before the call's first attempt. */
static int call_start(world_t *w, void *state, uint32_t call)
{
    rbk_t *m = state;
    double *b = bucket_of(m, w, call), t = *b + m->c->deposit;
    *b = t < m->c->capacity ? t : m->c->capacity;
    return 0;
}

/* should_retry()'s test: strictly more than the threshold. */
static int may_retry(world_t *w, void *state, uint32_t call, outcome_t o)
{
    (void)o;
    rbk_t *m = state;
    return *bucket_of(m, w, call) > m->c->threshold ? MODEL_PASS : info.series0;
}

/* should_retry()'s withdrawal, once every model has allowed the retry. */
static void retry_granted(world_t *w, void *state, uint32_t call, outcome_t o)
{
    (void)o;
    rbk_t *m = state;
    *bucket_of(m, w, call) -= m->c->cost;
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    (void)state;
    run_set_scalar(res, info.scalar0, (double)world_series_total(w, info.series0));
}

const model_desc_t model_retry_bucket = {
    .name = "retry_bucket",
    .help = "adaptive retry token bucket (Brooker 2022): +deposit per call start, a retry while tokens > threshold",
    .info = &info,
    .section = "retry_bucket",
    .keys = keys,
    .cfg_size = sizeof(rbk_cfg_t),
    .enabled = enabled,
    .validate = validate,
    .series = series,
    .nseries = 1,
    .scalars = scalars,
    .nscalars = 1,
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
    .call_start = call_start,
    .may_retry = may_retry,
    .retry_granted = retry_granted,
};
