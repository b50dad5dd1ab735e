/*
 * The AWS SDK adaptive mode's send-rate limiter (models/aws_adaptive.c,
 * [aws_adaptive]): its defaults against the SDK's constants, the CUBIC
 * rule worked by hand on one limiter (measured rate, the cut on a
 * throttle, W(t) after it, the 2 x measured cap, the bucket that fills
 * while the limiter is off), and whole runs: off until a throttle, the
 * throttle_on outcomes, and a client that finds a rate limiter's rate
 * under overload and climbs back once the throttling stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aws_adaptive.h"
#include "cfg.h"
#include "run_util.h"

#define MS(x) ((simtime_t)(x) * SIMTIME_MS)

static run_cfg_t with(const char *text)
{
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    if (cfg_doc_load_string(&d, "aws.ini", text, err, sizeof err) < 0 || cfg_apply(&d, &c, err, sizeof err) < 0)
        fail_msg("%s", err);
    cfg_doc_free(&d);
    return c;
}

static aws_adaptive_cfg_t defaults(void)
{
    run_cfg_t c = test_defaults();
    return *(aws_adaptive_cfg_t *)model_cfg(&c, "aws_adaptive");
}

static void near(double got, double want, const char *what)
{
    if (fabs(got - want) > 1e-9 * (fabs(want) > 1 ? fabs(want) : 1))
        fail_msg("%s: %.12g, expected %.12g", what, got, want);
}

/* aws-sdk-go-v2 v1.43.6 newAdaptiveRateLimit and DefaultRequestCost. */
static void test_defaults_are_the_sdks(void **state)
{
    (void)state;
    aws_adaptive_cfg_t c = defaults();
    assert_int_equal(c.enabled, 0);
    near(c.beta, 0.7, "beta");
    near(c.scale, 0.4, "scale");
    near(c.smooth, 0.8, "smooth");
    assert_true(c.time_bucket == MS(500));
    near(c.min_fill_rate, 0.5, "min_fill_rate");
    near(c.min_capacity, 1, "min_capacity");
    near(c.cost, 1, "cost");
    assert_true(c.throttle_on == POLICY_RETRY_BIT(OUT_429));
    assert_int_equal(c.scope, AWS_ADAPTIVE_SCOPE_CLIENT);
}

/* Successful attempts end every 50 ms from 50 ms to 500 ms. The first
 * update only stamps the refill clock; each update sets the fill rate to
 * max(min(0.4 t^3, 2 x measured), 0.5) = 0.5 (measured is 0 until 500 ms)
 * and the capacity to 1, so the bucket gains 0.05 s x 0.5 = 0.025 per
 * update: 0.225 at 500 ms. At 500 ms the half-second bucket closes: 10
 * attempts / 0.5 s = 20/s, measured = 0.8 x 20 = 16.
 * A throttle at 600 ms (limiter off: rateToUse = measured = 16):
 * last_max 16, K = cbrt(16 x 0.3 / 0.4) = cbrt(12), fill = 0.7 x 16 =
 * 11.2 = capacity, and the bucket, refilled 0.1 s x 0.5 first, holds
 * 0.275: not empty. An attempt then waits (1 - 0.275) / 11.2 s.
 * A success at 1 s closes the bucket [0.5, 1): 2 attempts / 0.5 s = 4/s,
 * measured = 0.8 x 4 + 0.2 x 16 = 6.4; W(0.4 s) = 0.4 (0.4 - cbrt(12))^3
 * + 16 = 13.30 is above 2 x 6.4, so the fill rate is 12.8. */
static void test_cubic_by_hand(void **state)
{
    (void)state;
    aws_adaptive_cfg_t c = defaults();
    aws_rate_t r;
    aws_rate_init(&r, 0);
    for (int k = 1; k <= 10; k++) {
        aws_rate_update(&r, &c, MS(50 * k), 0);
        assert_int_equal(r.on, 0);
        near(r.fill_rate, 0.5, "fill rate while off");
        near(r.capacity, 1, "capacity while off");
    }
    near(r.measured, 16, "measured rate at 500 ms");
    near(r.tokens, 0.225, "tokens at 500 ms");
    assert_int_equal(aws_rate_take(&r, &c, MS(550)), 1); /* off: free */
    near(r.tokens, 0.225, "tokens after an attempt while off");

    aws_rate_update(&r, &c, MS(600), 1);
    assert_int_equal(r.on, 1);
    near(r.last_max, 16, "last_max_rate");
    near(r.k, cbrt(12.0), "K");
    near(r.fill_rate, 11.2, "fill rate after the throttle");
    near(r.capacity, 11.2, "capacity after the throttle");
    near(r.tokens, 0.275, "tokens when switched on");
    assert_int_equal(aws_rate_take(&r, &c, MS(600)), 0);
    simtime_t wait = aws_rate_wait(&r, &c, MS(600));
    assert_true(wait == (simtime_t)ceil((1 - 0.275) / 11.2 * 1e9));
    assert_int_equal(aws_rate_take(&r, &c, MS(600) + wait - 1), 0);
    assert_int_equal(aws_rate_take(&r, &c, MS(600) + wait), 1);

    aws_rate_update(&r, &c, MS(1000), 0);
    near(r.measured, 6.4, "measured rate at 1 s");
    double w = 0.4 * pow(0.4 - cbrt(12.0), 3) + 16;
    near(r.calculated, w, "W(0.4 s)");
    assert_true(w > 12.8);
    near(r.fill_rate, 12.8, "fill rate: 2 x measured");
}

