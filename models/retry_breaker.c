/*
 * retry_breaker: the retry-only circuit breaker of Brooker's 2022 retry
 * simulator ([retry_breaker]). First attempts always go out; after a failed
 * attempt a retry is allowed only while the client's failed attempts per
 * call stay at or under a threshold, counted since the start of the run
 * (as the simulator does) or over a sliding window; the retry policy's
 * max_attempts still bounds each call. A denied retry ends the call as
 * calls_denied_retry_breaker.
 *
 * Source: Marc Brooker, "Fixing retries with token buckets and circuit
 * breakers" (brooker.co.za/blog/2022/02/28/retries.html), and its simulator
 * mbrooker/simulator_example, retry_sim/retry_strategy.py
 * (CircuitBreakerRetryCall: start() adds a call, should_retry() adds a
 * failure and then refuses when failures / calls > max_rate, else asks the
 * N-retries strategy; one strategy per client). Every failed attempt counts
 * here too, the last one of a call included, and it is counted before the
 * retry is decided.
 *
 * The window, when set, is a ring of 1 s buckets of (calls, failures), as
 * the other sliding-window protections keep. Units: times in ns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

static model_info_t info;

enum { RB_SCOPE_CLIENT, RB_SCOPE_SHARED };

typedef struct {
    int enabled;
    double threshold;   /* failed attempts per call above which retries stop, >= 0 */
    simtime_t window;   /* ns, whole seconds, <= 1 h; 0 = everything since the run started */
    int scope;          /* RB_SCOPE_CLIENT: one breaker per client id; RB_SCOPE_SHARED: one for all */
} rb_cfg_t;

static const key_name_t scopes[] = {{"client", RB_SCOPE_CLIENT}, {"shared", RB_SCOPE_SHARED}, {NULL, 0}};

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(rb_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "retry-only circuit breaker (Brooker 2022): first attempts always go out, a retry only while failed "
     "attempts / calls <= threshold"},
    {"threshold", KEY_DOUBLE, KEY_AT(rb_cfg_t, threshold), "failures/call", "0.1", KEY_IN(0, 1000), NULL,
     "failed attempts per call above which retries are refused"},
    {"window", KEY_DURATION, KEY_AT(rb_cfg_t, window), "", "0", KEY_IN(0, (double)SIMTIME_HOUR), NULL,
     "count over this sliding window, whole seconds; 0 = since the start of the run (as the simulator does)"},
    {"scope", KEY_ENUM, KEY_AT(rb_cfg_t, scope), "", "client", KEY_ANY, scopes,
     "one breaker per client id (arrivals.clients) or one shared by the whole client pool"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

static const metrics_def_t series[] = {
    {"calls_denied_retry_breaker", STATS_SUM, "calls",
     "calls failed: the retry-only circuit breaker refused a retry", METRIC_CALL_FAILURE},
};
static const metrics_scalar_t scalars[] = {
    {"calls_denied_retry_breaker", "calls", "calls failed: the retry-only circuit breaker refused a retry"},
};

/* One breaker: its counts since the start, or over a ring of 1 s buckets. */
typedef struct {
    uint64_t calls, failures;  /* in the window (or in all) */
    int64_t head;              /* window: absolute second of the newest bucket */
    uint32_t *slot;            /* window: nslots x (calls, failures) */
} rb_one_t;

typedef struct {
    const rb_cfg_t *c;
    rb_one_t *b;               /* per instance */
    uint32_t n;                /* instances: 1 (shared) or the client count */
    int nslots;                /* window in seconds; 0 = no window */
    uint32_t *slots;           /* every ring, one allocation */
} rb_t;

#define RB_MEMORY_MAX ((size_t)1 << 30) /* bytes of rings refused beyond */

static uint32_t instances(const rb_cfg_t *c, const run_cfg_t *run)
{
    return c->scope == RB_SCOPE_SHARED || run->arrivals.clients < 1 ? 1 : (uint32_t)run->arrivals.clients;
}

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const rb_cfg_t *)cfg)->enabled;
}

