/*
 * The adaptive retry token bucket (models/retry_bucket.c, [retry_bucket])
 * and max_attempts = unlimited: the bucket's rule worked by hand on serial
 * clients (deposit before the first attempt, strictly more than the
 * threshold, a refused retry free), its load under an independent failure
 * probability against what the rule implies, and an unlimited retry loop
 * ended only by the deadline, the run's end or the bucket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "run_util.h"

static run_cfg_t with(const char *text)
{
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    if (cfg_doc_load_string(&d, "rbk.ini", text, err, sizeof err) < 0 || cfg_apply(&d, &c, err, sizeof err) < 0)
        fail_msg("%s", err);
    cfg_doc_free(&d);
    return c;
}

/* Every attempt fails (500, retried), no backoff, 20 ms round trips, calls
 * 1 s apart per client (never overlapping); each test adds max_attempts. */
static const char *const serial = "[run]\nduration = 30s\ndrain = 5s\n[arrivals]\nkind = constant\n"
                                  "[retry]\nbackoff = constant\nbase = 0\njitter = none\n"
                                  "attempt_timeout = 0\nretry_on = 500\n[server]\nerror_500 = 1\n"
                                  "service = const(0)\n[network]\nrequest = const(10ms)\nresponse = const(10ms)\n"
                                  "[retry_bucket]\nenabled = true\ndeposit = 0.25\n";

/* Runs text (one call per 1 s series bucket) and checks the retries of
 * calls 1..30 against want. */
static void per_call(const char *text, const int64_t want[30])
{
    run_cfg_t c = with(text);
    run_result_t r = run_ok(&c);
    int retry_id = metrics_series_find("attempts_retry"), k = 0;
    for (int b = 0; b < stats_series_nbuckets(&r.series); b++) {
        if (stats_series_get(&r.series, M_CALLS, b) == 0)
            continue;
        assert_true(k < 30);
        int64_t got = stats_series_get(&r.series, retry_id, b);
        if (got != want[k])
            fail_msg("call %d: %lld retries, expected %lld", k + 1, (long long)got, (long long)want[k]);
        k++;
    }
    assert_int_equal(k, 30);
    run_result_free(&r);
}

/* deposit 0.25 (exact in binary), capacity and initial 5, threshold 1,
 * cost 1. Call 1: 5 + 0.25 capped at 5; retries at 5, 4, 3, 2 (each > 1)
 * leave 1, which is not > 1: 5 attempts. Call 2: 1.25 > 1 (its own
 * deposit came first): one retry, 0.25 left: 2 attempts. Calls 3, 4, 5:
 * 0.5, 0.75, 1.0, none > 1: 1 attempt each. Call 6: 1.25: 2 attempts;
 * and so on every 4th call (6, 10, ..., 30: 7 calls). 30 calls: 5 + 2 +
 * 28 + 7 = 42 attempts, every call refused by the bucket in the end. */
static void test_rule_by_hand(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%s[arrivals]\nrate = 1\nclients = 1\n[retry]\nmax_attempts = unlimited\n", serial);
    run_cfg_t c = with(text);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 30);
    assert_true(run_scalar(&r, "attempts") == 42);
    assert_true(run_scalar(&r, "calls_denied_retry_bucket") == 30);
    run_result_free(&r);

    /* Call by call: from initial 4.5, call 1 finds 4.75 and retries at
     * 4.75, 3.75, 2.75, 1.75 (4); call 2 finds 0.75 + 0.25 = 1.0, not > 1;
     * call 3: 1.25, one retry; then one every 4th call (7, 11, ...). Were
     * the test >= 1, call 2 would retry; were the deposit made after the
     * call's retries, call 3 would find 1.0 and call 4 retry. */
    static const int64_t from45[30] = {4, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
                                       0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
    snprintf(text, sizeof text, "%s[arrivals]\nrate = 1\nclients = 1\n[retry]\nmax_attempts = unlimited\n"
             "[retry_bucket]\ninitial = 4.5\n", serial);
    per_call(text, from45);
    /* From full, call by call (the 42 above): call 1's deposit is lost to
     * the cap (4 retries, not 5), call 2 retries once, then calls 6, 10, ... */
    static const int64_t full[30] = {4, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0,
                                     0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    snprintf(text, sizeof text, "%s[arrivals]\nrate = 1\nclients = 1\n[retry]\nmax_attempts = unlimited\n", serial);
    per_call(text, full);

    /* Two clients, one call each per second, alternating: two buckets,
     * each the 30 calls above (84 attempts). One shared bucket sees 60
     * calls: 5 + 2 + 58 + 14 (calls 6, 10, ..., 58) = 79. */
    snprintf(text, sizeof text, "%s[arrivals]\nrate = 2\nclients = 2\n[retry]\nmax_attempts = unlimited\n", serial);
    c = with(text);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 60);
    assert_true(run_scalar(&r, "attempts") == 84);
    run_result_free(&r);
    snprintf(text, sizeof text, "%s[arrivals]\nrate = 2\nclients = 2\n[retry]\nmax_attempts = unlimited\n[retry_bucket]\nscope = shared\n",
             serial);
    c = with(text);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "attempts") == 79);
    run_result_free(&r);

    /* The knobs: initial 0, capacity 2, threshold 0.5, cost 0.75. Tokens
     * before each call's retries: 0.25, 0.5 (not > 0.5), 0.75 -> retry ->
     * 0, then 0.25, 0.5, 0.75 again: one retry every 3rd call (3, 6, ...,
     * 30: 10): 40 attempts. */
    snprintf(text, sizeof text,
             "%s[arrivals]\nrate = 1\nclients = 1\n[retry]\nmax_attempts = unlimited\n[retry_bucket]\ninitial = 0\ncapacity = 2\nthreshold = 0.5\n"
             "cost = 0.75\n",
             serial);
    c = with(text);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "attempts") == 40);
    run_result_free(&r);
}

