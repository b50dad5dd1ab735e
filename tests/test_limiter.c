/*
 * Tests of the rate limiter (models/limiter): defaults and "none"; nginx
 * limit_req against sequences worked out by hand from the arithmetic of
 * nginx's ngx_http_limit_req_module.c (rate in milli-requests/s, excess in
 * milli-requests, time in whole ms; excess = max(0, excess - rate*ms/1000 +
 * 1000), reject above burst*1000, delay excess*1000/rate ms); the token
 * bucket's burst-then-rate behaviour over long regular arrival patterns.
 * Every expected number is derived in a comment next to its check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_util.h"

#include <stdio.h>
#include <string.h>

#include "limiter.h"

static const simtime_t MS = SIMTIME_MS;

static limiter_t make(limiter_kind_t kind, double rate, double burst, int nodelay)
{
    limiter_cfg_t c;
    c = test_defaults().limiter;
    c.kind = kind;
    c.rate = rate;
    c.burst = burst;
    c.nodelay = nodelay;
    limiter_t l;
    memset(&l, 0x5a, sizeof l); /* init must set every field */
    limiter_init(&l, &c);
    return l;
}

/* Admit at `now` and check the verdict and the delay (ns). */
static void expect(limiter_t *l, simtime_t now, int admit, simtime_t delay)
{
    limiter_verdict_t v = limiter_admit(l, now);
    if (v.admit != admit || v.delay != delay)
        fail_msg("at %lld ns: admit %d delay %lld ns, expected admit %d delay %lld ns", (long long)now, v.admit,
                 (long long)v.delay, admit, (long long)delay);
}

static void test_defaults_and_none(void **state)
{
    (void)state;
    limiter_cfg_t c;
    memset(&c, 0xa5, sizeof c);
    c = test_defaults().limiter;
    assert_int_equal(c.kind, LIMITER_NONE);
    assert_true(c.rate == 1000.0);
    assert_true(c.burst == 100.0);
    assert_int_equal(c.nodelay, 0);
    assert_int_equal(c.reject_status, 429);
    assert_int_equal(c.retry_after, 0);
    limiter_t l;
    limiter_init(&l, &c);
    assert_int_equal(l.cfg.reject_status, 429);
    for (int i = 0; i < 100000; i++) /* far above rate and burst, all at once */
        expect(&l, 5 * MS, 1, 0);
}

/* ---- nginx limit_req --------------------------------------------------- */

/* rate 10 r/s (10000 milli-req/s), burst 0: one request every 10 ms for
 * 10 s, t = 0, 10, ..., 9990 ms (1000 requests).
 * t = 0: new node, excess 0, admitted, last = 0.
 * t = 10k ms after the last admission: excess = 0 - 10000 * 10k / 1000 +
 * 1000 = 1000 - 100k > 0 = burst for k < 10: rejected, node unchanged;
 * k = 10 (100 ms): excess 0, admitted, last moves.
 * So exactly t = 0, 100, ..., 9900 ms are admitted: 100 requests, each with
 * no delay (excess 0). That is rate * 10 s = 100. */
static void test_nginx_burst0_one_per_interval(void **state)
{
    (void)state;
    limiter_t l = make(LIMITER_NGINX, 10.0, 0.0, 0);
    int admitted = 0;
    for (simtime_t t = 0; t < 10000; t += 10) {
        limiter_verdict_t v = limiter_admit(&l, t * MS);
        assert_int_equal(v.admit, t % 100 == 0);
        assert_int_equal(v.delay, 0);
        admitted += v.admit;
    }
    assert_int_equal(admitted, 100);

    /* Every 30 ms instead: after an admission at a, a+30: 1000-300 = 700,
     * a+60: 400, a+90: 100 (rejected), a+120: 1000-1200 < 0 -> 0 admitted.
     * Admissions at 0, 120, 240, ..., the last below 10 s is 9960 =
     * 83 * 120: 84 admitted, fewer than 100 (nginx's floor, not a bug). */
    l = make(LIMITER_NGINX, 10.0, 0.0, 0);
    admitted = 0;
    for (simtime_t t = 0; t < 10000; t += 30) {
        limiter_verdict_t v = limiter_admit(&l, t * MS);
        assert_int_equal(v.admit, t % 120 == 0);
        admitted += v.admit;
    }
    assert_int_equal(admitted, 84);

    /* rate 1 r/s: a rejection leaves the node alone, so 500 ms and 999 ms
     * are rejected (1000 - 500, 1000 - 999 > 0) and 1000 ms admitted. Had
     * the rejection at 500 been stored, 1000 ms would be rejected. */
    l = make(LIMITER_NGINX, 1.0, 0.0, 0);
    expect(&l, 0, 1, 0);
    expect(&l, 500 * MS, 0, 0);
    expect(&l, 999 * MS, 0, 0);
    expect(&l, 1000 * MS, 1, 0);
}

