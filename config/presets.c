/*
 * presets: real client libraries' default retry behaviour as bundles of
 * ordinary keys. Each row below was worked out from the library's source
 * at the release it names; docs/clients.md gives the rules in full, a
 * hand-worked delay schedule and predicate table per preset, and every
 * point where retrysim's model differs from the library.
 *
 * Conventions shared by every preset (docs/clients.md, "Conventions"):
 *   - retrysim's outcomes stand for the library's errors: 429 for a
 *     throttling error (AWS's throttle codes, gRPC's UNAVAILABLE from an
 *     HTTP 429), "timeout" for an attempt that timed out at the client,
 *     "connection" for a refused or reset connection;
 *   - a library that sets no per-attempt timeout or overall deadline gets
 *     none here either (0): the experiment states the caller's;
 *   - every [retry] key a preset does not name is reset to "off" first
 *     (common[] below), so a preset never inherits retrysim's own
 *     defaults, such as its 1 s attempt timeout or full jitter.
 */
#include "presets.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *imitates;            /* the library, with the release read */
    const char *const *keys;         /* "section.key = value", NULL-terminated */
    const char *const *base;         /* another preset's keys applied before keys; NULL = none */
} preset_t;

/* The [retry] keys every preset sets first, to their "nothing" value. */
static const char *const common[] = {
    "retry.attempt_timeout = 0", "retry.deadline = 0", "retry.ignore_deadline = false",
    "retry.backoff = exponential", "retry.base = 0", "retry.multiplier = 2", "retry.cap = 0",
    "retry.cap_schedule_only = false", "retry.jitter = none", "retry.jitter_fraction = 0.2",
    "retry.jitter_max = 1s", "retry.granularity = 0", "retry.throttle_base = 0", "retry.retry_on = none",
    "retry.retry_on_with_retry_after = none", "retry.retry_after = ignore", "retry.retry_after_cap = 0",
    NULL};

/* aws-sdk-go-v2 v1.43.6, aws/retry/standard.go, retry_token_bucket.go,
 * jitter_backoff.go, retryable_error.go: 3 attempts; after attempt k fails
 * U[0, 1) x 2^k s (retry n: base 2 s x 2^(n-1)), 20 s cap; the quota:
 * 500 tokens per client, retry 5, timeout 10, a successful attempt returns
 * its retry's cost and adds 1. */
static const char *const aws_standard[] = {
    "retry.max_attempts = 3", "retry.base = 2s", "retry.cap = 20s", "retry.jitter = full",
    "retry.retry_on = 429, 500, 502, 503, 504, timeout, connection",
    "retry_quota.kind = aws", "retry_quota.scope = client", "retry_quota.capacity = 500",
    "retry_quota.retry_cost = 5", "retry_quota.timeout_cost = 10", "retry_quota.throttle_cost = -1",
    "retry_quota.success_refund = 1", "retry_quota.refund_retry = true", "retry_quota.increment_retried = true",
    NULL};

/* The same release with AWS_NEW_RETRIES_2026=true: 50 ms base (1 s after a
 * throttling error), cap before jitter, x-amz-retry-after honoured at
 * least; the quota: retry 14, throttle 5, +1 only for a first-try success. */
static const char *const aws_standard_2026[] = {
    "retry.max_attempts = 3", "retry.base = 50ms", "retry.throttle_base = 1s", "retry.cap = 20s",
    "retry.jitter = full", "retry.retry_on = 429, 500, 502, 503, 504, timeout, connection",
    "retry.retry_after = max",
    "retry_quota.kind = aws", "retry_quota.scope = client", "retry_quota.capacity = 500",
    "retry_quota.retry_cost = 14", "retry_quota.timeout_cost = 14", "retry_quota.throttle_cost = 5",
    "retry_quota.success_refund = 1", "retry_quota.refund_retry = true", "retry_quota.increment_retried = false",
    NULL};

/* aws-sdk-go-v2 v1.43.6 aws/retry/adaptive.go, adaptive_ratelimit.go,
 * adaptive_token_bucket.go: aws-standard's retryer with a quota that only
 * refunds (no +1), and the CUBIC client send-rate limiter ([aws_adaptive],
 * whose defaults are the SDK's constants). */