/* A finite max_attempts still bounds a call, and the bucket is asked only
 * when the policy would retry: with 2 attempts a call retries at most
 * once and then gives up exhausted, the bucket untouched. Tokens when
 * call k asks (its deposit in): 5 (capped), 4.25, 3.5, 2.75, 2.0, 1.25
 * (calls 1..6 retry, each taking 1), then 0.5, 0.75, 1.0 (refused),
 * 1.25 at call 10 (retry, 0.25 left), and every 4th call from there
 * (10, 14, ..., 30: 6). 12 retries: 42 attempts, 12 calls exhausted, 18
 * refused by the bucket. */
static void test_finite_attempts(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%s[arrivals]\nrate = 1\nclients = 1\n[retry]\nmax_attempts = 2\n", serial);
    run_cfg_t c = with(text);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "attempts") == 42);
    assert_true(run_scalar(&r, "calls_exhausted") == 12);
    assert_true(run_scalar(&r, "calls_denied_retry_bucket") == 18);
    run_result_free(&r);
}

/* Brooker's setup: 100 clients, 1000 calls/s, each attempt fails with
 * probability p, no backoff, no cap on retries. At p = 0.01 the bucket
 * (refilled 0.1 per call, drawn about 0.01 per call) stays near full and
 * the retries are unlimited: attempts per call 1 / (1 - p). At p = 0.5 it
 * is empty almost always: a retry goes out only when a deposit lifts it
 * above 1, so retries = deposits + initial tokens - what is left, about
 * 0.1 per call + 500 / 60,000 (from the initial 5 per client). */
static void test_independent_failures(void **state)
{
    (void)state;
    static const double ps[] = {0.01, 0.5};
    for (int i = 0; i < 2; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "[run]\nduration = 60s\ndrain = 10s\n[arrivals]\nrate = 1000\nclients = 100\n[retry]\n"
                 "max_attempts = unlimited\nbackoff = constant\nbase = 0\njitter = none\nattempt_timeout = 0\n"
                 "retry_on = 500\n[server]\nworkers = 100000\nqueue = unlimited\nservice = const(0)\n"
                 "error_500 = %g\n[network]\nrequest = exp(10ms)\nresponse = exp(10ms)\n[retry_bucket]\n"
                 "enabled = true\n",
                 ps[i]);
        run_cfg_t c = with(text);
        run_result_t r = run_ok(&c);
        double p = ps[i], amp = run_scalar(&r, "amplification"), calls = run_scalar(&r, "calls");
        double want = p < 0.1 ? 1 / (1 - p) : 1 + 0.1 + 500 / calls;
        if (fabs(amp - want) > 0.003)
            fail_msg("p = %g: amplification %.4f, expected %.4f", p, amp, want);
        run_result_free(&r);
    }
}

/* max_attempts = unlimited against a server that always fails: one call,
 * a 20 ms round trip and 30 ms backoff, so attempt k goes out at
 * 50 (k - 1) ms. A 990 ms deadline ends it after 20 attempts (the 21st
 * was due at 1000 ms); with no deadline it retries to the end of the run
 * (2.975 s: attempts at 0, 50, ..., 2950 ms: 60) and is left unfinished. */
static void test_unlimited_until_deadline(void **state)
{
    (void)state;
    static const char *const one = "[run]\nduration = 1s\ndrain = 1975ms\n[arrivals]\nkind = constant\nrate = 1\n"
                                   "[retry]\nmax_attempts = unlimited\nbackoff = constant\nbase = 30ms\n"
                                   "jitter = none\nattempt_timeout = 0\nretry_on = 500\n[server]\nerror_500 = 1\n"
                                   "service = const(0)\n[network]\nrequest = const(10ms)\nresponse = const(10ms)\n";
    char text[1024];
    snprintf(text, sizeof text, "%s[retry]\ndeadline = 990ms\n", one);
    run_cfg_t c = with(text);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 1);
    assert_true(run_scalar(&r, "attempts") == 20);
    assert_true(run_scalar(&r, "calls_deadline") == 1);
    assert_true(run_scalar(&r, "calls_deadline_cut") == 1);
    run_result_free(&r);

    c = with(one);
    r = run_ok(&c);
    if (run_scalar(&r, "attempts") != 60)
        fail_msg("%g attempts", run_scalar(&r, "attempts"));
    assert_true(run_scalar(&r, "calls_unfinished") == 1);
    assert_true(run_scalar(&r, "calls_exhausted") == 0);
    run_result_free(&r);
}

/* initial above capacity is refused, naming the key. */
static void test_bad_initial(void **state)
{
    (void)state;
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    assert_int_equal(
        cfg_doc_load_string(&d, "rbk.ini", "[retry_bucket]\nenabled = true\ncapacity = 2\ninitial = 3\n", err, sizeof err),
        0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "rbk.ini:4: [retry_bucket] initial: "));
    cfg_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_by_hand),
        cmocka_unit_test(test_finite_attempts),
        cmocka_unit_test(test_independent_failures),
        cmocka_unit_test(test_unlimited_until_deadline),
        cmocka_unit_test(test_bad_initial),
    };
    return cmocka_run_group_tests_name("retry_bucket", tests, NULL, NULL);
}
