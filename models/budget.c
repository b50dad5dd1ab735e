/*
 * budget: a retry budget per client (or shared), [retry_budget]: retries
 * in a sliding window <= ratio x calls + a floor (Finagle's RetryBudget,
 * Envoy's retry budgets, the SRE book). A retry over budget ends the call
 * as calls_denied_budget. The rule and its sources are in protect.c.
 */
#include "protect_hooks.h"

static model_info_t info;

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(protect_budget_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "retry budget: retries <= ratio x calls + min_retries_per_s x window, over a sliding window"},
    {"scope", KEY_ENUM, KEY_AT(protect_budget_cfg_t, scope), "", "client", KEY_ANY, protect_scope_names,
     "one budget per client id or one shared by the whole client pool"},
    {"ratio", KEY_DOUBLE, KEY_AT(protect_budget_cfg_t, ratio), "retries/call", "0.1", KEY_GE(0), NULL,
     "retries allowed per call (first attempt) in the window"},
    {"window", KEY_DURATION, KEY_AT(protect_budget_cfg_t, window), "", "10s", KEY_IN(SIMTIME_S, (double)SIMTIME_HOUR), NULL,
     "sliding window, whole seconds (a ring of 1 s buckets)"},
    {"min_retries_per_s", KEY_DOUBLE, KEY_AT(protect_budget_cfg_t, min_retries_per_s), "retries/s", "10", KEY_GE(0),
     NULL, "retries always allowed, whatever the calls: a floor of min_retries_per_s x window per window"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

static const metrics_def_t series[] = {
    {"calls_denied_budget", STATS_SUM, "calls", "calls failed: the retry budget denied a retry", METRIC_CALL_FAILURE},
};
static const metrics_scalar_t scalars[] = {
    {"calls_denied_budget", "calls", "calls failed: the retry budget denied a retry"},
};

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const protect_budget_cfg_t *)cfg)->enabled;
}

static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    const protect_budget_cfg_t *c = cfg;
    if (!c->enabled)
        return 0;
    if (protect_check_window(c->window, "retry_budget.window", key, err, errlen) < 0)
        return -1;
    protect_cfg_t only = protect_only(PROTECT_PART_BUDGET, cfg);
    return protect_check_memory(&only, run, "retry_budget.scope", key, err, errlen);
}

static int attach(world_t *w, void **state)
{
    return protect_hook_attach(w, state, &info, PROTECT_PART_BUDGET);
}

const model_desc_t model_budget = {
    .name = "budget",
    .help = "retry budget: retries <= ratio x calls + a floor, over a sliding window",
    .info = &info,
    .section = "retry_budget",
    .keys = keys,
    .cfg_size = sizeof(protect_budget_cfg_t),
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
    .call_start = protect_hook_call_start,
    .may_retry = protect_hook_may_retry,
    .retry_granted = protect_hook_retry_granted,
};
