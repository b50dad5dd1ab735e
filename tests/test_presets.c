/*
 * Tests of the client library presets ([retry] preset, config/presets.c):
 * for every preset, its schedule of delays and its retry predicate
 * against the values worked by hand from each library's source in
 * docs/clients.md ("Reference values"), never against the code's own
 * output; its protections; overriding; errors.
 *
 * A delay row is checked on 4,000 draws: every draw inside the support,
 * and, for a random delay, the draws reaching both ends of it (within 3%
 * of its width), so a wrong jitter of the right mean fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "aws_adaptive.h"
#include "policy.h"
#include "presets.h"

#define DRAWS 4000

static run_cfg_t apply_text(const char *text)
{
    cfg_doc_t d = {0};
    char err[1024];
    run_cfg_t c;
    if (cfg_doc_load_string(&d, "exp.ini", text, err, sizeof err) < 0)
        fail_msg("load: %s", err);
    if (cfg_apply(&d, &c, err, sizeof err) < 0)
        fail_msg("apply: %s", err);
    cfg_doc_free(&d);
    return c;
}

static run_cfg_t preset_cfg(const char *name)
{
    char text[256];
    snprintf(text, sizeof text, "[retry]\npreset = %s\n", name);
    return apply_text(text);
}

/* Kinds of a reference row (docs/clients.md, "Reference values"). */
enum { FIXED, UNIFORM, INT_MS, CUMULATIVE };

typedef struct {
    const char *preset;
    outcome_t after; /* the failure the retry follows */
    int k;           /* retry number, 1 = the first */
    int kind;
    double lo, hi;   /* s */
} row_t;

static const row_t rows[] = {
    {"aws-standard", OUT_503, 1, UNIFORM, 0, 2},
    {"aws-standard", OUT_503, 2, UNIFORM, 0, 4},
    {"aws-standard-2026", OUT_503, 1, UNIFORM, 0, 0.05},
    {"aws-standard-2026", OUT_503, 2, UNIFORM, 0, 0.1},
    {"aws-standard-2026", OUT_429, 1, UNIFORM, 0, 1},
    {"aws-standard-2026", OUT_429, 2, UNIFORM, 0, 2},
    {"aws-adaptive", OUT_503, 1, UNIFORM, 0, 2},
    {"aws-adaptive", OUT_503, 2, UNIFORM, 0, 4},
    {"aws-legacy", OUT_503, 1, UNIFORM, 0.030, 0.060},
    {"aws-legacy", OUT_503, 2, UNIFORM, 0.060, 0.120},
    {"aws-legacy", OUT_503, 3, UNIFORM, 0.120, 0.240},
    {"aws-legacy", OUT_429, 1, UNIFORM, 0.5, 1.0},
    {"aws-legacy", OUT_429, 2, UNIFORM, 1.0, 2.0},
    {"aws-legacy", OUT_429, 3, UNIFORM, 2.0, 4.0},
    {"grpc", OUT_503, 1, UNIFORM, 0.08, 0.12},
    {"grpc", OUT_503, 2, UNIFORM, 0.16, 0.24},
    {"grpc", OUT_503, 3, UNIFORM, 0.32, 0.48},
    {"envoy", OUT_503, 1, INT_MS, 0, 0.024},
    {"envoy-retry-budget", OUT_503, 1, INT_MS, 0, 0.024},
    {"finagle", OUT_CONNERR, 1, FIXED, 0, 0},
    {"finagle", OUT_CONNERR, 7, FIXED, 0, 0},
    {"go-retryablehttp", OUT_503, 1, FIXED, 1, 1},
    {"go-retryablehttp", OUT_503, 2, FIXED, 2, 2},
    {"go-retryablehttp", OUT_503, 3, FIXED, 4, 4},
    {"go-retryablehttp", OUT_503, 4, FIXED, 8, 8},
    {"cenkalti-backoff", OUT_503, 1, UNIFORM, 0.25, 0.75},
    {"cenkalti-backoff", OUT_503, 2, UNIFORM, 0.375, 1.125},
    {"cenkalti-backoff", OUT_503, 5, UNIFORM, 1.265625, 3.796875},
    {"cenkalti-backoff", OUT_503, 12, UNIFORM, 21.6243896484375, 64.8731689453125},
    {"cenkalti-backoff", OUT_503, 13, UNIFORM, 30, 90},
    {"urllib3", OUT_TIMEOUT, 1, FIXED, 0, 0},
    {"urllib3", OUT_CONNERR, 3, FIXED, 0, 0},
    {"tenacity", OUT_503, 1, UNIFORM, 1, 2},
    {"tenacity", OUT_503, 2, UNIFORM, 2, 3},
    {"tenacity", OUT_503, 3, UNIFORM, 4, 5},
    {"polly", OUT_CONNERR, 1, FIXED, 2, 2},
    {"polly", OUT_CONNERR, 3, FIXED, 2, 2},
    {"polly-exponential-jitter", OUT_CONNERR, 1, CUMULATIVE, 0, 2.7544},
    {"polly-exponential-jitter", OUT_CONNERR, 2, CUMULATIVE, 2.7544, 5.6745},
    {"polly-exponential-jitter", OUT_CONNERR, 3, CUMULATIVE, 5.6745, 11.4062},
    {"resilience4j", OUT_503, 1, FIXED, 0.5, 0.5},
    {"resilience4j", OUT_503, 2, FIXED, 0.5, 0.5},
    {"curl", OUT_503, 1, FIXED, 1, 1},
    {"curl", OUT_503, 3, FIXED, 4, 4},
    {"curl", OUT_503, 5, FIXED, 16, 16},
    {"brooker-2022", OUT_503, 1, FIXED, 0, 0},
    {"brooker-2022", OUT_503, 40, FIXED, 0, 0},
};

