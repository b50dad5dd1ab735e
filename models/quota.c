/*
 * quota: a retry token bucket per client (or shared), [retry_quota]: the
 * AWS SDK retry quota of its standard retry mode, or gRPC retry throttling
 * (gRFC A6). A retry the bucket cannot pay for ends the call as
 * calls_denied_quota. The rules and their sources are in protect.c.
 */
#include <math.h>
#include <stdio.h>

#include "protect_hooks.h"

static model_info_t info;

static const key_name_t quota_kinds[] = {{"none", QUOTA_NONE}, {"aws", QUOTA_AWS}, {"grpc", QUOTA_GRPC}, {NULL, 0}};

static const key_row_t keys[] = {
    {"kind", KEY_ENUM, KEY_AT(protect_quota_cfg_t, kind), "", "none", KEY_ANY, quota_kinds,
     "retry token bucket: none, the AWS SDK retry quota (standard mode) or gRPC retry throttling (gRFC A6)"},
    {"scope", KEY_ENUM, KEY_AT(protect_quota_cfg_t, scope), "", "client", KEY_ANY, protect_scope_names,
     "one bucket per client id (arrivals.clients) or one shared by the whole client pool"},
    {"capacity", KEY_INT, KEY_AT(protect_quota_cfg_t, capacity), "tokens", "500", KEY_IN(1, 1000000000), NULL,
     "aws: bucket size and initial tokens"},
    {"retry_cost", KEY_INT, KEY_AT(protect_quota_cfg_t, retry_cost), "tokens", "5", KEY_IN(0, 1000000000), NULL,
     "aws: tokens a retry withdraws; a retry needs at least its cost in the bucket"},
    {"timeout_cost", KEY_INT, KEY_AT(protect_quota_cfg_t, timeout_cost), "tokens", "10", KEY_IN(0, 1000000000), NULL,
     "aws: tokens a retry after a timeout withdraws"},
    {"success_refund", KEY_INT, KEY_AT(protect_quota_cfg_t, success_refund), "tokens", "1", KEY_IN(0, 1000000000),
     NULL, "aws: tokens returned when a call succeeds at its first attempt (capped at capacity)"},
    {"refund_retry", KEY_BOOL, KEY_AT(protect_quota_cfg_t, refund_retry), "", "true", KEY_ANY, NULL,
     "aws: a call that succeeds after retries returns its last retry's cost, as the SDKs do"},
    {"throttle_cost", KEY_INT, KEY_AT(protect_quota_cfg_t, throttle_cost), "tokens", "-1", KEY_IN(-1, 1000000000),
     NULL, "aws: tokens a retry after a 429 (a throttling error) withdraws; -1 = retry_cost"},
    {"increment_retried", KEY_BOOL, KEY_AT(protect_quota_cfg_t, increment_retried), "", "false", KEY_ANY, NULL,
     "aws: a call that succeeds after retries also adds success_refund (aws-sdk-go-v2 before its 2026 rules)"},
    {"max_tokens", KEY_DOUBLE, KEY_AT(protect_quota_cfg_t, max_tokens), "tokens", "10", KEY_OC(0, 1000), NULL,
     "grpc: bucket size and initial tokens (3 decimals); retries only while tokens > max_tokens / 2"},
    {"token_ratio", KEY_DOUBLE, KEY_AT(protect_quota_cfg_t, token_ratio), "tokens", "0.1", KEY_IN(0.001, 1000), NULL,
     "grpc: tokens a successful attempt adds (3 decimals); a retryable failure takes 1"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

static const metrics_def_t series[] = {
    {"calls_denied_quota", STATS_SUM, "calls", "calls failed: the retry token bucket denied a retry", METRIC_CALL_FAILURE},
};
static const metrics_scalar_t scalars[] = {
    {"calls_denied_quota", "calls", "calls failed: the retry token bucket denied a retry"},
};

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const protect_quota_cfg_t *)cfg)->kind != QUOTA_NONE;
}

/* 1 if x has at most 3 decimals (gRPC keeps its tokens in thousandths). */
static int three_decimals(double x)
{
    return fabs(x * 1000.0 - (double)llround(x * 1000.0)) < 1e-6;
}

static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    const protect_quota_cfg_t *c = cfg;
    if (c->kind == QUOTA_GRPC && !three_decimals(c->max_tokens)) {
        *key = "retry_quota.max_tokens";
        snprintf(err, errlen, "max_tokens has more than 3 decimals (gRPC counts thousandths of a token)");
        return -1;
    }
    if (c->kind == QUOTA_GRPC && !three_decimals(c->token_ratio)) {
        *key = "retry_quota.token_ratio";
        snprintf(err, errlen, "token_ratio has more than 3 decimals (gRPC counts thousandths of a token)");
        return -1;
    }
    protect_cfg_t only = protect_only(PROTECT_PART_QUOTA, cfg);
    return protect_check_memory(&only, run, "retry_quota.scope", key, err, errlen);
}

static int attach(world_t *w, void **state)
{
    return protect_hook_attach(w, state, &info, PROTECT_PART_QUOTA);
}

const model_desc_t model_quota = {
    .name = "quota",
    .help = "retry token bucket: AWS SDK retry quota or gRPC retry throttling",
    .info = &info,
    .section = "retry_quota",
    .keys = keys,
    .cfg_size = sizeof(protect_quota_cfg_t),
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
    .attempt_end = protect_hook_attempt_end,
    .may_retry = protect_hook_may_retry,
    .retry_granted = protect_hook_retry_granted,
};
