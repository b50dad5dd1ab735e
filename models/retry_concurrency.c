/*
 * retry_concurrency: a cap on the retries outstanding at once
 * ([retry_concurrency]), the way an Envoy cluster's circuit breaker bounds
 * them. A retry counts from the moment it is scheduled until the attempt
 * it sends has ended (or its call ends first); a retry that would exceed
 * the cap is refused and the call fails with the last response
 * (calls_denied_retry_concurrency). There is no window, refill or credit:
 * it is a concurrency limit.
 *
 * The cap is max_retries, or, with a retry budget (budget_percent > 0),
 * max(floor(budget_percent / 100 x attempts in flight), min_retry_concurrency),
 * where "attempts in flight" stands for the cluster's active and pending
 * requests: attempts sent and not yet ended, retries included.
 *
 * Source: Envoy v1.37.0, source/common/router/retry_state_impl.cc
 * (shouldRetry: the resource manager's retries().canCreate() before a
 * retry, inc() when it is scheduled, dec() in resetRetry at the next
 * decision or the request's end), source/common/upstream/
 * resource_manager_impl.h (RetryBudgetImpl: budget_percent default 20%,
 * min_retry_concurrency default 3; the product is truncated to an integer)
 * and upstream_impl.cc (max_retries default 3). One Envoy is shared by all
 * the callers behind it, hence scope = shared by default.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "world.h"

static model_info_t info;

enum { RCC_SCOPE_CLIENT, RCC_SCOPE_SHARED };

typedef struct {
    int enabled;
    int max_retries;            /* retries outstanding at once without a budget, >= 0 */
    double budget_percent;      /* %, of attempts in flight; 0 = no budget (max_retries applies) */
    int min_retry_concurrency;  /* retries always allowed with a budget, >= 0 */
    int scope;                  /* RCC_SCOPE_*: one limit per client id, or one for all */
} rcc_cfg_t;

static const key_name_t scopes[] = {{"client", RCC_SCOPE_CLIENT}, {"shared", RCC_SCOPE_SHARED}, {NULL, 0}};

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(rcc_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "cap the retries outstanding at once (Envoy's circuit breaker max_retries, or its retry budget)"},
    {"max_retries", KEY_INT, KEY_AT(rcc_cfg_t, max_retries), "retries", "3", KEY_IN(0, 1000000000), NULL,
     "retries outstanding at once (scheduled, or sent and not yet answered), without a budget"},
    {"budget_percent", KEY_DOUBLE, KEY_AT(rcc_cfg_t, budget_percent), "%", "0", KEY_IN(0, 100), NULL,
     "retry budget: the cap is this share of the attempts in flight; 0 = no budget, max_retries"},
    {"min_retry_concurrency", KEY_INT, KEY_AT(rcc_cfg_t, min_retry_concurrency), "retries", "3",
     KEY_IN(0, 1000000000), NULL, "retry budget: retries outstanding always allowed"},
    {"scope", KEY_ENUM, KEY_AT(rcc_cfg_t, scope), "", "shared", KEY_ANY, scopes,
     "one limit for the whole client pool (one proxy in front of the server) or one per client id"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

static const metrics_def_t series[] = {
    {"calls_denied_retry_concurrency", STATS_SUM, "calls",
     "calls failed: too many retries outstanding (retry_concurrency)", METRIC_CALL_FAILURE},
};
static const metrics_scalar_t scalars[] = {
    {"calls_denied_retry_concurrency", "calls", "calls failed: too many retries outstanding (retry_concurrency)"},
};

typedef struct {
    int64_t retries;   /* retries outstanding */
    int64_t inflight;  /* attempts sent and not yet ended */
} rcc_inst_t;

typedef struct {
    uint32_t sent;     /* this call's attempts in flight */
    uint8_t holds;     /* 1: the call holds an outstanding retry */
} rcc_call_t;

typedef struct {
    const rcc_cfg_t *c;
    rcc_inst_t *inst;
    uint32_t n;        /* instances: 1 (shared) or the client count */
} rcc_t;

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const rcc_cfg_t *)cfg)->enabled;
}