/* rate 10 r/s, burst 5, nodelay; 20 requests at t = 0 (same ms):
 * request k (1-based) sees excess 1000 (k - 1) (ms = 0, nothing drains):
 * admitted while 1000 (k - 1) <= 5000, i.e. k <= 6 = burst + 1; the other
 * 14 are rejected. nodelay: no delay. Then the node holds excess 5000 and
 * last 0; a request every 10 ms from 10 ms: excess = 5000 - 10 t + 1000
 * <= 5000 first at t = 100 ms (excess 5000 again, last = 100), then every
 * 100 ms: 100, 200, ..., 1000 ms -> 10 more in (0, 1 s], 16 in all. */
static void test_nginx_burst_nodelay(void **state)
{
    (void)state;
    limiter_t l = make(LIMITER_NGINX, 10.0, 5.0, 1);
    int admitted = 0;
    for (int k = 1; k <= 20; k++) {
        limiter_verdict_t v = limiter_admit(&l, 0);
        assert_int_equal(v.admit, k <= 6);
        assert_int_equal(v.delay, 0);
        admitted += v.admit;
    }
    assert_int_equal(admitted, 6);
    assert_int_equal(l.excess, 5000);
    for (simtime_t t = 10; t <= 1000; t += 10) {
        limiter_verdict_t v = limiter_admit(&l, t * MS);
        assert_int_equal(v.admit, t % 100 == 0);
        assert_int_equal(v.delay, 0);
        admitted += v.admit;
    }
    assert_int_equal(admitted, 16);
}

/* Without nodelay the admitted burst is delayed by excess / rate. */
static void test_nginx_delays(void **state)
{
    (void)state;
    /* rate 10 r/s, burst 5, 7 requests at t = 0: excess 0, 1000, ..., 5000;
     * delay = excess * 1000 / 10000 ms = 0, 100, ..., 500 ms; the 7th
     * (excess 6000 > 5000) is rejected. */
    limiter_t l = make(LIMITER_NGINX, 10.0, 5.0, 0);
    for (int k = 0; k < 6; k++)
        expect(&l, 0, 1, k * 100 * MS);
    expect(&l, 0, 0, 0);
    /* 250 ms later: 5000 - 10000 * 250 / 1000 + 1000 = 3500 -> 350 ms */
    expect(&l, 250 * MS, 1, 350 * MS);

    /* rate 3 r/s (3000), burst 2, integer division everywhere:
     * t = 0: new node, 0 ms.
     * t = 0: excess 1000, delay 1000 * 1000 / 3000 = 333 ms.
     * t = 1 ms: 1000 - 3000 * 1 / 1000 + 1000 = 1997, delay 1997000 / 3000
     *   = 665 ms (665.67 truncated), last = 1.
     * t = 400 ms: ms 399: 1997 - 1197 + 1000 = 1800, delay 600 ms.
     * t = 401 ms: 1800 - 3 + 1000 = 2797 > 2000: rejected.
     * t = 733 ms: ms 333 from 400: 1800 - 999 + 1000 = 1801, delay 600 ms
     *   (600.33 truncated). */
    l = make(LIMITER_NGINX, 3.0, 2.0, 0);
    expect(&l, 0, 1, 0);
    expect(&l, 0, 1, 333 * MS);
    expect(&l, 1 * MS, 1, 665 * MS);
    expect(&l, 400 * MS, 1, 600 * MS);
    expect(&l, 401 * MS, 0, 0);
    expect(&l, 733 * MS, 1, 600 * MS);
    assert_int_equal(l.excess, 1801);
    assert_int_equal(l.last_ms, 733);
}

