/*
 * Tests of the client-side protections (models/protect), first as a pure
 * module driven by hand-made event sequences, then through whole runs.
 *
 * Pure rules, with every expected number worked out here by hand from the
 * sources' rules (never by calling the code under test for the answer):
 *   - AWS SDK retry quota: 500 tokens, a retry costs 5 (10 after a
 *     timeout) and needs at least its cost in the bucket, a first-try
 *     success returns 1, a success after retries returns the last retry's
 *     cost, capped at the capacity;
 *   - gRPC retry throttling (gRFC A6): a retryable failure takes 1 token, a
 *     success adds token_ratio, clamped to [0, max_tokens]; retries only
 *     while tokens > max_tokens / 2;
 *   - retry budget: retries in window <= ratio x calls + floor x window, at
 *     every instant (against a brute-force recount) and over a long run;
 *   - adaptive throttling: p = max(0, (requests - K accepts)/(requests + 1));
 *   - circuit breaker: opens, stays open for open_for, half-opens, closes
 *     after its probes succeed, reopens on a failed probe.
 *
 * Whole runs (docs/retry-policies.md, "Theory the tests check the
 * simulator against", independent failures): every attempt fails
 * independently with p = 0.5 (a 500 the client retries), max_attempts 4,
 * so an unprotected call makes (1 - p^4)/(1 - p) = 1.875 attempts. With a token bucket for retries the
 * long-run load per call stays below that, and below 1 + r for a bucket
 * that earns r retries per call; the exact claims are stated at each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "metrics.h"
#include "protect.h"
#include "run.h"

#define S(x) ((simtime_t)((x) * 1e9)) /* seconds -> ns */

static void init(protect_t *p, const protect_cfg_t *c, uint32_t clients)
{
    char err[256];
    if (protect_init(p, c, clients, err, sizeof err) != 0)
        fail_msg("protect_init: %s", err);
}

/* One attempt of a call, admitted at t, ending with o at t. */
static void attempt(protect_t *p, uint32_t client, simtime_t t, protect_call_t *pc, outcome_t o, int retryable)
{
    assert_int_equal(protect_admit(p, client, t, pc, NULL), PROTECT_PASS);
    protect_attempt_end(p, client, t, pc, o, retryable);
}

static void assert_tokens(const protect_t *p, uint32_t client, double want)
{
    double got = protect_quota_tokens(p, client);
    if (fabs(got - want) > 1e-9)
        fail_msg("tokens %.6f, expected %.6f", got, want);
}

/* ------------------------------------------------------------------ */
/* Off                                                                  */
/* ------------------------------------------------------------------ */

static void test_off(void **state)
{
    (void)state;
    protect_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = protect_cfg_of(&d__);
    }
    assert_false(protect_any(&c));
    assert_int_equal(protect_memory(&c, 1000), 0);
    protect_t p;
    init(&p, &c, 1000);
    assert_null(p.tokens);
    assert_null(p.slots);
    protect_call_t pc;
    protect_call_start(&p, 3, 0, &pc);
    assert_int_equal(protect_admit(&p, 3, 0, &pc, NULL), PROTECT_PASS);
    protect_attempt_end(&p, 3, 0, &pc, OUT_503, 1);
    assert_int_equal(protect_retry(&p, 3, 0, &pc, OUT_503), PROTECT_PASS);
    assert_int_equal(protect_breaker_level(&p), BREAKER_CLOSED);
    protect_free(&p);
    c.throttle.enabled = 1;
    assert_true(protect_any(&c));
}

/* ------------------------------------------------------------------ */
/* AWS retry quota                                                      */
/* ------------------------------------------------------------------ */

static protect_cfg_t aws_cfg(int capacity)
{
    protect_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = protect_cfg_of(&d__);
    }
    c.quota.kind = QUOTA_AWS;
    c.quota.capacity = capacity;
    return c;
}