static const char *const aws_adaptive[] = {
    "retry_quota.success_refund = 0", "retry_quota.increment_retried = false", "aws_adaptive.enabled = true", NULL};

/* aws-sdk-go v1.55.6 aws/client/default_retryer.go: 3 retries; retry n
 * waits 2^(n-1) x U[30 ms, 60 ms) (throttles: 500 ms .. 1 s), at most
 * 300 s; Retry-After added to the delay of a throttled response. */
static const char *const aws_legacy[] = {
    "retry.max_attempts = 4", "retry.base = 30ms", "retry.throttle_base = 500ms", "retry.cap = 300s",
    "retry.jitter = upward", "retry.jitter_fraction = 1",
    "retry.retry_on = 429, 500, 502, 503, 504, timeout, connection", "retry.retry_after = add", NULL};

/* gRFC A6's example policy (grpc/proposal A6-client-retries.md, 2024-08
 * text; grpc-go v1.83.1 stream.go, clientconn.go): 4 attempts,
 * min(0.1 s x 2^m, 1 s) x U[0.8, 1.2), UNAVAILABLE (HTTP 429, 502, 503,
 * 504 and refused connections map to it); retryThrottling 10 / 0.1. */
static const char *const grpc[] = {
    "retry.max_attempts = 4", "retry.base = 100ms", "retry.cap = 1s", "retry.cap_schedule_only = true",
    "retry.jitter = proportional", "retry.jitter_fraction = 0.2", "retry.retry_on = 429, 502, 503, 504, connection",
    "retry_quota.kind = grpc", "retry_quota.scope = client", "retry_quota.max_tokens = 10",
    "retry_quota.token_ratio = 0.1", NULL};

/* Envoy v1.37.0 source/common/router/retry_state_impl.cc,
 * source/common/common/backoff_strategy.cc, config_impl.h: a route
 * retry_policy with retry_on 5xx and every other field at its default:
 * 1 retry, whole-ms U{0 .. 25 x 2^(n-1) - 1} ms up to 250 ms, the route's
 * 15 s timeout over all attempts; the cluster's circuit breaker allows 3
 * retries outstanding (upstream_impl.cc), one Envoy for all callers. */
static const char *const envoy[] = {
    "retry.max_attempts = 2", "retry.deadline = 15s", "retry.base = 25ms", "retry.cap = 250ms",
    "retry.jitter = full", "retry.granularity = 1ms", "retry.retry_on = 500, 502, 503, 504, timeout, connection",
    "retry_concurrency.enabled = true", "retry_concurrency.scope = shared", "retry_concurrency.max_retries = 3",
    "retry_concurrency.budget_percent = 0", NULL};

/* envoy with the cluster's retry_budget message at its defaults
 * (resource_manager_impl.h: 20% of active + pending requests, at least 3). */
static const char *const envoy_retry_budget[] = {
    "retry_concurrency.budget_percent = 20", "retry_concurrency.min_retry_concurrency = 3", NULL};

/* Finagle 24.5.0 finagle-core .../service/RetryBudget.scala,
 * RequeueFilter.scala: a default client requeues only failures that never
 * reached the server, at once, within RetryBudget() (10 s, 10 retries/s
 * reserve, 20% of requests), at most 1 + ceil(0.2 x balance) tries. */
static const char *const finagle[] = {
    "retry.max_attempts = 21", "retry.backoff = constant", "retry.retry_on = connection",
    "retry_budget.enabled = true", "retry_budget.scope = client", "retry_budget.ratio = 0.2",
    "retry_budget.window = 10s", "retry_budget.min_retries_per_s = 10", NULL};

/* Finagle 24.5.0 RetryPolicy.tries(3) (RetryPolicy.scala, Backoff.scala):
 * decorrelated jitter from 5 ms to 200 ms, timeouts and write failures,
 * within the default RetryBudget. */
