/*
 * protect_hooks: the hooks the four protection models share (see
 * protect_hooks.h). A model's state is a protect_t holding only its own
 * kind, plus what the hooks need to find the model's metrics and per-call
 * state: the rules themselves are protect.c's.
 */
#include "protect_hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    protect_t p;
    const model_info_t *info;   /* the owning model's ids and offsets */
    protect_part_t part;
    gsl_rng *r;                 /* throttling's rejection draws ("client.throttle") */
} prot_state_t;

const key_name_t protect_scope_names[] = {
    {"client", PROTECT_SCOPE_CLIENT}, {"shared", PROTECT_SCOPE_SHARED}, {NULL, 0}};

protect_cfg_t protect_only(protect_part_t part, const void *cfg)
{
    protect_cfg_t c;
    memset(&c, 0, sizeof c);
    switch (part) {
    case PROTECT_PART_QUOTA: c.quota = *(const protect_quota_cfg_t *)cfg; break;
    case PROTECT_PART_BUDGET: c.budget = *(const protect_budget_cfg_t *)cfg; break;
    case PROTECT_PART_THROTTLE: c.throttle = *(const protect_throttle_cfg_t *)cfg; break;
    case PROTECT_PART_BREAKER: c.breaker = *(const protect_breaker_cfg_t *)cfg; break;
    }
    return c;
}

static uint32_t nclients(const run_cfg_t *run)
{
    return run->arrivals.clients > 0 ? (uint32_t)run->arrivals.clients : 1;
}

int protect_check_memory(const protect_cfg_t *only, const run_cfg_t *run, const char *scope_key, const char **key,
                         char *err, size_t errlen)
{
    size_t bytes = protect_memory(only, nclients(run));
    if (bytes <= PROTECT_MEMORY_MAX)
        return 0;
    if (key)
        *key = scope_key;
    snprintf(err, errlen,
             "per-client protection state would take %zu MiB for %u clients (limit %zu MiB); use scope = shared, "
             "a shorter window or fewer clients",
             bytes >> 20, nclients(run), PROTECT_MEMORY_MAX >> 20);
    return -1;
}

int protect_check_window(simtime_t window, const char *window_key, const char **key, char *err, size_t errlen)
{
    if (window % SIMTIME_S == 0)
        return 0;
    if (key)
        *key = window_key;
    snprintf(err, errlen, "the window must be a whole number of seconds (it is a ring of 1 s buckets)");
    return -1;
}

int protect_hook_attach(world_t *w, void **state, const model_info_t *info, protect_part_t part)
{
    prot_state_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(w->err, sizeof w->err, "out of memory for a client protection");
        return -1;
    }
    s->info = info;
    s->part = part;
    protect_cfg_t only = protect_only(part, world_cfg(w, info));
    if (protect_init(&s->p, &only, nclients(w->cfg), w->err, sizeof w->err) < 0) {
        free(s);
        return -1;
    }
    if (part == PROTECT_PART_THROTTLE && !(s->r = rng_stream(&w->res->rng, "client.throttle", w->err, sizeof w->err))) {
        protect_free(&s->p);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

void protect_hook_detach(world_t *w, void *state)
{
    (void)w;
    prot_state_t *s = state;
    protect_free(&s->p);
    free(s);
}

static protect_call_t *pcall(world_t *w, const prot_state_t *s, uint32_t ci)
{
    return world_call_ext(w, ci, s->info);
}

int protect_hook_call_start(world_t *w, void *state, uint32_t ci)
{
    prot_state_t *s = state;
    protect_call_start(&s->p, world_call(w, ci)->client, eng_now(&w->eng), pcall(w, s, ci));
    return 0;
}

void protect_hook_attempt_end(world_t *w, void *state, uint32_t ci, outcome_t o, unsigned flags)
{
    prot_state_t *s = state;
    protect_attempt_end(&s->p, world_call(w, ci)->client, eng_now(&w->eng), pcall(w, s, ci), o,
                        (flags & MODEL_RETRYABLE) != 0);
}

/* A denial ends the call as the model's first series (its failure). */
int protect_hook_may_retry(world_t *w, void *state, uint32_t ci, outcome_t o)
{
    prot_state_t *s = state;
    protect_verdict_t v = protect_may_retry(&s->p, world_call(w, ci)->client, eng_now(&w->eng), pcall(w, s, ci), o);
    return v == PROTECT_PASS ? MODEL_PASS : s->info->series0;
}

void protect_hook_retry_granted(world_t *w, void *state, uint32_t ci, outcome_t o)
{
    prot_state_t *s = state;
    protect_retry_granted(&s->p, world_call(w, ci)->client, eng_now(&w->eng), pcall(w, s, ci), o);
}

int protect_hook_before_send(world_t *w, void *state, uint32_t ci)
{
    prot_state_t *s = state;
    protect_verdict_t v = protect_admit(&s->p, world_call(w, ci)->client, eng_now(&w->eng), pcall(w, s, ci), s->r);
    return v == PROTECT_PASS ? MODEL_PASS : s->info->series0;
}

void protect_hook_send_cancelled(world_t *w, void *state, uint32_t ci)
{
    prot_state_t *s = state;
    protect_admit_cancelled(&s->p, world_call(w, ci)->client, pcall(w, s, ci));
}

const protect_t *protect_hook_instance(const void *state)
{
    return &((const prot_state_t *)state)->p;
}

void protect_hook_summarise(world_t *w, void *state, run_result_t *res)
{
    prot_state_t *s = state;
    run_set_scalar(res, s->info->scalar0, (double)world_series_total(w, s->info->series0));
}