static void test_aws_arithmetic(void **state)
{
    (void)state;
    protect_cfg_t c = aws_cfg(500);
    protect_t p;
    init(&p, &c, 1);
    protect_call_t a, b;
    assert_tokens(&p, 0, 500);

    /* call a: 503, retry (-5), timeout, retry (-10), success: +10 back */
    protect_call_start(&p, 0, 0, &a);
    attempt(&p, 0, 0, &a, OUT_503, 1);
    assert_tokens(&p, 0, 500); /* a failure by itself costs nothing */
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_503), PROTECT_PASS);
    assert_tokens(&p, 0, 495);
    assert_int_equal(a.quota_cost, 5);
    protect_admit(&p, 0, 0, &a, NULL);
    protect_attempt_end(&p, 0, 0, &a, OUT_TIMEOUT, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_TIMEOUT), PROTECT_PASS);
    assert_tokens(&p, 0, 485);
    assert_int_equal(a.quota_cost, 10);
    attempt(&p, 0, 0, &a, OUT_OK, 0);
    assert_tokens(&p, 0, 495); /* the last retry's cost comes back */

    /* call b: first-try success, +1 each; capped at 500 */
    for (int i = 0; i < 4; i++) {
        protect_call_start(&p, 0, 0, &b);
        attempt(&p, 0, 0, &b, OUT_OK, 0);
    }
    assert_tokens(&p, 0, 499);
    for (int i = 0; i < 3; i++) {
        protect_call_start(&p, 0, 0, &b);
        attempt(&p, 0, 0, &b, OUT_OK, 0);
    }
    assert_tokens(&p, 0, 500);
    protect_free(&p);

    /* A bucket of 12: retries need at least their cost */
    c = aws_cfg(12);
    init(&p, &c, 1);
    protect_call_start(&p, 0, 0, &a);
    attempt(&p, 0, 0, &a, OUT_503, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_503), PROTECT_PASS); /* 12 -> 7 */
    assert_tokens(&p, 0, 7);
    attempt(&p, 0, 0, &a, OUT_TIMEOUT, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_TIMEOUT), PROTECT_DENY_QUOTA); /* 10 > 7 */
    assert_tokens(&p, 0, 7);                                                          /* nothing taken */
    assert_int_equal(a.quota_cost, 5);
    protect_call_start(&p, 0, 0, &b);
    attempt(&p, 0, 0, &b, OUT_429, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &b, OUT_429), PROTECT_PASS); /* 7 -> 2 */
    attempt(&p, 0, 0, &b, OUT_429, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &b, OUT_429), PROTECT_DENY_QUOTA); /* 5 > 2 */
    assert_tokens(&p, 0, 2);
    for (int i = 0; i < 3; i++) { /* three first-try successes: 2 -> 5 */
        protect_call_t s;
        protect_call_start(&p, 0, 0, &s);
        attempt(&p, 0, 0, &s, OUT_OK, 0);
    }
    assert_tokens(&p, 0, 5);
    protect_call_start(&p, 0, 0, &b);
    attempt(&p, 0, 0, &b, OUT_503, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &b, OUT_503), PROTECT_PASS); /* exactly its cost: 5 -> 0 */
    assert_tokens(&p, 0, 0);
    attempt(&p, 0, 0, &b, OUT_OK, 0);
    assert_tokens(&p, 0, 5);
    /* a refund never lifts the bucket above its capacity: 5 + 5 + 5 -> 12 */
    for (int i = 0; i < 2; i++) {
        protect_call_start(&p, 0, 0, &b);
        attempt(&p, 0, 0, &b, OUT_503, 1);
        assert_int_equal(protect_retry(&p, 0, 0, &b, OUT_503), PROTECT_PASS);
        attempt(&p, 0, 0, &b, OUT_OK, 0);
    }
    protect_call_start(&p, 0, 0, &b);
    attempt(&p, 0, 0, &b, OUT_503, 1);
    protect_retry(&p, 0, 0, &b, OUT_503); /* 5 -> 0 */
    for (int i = 0; i < 10; i++) {
        protect_call_t s;
        protect_call_start(&p, 0, 0, &s);
        attempt(&p, 0, 0, &s, OUT_OK, 0); /* 0 -> 10 */
    }
    attempt(&p, 0, 0, &b, OUT_OK, 0); /* 10 + 5 -> 12 */
    assert_tokens(&p, 0, 12);
    protect_free(&p);

    /* refund_retry = false (the simpler bucket of docs/retry-policies.md):
     * a success after a retry returns nothing */
    c = aws_cfg(500);
    c.quota.refund_retry = 0;
    init(&p, &c, 1);
    protect_call_start(&p, 0, 0, &a);
    attempt(&p, 0, 0, &a, OUT_503, 1);
    protect_retry(&p, 0, 0, &a, OUT_503);
    attempt(&p, 0, 0, &a, OUT_OK, 0);
    assert_tokens(&p, 0, 495);
    protect_free(&p);
}

/* ------------------------------------------------------------------ */
/* gRPC retry throttling                                                */
/* ------------------------------------------------------------------ */

static protect_cfg_t grpc_cfg(double max_tokens, double ratio)
{
    protect_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = protect_cfg_of(&d__);
    }
    c.quota.kind = QUOTA_GRPC;
    c.quota.max_tokens = max_tokens;
    c.quota.token_ratio = ratio;
    return c;
}

/* A retryable failure, then the retry question. */
static protect_verdict_t fail_and_ask(protect_t *p, protect_call_t *pc)
{
    attempt(p, 0, 0, pc, OUT_503, 1);
    return protect_retry(p, 0, 0, pc, OUT_503);
}

static void successes(protect_t *p, int n)
{
    for (int i = 0; i < n; i++) {
        protect_call_t s;
        protect_call_start(p, 0, 0, &s);
        attempt(p, 0, 0, &s, OUT_OK, 0);
    }
}

/* The 2026 AWS rules: a retry after a throttling error (429) costs
 * throttle_cost (5) instead of retry_cost (14); and the pre-2026 Go SDK's
 * +1 on a successful retry besides the refund (increment_retried). */
static void test_aws_throttle_cost_and_increment(void **state)
{
    (void)state;
    protect_cfg_t c = aws_cfg(500);
    c.quota.retry_cost = 14;
    c.quota.throttle_cost = 5;
    c.quota.timeout_cost = 14;
    protect_t p;
    init(&p, &c, 1);
    protect_call_t a;
    protect_call_start(&p, 0, 0, &a);
    attempt(&p, 0, 0, &a, OUT_429, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_429), PROTECT_PASS);
    assert_tokens(&p, 0, 495);
    attempt(&p, 0, 0, &a, OUT_503, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_503), PROTECT_PASS);
    assert_tokens(&p, 0, 481);
    attempt(&p, 0, 0, &a, OUT_OK, 0);
    assert_tokens(&p, 0, 495); /* the last retry's 14 back, no +1 */
    protect_free(&p);

    c = aws_cfg(500);
    c.quota.increment_retried = 1;
    init(&p, &c, 1);
    protect_call_start(&p, 0, 0, &a);
    attempt(&p, 0, 0, &a, OUT_503, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_503), PROTECT_PASS);
    assert_tokens(&p, 0, 495);
    attempt(&p, 0, 0, &a, OUT_OK, 0);
    assert_tokens(&p, 0, 500); /* 5 back + 1, capped at 500 */
    protect_call_start(&p, 0, 0, &a);
    attempt(&p, 0, 0, &a, OUT_503, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_503), PROTECT_PASS);
    attempt(&p, 0, 0, &a, OUT_503, 1);
    assert_int_equal(protect_retry(&p, 0, 0, &a, OUT_503), PROTECT_PASS);
    assert_tokens(&p, 0, 490);
    attempt(&p, 0, 0, &a, OUT_OK, 0);
    assert_tokens(&p, 0, 496); /* the last retry's 5 + 1 */
    protect_free(&p);
}