static const char *const finagle_tries[] = {
    "retry.max_attempts = 3", "retry.base = 5ms", "retry.cap = 200ms", "retry.jitter = decorrelated",
    "retry.retry_on = timeout, connection",
    "retry_budget.enabled = true", "retry_budget.scope = client", "retry_budget.ratio = 0.2",
    "retry_budget.window = 10s", "retry_budget.min_retries_per_s = 10", NULL};

/* hashicorp/go-retryablehttp v0.7.8 client.go: RetryMax 4, DefaultBackoff
 * 1 s x 2^(n-1) up to 30 s, no jitter; 429, 5xx but 501, transport errors;
 * Retry-After on 429 and 503 replaces the backoff, uncapped. */
static const char *const go_retryablehttp[] = {
    "retry.max_attempts = 5", "retry.base = 1s", "retry.cap = 30s",
    "retry.retry_on = 429, 500, 502, 503, 504, timeout, connection", "retry.retry_after = honour", NULL};

/* cenkalti/backoff v4.3.0 exponential.go: 0.5 s x 1.5^(n-1), the interval
 * capped at 60 s and then x U[0.5, 1.5]; stops after 15 min (MaxElapsedTime,
 * modelled as the call's deadline); every error is retried. */
static const char *const cenkalti_backoff[] = {
    "retry.max_attempts = unlimited", "retry.deadline = 15m", "retry.base = 500ms", "retry.multiplier = 1.5",
    "retry.cap = 60s", "retry.cap_schedule_only = true", "retry.jitter = proportional",
    "retry.jitter_fraction = 0.5", "retry.retry_on = all", NULL};

/* urllib3 2.7.0 src/urllib3/util/retry.py: Retry.DEFAULT = Retry(3),
 * backoff_factor 0 (no sleep); connect and read errors (a GET); 413, 429
 * and 503 only with Retry-After, which replaces the (zero) backoff. */
static const char *const urllib3[] = {
    "retry.max_attempts = 4", "retry.cap = 120s", "retry.retry_on = timeout, connection",
    "retry.retry_on_with_retry_after = 429, 503", "retry.retry_after = honour", "retry.retry_after_cap = 6h",
    NULL};

/* requests v2.34.2 src/requests/adapters.py: max_retries = 0. */
static const char *const requests[] = {"retry.max_attempts = 1", NULL};

/* tenacity 9.1.4 wait.py, stop.py: stop_after_attempt(4) with
 * wait_exponential_jitter(): 2^(n-1) + U(0, 1) s, any exception. */
static const char *const tenacity[] = {
    "retry.max_attempts = 4", "retry.base = 1s", "retry.jitter = additive", "retry.jitter_max = 1s",
    "retry.retry_on = all", NULL};

/* Polly 8.7.0 src/Polly.Core/Retry/RetryStrategyOptions.TResult.cs: 3
 * retries, a constant 2 s, no jitter; exceptions only (a refused or reset
 * connection; not a timeout, which .NET reports as a cancellation). */
static const char *const polly[] = {
    "retry.max_attempts = 4", "retry.backoff = constant", "retry.base = 2s", "retry.retry_on = connection", NULL};

/* Polly 8.7.0 with BackoffType = Exponential, UseJitter = true
 * (RetryHelper.cs: DecorrelatedJitterBackoffV2 from 2 s). */
static const char *const polly_exponential_jitter[] = {
    "retry.max_attempts = 4", "retry.base = 2s", "retry.jitter = decorrelated_v2", "retry.retry_on = connection",
    NULL};

/* resilience4j v2.4.0 RetryConfig.java: 3 attempts, a fixed 500 ms, every
 * exception (HTTP clients in Java commonly throw on 5xx, so all). */
static const char *const resilience4j[] = {
    "retry.max_attempts = 3", "retry.backoff = constant", "retry.base = 500ms", "retry.retry_on = all", NULL};

/* curl 8.21.0 src/tool_operate.c: --retry 5: 1 s doubling up to 600 s;
 * timeouts and HTTP 408, 429, 500, 502, 503, 504; Retry-After replaces the
 * delay (libcurl caps it at 6 h). */
static const char *const curl[] = {
    "retry.max_attempts = 6", "retry.base = 1s", "retry.cap = 600s", "retry.retry_on = 429, 500, 502, 503, 504, timeout",
    "retry.retry_after = honour", "retry.retry_after_cap = 6h", NULL};