/* One draw of the delay before retry k (s); for CUMULATIVE the sum of the
 * delays before retries 1..k. */
static double draw(const policy_cfg_t *p, const row_t *r, gsl_rng *g)
{
    policy_state_t s;
    policy_start(p, &s);
    double sum = 0;
    for (int k = r->kind == CUMULATIVE ? 1 : r->k; k <= r->k; k++) {
        s.attempts = k;
        policy_decision_t d = policy_decide(p, &s, r->after, -1, g);
        if (d.verdict != POLICY_RETRY)
            fail_msg("%s: retry %d after %s: not retried", r->preset, k, policy_outcome_name(r->after));
        sum += (double)d.delay / 1e9;
    }
    return sum;
}

static void test_schedules(void **state)
{
    (void)state;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 7);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row_t *r = &rows[i];
        run_cfg_t c = preset_cfg(r->preset);
        double lo = INFINITY, hi = -INFINITY, eps = 1e-9;
        for (int n = 0; n < DRAWS; n++) {
            double d = draw(&c.retry, r, g);
            if (d < r->lo - eps || d > r->hi + eps)
                fail_msg("%s retry %d: %.9g s outside [%g, %g]", r->preset, r->k, d, r->lo, r->hi);
            if (r->kind == INT_MS && fabs(d * 1000.0 - round(d * 1000.0)) > 1e-6)
                fail_msg("%s retry %d: %.9g s is not a whole ms", r->preset, r->k, d);
            lo = fmin(lo, d);
            hi = fmax(hi, d);
        }
        if (r->kind != FIXED) {
            double w = 0.03 * (r->hi - r->lo);
            if (lo > r->lo + w || hi < r->hi - w)
                fail_msg("%s retry %d: draws span [%g, %g], support [%g, %g]", r->preset, r->k, lo, hi, r->lo, r->hi);
        }
    }
    gsl_rng_free(g);
}

/* The predicate: which of 429 500 502 503 504 timeout connection each
 * preset retries (docs/clients.md, "Attempt limits, predicates"), with
 * no Retry-After; and its attempt limit. */
typedef struct {
    const char *preset;
    const char *retried; /* y/n for 429 500 502 503 504 timeout connection */
    int max_attempts;    /* POLICY_ATTEMPTS_UNLIMITED for unbounded */
} pred_t;

static const pred_t preds[] = {
    {"aws-standard", "yyyyyyy", 3},      {"aws-standard-2026", "yyyyyyy", 3}, {"aws-adaptive", "yyyyyyy", 3},
    {"aws-legacy", "yyyyyyy", 4},        {"grpc", "ynyyyny", 4},              {"envoy", "nyyyyyy", 2},
    {"envoy-retry-budget", "nyyyyyy", 2},
    {"finagle", "nnnnnny", 21},          {"finagle-tries", "nnnnnyy", 3},     {"go-retryablehttp", "yyyyyyy", 5},
    {"cenkalti-backoff", "yyyyyyy", POLICY_ATTEMPTS_UNLIMITED},
    {"urllib3", "nnnnnyy", 4},           {"requests", "nnnnnnn", 1},          {"tenacity", "yyyyyyy", 4},
    {"polly", "nnnnnny", 4},             {"polly-exponential-jitter", "nnnnnny", 4},
    {"resilience4j", "yyyyyyy", 3},      {"curl", "yyyyyyn", 6},
    {"brooker-2022", "yyyyyyy", POLICY_ATTEMPTS_UNLIMITED},
};