/* A steady 200 attempts/s (one every 5 ms) up to 1 s, the last one
 * throttled: measured = 0.8 x 200 + 0.2 x 160 = 192 at 1 s, last_max =
 * 192, K = cbrt(192 x 0.3 / 0.4) = cbrt(144), fill = 0.7 x 192 = 134.4
 * = W(0). The attempts go on at 200/s, all successful: measured tends to
 * 200, 2 x measured never binds, and the fill rate follows W(t) = 0.4
 * (t - K)^3 + 192, t from the throttle: 161.47/s at 1 s, 192 at K, 194.18
 * at 7 s. */
static void test_cubic_curve(void **state)
{
    (void)state;
    aws_adaptive_cfg_t c = defaults();
    aws_rate_t r;
    aws_rate_init(&r, 0);
    for (int k = 1; k < 200; k++)
        aws_rate_update(&r, &c, MS(5 * k), 0);
    aws_rate_update(&r, &c, MS(1000), 1);
    near(r.measured, 192, "measured at the throttle");
    near(r.fill_rate, 134.4, "fill rate after the throttle");
    double k = cbrt(144.0);
    for (int i = 201; i <= 1600; i++) {
        aws_rate_update(&r, &c, MS(5 * i), 0);
        double t = (double)(5 * i - 1000) / 1000.0;
        double want = 0.4 * pow(t - k, 3) + 192;
        near(r.fill_rate, want, "fill rate on W(t)");
        if (i == 201)
            near(r.fill_rate, 0.4 * pow(0.005 - k, 3) + 192, "W just after the throttle");
    }
    near(r.fill_rate, 0.4 * pow(7 - k, 3) + 192, "W(7 s)");
    assert_true(fabs(r.fill_rate - 194.18) < 0.01);
    assert_true(r.measured > 199.9 && r.measured <= 200);
}

/* A throttle as the very first update (measured 0): the fill rate falls
 * to its floor 0.5/s, the capacity to 1 and the bucket is empty (its
 * first refill only stamped the time): the next attempt waits 2 s.
 * Idle, the bucket fills to its capacity and no further. */
static void test_first_throttle_floor(void **state)
{
    (void)state;
    aws_adaptive_cfg_t c = defaults();
    aws_rate_t r;
    aws_rate_init(&r, 0);
    aws_rate_update(&r, &c, MS(100), 1);
    assert_int_equal(r.on, 1);
    near(r.fill_rate, 0.5, "floor");
    near(r.capacity, 1, "min capacity");
    near(r.tokens, 0, "tokens");
    assert_true(aws_rate_wait(&r, &c, MS(100)) == 2 * SIMTIME_S);
    assert_int_equal(aws_rate_take(&r, &c, MS(2100) - 1), 0);
    assert_int_equal(aws_rate_take(&r, &c, MS(2100)), 1);
    /* idle for 8 s at 0.5/s: 4 tokens' worth, but the bucket holds 1 */
    assert_true(aws_rate_wait(&r, &c, MS(10100)) == 0);
    near(r.tokens, 1, "tokens capped at the capacity");
}

/* Whole runs, one client at 1000 calls/s with no retries: with no
 * throttle the limiter never switches on (no attempt waits, whatever the
 * rate); a [limiter] answering 503 is no throttle by default, and is one
 * with throttle_on = 503. */