/* Brooker's 2022 retry simulator (github.com/mbrooker/simulator_example):
 * unbounded retries without backoff, each client's adaptive token bucket
 * ([retry_bucket] defaults are his constants). */
static const char *const brooker_2022[] = {
    "retry.max_attempts = unlimited", "retry.backoff = constant", "retry.retry_on = all",
    "retry_bucket.enabled = true", NULL};

static const preset_t presets[] = {
    {"aws-standard", "AWS SDK standard retry mode (aws-sdk-go-v2 v1.43.6)", aws_standard, NULL},
    {"aws-standard-2026", "AWS SDK standard mode, AWS_NEW_RETRIES_2026=true (aws-sdk-go-v2 v1.43.6)",
     aws_standard_2026, NULL},
    {"aws-adaptive", "AWS SDK adaptive retry mode (aws-sdk-go-v2 v1.43.6)", aws_adaptive, aws_standard},
    {"aws-legacy", "AWS SDK legacy DefaultRetryer (aws-sdk-go v1.55.6)", aws_legacy, NULL},
    {"grpc", "gRPC retryPolicy + retryThrottling, gRFC A6's example (grpc-go v1.83.1)", grpc, NULL},
    {"envoy", "Envoy route retry_policy, retry_on 5xx, defaults (v1.37.0)", envoy, NULL},
    {"envoy-retry-budget", "Envoy, as envoy, with the cluster's retry_budget at its defaults (v1.37.0)",
     envoy_retry_budget, envoy},
    {"finagle", "Finagle client requeues within RetryBudget() (finagle-24.5.0)", finagle, NULL},
    {"finagle-tries", "Finagle RetryPolicy.tries(3) within RetryBudget() (finagle-24.5.0)", finagle_tries, NULL},
    {"go-retryablehttp", "hashicorp/go-retryablehttp NewClient (v0.7.8)", go_retryablehttp, NULL},
    {"cenkalti-backoff", "cenkalti/backoff ExponentialBackOff (v4.3.0)", cenkalti_backoff, NULL},
    {"urllib3", "urllib3 Retry.DEFAULT (2.7.0)", urllib3, NULL},
    {"requests", "requests' default adapter (v2.34.2): no retries", requests, NULL},
    {"tenacity", "tenacity stop_after_attempt(4) + wait_exponential_jitter() (9.1.4)", tenacity, NULL},
    {"polly", "Polly v8 retry strategy defaults (8.7.0)", polly, NULL},
    {"polly-exponential-jitter", "Polly v8, exponential backoff with jitter (8.7.0)", polly_exponential_jitter, NULL},
    {"resilience4j", "Resilience4j RetryConfig defaults (v2.4.0)", resilience4j, NULL},
    {"curl", "curl --retry 5 (8.21.0)", curl, NULL},
    {"brooker-2022", "Brooker's 2022 retry simulator: adaptive token bucket, unbounded retries", brooker_2022, NULL},
};
#define NPRESETS ((int)(sizeof presets / sizeof presets[0]))

int presets_count(void) { return NPRESETS; }

const char *presets_name(int i) { return i >= 0 && i < NPRESETS ? presets[i].name : NULL; }

static const preset_t *find(const char *name)
{
    for (int i = 0; i < NPRESETS; i++)
        if (!strcmp(presets[i].name, name))
            return &presets[i];
    return NULL;
}

/* Split "section.key = value" into its three parts (in buffers of size n). */
static int split(const char *kv, char *section, char *key, char *value, size_t n)
{
    const char *dot = strchr(kv, '.'), *eq = strstr(kv, " = ");
    if (!dot || !eq || dot > eq || (size_t)(dot - kv) >= n || (size_t)(eq - dot - 1) >= n || strlen(eq + 3) >= n)
        return -1;
    memcpy(section, kv, (size_t)(dot - kv));
    section[dot - kv] = 0;
    memcpy(key, dot + 1, (size_t)(eq - dot - 1));
    key[eq - dot - 1] = 0;
    strcpy(value, eq + 3);
    return 0;
}