/* nginx sees whole milliseconds (now / 1e6 ns, truncated). */
static void test_nginx_ms_truncation(void **state)
{
    (void)state;
    /* rate 10 r/s, burst 0 (one per 100 ms):
     * 0.999999 ms is ms 0: admitted, last 0.
     * 100.000000 ms is ms 100: 1000 - 1000 = 0: admitted, although only
     *   99.000001 ms really passed.
     * 100.5 ms is ms 100 again: ms = 0, excess 1000 > 0: rejected.
     * 200.1 ms (ms 200) admitted; 200.9 ms, same ms, rejected. */
    limiter_t l = make(LIMITER_NGINX, 10.0, 0.0, 0);
    expect(&l, 999999, 1, 0);
    expect(&l, 100 * MS, 1, 0);
    expect(&l, 100 * MS + 500000, 0, 0);
    expect(&l, 200 * MS + 100000, 1, 0);
    expect(&l, 200 * MS + 900000, 0, 0);

    /* Two requests in the same ms with burst 1: the second is not drained
     * at all (ms = 0): excess 1000, delay 1000 * 1000 / 10000 = 100 ms. */
    l = make(LIMITER_NGINX, 10.0, 1.0, 0);
    expect(&l, 7 * MS + 100, 1, 0);
    expect(&l, 7 * MS + 999999, 1, 100 * MS);
    expect(&l, 7 * MS + 999999, 0, 0);

    /* The rate is truncated to whole milli-requests/s like nginx's
     * rate * 1000 / 60 for "7r/m": 7000 / 60 = 116 (not 116.67). Burst 0:
     * the next admission needs 116 * ms / 1000 >= 1000: 8620 ms gives
     * 999 (excess 1, rejected), 8621 ms gives 1000 (admitted). The exact
     * rate would allow one every 8571.4 ms. */
    l = make(LIMITER_NGINX, 7.0 / 60.0, 0.0, 0);
    expect(&l, 0, 1, 0);
    expect(&l, 8571 * MS, 0, 0);
    expect(&l, 8620 * MS, 0, 0);
    expect(&l, 8621 * MS, 1, 0);
}

/* Time going backwards (an out-of-order call) is clamped as nginx does:
 * by up to 60 s counts as 0 ms and leaves `last` alone; by more counts as
 * 1 ms and moves `last`. */
static void test_nginx_time_backwards(void **state)
{
    (void)state;
    /* rate 10 r/s, burst 5:
     * t = 100 ms: new node, last 100.
     * t = 50 ms: ms -50 -> 0: excess 1000, delay 100 ms, last stays 100.
     * t = 150 ms: ms 50 (from 100): 1000 - 500 + 1000 = 1500, delay 150 ms.
     *   (Had last moved to 50: 1000 - 1000 + 1000 = 1000, delay 100 ms.) */
    limiter_t l = make(LIMITER_NGINX, 10.0, 5.0, 0);
    expect(&l, 100 * MS, 1, 0);
    expect(&l, 50 * MS, 1, 100 * MS);
    assert_int_equal(l.last_ms, 100);
    expect(&l, 150 * MS, 1, 150 * MS);

    /* t = 100 s: new node. t = 30 s: ms -70000 -> 1: 0 - 10 + 1000 = 990,
     * delay 99 ms, last = 30000. t = 30.1 s: ms 100: 990 - 1000 + 1000 =
     * 990, delay 99 ms. */
    l = make(LIMITER_NGINX, 10.0, 5.0, 0);
    expect(&l, 100 * SIMTIME_S, 1, 0);
    expect(&l, 30 * SIMTIME_S, 1, 99 * MS);
    assert_int_equal(l.last_ms, 30000);
    expect(&l, 30100 * MS, 1, 99 * MS);
}

/* ---- token bucket ------------------------------------------------------ */

/* Run requests every `step` ns for [0, end) ns; check tokens stay within
 * [0, burst] and no delay is ever given; return the number admitted and
 * record which arrivals were admitted (by index) in `adm` if not NULL. */
static int bucket_run(limiter_t *l, simtime_t step, simtime_t end, unsigned char *adm)
{
    int admitted = 0, i = 0;
    for (simtime_t t = 0; t < end; t += step, i++) {
        limiter_verdict_t v = limiter_admit(l, t);
        assert_int_equal(v.delay, 0);
        assert_true(l->tokens >= 0.0 && l->tokens <= l->cfg.burst);
        admitted += v.admit;
        if (adm)
            adm[i] = (unsigned char)v.admit;
    }
    return admitted;
}

/* rate 100 tokens/s, burst 10, a request every 1 ms for 10 s (10,000).
 * The bucket starts full; each ms adds 0.1 token. Before request j
 * (t = j ms) while every request is admitted: 10 - j + 0.1 j = 10 - 0.9 j
 * >= 1 for j <= 10: requests 0..10 (11) are admitted and leave 0 tokens.
 * Then a token is complete every 10 ms: j = 20, 30, ..., 9990 (998).
 * Total 1009 = floor(burst + rate * 9.999 s) = floor(1009.9). */