static void test_off_until_throttle(void **state)
{
    (void)state;
    static const char *const base = "[run]\nduration = 5s\ndrain = 5s\n[arrivals]\nrate = 1000\n[retry]\n"
                                    "max_attempts = 1\nattempt_timeout = 0\n[server]\nworkers = 1000\n"
                                    "service = const(1ms)\n[aws_adaptive]\nenabled = true\n";
    char text[1024];
    run_cfg_t c = with(base);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "aws_adaptive_limiters_on") == 0);
    assert_true(run_scalar(&r, "aws_adaptive_delayed") == 0);
    assert_true(run_scalar(&r, "server_arrivals") == run_scalar(&r, "calls"));
    run_result_free(&r);

    snprintf(text, sizeof text, "%s[limiter]\nkind = token_bucket\nrate = 500\nburst = 10\nstatus = 503\n", base);
    c = with(text);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "rejected_limiter") > 1000);
    assert_true(run_scalar(&r, "aws_adaptive_limiters_on") == 0);
    assert_true(run_scalar(&r, "aws_adaptive_delayed") == 0);
    run_result_free(&r);

    snprintf(text, sizeof text,
             "%s[limiter]\nkind = token_bucket\nrate = 500\nburst = 10\nstatus = 503\n[aws_adaptive]\nthrottle_on = 503\n",
             base);
    c = with(text);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "aws_adaptive_limiters_on") == 1);
    assert_true(run_scalar(&r, "aws_adaptive_delayed") > 1000);
    run_result_free(&r);
}

/* The sum of a series over buckets [b0, b1). */
static double total(const run_result_t *r, const char *name, int b0, int b1)
{
    int id = metrics_series_find(name);
    double s = 0;
    if (id < 0)
        fail_msg("no series %s", name);
    for (int b = b0; b < b1; b++)
        s += (double)stats_series_get(&r->series, id, b);
    return s;
}

/* One client, evenly spaced calls: 30/s for 5 s, 100/s for 10 s, then
 * 20/s; no retries, no deadline; a token-bucket limiter at 50/s (burst
 * 5) answers 429 above it. Without the model half the overload is
 * rejected. With it the client cuts its rate at the first 429, holds the
 * excess, finds about 50/s (the backlog leaves at that rate with a few
 * 429s a minute), and once the backlog is gone (at about 42 s) sends its
 * 20/s at once, its fill rate back up to 2 x the measured 20/s. */
static void test_adapts_to_limiter(void **state)
{
    (void)state;
    static const char *const base = "[run]\nduration = 60s\ndrain = 5s\n[arrivals]\nkind = schedule\n"
                                    "schedule = 0s:30, 5s:100, 15s:20\nschedule_process = constant\n[retry]\n"
                                    "max_attempts = 1\nattempt_timeout = 0\n[limiter]\nkind = token_bucket\n"
                                    "rate = 50\nburst = 5\n[server]\nworkers = 1000\nservice = const(1ms)\n"
                                    "[network]\nrequest = const(5ms)\nresponse = const(5ms)\n";
    char text[1024];
    run_cfg_t c = with(base);
    run_result_t r = run_ok(&c);
    double arr = total(&r, "server_arrivals", 5, 15), rej = total(&r, "rejected_limiter", 5, 15);
    if (!(rej > 0.4 * arr))
        fail_msg("without the model: %g of %g rejected in the overload", rej, arr);
    run_result_free(&r);

    snprintf(text, sizeof text, "%s[aws_adaptive]\nenabled = true\n", base);
    c = with(text);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == run_scalar(&r, "calls") - run_scalar(&r, "rejected_limiter"));
    arr = total(&r, "server_arrivals", 18, 40);
    rej = total(&r, "rejected_limiter", 5, 42);
    if (fabs(arr / 22 - 50) > 5)
        fail_msg("backlog sent at %.1f/s, expected about 50/s", arr / 22);
    if (!(rej < 0.03 * total(&r, "server_arrivals", 5, 42)))
        fail_msg("%g rejected while the client adapted", rej);
    assert_true(total(&r, "aws_adaptive_held", 18, 40) > 0);
    /* after the backlog: nothing held, nothing rejected, 20/s sent */
    assert_true(total(&r, "aws_adaptive_delayed", 45, 60) == 0);
    assert_true(total(&r, "rejected_limiter", 45, 60) == 0);
    assert_true(total(&r, "server_arrivals", 45, 60) == 15 * 20);
    int fill = metrics_series_find("aws_adaptive_fill_mrps");
    assert_true(stats_series_get(&r.series, fill, 6) < 10000); /* the cut after the first 429 */
    for (int b = 48; b < 60; b++)
        if (llabs(stats_series_get(&r.series, fill, b) - 40000) > 500)
            fail_msg("bucket %d: fill rate %lld mtokens/s, expected 2 x 20/s", b,
                     (long long)stats_series_get(&r.series, fill, b));
    assert_true(fabs(run_scalar(&r, "aws_adaptive_fill_rate_end") - 40) < 0.5);
    run_result_free(&r);
}