static void test_predicates(void **state)
{
    (void)state;
    static const outcome_t outs[7] = {OUT_429, OUT_500, OUT_502, OUT_503, OUT_504, OUT_TIMEOUT, OUT_CONNERR};
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    assert_int_equal((int)(sizeof preds / sizeof preds[0]), presets_count());
    for (size_t i = 0; i < sizeof preds / sizeof preds[0]; i++) {
        run_cfg_t c = preset_cfg(preds[i].preset);
        assert_int_equal(c.retry.max_attempts, preds[i].max_attempts);
        for (int o = 0; o < 7; o++) {
            policy_state_t s;
            policy_start(&c.retry, &s);
            s.attempts = 1;
            policy_decision_t d = policy_decide(&c.retry, &s, outs[o], -1, g);
            int want = preds[i].retried[o] == 'y';
            if ((d.verdict == POLICY_RETRY) != want)
                fail_msg("%s: %s %s", preds[i].preset, policy_outcome_name(outs[o]),
                         want ? "should be retried" : "should not be retried");
        }
    }
    gsl_rng_free(g);
}

/* Retry-After: urllib3 retries 429/503 only with it (and waits it);
 * go-retryablehttp waits it uncapped; aws-legacy adds it; AWS standard and
 * gRPC ignore it. */
static void test_retry_after(void **state)
{
    (void)state;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    policy_state_t s;
    run_cfg_t c = preset_cfg("urllib3");
    policy_start(&c.retry, &s);
    s.attempts = 1;
    assert_int_equal(policy_decide(&c.retry, &s, OUT_503, -1, g).verdict, POLICY_GIVEUP_NOT_RETRYABLE);
    policy_decision_t d = policy_decide(&c.retry, &s, OUT_503, 7 * SIMTIME_S, g);
    assert_int_equal(d.verdict, POLICY_RETRY);
    assert_int_equal(d.delay, 7 * SIMTIME_S);

    c = preset_cfg("go-retryablehttp");
    policy_start(&c.retry, &s);
    s.attempts = 1;
    assert_int_equal(policy_decide(&c.retry, &s, OUT_429, 3600 * SIMTIME_S, g).delay, 3600 * SIMTIME_S);

    c = preset_cfg("aws-legacy");
    policy_start(&c.retry, &s);
    s.attempts = 1;
    d = policy_decide(&c.retry, &s, OUT_503, 2 * SIMTIME_S, g);
    assert_true(d.delay >= 2 * SIMTIME_S + 30 * SIMTIME_MS && d.delay < 2 * SIMTIME_S + 60 * SIMTIME_MS);

    c = preset_cfg("grpc");
    policy_start(&c.retry, &s);
    s.attempts = 1;
    d = policy_decide(&c.retry, &s, OUT_503, 9 * SIMTIME_S, g);
    assert_true(d.delay >= 80 * SIMTIME_MS && d.delay < 120 * SIMTIME_MS);
    gsl_rng_free(g);
}