static void test_grpc_tokens(void **state)
{
    (void)state;
    protect_cfg_t c = grpc_cfg(10, 0.1);
    protect_t p;
    init(&p, &c, 1);
    protect_call_t a;
    protect_call_start(&p, 0, 0, &a);
    assert_tokens(&p, 0, 10);
    /* 9, 8, 7, 6 are all > 5: retries allowed (and they take nothing more) */
    for (int t = 9; t >= 6; t--) {
        assert_int_equal(fail_and_ask(&p, &a), PROTECT_PASS);
        assert_tokens(&p, 0, t);
    }
    assert_int_equal(fail_and_ask(&p, &a), PROTECT_DENY_QUOTA); /* 5 > 5 is false */
    assert_tokens(&p, 0, 5);
    successes(&p, 1); /* 5.1 */
    assert_tokens(&p, 0, 5.1);
    assert_int_equal(fail_and_ask(&p, &a), PROTECT_DENY_QUOTA); /* 4.1 */
    successes(&p, 19);                                          /* 6.0 */
    assert_tokens(&p, 0, 6.0);
    assert_int_equal(fail_and_ask(&p, &a), PROTECT_DENY_QUOTA); /* 5.0: not above */
    successes(&p, 11);                                          /* 6.1 */
    assert_int_equal(fail_and_ask(&p, &a), PROTECT_PASS);       /* 5.1 > 5 */
    assert_tokens(&p, 0, 5.1);
    /* a failure the policy does not retry costs nothing */
    attempt(&p, 0, 0, &a, OUT_500, 0);
    assert_tokens(&p, 0, 5.1);
    /* never below 0, never above max_tokens */
    for (int i = 0; i < 20; i++)
        fail_and_ask(&p, &a);
    assert_tokens(&p, 0, 0);
    successes(&p, 200);
    assert_tokens(&p, 0, 10);
    protect_free(&p);

    /* an odd maximum: threshold 1.5 */
    c = grpc_cfg(3, 0.5);
    init(&p, &c, 1);
    assert_int_equal(fail_and_ask(&p, &a), PROTECT_PASS);       /* 2 > 1.5 */
    assert_int_equal(fail_and_ask(&p, &a), PROTECT_DENY_QUOTA); /* 1 */
    successes(&p, 1);                                           /* 1.5 */
    assert_int_equal(fail_and_ask(&p, &a), PROTECT_DENY_QUOTA); /* 0.5 */
    protect_free(&p);
}

/* Scope: per client id (modulo the number of clients) or shared. */
static void test_scope(void **state)
{
    (void)state;
    protect_cfg_t c = grpc_cfg(10, 0.1);
    protect_t p;
    protect_call_t a;
    init(&p, &c, 3);
    protect_call_start(&p, 1, 0, &a);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(protect_admit(&p, 1, 0, &a, NULL), PROTECT_PASS);
        protect_attempt_end(&p, 1, 0, &a, OUT_503, 1);
    }
    assert_tokens(&p, 1, 6);
    assert_tokens(&p, 4, 6); /* client 4 is client 4 mod 3 = 1 */
    assert_tokens(&p, 0, 10);
    assert_tokens(&p, 2, 10);
    protect_free(&p);
    c.quota.scope = PROTECT_SCOPE_SHARED;
    init(&p, &c, 3);
    protect_attempt_end(&p, 1, 0, &a, OUT_503, 1);
    protect_attempt_end(&p, 2, 0, &a, OUT_503, 1);
    assert_tokens(&p, 0, 8);
    protect_free(&p);
}

/* ------------------------------------------------------------------ */
/* Retry budget                                                         */
/* ------------------------------------------------------------------ */

static protect_cfg_t budget_cfg(double ratio, double floor_per_s, int window_s)
{
    protect_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = protect_cfg_of(&d__);
    }
    c.budget.enabled = 1;
    c.budget.ratio = ratio;
    c.budget.min_retries_per_s = floor_per_s;
    c.budget.window = window_s * SIMTIME_S;
    return c;
}

static int grant_until_denied(protect_t *p, simtime_t t)
{
    protect_call_t pc;
    memset(&pc, 0, sizeof pc);
    int n = 0;
    while (protect_retry(p, 0, t, &pc, OUT_503) == PROTECT_PASS)
        n++;
    return n;
}

static void test_budget_counts(void **state)
{
    (void)state;
    protect_cfg_t c = budget_cfg(0.1, 0, 10);
    protect_t p;
    protect_call_t pc;
    init(&p, &c, 1);
    for (int i = 0; i < 100; i++)
        protect_call_start(&p, 0, 0, &pc);
    assert_int_equal(grant_until_denied(&p, 0), 10); /* 0.1 x 100 */
    assert_int_equal(grant_until_denied(&p, S(9.999)), 0);
    uint64_t q, r;
    protect_budget_counts(&p, 0, S(9.999), &q, &r);
    assert_true(q == 100 && r == 10);
    /* at 10 s the bucket of second 0 leaves the window: no calls, no retries */
    protect_budget_counts(&p, 0, S(10), &q, &r);
    assert_true(q == 0 && r == 0);
    assert_int_equal(grant_until_denied(&p, S(10)), 0);
    for (int i = 0; i < 55; i++)
        protect_call_start(&p, 0, S(10.5), &pc);
    assert_int_equal(grant_until_denied(&p, S(11)), 5); /* floor(5.5) */
    protect_free(&p);

    /* the floor: 1 retry/s x 10 s, whatever the calls */
    c = budget_cfg(0, 1, 10);
    init(&p, &c, 1);
    assert_int_equal(grant_until_denied(&p, S(0.5)), 10);
    assert_int_equal(grant_until_denied(&p, S(9.5)), 0);
    assert_int_equal(grant_until_denied(&p, S(10)), 10);
    protect_free(&p);

    /* quota first, budget second, and a budget denial takes no tokens */
    c = budget_cfg(0, 0, 10);
    c.quota.kind = QUOTA_AWS;
    init(&p, &c, 1);
    protect_call_start(&p, 0, 0, &pc);
    assert_int_equal(protect_retry(&p, 0, 0, &pc, OUT_503), PROTECT_DENY_BUDGET);
    assert_tokens(&p, 0, 500);
    assert_int_equal(pc.quota_cost, 0);
    protect_free(&p);
}