static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    const rb_cfg_t *c = cfg;
    if (!c->enabled)
        return 0;
    if (c->window % SIMTIME_S != 0) {
        *key = "retry_breaker.window";
        snprintf(err, errlen, "the window must be a whole number of seconds (it is a ring of 1 s buckets)");
        return -1;
    }
    size_t bytes = (size_t)instances(c, run) * (sizeof(rb_one_t) + 2 * sizeof(uint32_t) * (size_t)(c->window / SIMTIME_S));
    if (bytes > RB_MEMORY_MAX) {
        *key = "retry_breaker.scope";
        snprintf(err, errlen, "per-client breakers would take %zu MiB (limit %zu MiB); use scope = shared or a "
                              "shorter window", bytes >> 20, RB_MEMORY_MAX >> 20);
        return -1;
    }
    return 0;
}

static int attach(world_t *w, void **state)
{
    rb_t *m = calloc(1, sizeof *m);
    if (!m)
        goto oom;
    m->c = world_cfg(w, &info);
    m->n = instances(m->c, w->cfg);
    m->nslots = (int)(m->c->window / SIMTIME_S);
    m->b = calloc(m->n, sizeof *m->b);
    if (!m->b || (m->nslots && !(m->slots = calloc((size_t)m->n * 2 * (size_t)m->nslots, sizeof *m->slots))))
        goto oom;
    for (uint32_t i = 0; i < m->n && m->nslots; i++)
        m->b[i].slot = m->slots + (size_t)i * 2 * (size_t)m->nslots;
    *state = m;
    return 0;
oom:
    if (m)
        free(m->b);
    free(m);
    snprintf(w->err, sizeof w->err, "out of memory for the retry breakers");
    return -1;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    rb_t *m = state;
    free(m->slots);
    free(m->b);
    free(m);
}

/* The call's breaker, its ring moved forward to the second of now (the
 * buckets that fell out of the window emptied). */
static rb_one_t *breaker_of(rb_t *m, const world_t *w, uint32_t call)
{
    rb_one_t *b = &m->b[m->n == 1 ? 0 : world_call(w, call)->client % m->n];
    if (!m->nslots)
        return b;
    int64_t s = eng_now(&w->eng) / SIMTIME_S;
    if (s - b->head >= m->nslots) {
        memset(b->slot, 0, 2 * (size_t)m->nslots * sizeof *b->slot);
        b->calls = b->failures = 0;
    } else {
        for (int64_t k = b->head + 1; k <= s; k++) {
            uint32_t *q = &b->slot[2 * (size_t)(k % m->nslots)];
            b->calls -= q[0];
            b->failures -= q[1];
            q[0] = q[1] = 0;
        }
    }
    if (s > b->head)
        b->head = s;
    return b;
}

static void add(rb_t *m, rb_one_t *b, int which)
{
    if (which)
        b->failures++;
    else
        b->calls++;
    if (m->nslots)
        b->slot[2 * (size_t)(b->head % m->nslots) + (size_t)which]++;
}

static int call_start(world_t *w, void *state, uint32_t call)
{
    rb_t *m = state;
    add(m, breaker_of(m, w, call), 0);
    return 0;
}

static void attempt_end(world_t *w, void *state, uint32_t call, outcome_t o, unsigned flags)
{
    (void)flags;
    rb_t *m = state;
    if (o != OUT_OK)
        add(m, breaker_of(m, w, call), 1);
}

static int may_retry(world_t *w, void *state, uint32_t call, outcome_t o)
{
    (void)o;
    rb_t *m = state;
    const rb_one_t *b = breaker_of(m, w, call);
    return (double)b->failures > m->c->threshold * (double)b->calls ? info.series0 : MODEL_PASS;
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    (void)state;
    run_set_scalar(res, info.scalar0, (double)world_series_total(w, info.series0));
}

const model_desc_t model_retry_breaker = {
    .name = "retry_breaker",
    .help = "retry-only circuit breaker (Brooker 2022): retries while failed attempts / calls <= threshold",
    .info = &info,
    .section = "retry_breaker",
    .keys = keys,
    .cfg_size = sizeof(rb_cfg_t),
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
    .attempt_end = attempt_end,
    .may_retry = may_retry,
};