/* The protections each preset switches on, with the library's constants. */
static void test_protections(void **state)
{
    (void)state;
    run_cfg_t c = preset_cfg("aws-standard");
    const protect_quota_cfg_t *q = QUOTA_CFG(&c);
    assert_int_equal(q->kind, QUOTA_AWS);
    assert_int_equal(q->capacity, 500);
    assert_int_equal(q->retry_cost, 5);
    assert_int_equal(q->timeout_cost, 10);
    assert_int_equal(q->success_refund, 1);
    assert_int_equal(q->increment_retried, 1);

    c = preset_cfg("aws-standard-2026");
    q = QUOTA_CFG(&c);
    assert_int_equal(q->retry_cost, 14);
    assert_int_equal(q->throttle_cost, 5);
    assert_int_equal(q->increment_retried, 0);

    c = preset_cfg("aws-adaptive");
    q = QUOTA_CFG(&c);
    assert_int_equal(q->success_refund, 0);
    assert_int_equal(((const aws_adaptive_cfg_t *)model_cfg(&c, "aws_adaptive"))->enabled, 1);

    c = preset_cfg("grpc");
    q = QUOTA_CFG(&c);
    assert_int_equal(q->kind, QUOTA_GRPC);
    assert_true(q->max_tokens == 10 && q->token_ratio == 0.1);

    c = preset_cfg("finagle");
    const protect_budget_cfg_t *b = BUDGET_CFG(&c);
    assert_int_equal(b->enabled, 1);
    assert_true(b->ratio == 0.2 && b->min_retries_per_s == 10 && b->window == 10 * SIMTIME_S);

    c = preset_cfg("brooker-2022");
    assert_int_equal(*(const int *)model_cfg(&c, "retry_bucket"), 1);

    c = preset_cfg("envoy");
    const int *rcc = model_cfg(&c, "retry_concurrency"); /* enabled, max_retries */
    assert_int_equal(rcc[0], 1);
    assert_int_equal(rcc[1], 3);

    c = preset_cfg("cenkalti-backoff");
    assert_int_equal(c.retry.deadline, 900 * SIMTIME_S);
    c = preset_cfg("envoy");
    assert_int_equal(c.retry.deadline, 15 * SIMTIME_S);
    assert_int_equal(c.retry.attempt_timeout, 0);
    /* none of retrysim's own defaults leaks in: no 1 s attempt timeout */
    c = preset_cfg("polly");
    assert_int_equal(c.retry.attempt_timeout, 0);
    assert_int_equal(c.retry.jitter, JITTER_NONE);
    assert_string_equal(c.retry_src.preset, "polly");
}

/* A key written in the file wins over the preset, before or after it;
 * another section's keys too. */
static void test_override(void **state)
{
    (void)state;
    run_cfg_t c = apply_text("[retry]\npreset = grpc\nmax_attempts = 2\n");
    assert_int_equal(c.retry.max_attempts, 2);
    assert_int_equal(c.retry.base, 100 * SIMTIME_MS);
    c = apply_text("[retry]\nmax_attempts = 5\nattempt_timeout = 300ms\npreset = aws-standard\n"
                   "[retry_quota]\nretry_cost = 7\n");
    assert_int_equal(c.retry.max_attempts, 5);
    assert_int_equal(c.retry.attempt_timeout, 300 * SIMTIME_MS);
    assert_int_equal(QUOTA_CFG(&c)->retry_cost, 7);
    assert_int_equal(QUOTA_CFG(&c)->capacity, 500);
}

static void expect_error(const char *text, const char *const *parts)
{
    cfg_doc_t d = {0};
    char err[2048];
    run_cfg_t c;
    assert_int_equal(cfg_doc_load_string(&d, "exp.ini", text, err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    for (; *parts; parts++)
        if (!strstr(err, *parts))
            fail_msg("error '%s' lacks '%s'", err, *parts);
    cfg_doc_free(&d);
}

static void expect_error_lacks(const char *text, const char *part)
{
    cfg_doc_t d = {0};
    char err[2048];
    run_cfg_t c;
    assert_int_equal(cfg_doc_load_string(&d, "exp.ini", text, err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    if (strstr(err, part))
        fail_msg("error '%s' has '%s'", err, part);
    cfg_doc_free(&d);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("[run]\nseed = 1\n[retry]\npreset = grcp\n",
                 (const char *const[]){"exp.ini:4", "[retry] preset", "'grcp' is not a preset", "did you mean grpc?", "curl", NULL});
    /* nothing close: no suggestion, still the list */
    expect_error("[retry]\npreset = nonesuch\n", (const char *const[]){"exp.ini:2", "one of: aws-standard", NULL});
    expect_error_lacks("[retry]\npreset = nonesuch\n", "did you mean");
    /* a preset's value the file then makes invalid is blamed on the file's key */
    expect_error("[retry]\npreset = curl\nmultiplier = 0.5\n",
                 (const char *const[]){"exp.ini:3", "multiplier", NULL});
}

/* retrysim presets NAME prints exactly the keys the preset sets: the
 * fragment, applied as a file, gives the same configuration. */
static void test_print_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < presets_count(); i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(presets_print(f, presets_name(i), 0), 0);
        fclose(f);
        run_cfg_t a = preset_cfg(presets_name(i)), b = apply_text(buf);
        memset(a.retry_src.preset, 0, sizeof a.retry_src.preset);
        if (memcmp(&a, &b, sizeof a))
            fail_msg("preset %s: its printed keys configure something else:\n%s", presets_name(i), buf);
        free(buf);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedules),  cmocka_unit_test(test_predicates), cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_protections), cmocka_unit_test(test_override),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_print_round_trip),
    };
    return cmocka_run_group_tests_name("presets", tests, NULL, NULL);
}