/* With the caller's deadline shorter than the wait, held attempts end
 * before their turn: they are never sent (the server sees only the
 * attempts that left), and fail_on_no_token ends calls at once instead. */
static void test_abandoned_and_fail_fast(void **state)
{
    (void)state;
    static const char *const base = "[run]\nduration = 20s\ndrain = 5s\n[arrivals]\nkind = schedule\n"
                                    "schedule = 0s:30, 5s:100\nschedule_process = constant\n[retry]\n"
                                    "max_attempts = 1\nattempt_timeout = 0\ndeadline = 1s\n[limiter]\n"
                                    "kind = token_bucket\nrate = 50\nburst = 5\n[server]\nworkers = 1000\n"
                                    "service = const(1ms)\n[network]\nrequest = const(5ms)\nresponse = const(5ms)\n"
                                    "[aws_adaptive]\nenabled = true\n";
    char text[1024];
    run_cfg_t c = with(base);
    run_result_t r = run_ok(&c);
    double ab = run_scalar(&r, "aws_adaptive_wait_abandoned");
    assert_true(ab > 100);
    assert_true(run_scalar(&r, "server_arrivals") == run_scalar(&r, "calls") - ab);
    run_result_free(&r);

    snprintf(text, sizeof text, "%s[aws_adaptive]\nfail_on_no_token = true\n", base);
    c = with(text);
    r = run_ok(&c);
    double denied = run_scalar(&r, "calls_denied_aws_adaptive");
    assert_true(denied > 100);
    assert_true(run_scalar(&r, "aws_adaptive_delayed") == 0);
    assert_true(run_scalar(&r, "server_arrivals") == run_scalar(&r, "calls") - denied);
    run_result_free(&r);
}

/* The adaptive mode's retry quota is the standard one without the +1 a
 * successful attempt returns (docs/clients.md §2): [retry_quota] kind =
 * aws with success_refund = 0. A call a second, one retry each (cost 5)
 * from a bucket of 10, two outages 20 s apart: the first outage's first
 * two failed calls retry and empty the bucket; 20 first-try successes
 * refill it with the standard +1 (two retries again in the second outage)
 * and not at all with success_refund = 0 (none). */
static void test_adaptive_quota(void **state)
{
    (void)state;
    static const char *const base = "[run]\nduration = 45s\ndrain = 5s\n[arrivals]\nkind = constant\nrate = 1\n"
                                    "[retry]\nmax_attempts = 2\nbackoff = constant\nbase = 0\njitter = none\n"
                                    "attempt_timeout = 0\nretry_on = 503\n[server]\nservice = const(0)\n"
                                    "outages = 0s-10s reject, 30s-40s reject\n[retry_quota]\nkind = aws\n"
                                    "capacity = 10\nretry_cost = 5\n";
    static const double want[2] = {4, 2};
    for (int refund = 1; refund >= 0; refund--) {
        char text[1024];
        snprintf(text, sizeof text, "%ssuccess_refund = %d\n", base, refund);
        run_cfg_t c = with(text);
        run_result_t r = run_ok(&c);
        if (run_scalar(&r, "retries") != want[1 - refund])
            fail_msg("success_refund = %d: %g retries, expected %g", refund, run_scalar(&r, "retries"),
                     want[1 - refund]);
        run_result_free(&r);
    }
}

/* cost above min_capacity is refused, naming the key; so are per-client
 * limiters beyond a GiB. */
static void test_bad_cost(void **state)
{
    (void)state;
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    assert_int_equal(cfg_doc_load_string(&d, "aws.ini", "[aws_adaptive]\nenabled = true\ncost = 2\n", err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "aws.ini:3: [aws_adaptive] cost: "));
    cfg_doc_free(&d);
    /* ten million per-client limiters: over a GiB */
    memset(&d, 0, sizeof d);
    assert_int_equal(cfg_doc_load_string(&d, "aws.ini", "[arrivals]\nclients = 10000000\n[aws_adaptive]\nenabled = true\n",
                                         err, sizeof err),
                     0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "scope = shared"));
    cfg_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_sdks),
        cmocka_unit_test(test_cubic_by_hand),
        cmocka_unit_test(test_cubic_curve),
        cmocka_unit_test(test_first_throttle_floor),
        cmocka_unit_test(test_off_until_throttle),
        cmocka_unit_test(test_adapts_to_limiter),
        cmocka_unit_test(test_abandoned_and_fail_fast),
        cmocka_unit_test(test_adaptive_quota),
        cmocka_unit_test(test_bad_cost),
    };
    return cmocka_run_group_tests_name("aws_adaptive", tests, NULL, NULL);
}
