/*
 * breaker: a circuit breaker per client (or shared), [breaker]: closed /
 * open / half-open (Nygard, "Release It!"; Resilience4j's state machine).
 * An attempt it rejects ends the call as calls_breaker_open; the series
 * breaker_state holds the highest state any breaker is in. The rules are
 * in protect.c.
 */
#include "protect_hooks.h"

static model_info_t info;

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(protect_breaker_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "circuit breaker: closed / open / half-open; a rejected attempt ends the call as breaker_open"},
    {"scope", KEY_ENUM, KEY_AT(protect_breaker_cfg_t, scope), "", "client", KEY_ANY, protect_scope_names,
     "one breaker per client id or one shared by the whole client pool"},
    {"failure_threshold", KEY_DOUBLE, KEY_AT(protect_breaker_cfg_t, failure_threshold), "fraction", "0.5", KEY_OC(0, 1),
     NULL, "share of failed attempts (any outcome but success) in the window that opens the breaker"},
    {"window", KEY_DURATION, KEY_AT(protect_breaker_cfg_t, window), "", "10s", KEY_IN(SIMTIME_S, (double)SIMTIME_HOUR), NULL,
     "sliding window of attempt outcomes, whole seconds (a ring of 1 s buckets)"},
    {"min_calls", KEY_INT, KEY_AT(protect_breaker_cfg_t, min_calls), "attempts", "20", KEY_IN(1, 1000000000), NULL,
     "attempts that must have ended in the window before the breaker may open"},
    {"open_for", KEY_DURATION, KEY_AT(protect_breaker_cfg_t, open_for), "", "5s", KEY_ANY, NULL,
     "how long an open breaker rejects every attempt before it half-opens"},
    {"probes", KEY_INT, KEY_AT(protect_breaker_cfg_t, probes), "attempts", "3", KEY_IN(1, 1000000), NULL,
     "attempts a half-open breaker lets through: all succeed -> closed, any fails -> open"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

enum { SER_FAILED, SER_STATE };
static const metrics_def_t series[] = {
    {"calls_breaker_open", STATS_SUM, "calls", "calls failed: the circuit breaker rejected an attempt locally",
     METRIC_CALL_FAILURE},
    {"breaker_state", STATS_MAX, "state",
     "circuit breaker: 0 closed, 1 open, 2 half-open (the highest of any breaker, max in bucket)", 0},
};
static const metrics_scalar_t scalars[] = {
    {"calls_breaker_open", "calls", "calls failed: the circuit breaker rejected an attempt"},
};

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const protect_breaker_cfg_t *)cfg)->enabled;
}

static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    const protect_breaker_cfg_t *c = cfg;
    if (!c->enabled)
        return 0;
    if (protect_check_window(c->window, "breaker.window", key, err, errlen) < 0)
        return -1;
    protect_cfg_t only = protect_only(PROTECT_PART_BREAKER, cfg);
    return protect_check_memory(&only, run, "breaker.scope", key, err, errlen);
}

static int attach(world_t *w, void **state)
{
    return protect_hook_attach(w, state, &info, PROTECT_PART_BREAKER);
}

static void record_state(world_t *w, const void *state)
{
    stats_series_record(&w->res->series, info.series0 + SER_STATE, eng_now(&w->eng),
                        protect_breaker_level(protect_hook_instance(state)));
}

static int before_send(world_t *w, void *state, uint32_t call)
{
    int r = protect_hook_before_send(w, state, call);
    record_state(w, state);
    return r;
}

static void attempt_end(world_t *w, void *state, uint32_t call, outcome_t o, unsigned flags)
{
    protect_hook_attempt_end(w, state, call, o, flags);
    record_state(w, state);
}

static void bucket(world_t *w, void *state, simtime_t now)
{
    (void)now;
    record_state(w, state);
}

const model_desc_t model_breaker = {
    .name = "breaker",
    .help = "circuit breaker: closed / open / half-open",
    .info = &info,
    .section = "breaker",
    .keys = keys,
    .cfg_size = sizeof(protect_breaker_cfg_t),
    .enabled = enabled,
    .validate = validate,
    .series = series,
    .nseries = 2,
    .scalars = scalars,
    .nscalars = 1,
    .call_extra = sizeof(protect_call_t),
    .attach = attach,
    .detach = protect_hook_detach,
    .summarise = protect_hook_summarise,
    .bucket = bucket,
    .before_send = before_send,
    .send_cancelled = protect_hook_send_cancelled,
    .attempt_end = attempt_end,
};