static void test_bucket_burst_then_rate(void **state)
{
    (void)state;
    static unsigned char adm[10000];
    limiter_t l = make(LIMITER_TOKEN_BUCKET, 100.0, 10.0, 0);
    assert_true(l.tokens == 10.0); /* starts full */
    assert_int_equal(bucket_run(&l, MS, 10000 * MS, adm), 1009);
    for (int j = 0; j < 10000; j++) {
        int want = j <= 10 || (j >= 20 && j % 10 == 0);
        if (adm[j] != want)
            fail_msg("request %d (t = %d ms): admit %d, expected %d", j, j, adm[j], want);
    }

    /* rate 100/s, burst 10, a request every 4 ms (250/s) for 100 s
     * (25,000 requests, the last at 99.996 s). Before request j while all
     * are admitted: 10 - j + 0.4 j >= 1 for j <= 15: 16 admitted, 0 tokens
     * left. Then +0.4 per request: j = 16: 0.4, 17: 0.8, 18: 1.2 (admit,
     * 0.2), 19: 0.6, 20: 1.0 (admit, 0): 2 per 5 requests, repeating.
     * j = 16..24995: 4996 blocks, 9992 admitted; j = 24996..24999 are the
     * block's first 4, admitting 1 (offset 2). Total 16 + 9992 + 1 = 10009
     * = floor(burst + rate * 99.996 s) = floor(10009.6). */
    l = make(LIMITER_TOKEN_BUCKET, 100.0, 10.0, 0);
    assert_int_equal(bucket_run(&l, 4 * MS, 100 * SIMTIME_S, NULL), 10009);

    /* below the rate (every 20 ms at 100/s) everything is admitted */
    l = make(LIMITER_TOKEN_BUCKET, 100.0, 10.0, 0);
    assert_int_equal(bucket_run(&l, 20 * MS, 100 * SIMTIME_S, NULL), 5000);
}

/* A long idle period refills to the capacity and never beyond. */
static void test_bucket_never_above_burst(void **state)
{
    (void)state;
    limiter_t l = make(LIMITER_TOKEN_BUCKET, 100.0, 10.0, 0);
    for (int k = 0; k < 10; k++) /* drain the 10 starting tokens at t = 0 */
        expect(&l, 0, 1, 0);
    expect(&l, 0, 0, 0);
    /* 1000 s idle would be 100,000 tokens uncapped: exactly 10 are there */
    for (int k = 0; k < 10; k++)
        expect(&l, 1000 * SIMTIME_S, 1, 0);
    expect(&l, 1000 * SIMTIME_S, 0, 0);
    assert_true(l.tokens >= 0.0 && l.tokens < 1.0);
    /* 10 ms later one token (100/s * 0.01 s) */
    expect(&l, 1000 * SIMTIME_S + 10 * MS, 1, 0);
    expect(&l, 1000 * SIMTIME_S + 10 * MS, 0, 0);
    /* 5 ms later half a token: rejected */
    expect(&l, 1000 * SIMTIME_S + 15 * MS, 0, 0);
    /* a request arriving out of order refills nothing */
    expect(&l, 999 * SIMTIME_S, 0, 0);
    expect(&l, 1000 * SIMTIME_S + 20 * MS, 1, 0);
    /* burst 1: strictly one per 1/rate */
    l = make(LIMITER_TOKEN_BUCKET, 2.0, 1.0, 0);
    expect(&l, 0, 1, 0);
    expect(&l, 499 * MS, 0, 0);
    expect(&l, 500 * MS, 1, 0);
    expect(&l, 10 * SIMTIME_S, 1, 0);
    expect(&l, 10 * SIMTIME_S, 0, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_none),
        cmocka_unit_test(test_nginx_burst0_one_per_interval),
        cmocka_unit_test(test_nginx_burst_nodelay),
        cmocka_unit_test(test_nginx_delays),
        cmocka_unit_test(test_nginx_ms_truncation),
        cmocka_unit_test(test_nginx_time_backwards),
        cmocka_unit_test(test_bucket_burst_then_rate),
        cmocka_unit_test(test_bucket_never_above_burst),
    };
    return cmocka_run_group_tests_name("limiter", tests, NULL, NULL);
}
