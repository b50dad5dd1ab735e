/*
 * The retry-only circuit breaker (models/retry_breaker.c, [retry_breaker]):
 * its rule worked by hand on a serial client, its amplification against
 * the closed form under an independent failure probability, and the
 * difference a sliding window makes after an outage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "cfg.h"
#include "run_util.h"

/* The breaker's configuration goes through its keys, as a user's would. */
static run_cfg_t with(const char *text)
{
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    if (cfg_doc_load_string(&d, "rb.ini", text, err, sizeof err) < 0 || cfg_apply(&d, &c, err, sizeof err) < 0)
        fail_msg("%s", err);
    cfg_doc_free(&d);
    return c;
}

/* Every attempt fails (error_500 = 1, retried) and calls never overlap (one
 * per second, 20 ms round trips). threshold 1: call 1 fails (1 failure, 1
 * call: 1 <= 1) and retries once; its retry fails (2 > 1): refused. From
 * then on failures = calls + 1 when a call's first attempt has failed, so
 * every later call is refused at once: attempts = calls + 1. threshold
 * 0.1: even the first failure is above it: attempts = calls. */
static void test_rule_by_hand(void **state)
{
    (void)state;
    static const char *const base = "[run]\nduration = 30s\ndrain = 5s\n[arrivals]\nkind = constant\nrate = 1\n"
                                    "[retry]\nmax_attempts = 4\nbackoff = constant\nbase = 0\njitter = none\n"
                                    "attempt_timeout = 0\nretry_on = 500\n[server]\nerror_500 = 1\n"
                                    "service = const(0)\n[network]\nrequest = const(10ms)\nresponse = const(10ms)\n"
                                    "[retry_breaker]\nenabled = true\n";
    char text[1024];
    snprintf(text, sizeof text, "%sthreshold = 1\n", base);
    run_cfg_t c = with(text);
    run_result_t r = run_ok(&c);
    double calls = run_scalar(&r, "calls");
    assert_true(calls == 30);
    assert_true(run_scalar(&r, "attempts") == calls + 1);
    assert_true(run_scalar(&r, "calls_denied_retry_breaker") == calls);
    run_result_free(&r);

    snprintf(text, sizeof text, "%sthreshold = 0.1\n", base);
    c = with(text);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "attempts") == run_scalar(&r, "calls"));
    run_result_free(&r);

    /* off: every call makes its 4 attempts */
    c = with("[run]\nduration = 30s\ndrain = 5s\n[arrivals]\nkind = constant\nrate = 1\n[retry]\nmax_attempts = 4\n"
             "backoff = constant\nbase = 0\njitter = none\nattempt_timeout = 0\nretry_on = 500\n[server]\n"
             "error_500 = 1\nservice = const(0)\n");
    r = run_ok(&c);
    assert_true(run_scalar(&r, "attempts") == 4 * run_scalar(&r, "calls"));
    assert_true(isnan(run_scalar(&r, "calls_denied_retry_breaker"))); /* off: no value */
    run_result_free(&r);
}

/* Brooker's setup (experiments/retry-breaker.ini): 1000 calls/s over 100
 * clients, attempts failing with probability p, 3 retries, threshold 0.1.
 * Below p = 0.09 the breaker stays closed: amplification 1 + p + p^2 + p^3
 * (p = 0.05: 1.0526); well above 0.1 it stays open: about 1 (p = 0.3:
 * three retries alone would give 1.417). */
static void test_closed_form(void **state)
{
    (void)state;
    static const double ps[] = {0.05, 0.3};
    for (int i = 0; i < 2; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "[run]\nduration = 60s\ndrain = 10s\n[arrivals]\nrate = 1000\nclients = 100\n[retry]\n"
                 "max_attempts = 4\nbackoff = constant\nbase = 0\njitter = none\nattempt_timeout = 0\nretry_on = 500\n"
                 "[server]\nworkers = 100000\nqueue = unlimited\nservice = const(0)\nerror_500 = %g\n[network]\n"
                 "request = exp(10ms)\nresponse = exp(10ms)\n[retry_breaker]\nenabled = true\nthreshold = 0.1\n",
                 ps[i]);
        run_cfg_t c = with(text);
        run_result_t r = run_ok(&c);
        double p = ps[i], amp = run_scalar(&r, "amplification");
        if (p < 0.09) {
            double want = 1 + p + p * p + p * p * p;
            if (fabs(amp - want) > 0.004) /* about 3 standard errors at 60,000 calls */
                fail_msg("p = %g: amplification %.4f, closed form %.4f", p, amp, want);
        } else {
            if (!(amp < 1.005))
                fail_msg("p = %g: amplification %.4f, the breaker should be open", p, amp);
            assert_true(fabs(run_scalar(&r, "success_rate") - (1 - p)) < 0.01);
        }
        run_result_free(&r);
    }
}

/* Counted since the start of the run (Brooker's rule), the failures of a
 * 10 s outage keep the ratio above 0.1 for the rest of a 100 s run and no
 * retry goes out after it; over a 10 s window the breaker closes again
 * 10 s after the outage and retries the 5% of failed attempts. */
static void test_window_after_outage(void **state)
{
    (void)state;
    double retries_after[2];
    for (int win = 0; win < 2; win++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "[run]\nduration = 100s\ndrain = 10s\n[arrivals]\nrate = 500\nclients = 10\n[retry]\n"
                 "max_attempts = 4\nbackoff = constant\nbase = 0\njitter = none\nattempt_timeout = 0\n"
                 "retry_on = 500, 503\n[server]\nworkers = 100000\nqueue = unlimited\nservice = const(0)\n"
                 "error_500 = 0.05\noutages = 10s-20s reject\n[retry_breaker]\nenabled = true\nthreshold = 0.1\n"
                 "window = %s\n",
                 win ? "10s" : "0");
        run_cfg_t c = with(text);
        run_result_t r = run_ok(&c);
        int id = metrics_series_find("attempts_retry");
        double n = 0, calls = 0;
        for (int b = 40; b < 100; b++) {
            n += (double)stats_series_get(&r.series, id, b);
            calls += (double)stats_series_get(&r.series, M_CALLS, b);
        }
        retries_after[win] = n / calls;
        run_result_free(&r);
    }
    assert_true(retries_after[0] < 0.001);
    if (fabs(retries_after[1] - 0.0526) > 0.006)
        fail_msg("windowed: %.4f retries per call after the outage, expected about 0.0526", retries_after[1]);
}

/* A window that is not whole seconds is refused, naming the key. */
static void test_bad_window(void **state)
{
    (void)state;
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    assert_int_equal(cfg_doc_load_string(&d, "rb.ini", "[retry_breaker]\nenabled = true\nwindow = 1500ms\n", err,
                                         sizeof err),
                     0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "rb.ini:3: [retry_breaker] window: "));
    cfg_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_by_hand),
        cmocka_unit_test(test_closed_form),
        cmocka_unit_test(test_window_after_outage),
        cmocka_unit_test(test_bad_window),
    };
    return cmocka_run_group_tests_name("retry_breaker", tests, NULL, NULL);
}