/* Random demand far above the budget for 5000 s: calls in bursts (a rate
 * redrawn every few seconds, often 0), retries asked at 60/s. Every grant
 * must satisfy the window rule against a brute-force recount of the log,
 * every denial must be one the rule requires, and the whole run must
 * satisfy retries <= ratio x calls + floor x window x ceil(T / window),
 * which holds because the grants can be covered by disjoint windows, each
 * ending at a grant (see protect.c). */
static void test_budget_long_run(void **state)
{
    (void)state;
    const int W = 10, T = 5000;
    const double ratio = 0.1, floor_per_s = 2;
    protect_cfg_t c = budget_cfg(ratio, floor_per_s, W);
    protect_t p;
    init(&p, &c, 1);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 7);
    int64_t *calls = calloc(T, sizeof *calls), *retries = calloc(T, sizeof *retries);
    assert_non_null(calls);
    assert_non_null(retries);
    int64_t q_total = 0, r_total = 0, denied = 0;
    double rate = 0;
    simtime_t t = 0;
    protect_call_t pc;
    memset(&pc, 0, sizeof pc);
    while (1) {
        /* next event: a call at `rate`/s or a retry request at 60/s */
        double total = rate + 60;
        t += (simtime_t)(-log(1 - gsl_rng_uniform(g)) / total * 1e9) + 1;
        if (t >= (simtime_t)T * SIMTIME_S)
            break;
        int sec = (int)(t / SIMTIME_S);
        if (gsl_rng_uniform(g) < 0.01) /* redraw the call rate now and then */
            rate = gsl_rng_uniform(g) < 0.4 ? 0 : 400 * gsl_rng_uniform(g);
        if (gsl_rng_uniform(g) * total < rate) {
            protect_call_start(&p, 0, t, &pc);
            calls[sec]++, q_total++;
            continue;
        }
        int64_t q = 0, r = 0;
        for (int s = sec - W + 1; s <= sec; s++)
            if (s >= 0)
                q += calls[s], r += retries[s];
        double limit = ratio * (double)q + floor_per_s * W;
        if (protect_retry(&p, 0, t, &pc, OUT_503) == PROTECT_PASS) {
            retries[sec]++, r_total++;
            if ((double)(r + 1) > limit + 1e-9)
                fail_msg("t=%.3f: granted retry %lld over the limit %.1f", t / 1e9, (long long)(r + 1), limit);
        } else {
            denied++;
            if ((double)(r + 1) <= limit - 1e-9)
                fail_msg("t=%.3f: denied retry %lld within the limit %.1f", t / 1e9, (long long)(r + 1), limit);
        }
    }
    double bound = ratio * (double)q_total + floor_per_s * W * ceil((double)T / W);
    printf("  budget over %d s: %lld calls, %lld retries granted, %lld denied; bound %.0f\n", T,
           (long long)q_total, (long long)r_total, (long long)denied, bound);
    assert_true((double)r_total <= bound);
    assert_true(denied > r_total); /* the demand was far above the budget */
    assert_true((double)r_total > 0.5 * bound); /* and the budget was not stingy either */
    free(calls);
    free(retries);
    gsl_rng_free(g);
    protect_free(&p);
}

/* ------------------------------------------------------------------ */
/* Adaptive throttling                                                  */
/* ------------------------------------------------------------------ */

static void test_throttle_formula(void **state)
{
    (void)state;
    protect_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = protect_cfg_of(&d__);
    }
    c.throttle.enabled = 1; /* K = 2, window 120 s */
    protect_t p;
    init(&p, &c, 1);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937), *twin = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    protect_call_t pc;
    memset(&pc, 0, sizeof pc);
    double req = 0, acc = 0;
    int rejected = 0;
    /* 10 attempts accepted, then 30 answered 503: the probability before
     * each attempt is max(0, (req - 2 acc) / (req + 1)) of the counts so
     * far, and the verdict is u < p with u the stream's next uniform,
     * drawn only when p > 0. */
    for (int i = 0; i < 40; i++) {
        simtime_t t = S(1 + i * 0.5);
        double want = (req - 2 * acc) / (req + 1);
        want = want > 0 ? want : 0;
        double got = protect_throttle_prob(&p, 0, t);
        if (fabs(got - want) > 1e-12)
            fail_msg("attempt %d: p = %.15f, expected %.15f", i, got, want);
        gsl_rng_memcpy(twin, r);
        double u = gsl_rng_uniform(twin);
        protect_verdict_t v = protect_admit(&p, 0, t, &pc, r);
        req++;
        if (want > 0) {
            assert_int_equal(v, u < want ? PROTECT_REJECT_THROTTLE : PROTECT_PASS);
            assert_true(gsl_rng_get(r) == gsl_rng_get(twin)); /* exactly one draw */
        } else {
            assert_int_equal(v, PROTECT_PASS);
            gsl_rng_memcpy(twin, r); /* no draw: r is where it was */
        }
        if (v != PROTECT_PASS) {
            rejected++;
            continue; /* never sent: no answer */
        }
        outcome_t o = i < 10 ? OUT_OK : OUT_503;
        protect_attempt_end(&p, 0, t, &pc, o, 1);
        acc += o == OUT_OK;
    }
    /* the hand-computed count: 40 requests, 10 accepts -> (40 - 20)/41 */
    assert_true(fabs(protect_throttle_prob(&p, 0, S(21)) - 20.0 / 41.0) < 1e-12);
    printf("  throttle: 40 requests, 10 accepts: p = 20/41 = %.4f; %d of 30 failing attempts rejected\n",
           20.0 / 41.0, rejected);
    /* what counts as accepted: 500, 502, 504, 409 yes; 429, 503, timeout, connection no */
    protect_free(&p);
    init(&p, &c, 1);
    const outcome_t yes[] = {OUT_OK, OUT_500, OUT_502, OUT_504, OUT_409};
    const outcome_t no[] = {OUT_429, OUT_503, OUT_TIMEOUT, OUT_CONNERR};
    for (int i = 0; i < 5; i++)
        protect_attempt_end(&p, 0, 0, &pc, yes[i], 0);
    for (int i = 0; i < 4; i++)
        protect_attempt_end(&p, 0, 0, &pc, no[i], 0);
    for (int i = 0; i < 12; i++) /* 12 requests, 5 accepts: (12 - 10)/13 */
        protect_admit(&p, 0, 0, &pc, r);
    assert_true(fabs(protect_throttle_prob(&p, 0, 0) - 2.0 / 13.0) < 1e-12);
    /* the window: at 119.9 s second 0 is still in it, at 120 s it is not */
    assert_true(fabs(protect_throttle_prob(&p, 0, S(119.9)) - 2.0 / 13.0) < 1e-12);
    assert_true(protect_throttle_prob(&p, 0, S(120)) == 0);
    protect_free(&p);
    gsl_rng_free(r);
    gsl_rng_free(twin);
}