static int attach(world_t *w, void **state)
{
    rcc_t *m = calloc(1, sizeof *m);
    if (m) {
        m->c = world_cfg(w, &info);
        m->n = m->c->scope == RCC_SCOPE_SHARED || w->cfg->arrivals.clients < 1 ? 1 : (uint32_t)w->cfg->arrivals.clients;
        m->inst = calloc(m->n, sizeof *m->inst);
    }
    if (!m || !m->inst) {
        free(m);
        snprintf(w->err, sizeof w->err, "out of memory for the retry concurrency limits");
        return -1;
    }
    *state = m;
    return 0;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    rcc_t *m = state;
    free(m->inst);
    free(m);
}

static rcc_inst_t *inst_of(const rcc_t *m, const world_t *w, uint32_t call)
{
    return &m->inst[m->n == 1 ? 0 : world_call(w, call)->client % m->n];
}

/* The retry this call holds is over: its attempt ended, or the call did. */
static void release(rcc_t *m, world_t *w, uint32_t call, rcc_call_t *x)
{
    if (x->holds) {
        inst_of(m, w, call)->retries--;
        x->holds = 0;
    }
}

static simtime_t on_send(world_t *w, void *state, uint32_t call, uint32_t req)
{
    (void)req;
    rcc_t *m = state;
    rcc_call_t *x = world_call_ext(w, call, &info);
    x->sent++;
    inst_of(m, w, call)->inflight++;
    return 0;
}

static void attempt_end(world_t *w, void *state, uint32_t call, outcome_t o, unsigned flags)
{
    (void)o;
    (void)flags;
    rcc_t *m = state;
    rcc_call_t *x = world_call_ext(w, call, &info);
    if (x->sent) {
        x->sent--;
        inst_of(m, w, call)->inflight--;
    }
    if (!x->sent)
        release(m, w, call, x);
}

static void call_end(world_t *w, void *state, uint32_t call)
{
    rcc_t *m = state;
    rcc_call_t *x = world_call_ext(w, call, &info);
    inst_of(m, w, call)->inflight -= x->sent;
    x->sent = 0;
    release(m, w, call, x);
}

static int64_t cap(const rcc_cfg_t *c, const rcc_inst_t *i)
{
    if (c->budget_percent <= 0)
        return c->max_retries;
    int64_t b = (int64_t)floor(c->budget_percent / 100.0 * (double)i->inflight);
    return b > c->min_retry_concurrency ? b : c->min_retry_concurrency;
}

static int may_retry(world_t *w, void *state, uint32_t call, outcome_t o)
{
    (void)o;
    rcc_t *m = state;
    const rcc_inst_t *i = inst_of(m, w, call);
    return i->retries < cap(m->c, i) ? MODEL_PASS : info.series0;
}

static void retry_granted(world_t *w, void *state, uint32_t call, outcome_t o)
{
    (void)o;
    rcc_t *m = state;
    rcc_call_t *x = world_call_ext(w, call, &info);
    release(m, w, call, x);
    inst_of(m, w, call)->retries++;
    x->holds = 1;
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    (void)state;
    run_set_scalar(res, info.scalar0, (double)world_series_total(w, info.series0));
}

const model_desc_t model_retry_concurrency = {
    .name = "retry_concurrency",
    .help = "a cap on retries outstanding at once (Envoy's circuit breaker max_retries or retry budget)",
    .info = &info,
    .section = "retry_concurrency",
    .keys = keys,
    .cfg_size = sizeof(rcc_cfg_t),
    .enabled = enabled,
    .series = series,
    .nseries = 1,
    .scalars = scalars,
    .nscalars = 1,
    .call_extra = sizeof(rcc_call_t),
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
    .on_send = on_send,
    .attempt_end = attempt_end,
    .call_end = call_end,
    .may_retry = may_retry,
    .retry_granted = retry_granted,
};
