/*
 * throttle: adaptive client throttling per client (or shared), [throttle]
 * (Google SRE book, "Handling Overload"): an attempt is rejected locally
 * with probability max(0, (requests - K x accepts) / (requests + 1)) over
 * a sliding window; a rejection ends the call as calls_throttled. The rule
 * is in protect.c.
 */
#include "protect_hooks.h"

static model_info_t info;

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(protect_throttle_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "adaptive client throttling (SRE): reject an attempt locally with probability "
     "max(0, (requests - k accepts) / (requests + 1)); it ends the call as throttled"},
    {"scope", KEY_ENUM, KEY_AT(protect_throttle_cfg_t, scope), "", "client", KEY_ANY, protect_scope_names,
     "one throttle per client id or one shared by the whole client pool"},
    {"k", KEY_DOUBLE, KEY_AT(protect_throttle_cfg_t, k), "", "2", KEY_GT(0), NULL,
     "K: how many requests per accepted one are let through before rejecting"},
    {"window", KEY_DURATION, KEY_AT(protect_throttle_cfg_t, window), "", "120s", KEY_IN(SIMTIME_S, (double)SIMTIME_HOUR), NULL,
     "sliding window of the counts, whole seconds (a ring of 1 s buckets)"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

static const metrics_def_t series[] = {
    {"calls_throttled", STATS_SUM, "calls", "calls failed: adaptive throttling rejected an attempt locally",
     METRIC_CALL_FAILURE},
};
static const metrics_scalar_t scalars[] = {
    {"calls_throttled", "calls", "calls failed: adaptive throttling rejected an attempt"},
};

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const protect_throttle_cfg_t *)cfg)->enabled;
}

static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    const protect_throttle_cfg_t *c = cfg;
    if (!c->enabled)
        return 0;
    if (protect_check_window(c->window, "throttle.window", key, err, errlen) < 0)
        return -1;
    protect_cfg_t only = protect_only(PROTECT_PART_THROTTLE, cfg);
    return protect_check_memory(&only, run, "throttle.scope", key, err, errlen);
}

static int attach(world_t *w, void **state)
{
    return protect_hook_attach(w, state, &info, PROTECT_PART_THROTTLE);
}

const model_desc_t model_throttle = {
    .name = "throttle",
    .help = "adaptive client throttling (SRE book): local rejection by the accept ratio",
    .info = &info,
    .section = "throttle",
    .keys = keys,
    .cfg_size = sizeof(protect_throttle_cfg_t),
    .enabled = enabled,
    .validate = validate,
    .series = series,
    .nseries = 1,
    .scalars = scalars,
    .nscalars = 1,
    .call_extra = sizeof(protect_call_t),
    .attach = attach,
    .detach = protect_hook_detach,
    .summarise = protect_hook_summarise,
    .before_send = protect_hook_before_send,
    .attempt_end = protect_hook_attempt_end,
};