/* ------------------------------------------------------------------ */
/* Circuit breaker                                                      */
/* ------------------------------------------------------------------ */

static protect_cfg_t breaker_cfg(void)
{
    protect_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = protect_cfg_of(&d__);
    }
    c.breaker.enabled = 1;
    c.breaker.failure_threshold = 0.5;
    c.breaker.window = 10 * SIMTIME_S;
    c.breaker.min_calls = 4;
    c.breaker.open_for = 5 * SIMTIME_S;
    c.breaker.probes = 2;
    return c;
}

static void test_breaker(void **state)
{
    (void)state;
    protect_cfg_t c = breaker_cfg();
    protect_t p;
    init(&p, &c, 1);
    protect_call_t a, b, stale, x;
    memset(&a, 0, sizeof a);
    /* 3 failures: below min_calls, still closed */
    for (int i = 0; i < 3; i++)
        attempt(&p, 0, S(1), &a, OUT_503, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    /* an attempt admitted now and still out when the breaker changes */
    assert_int_equal(protect_admit(&p, 0, S(1), &stale, NULL), PROTECT_PASS);
    /* a 4th attempt, a success: 3 of 4 failed >= 0.5 -> open at 2 s */
    attempt(&p, 0, S(2), &a, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    assert_int_equal(protect_breaker_level(&p), BREAKER_OPEN);
    /* open for 5 s: every attempt rejected locally */
    assert_int_equal(protect_admit(&p, 0, S(2), &a, NULL), PROTECT_REJECT_BREAKER);
    assert_int_equal(protect_admit(&p, 0, S(6.999999999), &a, NULL), PROTECT_REJECT_BREAKER);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    /* at 7 s the first attempt half-opens it and is a probe; 2 probes, no more */
    assert_int_equal(protect_admit(&p, 0, S(7), &a, NULL), PROTECT_PASS);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_HALF_OPEN);
    assert_int_equal(protect_breaker_level(&p), BREAKER_HALF_OPEN);
    assert_int_equal(a.brk_probe, 1);
    assert_int_equal(protect_admit(&p, 0, S(7), &b, NULL), PROTECT_PASS);
    assert_int_equal(protect_admit(&p, 0, S(7), &x, NULL), PROTECT_REJECT_BREAKER);
    /* the attempt sent before the breaker opened fails now: not a probe */
    protect_attempt_end(&p, 0, S(7.1), &stale, OUT_503, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_HALF_OPEN);
    /* both probes succeed -> closed */
    protect_attempt_end(&p, 0, S(7.2), &a, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_HALF_OPEN);
    protect_attempt_end(&p, 0, S(7.3), &b, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    assert_int_equal(protect_breaker_level(&p), BREAKER_CLOSED);
    /* closed with a fresh window: 3 failures + 1 success needed again */
    for (int i = 0; i < 3; i++)
        attempt(&p, 0, S(8), &a, OUT_TIMEOUT, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    attempt(&p, 0, S(8), &a, OUT_500, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN); /* open at 8 s */
    /* half-open at 13 s; a probe fails -> open again, for 5 s from 14 s */
    assert_int_equal(protect_admit(&p, 0, S(13), &a, NULL), PROTECT_PASS);
    protect_attempt_end(&p, 0, S(14), &a, OUT_CONNERR, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    assert_int_equal(protect_admit(&p, 0, S(18.9), &a, NULL), PROTECT_REJECT_BREAKER);
    assert_int_equal(protect_admit(&p, 0, S(19), &a, NULL), PROTECT_PASS);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_HALF_OPEN);
    /* a probe of an earlier half-open spell is no probe of this one: probe
     * a (19 s) is still out when probe b fails (open at 20 s); in the next
     * spell (25 s) a's late success does not count, so one new success
     * does not close the breaker, the second does */
    assert_int_equal(protect_admit(&p, 0, S(19), &b, NULL), PROTECT_PASS);
    protect_attempt_end(&p, 0, S(20), &b, OUT_503, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    assert_int_equal(protect_admit(&p, 0, S(25), &b, NULL), PROTECT_PASS);
    assert_int_equal(protect_admit(&p, 0, S(25), &x, NULL), PROTECT_PASS);
    protect_attempt_end(&p, 0, S(25.1), &a, OUT_OK, 0); /* stale */
    protect_attempt_end(&p, 0, S(25.2), &b, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_HALF_OPEN);
    protect_attempt_end(&p, 0, S(25.3), &x, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    protect_free(&p);

    /* an attempt of an earlier closed spell does not count in this one:
     * old1..old3 are sent at 0 s, the breaker opens and closes again, then
     * they fail: the fresh window has seen nothing, so 3 failures of this
     * spell plus 1 success are needed to reopen it */
    init(&p, &c, 1);
    protect_call_t old[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(protect_admit(&p, 0, 0, &old[i], NULL), PROTECT_PASS);
    for (int i = 0; i < 4; i++)
        attempt(&p, 0, 0, &a, OUT_503, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    attempt(&p, 0, S(5), &a, OUT_OK, 0);
    attempt(&p, 0, S(5), &a, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    for (int i = 0; i < 3; i++)
        protect_attempt_end(&p, 0, S(6), &old[i], OUT_503, 1);
    attempt(&p, 0, S(6), &a, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    protect_free(&p);

    /* the window forgets: 3 failures at 0 s, 1 success at 10 s: 1 attempt in window */
    init(&p, &c, 1);
    for (int i = 0; i < 3; i++)
        attempt(&p, 0, 0, &a, OUT_503, 1);
    attempt(&p, 0, S(10), &a, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    /* ... but at 9.9 s they were still in it */
    protect_free(&p);
    init(&p, &c, 1);
    for (int i = 0; i < 3; i++)
        attempt(&p, 0, 0, &a, OUT_503, 1);
    attempt(&p, 0, S(9.9), &a, OUT_OK, 0);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    protect_free(&p);

    /* below the threshold stays closed: 9 of 20 (0.45 < 0.5) */
    c.breaker.min_calls = 20;
    init(&p, &c, 1);
    for (int i = 0; i < 20; i++)
        attempt(&p, 0, S(1), &a, i < 9 ? OUT_503 : OUT_OK, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    attempt(&p, 0, S(1), &a, OUT_503, 1); /* 10 of 21: still below */
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_CLOSED);
    attempt(&p, 0, S(1), &a, OUT_503, 1); /* 11 of 22 = 0.5 */
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    protect_free(&p);

    /* a threshold that is not exact in binary: 3 of 10 >= 0.3 */
    c.breaker.min_calls = 10;
    c.breaker.failure_threshold = 0.3;
    init(&p, &c, 1);
    for (int i = 0; i < 10; i++)
        attempt(&p, 0, S(1), &a, i < 3 ? OUT_503 : OUT_OK, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    protect_free(&p);
}

/* A probe the throttle rejects gives its slot back: otherwise the breaker
 * would wait for ever for a probe that was never sent. */
static void test_breaker_probe_throttled(void **state)
{
    (void)state;
    protect_cfg_t c = breaker_cfg();
    c.breaker.probes = 1;
    c.throttle.enabled = 1; /* no accepts at all: p = requests / (requests + 1) */
    protect_t p;
    init(&p, &c, 1);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    protect_call_t a;
    /* 4 attempts fail: the breaker opens at 0 s (throttled ones do not count) */
    int ended = 0;
    while (ended < 4) {
        if (protect_admit(&p, 0, 0, &a, r) != PROTECT_PASS)
            continue;
        protect_attempt_end(&p, 0, 0, &a, OUT_503, 1);
        ended++;
    }
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_OPEN);
    /* at 6 s: every attempt takes the probe slot and, when the throttle
     * rejects it, gives it back; so the throttle (never the breaker)
     * rejects until one probe goes out */
    int throttled = 0;
    protect_verdict_t v;
    while ((v = protect_admit(&p, 0, S(6), &a, r)) != PROTECT_PASS) {
        assert_int_equal(v, PROTECT_REJECT_THROTTLE);
        throttled++;
    }
    assert_int_equal(a.brk_probe, 1);
    assert_int_equal(protect_breaker_state(&p, 0), BREAKER_HALF_OPEN);
    assert_int_equal(protect_admit(&p, 0, S(6), &a, r), PROTECT_REJECT_BREAKER); /* now the probe is out */
    printf("  half-open breaker behind a throttle: %d probes throttled before one went out\n", throttled);
    gsl_rng_free(r);
    protect_free(&p);
}

/* ------------------------------------------------------------------ */
/* Whole runs                                                           */
/* ------------------------------------------------------------------ */

/* Independent failures: Poisson 100 calls/s for 500 s, every attempt
 * answered 500 with p = 0.5 (retried), 4 attempts, 1 ms service, ample
 * workers: every attempt reaches the server and fails independently. */
static void indep_cfg(run_cfg_t *c)
{
    *c = test_defaults();
    c->run.duration = 500 * SIMTIME_S;
    c->run.drain = 120 * SIMTIME_S;
    c->run.bucket = 10 * SIMTIME_S;
    c->arrivals.kind = ARR_POISSON;
    c->arrivals.rate = 100;
    c->server.workers = 1000;
    c->server.queue = SERVER_QUEUE_UNLIMITED;
    c->server.service = (dist_t){.kind = DIST_CONST, .a = 1e6};
    c->server.error_500 = 0.5;
    c->retry.max_attempts = 4;
    c->retry.retry_on = POLICY_RETRY_BIT(OUT_500);
    c->retry.base = 10 * SIMTIME_MS;
}

typedef struct {
    double calls, retries, ok, amp;
} whole_t;

static whole_t run_whole(const run_cfg_t *c, const char *what)
{
    run_result_t res;
    int rc = run_execute(c, &res);
    if (rc != 0)
        fail_msg("%s: run failed: %s", what, res.message);
    whole_t w = {run_scalar(&res, "calls"), run_scalar(&res, "retries"), run_scalar(&res, "calls_ok"),
                 run_scalar(&res, "amplification")};
    assert_true(run_scalar(&res, "calls_unfinished") == 0);
    /* every attempt reached the server: load per call = attempts per call */
    assert_true(run_scalar(&res, "server_arrivals") == run_scalar(&res, "attempts"));
    printf("  %-40s %6.0f calls  %6.0f retries  load %.4f server requests/call  success %.4f\n", what, w.calls,
           w.retries, w.amp, w.ok / w.calls);
    run_result_free(&res);
    return w;
}

/* The unprotected baseline: (1 - p^4)/(1 - p) = 1.875 attempts per call. */
static void test_whole_unprotected(void **state)
{
    (void)state;
    run_cfg_t c;
    indep_cfg(&c);
    whole_t w = run_whole(&c, "unprotected (theory 1.875)");
    assert_true(fabs(w.amp - 1.875) < 0.02);
}

/* gRPC throttling, max_tokens 10, token_ratio 0.1. Claim (exact, on every
 * path): retries <= max_tokens + token_ratio x successful attempts, so
 * load <= 1 + token_ratio + max_tokens / calls. Why: a retry is granted
 * only if tokens > 5 right after its failure took 1 token, so that failure
 * took a whole token (no clamping at 0); tokens start at 10 and only
 * successes add (0.1 each; a call has at most one success). This is the
 * bound of docs/retry-policies.md ("The load a token bucket allows": a
 * bucket that earns r per call and spends 1 per retry caps long-run load
 * at 1 + r) with r = 0.1. At p = 0.5 the bucket drains
 * (each attempt: -0.5 + 0.05 on average) and stays below 5: load ~ 1. */
static void test_whole_grpc(void **state)
{
    (void)state;
    run_cfg_t c;
    indep_cfg(&c);
    QUOTA_CFG(&c)->kind = QUOTA_GRPC;
    whole_t w = run_whole(&c, "grpc throttling 10 / 0.1");
    assert_true(w.retries <= 10 + 0.1 * w.ok);
    assert_true(w.amp <= 1 + 0.1 + 10 / w.calls);
    assert_true(w.amp < 1.875);
    assert_true(w.amp < 1.01); /* drained: only the first 10 tokens' worth of retries */
}

/* AWS quota in its simpler form (refund_retry = false; docs/retry-policies.md): 500
 * tokens, a retry takes 5 (no timeouts here), only a first-try success
 * returns 1. Claim (exact): 5 x retries <= 500 + first-try successes <=
 * 500 + calls_ok, so load <= 1 + 1/5 + 100 / calls: the bucket earns
 * r = 1/5 retry per call at most. Expected (the bucket binds after a few
 * seconds): 5 x retries ~ 500 + (1 - p) calls, load ~ 1 + 0.1 + 100/calls. */
static void test_whole_aws_note(void **state)
{
    (void)state;
    run_cfg_t c;
    indep_cfg(&c);
    QUOTA_CFG(&c)->kind = QUOTA_AWS;
    QUOTA_CFG(&c)->refund_retry = 0;
    whole_t w = run_whole(&c, "aws quota, first-try refunds only");
    assert_true(5 * w.retries <= 500 + w.ok);
    assert_true(w.amp <= 1 + 0.2 + 100 / w.calls);
    assert_true(w.amp < 1.875);
    double want = 1 + 0.5 * 0.2 + 100 / w.calls;
    if (fabs(w.amp - want) > 0.01)
        fail_msg("aws (note): load %.4f, expected %.4f +- 0.01", w.amp, want);
}

/* AWS quota as the SDKs ship it (refund_retry = true): a successful retry
 * gets its 5 tokens back, so only failed retries spend: 5 x failed retries
 * <= 500 + first-try successes. Each retry fails with p independently of
 * being granted, so failed retries ~ p x retries and, once the bucket
 * binds, retries ~ (500 + (1 - p) calls) / (5 p): load ~ 1 + 0.2 + 200 /
 * calls at p = 0.5 -- still far below 1.875, but above the note's 1 + r. */
static void test_whole_aws_sdk(void **state)
{
    (void)state;
    run_cfg_t c;
    indep_cfg(&c);
    QUOTA_CFG(&c)->kind = QUOTA_AWS;
    whole_t w = run_whole(&c, "aws quota (sdk refunds)");
    assert_true(w.amp < 1.875);
    double want = 1 + 0.2 + 200 / w.calls;
    if (fabs(w.amp - want) > 0.01)
        fail_msg("aws (sdk): load %.4f, expected %.4f +- 0.01", w.amp, want);
}

/* Retry budget 10% + 1 retry/s over 10 s. Claim (exact): retries <=
 * 0.1 x calls + 1/s x 10 s x ceil(T / 10 s), T the run's length (at most
 * duration + drain = 620 s). */
static void test_whole_budget(void **state)
{
    (void)state;
    run_cfg_t c;
    indep_cfg(&c);
    BUDGET_CFG(&c)->enabled = 1;
    BUDGET_CFG(&c)->ratio = 0.1;
    BUDGET_CFG(&c)->min_retries_per_s = 1;
    whole_t w = run_whole(&c, "retry budget 10% + 1/s");
    assert_true(w.retries <= 0.1 * w.calls + 1 * 10 * ceil(620 / 10.0));
    assert_true(w.amp < 1.875);
    assert_true(w.amp > 1.09); /* the demand (0.875/call) is far above it: the budget is used */
}

/* An outage (every request rejected with 503 for 30 s) under Poisson
 * 100 calls/s, default retry policy (3 attempts, 429/503/timeouts). */
static void outage_cfg(run_cfg_t *c)
{
    *c = test_defaults();
    c->run.duration = 120 * SIMTIME_S;
    c->arrivals.rate = 100;
    c->server.workers = 100;
    c->server.noutages = 1;
    c->server.outages[0] = (outage_t){30 * SIMTIME_S, 60 * SIMTIME_S, OUTAGE_REJECT, 0};
}

static double series_sum(const run_result_t *r, int id, int from, int to)
{
    double s = 0;
    for (int b = from; b < to && b < stats_series_nbuckets(&r->series); b++)
        s += (double)stats_series_get(&r->series, id, b);
    return s;
}

/* The breaker (defaults: 50% of >= 20 attempts over 10 s, open 5 s, 3
 * probes) opens within the outage -- once the failures outnumber the ~1000
 * successes of the 10 s before it, about 2.5 s in at ~300 failed attempts
 * a second --, stays open or half-open through it (its probes fail),
 * closes after it (open at most 5 s more, then 3 probes succeed), and cuts
 * the load the outage sees to the ~2.5 s before it opened plus probes. */
static void test_whole_breaker(void **state)
{
    (void)state;
    run_cfg_t c;
    outage_cfg(&c);
    run_result_t base, br;
    assert_int_equal(run_execute(&c, &base), 0);
    BREAKER_CFG(&c)->enabled = 1;
    assert_int_equal(run_execute(&c, &br), 0);
    int64_t st[130];
    for (int b = 0; b < 120; b++)
        st[b] = stats_series_get(&br.series, metrics_series_find("breaker_state"), b);
    for (int b = 0; b < 30; b++)
        assert_int_equal(st[b], BREAKER_CLOSED);
    for (int b = 35; b < 60; b++)
        if (st[b] == BREAKER_CLOSED)
            fail_msg("breaker closed in bucket %d of the outage", b);
    for (int b = 67; b < 120; b++) /* open <= 5 s after 60 s, then its probes succeed */
        assert_int_equal(st[b], BREAKER_CLOSED);
    double load_base = series_sum(&base, M_ARRIVALS, 30, 60), load_br = series_sum(&br, M_ARRIVALS, 30, 60);
    double rejected = run_scalar(&br, "attempts_rejected_local");
    printf("  breaker: server requests during the outage %.0f -> %.0f; %.0f attempts rejected locally, "
           "%.0f calls failed fast\n",
           load_base, load_br, rejected, run_scalar(&br, "calls_breaker_open"));
    assert_true(load_br < 0.2 * load_base);
    assert_true(run_scalar(&br, "calls_breaker_open") > 0);
    assert_true(series_sum(&br, M_REJ_LOCAL, 0, 30) == 0);
    assert_false(isnan(run_scalar(&br, "recovery_time_s")));
    run_result_free(&base);
    run_result_free(&br);
}

/* Attempts abandoned at the caller's deadline count as failures for the
 * breaker: a drop outage (no answer at all) with no attempt timeout and a
 * 1 s deadline still opens it, and its probes, abandoned too, keep it open
 * until the outage ends; then it closes. */
static void test_whole_breaker_abandoned(void **state)
{
    (void)state;
    run_cfg_t c;
    outage_cfg(&c);
    c.server.outages[0].kind = OUTAGE_DROP;
    c.retry.attempt_timeout = 0;
    c.retry.deadline = SIMTIME_S;
    BREAKER_CFG(&c)->enabled = 1;
    run_result_t r;
    assert_int_equal(run_execute(&c, &r), 0);
    for (int b = 0; b < 30; b++)
        assert_int_equal(stats_series_get(&r.series, metrics_series_find("breaker_state"), b), BREAKER_CLOSED);
    for (int b = 40; b < 60; b++)
        if (stats_series_get(&r.series, metrics_series_find("breaker_state"), b) == BREAKER_CLOSED)
            fail_msg("breaker closed in bucket %d of the outage", b);
    for (int b = 70; b < 120; b++)
        assert_int_equal(stats_series_get(&r.series, metrics_series_find("breaker_state"), b), BREAKER_CLOSED);
    assert_true(run_scalar(&r, "calls_breaker_open") > 0);
    run_result_free(&r);
}

/* Adaptive throttling (K = 2, 120 s) in the same outage, run for 240 s.
 * It rejects nothing while the server is healthy (accepts = requests, but
 * for a cold start: the first call's outstanding attempt makes p = 1/2 for
 * the second); in the outage it starts rejecting once the requests pass
 * twice the accepts of the two minutes before (~10 s in), and its
 * rejections last until the outage's requests have left the window: p is
 * ~0.5 right after the outage, so the throttle slows recovery. From 180 s
 * on the window holds healthy traffic only, so nothing is rejected. */
static void test_whole_throttle(void **state)
{
    (void)state;
    run_cfg_t c;
    outage_cfg(&c);
    c.run.duration = 240 * SIMTIME_S;
    run_result_t base, th;
    assert_int_equal(run_execute(&c, &base), 0);
    THROTTLE_CFG(&c)->enabled = 1;
    assert_int_equal(run_execute(&c, &th), 0);
    double load_base = series_sum(&base, M_ARRIVALS, 30, 60), load_th = series_sum(&th, M_ARRIVALS, 30, 60);
    printf("  throttle: server requests during the outage %.0f -> %.0f; %.0f calls throttled; "
           "recovery %.1f s (unprotected %.1f s)\n",
           load_base, load_th, run_scalar(&th, "calls_throttled"), run_scalar(&th, "recovery_time_s"),
           run_scalar(&base, "recovery_time_s"));
    assert_true(load_th < 0.8 * load_base);
    assert_true(series_sum(&th, M_REJ_LOCAL, 1, 30) == 0);    /* healthy: no rejection */
    assert_true(series_sum(&th, M_REJ_LOCAL, 30, 38) == 0);   /* 2 x 3000 accepts absorb ~8 s of failures */
    assert_true(series_sum(&th, M_REJ_LOCAL, 40, 60) > 500);
    assert_true(series_sum(&th, M_REJ_LOCAL, 60, 90) > 500);  /* p ~ 0.5 after the outage */
    assert_true(series_sum(&th, M_REJ_LOCAL, 181, 240) == 0); /* the outage has left the window */
    assert_true(run_scalar(&th, "attempts_rejected_local") == run_scalar(&th, "calls_throttled"));
    run_result_free(&base);
    run_result_free(&th);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_aws_arithmetic), cmocka_unit_test(test_aws_throttle_cost_and_increment),
        cmocka_unit_test(test_grpc_tokens),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_budget_counts),
        cmocka_unit_test(test_budget_long_run),
        cmocka_unit_test(test_throttle_formula),
        cmocka_unit_test(test_breaker),
        cmocka_unit_test(test_breaker_probe_throttled),
        cmocka_unit_test(test_whole_unprotected),
        cmocka_unit_test(test_whole_grpc),
        cmocka_unit_test(test_whole_aws_note),
        cmocka_unit_test(test_whole_aws_sdk),
        cmocka_unit_test(test_whole_budget),
        cmocka_unit_test(test_whole_breaker),
        cmocka_unit_test(test_whole_breaker_abandoned),
        cmocka_unit_test(test_whole_throttle),
    };
    return cmocka_run_group_tests_name("protect", tests, NULL, NULL);
}