static int add_all(cfg_xlist_t *out, const char *const *kv, const char *origin, char *err, size_t errlen)
{
    char s[64], k[64], v[128];
    for (; *kv; kv++) {
        if (split(*kv, s, k, v, sizeof s < sizeof v ? sizeof s : sizeof v) < 0) {
            snprintf(err, errlen, "internal error: %s: malformed entry '%s'", origin, *kv);
            return -1;
        }
        if (cfg_xlist_add(out, s, k, v, origin) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* The preset whose name is closest to name (a typo's fix), or NULL. */
static const char *presets_closest(const char *name)
{
    const char *names[NPRESETS];
    for (int i = 0; i < NPRESETS; i++)
        names[i] = presets[i].name;
    return cfg_closest(name, names, NPRESETS);
}

static void list_names(char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < NPRESETS && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", presets[i].name);
}

int presets_expand(const cfg_doc_t *doc, const cfg_entry_t *e, cfg_xlist_t *out, char *err, size_t errlen)
{
    (void)doc;
    const preset_t *p = find(e->value);
    if (!p) {
        char names[1024];
        list_names(names, sizeof names);
        const char *near = presets_closest(e->value);
        snprintf(err, errlen, "'%s' is not a preset%s%s%s; one of: %s (retrysim presets lists them)", e->value,
                 near ? " (did you mean " : "", near ? near : "", near ? "?)" : "", names);
        return -1;
    }
    char origin[96];
    snprintf(origin, sizeof origin, "preset %s", p->name);
    if (add_all(out, common, origin, err, errlen) < 0 || (p->base && add_all(out, p->base, origin, err, errlen) < 0))
        return -1;
    return add_all(out, p->keys, origin, err, errlen);
}

/* 1 if the list sets section.key. */
static int find_key_in(const char *const *kv, const char *section, const char *key)
{
    char s[64], k[64], v[128];
    for (; *kv; kv++)
        if (split(*kv, s, k, v, sizeof s) == 0 && !strcmp(s, section) && !strcmp(k, key))
            return 1;
    return 0;
}

/* One preset as an INI fragment: the keys it sets, by section, the
 * common resets included (they are part of what it means). */
static void print_one(FILE *f, const preset_t *p)
{
    fprintf(f, "; preset %s: %s\n; every key below is what [retry] preset = %s sets (docs/clients.md)\n", p->name,
            p->imitates, p->name);
    const char *const *lists[3] = {common, p->base, p->keys};
    const char *sections[] = {"retry", "retry_quota", "retry_budget", "retry_bucket", "retry_concurrency",
                              "aws_adaptive", NULL};
    for (int si = 0; sections[si]; si++) {
        int header = 0;
        for (int li = 0; li < 3; li++)
            for (const char *const *kv = lists[li]; kv && *kv; kv++) {
                char s[64], k[64], v[128];
                if (split(*kv, s, k, v, sizeof s) < 0 || strcmp(s, sections[si]))
                    continue;
                int later = 0; /* a later list sets it: its value is the one printed */
                for (int lj = li + 1; lj < 3 && !later; lj++)
                    later = lists[lj] && find_key_in(lists[lj], s, k);
                if (later)
                    continue;
                if (!header)
                    fprintf(f, "\n[%s]\n", s);
                header = 1;
                fprintf(f, "%s = %s\n", k, v);
            }
    }
}

int presets_print(FILE *f, const char *name, int markdown)
{
    if (name) {
        const preset_t *p = find(name);
        if (!p) {
            char names[1024];
            list_names(names, sizeof names);
            const char *near = presets_closest(name);
            fprintf(stderr, "retrysim presets: '%s' is not a preset%s%s%s; one of: %s\n", name,
                    near ? " (did you mean " : "", near ? near : "", near ? "?)" : "", names);
            return -1;
        }
        print_one(f, p);
        return 0;
    }
    if (markdown)
        fprintf(f, "| preset | imitates |\n|---|---|\n");
    for (int i = 0; i < NPRESETS; i++)
        fprintf(f, markdown ? "| `%s` | %s |\n" : "%-26s %s\n", presets[i].name, presets[i].imitates);
    return 0;
}
