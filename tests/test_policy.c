/*
 * Tests of the retry policy (models/policy): defaults and names, the nominal
 * schedules and their overflow, the random-draw discipline, the bounds and
 * means of every jitter strategy, memoryless backoff, Retry-After, the
 * retry predicate, exhaustion, and the independent-failure theory
 * (attempts per call (1 - p^(N+1)) / (1 - p), success 1 - p^(N+1); see
 * docs/retry-policies.md).
 *
 * Expected values are computed here from the formulas (Brooker 2015,
 * gRFC A6), never by calling the code under test. Statistical checks use
 * GSL's mt19937 with fixed seeds and >= 100,000 draws; a sample mean must be
 * within 5 standard errors of the exact mean, SE = sd / sqrt(n) with the
 * exact sd of the distribution: a correct implementation fails such a check
 * with probability ~6e-7, while a wrong distribution of the same support
 * (e.g. U(0, v) for U(v/2, v)) is off by hundreds of SEs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "policy.h"

#define NDRAWS 100000
#define SEED 20240607UL

/* Running mean; only the mean is compared, against the exact sd. */
typedef struct {
    double n, mean;
} acc_t;

static void acc_add(acc_t *a, double x)
{
    a->n += 1.0;
    a->mean += (x - a->mean) / a->n;
}

/* Fail unless |got - want| <= 5 sd / sqrt(n) (5 standard errors). */
static void check_mean(const char *what, double got, double want, double sd, double n)
{
    double tol = 5.0 * sd / sqrt(n);
    if (fabs(got - want) > tol)
        fail_msg("%s: mean %.6g, expected %.6g +- %.3g (5 SE, n = %.0f)", what, got, want, tol, n);
}

static gsl_rng *new_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(r);
    gsl_rng_set(r, seed);
    return r;
}

/* A policy with a fixed, simple exponential schedule: 100 ms * 2^(n-1),
 * capped at 20 s, Retry-After ignored, many attempts allowed. */
static policy_cfg_t exp_cfg(jitter_kind_t j)
{
    policy_cfg_t c;
    c = test_defaults().retry;
    c.max_attempts = 1000;
    c.backoff = BACKOFF_EXPONENTIAL;
    c.base = 100 * SIMTIME_MS;
    c.multiplier = 2.0;
    c.cap = 20 * SIMTIME_S;
    c.jitter = j;
    c.retry_after = RETRY_AFTER_IGNORE;
    return c;
}

/* One retry decision after attempt n (n >= 1) failed with a 503. */
static policy_decision_t decide_after(const policy_cfg_t *c, policy_state_t *s, int n, gsl_rng *r)
{
    s->attempts = n;
    policy_decision_t d = policy_decide(c, s, OUT_503, -1, r);
    assert_int_equal(d.verdict, POLICY_RETRY);
    assert_true(d.delay >= 0);
    return d;
}

/* ---- defaults and names ------------------------------------------------ */

static void test_defaults_and_names(void **state)
{
    (void)state;
    policy_cfg_t c;
    memset(&c, 0xa5, sizeof c);
    c = test_defaults().retry;
    assert_int_equal(c.max_attempts, 3);
    assert_int_equal(c.attempt_timeout, 1000000000);
    assert_int_equal(c.deadline, 0);
    assert_int_equal(c.ignore_deadline, 0);
    assert_int_equal(c.backoff, BACKOFF_EXPONENTIAL);
    assert_int_equal(c.base, 100000000);
    assert_true(c.multiplier == 2.0);
    assert_int_equal(c.cap, 20000000000);
    assert_int_equal(c.jitter, JITTER_FULL);
    assert_true(c.jitter_fraction == 0.2);
    assert_int_equal(c.retry_on, POLICY_RETRY_DEFAULT);
    assert_int_equal(c.retry_after, RETRY_AFTER_HONOUR);
    assert_int_equal(c.retry_after_cap, 60000000000);
    assert_true(c.nonreplayable == 0.0);

    policy_state_t s = {77, {0}};
    policy_start(&c, &s);
    assert_int_equal(s.attempts, 0);
    assert_int_equal(s.j.sleep, 100000000);

    static const char *const outcomes[] = {"ok", "429", "500", "502", "503", "504", "timeout", "connection",
                                           "409"};
    assert_int_equal(sizeof outcomes / sizeof outcomes[0], OUT_COUNT);
    for (int o = 0; o < OUT_COUNT; o++)
        assert_string_equal(policy_outcome_name((outcome_t)o), outcomes[o]);
    assert_string_equal(policy_backoff_name(BACKOFF_CONSTANT), "constant");
    assert_string_equal(policy_backoff_name(BACKOFF_LINEAR), "linear");
    assert_string_equal(policy_backoff_name(BACKOFF_EXPONENTIAL), "exponential");
    assert_string_equal(policy_backoff_name(BACKOFF_MEMORYLESS), "memoryless");
    assert_string_equal(policy_jitter_name(JITTER_NONE), "none");
    assert_string_equal(policy_jitter_name(JITTER_FULL), "full");
    assert_string_equal(policy_jitter_name(JITTER_EQUAL), "equal");
    assert_string_equal(policy_jitter_name(JITTER_DECORRELATED), "decorrelated");
    assert_string_equal(policy_jitter_name(JITTER_PROPORTIONAL), "proportional");
    /* out of range: a string, never NULL or an out-of-bounds read */
    assert_non_null(policy_outcome_name(OUT_COUNT));
    assert_non_null(policy_jitter_name((jitter_kind_t)99));
    assert_non_null(policy_backoff_name((backoff_kind_t)99));
}

/* ---- nominal schedules ------------------------------------------------- */

static void test_nominal_schedules(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    const simtime_t ms = SIMTIME_MS;

    c.backoff = BACKOFF_CONSTANT; /* base, whatever n */
    for (int n = 1; n <= 10; n++)
        assert_int_equal(policy_nominal_delay(&c, n), 100 * ms);

    c.backoff = BACKOFF_LINEAR; /* base * n, capped at 350 ms */
    c.cap = 350 * ms;
    const simtime_t lin[] = {100 * ms, 200 * ms, 300 * ms, 350 * ms, 350 * ms};
    for (int n = 1; n <= 5; n++)
        assert_int_equal(policy_nominal_delay(&c, n), lin[n - 1]);

    c.backoff = BACKOFF_EXPONENTIAL; /* 100 ms * 2^(n-1), capped at 20 s */
    c.cap = 20 * SIMTIME_S;
    const simtime_t ex[] = {100 * ms,  200 * ms,  400 * ms,   800 * ms,        1600 * ms,
                            3200 * ms, 6400 * ms, 12800 * ms, 20 * SIMTIME_S, 20 * SIMTIME_S};
    for (int n = 1; n <= 10; n++)
        assert_int_equal(policy_nominal_delay(&c, n), ex[n - 1]);

    c.multiplier = 1.5; /* 100 ms * 1.5^3 = 337.5 ms */
    assert_int_equal(policy_nominal_delay(&c, 4), 337500000);

    c.backoff = BACKOFF_MEMORYLESS; /* its mean */
    assert_int_equal(policy_nominal_delay(&c, 7), 100 * ms);
    c.cap = 40 * ms;
    assert_int_equal(policy_nominal_delay(&c, 1), 40 * ms);
}

/* Doubling takes a shortcut past pow for n <= 63; every n on either side
 * of it, from bases that are not powers of two, must give pow's value
 * (rounded to the nearest ns, saturating at 10^18 ns). */
static void test_doubling_is_pow(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    const simtime_t bases[] = {1, 3, 7 * SIMTIME_MS + 1, 123456789, 999999999999LL};
    c.cap = 0;
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
        for (int n = 1; n <= 70; n++) {
            c.base = bases[b];
            double x = (double)c.base * pow(2.0, (double)(n - 1));
            simtime_t want = x >= 1e18 ? 1000000000000000000LL : (simtime_t)llround(x);
            if (policy_nominal_delay(&c, n) != want)
                fail_msg("base %lld n %d: %lld, pow gives %lld", (long long)c.base, n,
                         (long long)policy_nominal_delay(&c, n), (long long)want);
        }
}

static void test_nominal_overflow_saturates(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    const simtime_t huge = 1000000000000000000LL; /* 10^18 ns, documented in policy.h */
    c.multiplier = 10.0; /* 100 ms * 10^199 overflows int64 and even double */
    assert_int_equal(policy_nominal_delay(&c, 200), 20 * SIMTIME_S);
    assert_int_equal(policy_nominal_delay(&c, INT_MAX), 20 * SIMTIME_S);
    c.cap = 0; /* no cap: saturates, stays positive */
    assert_int_equal(policy_nominal_delay(&c, 200), huge);
    assert_int_equal(policy_nominal_delay(&c, INT_MAX), huge);
    assert_int_equal(policy_nominal_delay(&c, 2), 1000 * SIMTIME_MS);

    c.backoff = BACKOFF_LINEAR; /* 10^15 ns * 10^6 overflows int64 */
    c.base = 1000000000000000LL;
    assert_int_equal(policy_nominal_delay(&c, 1000000), huge);
    assert_int_equal(policy_nominal_delay(&c, INT_MAX), huge);
    c.cap = 20 * SIMTIME_S;
    assert_int_equal(policy_nominal_delay(&c, INT_MAX), 20 * SIMTIME_S);

    /* a full-jitter retry after a saturated schedule stays in [0, cap] */
    gsl_rng *r = new_rng(SEED);
    policy_cfg_t e = exp_cfg(JITTER_FULL);
    e.multiplier = 10.0;
    policy_state_t s;
    policy_start(&e, &s);
    for (int i = 0; i < 1000; i++) {
        policy_decision_t d = decide_after(&e, &s, 200, r);
        assert_true(d.delay <= 20 * SIMTIME_S);
    }
    gsl_rng_free(r);
}

/* ---- draw discipline --------------------------------------------------- */

/* r and twin started equal; 1 if r has been advanced by exactly `draws`
 * gsl_rng_get()s more than twin (a uniform and GSL's exponential each use
 * one). */
static int advanced_by(gsl_rng *r, gsl_rng *twin, int draws)
{
    for (int i = 0; i < draws; i++)
        (void)gsl_rng_get(twin);
    return gsl_rng_get(r) == gsl_rng_get(twin);
}

static void test_none_draws_nothing(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(SEED), *twin = new_rng(SEED);
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    policy_state_t s;
    policy_start(&c, &s);
    for (int n = 1; n <= 12; n++) {
        policy_decision_t d = decide_after(&c, &s, n, r);
        assert_int_equal(d.delay, policy_nominal_delay(&c, n));
        assert_int_equal(d.used_retry_after, 0);
    }
    assert_true(advanced_by(r, twin, 0));

    /* giving up never draws, whatever the jitter */
    c = exp_cfg(JITTER_FULL);
    c.max_attempts = 3;
    policy_start(&c, &s);
    s.attempts = 3;
    assert_int_equal(policy_decide(&c, &s, OUT_503, -1, r).verdict, POLICY_GIVEUP_EXHAUSTED);
    assert_int_equal(policy_decide(&c, &s, OUT_500, -1, r).verdict, POLICY_GIVEUP_NOT_RETRYABLE);
    assert_int_equal(policy_decide(&c, &s, OUT_OK, -1, r).verdict, POLICY_DONE_OK);
    /* an honoured Retry-After sets the delay: no draw either */
    c.retry_after = RETRY_AFTER_HONOUR;
    s.attempts = 1;
    assert_int_equal(policy_decide(&c, &s, OUT_429, 2 * SIMTIME_S, r).delay, 2 * SIMTIME_S);
    assert_true(advanced_by(r, twin, 0));

    /* no draw needed: r may be NULL */
    c = exp_cfg(JITTER_NONE);
    assert_int_equal(decide_after(&c, &s, 2, NULL).delay, 200 * SIMTIME_MS);
    gsl_rng_free(r);
    gsl_rng_free(twin);
}

static void test_one_draw_per_retry(void **state)
{
    (void)state;
    const jitter_kind_t kinds[] = {JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED, JITTER_PROPORTIONAL};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        gsl_rng *r = new_rng(SEED + k), *twin = new_rng(SEED + k);
        policy_cfg_t c = exp_cfg(kinds[k]);
        policy_state_t s;
        policy_start(&c, &s);
        (void)decide_after(&c, &s, 2, r);
        assert_true(advanced_by(r, twin, 1));
        gsl_rng_free(r);
        gsl_rng_free(twin);
    }
    /* memoryless: exactly one exponential with mean base, rounded to ns */
    gsl_rng *r = new_rng(SEED), *twin = new_rng(SEED);
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    c.backoff = BACKOFF_MEMORYLESS;
    c.cap = 0;
    policy_state_t s;
    policy_start(&c, &s);
    for (int i = 0; i < 100; i++) {
        double want = gsl_ran_exponential(twin, 100e6);
        assert_int_equal(decide_after(&c, &s, 1 + i % 5, r).delay, (simtime_t)llround(want));
    }
    assert_true(advanced_by(r, twin, 0));
    gsl_rng_free(r);
    gsl_rng_free(twin);
}

/* ---- jitter strategies ------------------------------------------------- */

/* The nominal exponential schedule of exp_cfg, computed here: 100 ms *
 * 2^(n-1), capped at 20 s. */
static double exp_nominal(int n)
{
    double v = 100e6 * ldexp(1.0, n - 1);
    return v > 20e9 ? 20e9 : v;
}

static void test_full_jitter(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(SEED);
    policy_cfg_t c = exp_cfg(JITTER_FULL);
    policy_state_t s;
    policy_start(&c, &s);
    for (int i = 0; i < NDRAWS; i++) { /* bounds over retries 1..10 */
        int n = 1 + i % 10;
        double d = (double)decide_after(&c, &s, n, r).delay;
        assert_true(d >= 0.0 && d <= exp_nominal(n));
    }
    acc_t a = {0, 0}; /* mean at v = 400 ms: U(0, v) has mean v/2, sd v/sqrt(12) */
    for (int i = 0; i < NDRAWS; i++)
        acc_add(&a, (double)decide_after(&c, &s, 3, r).delay);
    check_mean("full jitter", a.mean, 200e6, 400e6 / sqrt(12.0), a.n);
    gsl_rng_free(r);
}

static void test_equal_jitter(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(SEED + 1);
    policy_cfg_t c = exp_cfg(JITTER_EQUAL);
    policy_state_t s;
    policy_start(&c, &s);
    for (int i = 0; i < NDRAWS; i++) {
        int n = 1 + i % 10;
        double d = (double)decide_after(&c, &s, n, r).delay;
        assert_true(d >= exp_nominal(n) / 2.0 && d <= exp_nominal(n));
    }
    acc_t a = {0, 0}; /* v/2 + U(0, v/2): mean 3v/4, sd (v/2)/sqrt(12) */
    for (int i = 0; i < NDRAWS; i++)
        acc_add(&a, (double)decide_after(&c, &s, 3, r).delay);
    check_mean("equal jitter", a.mean, 300e6, 200e6 / sqrt(12.0), a.n);
    gsl_rng_free(r);
}

/* E[min(c, X)] and E[min(c, X)^2] for X ~ U(a, b), a < c < b:
 * ((c^k+1 - a^k+1)/(k+1) + c^k (b - c)) / (b - a). */
static double capped_uniform_moment(double a, double b, double c, int k)
{
    return ((pow(c, k + 1) - pow(a, k + 1)) / (k + 1) + pow(c, k) * (b - c)) / (b - a);
}

static void test_decorrelated_jitter(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(SEED + 2);
    policy_cfg_t c = exp_cfg(JITTER_DECORRELATED);
    c.base = 5 * SIMTIME_MS; /* Brooker's parameters: base 5 ms, cap 2 s */
    c.cap = 2 * SIMTIME_S;
    policy_state_t s;
    for (int call = 0; call < NDRAWS / 10; call++) { /* 10,000 calls x 10 retries */
        policy_start(&c, &s);
        assert_int_equal(s.j.sleep, 5 * SIMTIME_MS);
        for (int n = 1; n <= 10; n++) {
            simtime_t prev = s.j.sleep;
            simtime_t hi = 3 * prev < c.cap ? 3 * prev : c.cap;
            simtime_t d = decide_after(&c, &s, n, r).delay;
            assert_true(d >= c.base && d <= hi);
            assert_int_equal(s.j.sleep, d); /* the state is the last delay */
        }
    }
    /* first retry: U(base, 3 base), mean 2 base = 10 ms, sd 2 base/sqrt(12) */
    acc_t a = {0, 0};
    for (int i = 0; i < NDRAWS; i++) {
        policy_start(&c, &s);
        acc_add(&a, (double)decide_after(&c, &s, 1, r).delay);
    }
    check_mean("decorrelated, first retry", a.mean, 10e6, 10e6 / sqrt(12.0), a.n);
    /* from s_prev = 1 s: min(2 s, U(5 ms, 3 s)), a capped uniform */
    acc_t b = {0, 0};
    for (int i = 0; i < NDRAWS; i++) {
        s.j.sleep = SIMTIME_S;
        acc_add(&b, (double)decide_after(&c, &s, 4, r).delay);
    }
    double m1 = capped_uniform_moment(5e6, 3e9, 2e9, 1), m2 = capped_uniform_moment(5e6, 3e9, 2e9, 2);
    check_mean("decorrelated, capped step", b.mean, m1, sqrt(m2 - m1 * m1), b.n);
    gsl_rng_free(r);
}

static void test_proportional_jitter(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(SEED + 3);
    policy_cfg_t c = exp_cfg(JITTER_PROPORTIONAL);
    c.jitter_fraction = 0.2;
    c.cap = 0; /* the cap would clip v (1 + f) above 20 s */
    policy_state_t s;
    policy_start(&c, &s);
    for (int i = 0; i < NDRAWS; i++) { /* bounds v (1 - f) .. v (1 + f), +-0.5 ns rounding */
        int n = 1 + i % 10;
        double v = 100e6 * ldexp(1.0, n - 1);
        double d = (double)decide_after(&c, &s, n, r).delay;
        assert_true(d >= 0.8 * v - 0.5 && d <= 1.2 * v + 0.5);
    }
    acc_t a = {0, 0}; /* v (1 + f U(-1, 1)): mean v, sd v f / sqrt(3) */
    for (int i = 0; i < NDRAWS; i++)
        acc_add(&a, (double)decide_after(&c, &s, 3, r).delay);
    check_mean("proportional jitter", a.mean, 400e6, 400e6 * 0.2 / sqrt(3.0), a.n);
    /* with a cap the jittered delay never passes it */
    c.cap = 450 * SIMTIME_MS;
    for (int i = 0; i < 1000; i++)
        assert_true(decide_after(&c, &s, 3, r).delay <= 450 * SIMTIME_MS);
    gsl_rng_free(r);
}

static void test_memoryless(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(SEED + 4);
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    c.backoff = BACKOFF_MEMORYLESS;
    c.cap = 0;
    policy_state_t s;
    policy_start(&c, &s);
    acc_t a = {0, 0}; /* Exp(mean 100 ms): mean = sd = 100 ms, whatever n */
    for (int i = 0; i < NDRAWS; i++)
        acc_add(&a, (double)decide_after(&c, &s, 1 + i % 7, r).delay);
    check_mean("memoryless", a.mean, 100e6, 100e6, a.n);

    /* capped at 150 ms: E[min(X, c)] = mu (1 - e^(-c/mu));
     * E[min(X, c)^2] = 2 mu^2 (1 - e^(-c/mu)) - 2 mu c e^(-c/mu) */
    c.cap = 150 * SIMTIME_MS;
    acc_t b = {0, 0};
    for (int i = 0; i < NDRAWS; i++) {
        simtime_t d = decide_after(&c, &s, 2, r).delay;
        assert_true(d >= 0 && d <= 150 * SIMTIME_MS);
        acc_add(&b, (double)d);
    }
    double mu = 100e6, cap = 150e6, e = exp(-cap / mu);
    double m1 = mu * (1.0 - e), m2 = 2.0 * mu * mu * (1.0 - e) - 2.0 * mu * cap * e;
    check_mean("memoryless, capped", b.mean, m1, sqrt(m2 - m1 * m1), b.n);

    /* the jitter setting does not apply: full jitter gives the same delays */
    gsl_rng *r1 = new_rng(99), *r2 = new_rng(99);
    policy_cfg_t cf = c;
    cf.jitter = JITTER_FULL;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(decide_after(&c, &s, 3, r1).delay, decide_after(&cf, &s, 3, r2).delay);
    gsl_rng_free(r);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
}

/* ---- Retry-After ------------------------------------------------------- */

static void test_retry_after(void **state)
{
    (void)state;
    const simtime_t ms = SIMTIME_MS, sec = SIMTIME_S;
    policy_cfg_t c = exp_cfg(JITTER_NONE); /* own backoff after attempt 1: 100 ms */
    c.retry_after_cap = 60 * sec;
    policy_state_t s;
    policy_start(&c, &s);
    s.attempts = 1;
    policy_decision_t d;

    c.retry_after = RETRY_AFTER_HONOUR;
    d = policy_decide(&c, &s, OUT_429, 3 * sec, NULL);
    assert_int_equal(d.verdict, POLICY_RETRY);
    assert_int_equal(d.delay, 3 * sec);
    assert_int_equal(d.used_retry_after, 1);
    d = policy_decide(&c, &s, OUT_503, 10 * ms, NULL); /* shorter than own backoff: still honoured */
    assert_int_equal(d.delay, 10 * ms);
    d = policy_decide(&c, &s, OUT_503, 0, NULL); /* "Retry-After: 0" */
    assert_int_equal(d.delay, 0);
    assert_int_equal(d.used_retry_after, 1);
    d = policy_decide(&c, &s, OUT_503, 100 * sec, NULL); /* capped */
    assert_int_equal(d.delay, 60 * sec);
    assert_int_equal(d.used_retry_after, 1);
    d = policy_decide(&c, &s, OUT_503, -1, NULL); /* no header: own backoff */
    assert_int_equal(d.delay, 100 * ms);
    assert_int_equal(d.used_retry_after, 0);
    c.retry_after_cap = 0; /* no cap */
    d = policy_decide(&c, &s, OUT_503, 100 * sec, NULL);
    assert_int_equal(d.delay, 100 * sec);
    c.retry_after_cap = 60 * sec;

    c.retry_after = RETRY_AFTER_MAX;
    d = policy_decide(&c, &s, OUT_503, 50 * ms, NULL); /* max(50 ms, 100 ms) */
    assert_int_equal(d.delay, 100 * ms);
    assert_int_equal(d.used_retry_after, 0);
    d = policy_decide(&c, &s, OUT_503, 2 * sec, NULL); /* max(2 s, 100 ms) */
    assert_int_equal(d.delay, 2 * sec);
    assert_int_equal(d.used_retry_after, 1);
    d = policy_decide(&c, &s, OUT_503, 100 * sec, NULL); /* capped at 60 s */
    assert_int_equal(d.delay, 60 * sec);
    s.attempts = 8; /* own backoff 12.8 s beats 5 s */
    d = policy_decide(&c, &s, OUT_503, 5 * sec, NULL);
    assert_int_equal(d.delay, 12800 * ms);
    assert_int_equal(d.used_retry_after, 0);
    s.attempts = 1;

    c.retry_after = RETRY_AFTER_IGNORE;
    d = policy_decide(&c, &s, OUT_503, 3 * sec, NULL);
    assert_int_equal(d.delay, 100 * ms);
    assert_int_equal(d.used_retry_after, 0);
}

/* ---- retry predicate and exhaustion ------------------------------------ */

static void test_retry_predicate(void **state)
{
    (void)state;
    /* the default set: 429, 503, timeout, connection error (policy.h) */
    const policy_verdict_t want_default[OUT_COUNT] = {
        [OUT_OK] = POLICY_DONE_OK,
        [OUT_429] = POLICY_RETRY,
        [OUT_500] = POLICY_GIVEUP_NOT_RETRYABLE,
        [OUT_502] = POLICY_GIVEUP_NOT_RETRYABLE,
        [OUT_503] = POLICY_RETRY,
        [OUT_504] = POLICY_GIVEUP_NOT_RETRYABLE,
        [OUT_TIMEOUT] = POLICY_RETRY,
        [OUT_CONNERR] = POLICY_RETRY,
        [OUT_409] = POLICY_GIVEUP_NOT_RETRYABLE,
    };
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    policy_state_t s;
    policy_start(&c, &s);
    s.attempts = 1;
    for (int o = 0; o < OUT_COUNT; o++) {
        policy_decision_t d = policy_decide(&c, &s, (outcome_t)o, -1, NULL);
        if (d.verdict != want_default[o])
            fail_msg("default set, outcome %s: verdict %d, expected %d", policy_outcome_name((outcome_t)o),
                     d.verdict, want_default[o]);
    }
    c.retry_on = (1u << OUT_COUNT) - 1; /* retry everything */
    for (int o = 0; o < OUT_COUNT; o++)
        assert_int_equal(policy_decide(&c, &s, (outcome_t)o, -1, NULL).verdict,
                         o == OUT_OK ? POLICY_DONE_OK : POLICY_RETRY);
    c.retry_on = 0; /* retry nothing */
    for (int o = 1; o < OUT_COUNT; o++)
        assert_int_equal(policy_decide(&c, &s, (outcome_t)o, -1, NULL).verdict, POLICY_GIVEUP_NOT_RETRYABLE);
    c.retry_on = POLICY_RETRY_BIT(OUT_409); /* only the contention conflict */
    assert_int_equal(policy_decide(&c, &s, OUT_409, -1, NULL).verdict, POLICY_RETRY);
    assert_int_equal(policy_decide(&c, &s, OUT_503, -1, NULL).verdict, POLICY_GIVEUP_NOT_RETRYABLE);
    /* an out-of-range outcome is never retried */
    c.retry_on = ~0u;
    assert_int_equal(policy_decide(&c, &s, OUT_COUNT, -1, NULL).verdict, POLICY_GIVEUP_NOT_RETRYABLE);
}

static void test_exhausted(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    c.max_attempts = 3;
    policy_state_t s;
    policy_start(&c, &s);
    /* the client counts: attempt 1, 2 are retried, attempt 3 is the last */
    const policy_verdict_t want[] = {POLICY_RETRY, POLICY_RETRY, POLICY_GIVEUP_EXHAUSTED};
    const simtime_t delay[] = {100 * SIMTIME_MS, 200 * SIMTIME_MS, 0};
    for (int k = 0; k < 3; k++) {
        s.attempts++;
        policy_decision_t d = policy_decide(&c, &s, OUT_TIMEOUT, -1, NULL);
        assert_int_equal(d.verdict, want[k]);
        assert_int_equal(d.delay, delay[k]);
    }
    assert_int_equal(s.attempts, 3); /* policy_decide never counts */
    /* not retryable is reported before exhaustion; success before both */
    assert_int_equal(policy_decide(&c, &s, OUT_500, -1, NULL).verdict, POLICY_GIVEUP_NOT_RETRYABLE);
    assert_int_equal(policy_decide(&c, &s, OUT_OK, -1, NULL).verdict, POLICY_DONE_OK);
    c.max_attempts = 1; /* no retries at all */
    s.attempts = 1;
    assert_int_equal(policy_decide(&c, &s, OUT_503, -1, NULL).verdict, POLICY_GIVEUP_EXHAUSTED);
}

/* ---- independent failures ---------------------------------------------- */

/* Calls whose attempts fail independently with probability p, retried by
 * the policy alone (no engine) with N retries (max_attempts N + 1). The
 * attempts per call K = min(Geometric(1 - p), N + 1): E[K] =
 * (1 - p^(N+1)) / (1 - p), and success probability q = 1 - p^(N+1). The
 * sd of K comes from its pmf, P(K = k) = p^(k-1) (1 - p) for k <= N and
 * P(K = N + 1) = p^N; the success indicator has sd sqrt(q (1 - q)). */
static void run_calls(double p, int nretries, int ncalls, gsl_rng *coin, gsl_rng *jit, double *mean_attempts,
                      double *success)
{
    policy_cfg_t c = exp_cfg(JITTER_FULL);
    c.max_attempts = nretries + 1;
    long attempts = 0, ok = 0;
    for (int i = 0; i < ncalls; i++) {
        policy_state_t s;
        policy_start(&c, &s);
        for (;;) {
            s.attempts++; /* the client sends an attempt */
            attempts++;
            outcome_t o = gsl_rng_uniform(coin) < p ? OUT_503 : OUT_OK;
            policy_decision_t d = policy_decide(&c, &s, o, -1, jit);
            if (d.verdict == POLICY_DONE_OK)
                ok++;
            if (d.verdict != POLICY_RETRY)
                break;
        }
    }
    *mean_attempts = (double)attempts / ncalls;
    *success = (double)ok / ncalls;
}

static double attempts_sd(double p, int nretries)
{
    double m1 = 0, m2 = 0;
    for (int k = 1; k <= nretries + 1; k++) {
        double pk = k <= nretries ? pow(p, k - 1) * (1.0 - p) : pow(p, nretries);
        m1 += k * pk;
        m2 += (double)k * k * pk;
    }
    return sqrt(m2 - m1 * m1);
}

static void test_independent_failures(void **state)
{
    (void)state;
    const double ps[] = {0.1, 0.3, 0.5, 0.75};
    const int ncalls = NDRAWS;
    gsl_rng *coin = new_rng(SEED + 5), *jit = new_rng(SEED + 6);
    printf("# independent failures, %d calls each\n"
           "#    p N | attempts/call: measured expected z | success: measured expected z\n",
           ncalls);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        for (int n = 0; n <= 4; n++) {
            double p = ps[i], ma, su;
            run_calls(p, n, ncalls, coin, jit, &ma, &su);
            double want_a = (1.0 - pow(p, n + 1)) / (1.0 - p);
            double q = 1.0 - pow(p, n + 1);
            double se_a = attempts_sd(p, n) / sqrt(ncalls), se_q = sqrt(q * (1.0 - q) / ncalls);
            printf("# %.2f %d | %.4f %.4f %+.2f | %.5f %.5f %+.2f\n", p, n, ma, want_a,
                   se_a > 0 ? (ma - want_a) / se_a : 0.0, su, q, (su - q) / se_q);
            check_mean("attempts per call", ma, want_a, attempts_sd(p, n), ncalls);
            check_mean("success rate", su, q, sqrt(q * (1.0 - q)), ncalls);
        }
    }
    gsl_rng_free(coin);
    gsl_rng_free(jit);
}

/* ---- the forms real libraries need (docs/clients.md) -------------------- */

/* upward, f = 1: aws-sdk-go v1's 2^(n-1) U(base, 2 base); mean 1.5 v. */
static void test_upward_jitter(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_UPWARD);
    c.base = 30 * SIMTIME_MS;
    c.jitter_fraction = 1.0;
    gsl_rng *r = new_rng(SEED);
    for (int n = 1; n <= 3; n++) {
        double v = 30e6 * pow(2.0, n - 1);
        acc_t a = {0, 0};
        policy_state_t s;
        policy_start(&c, &s);
        for (int i = 0; i < NDRAWS; i++) {
            simtime_t d = decide_after(&c, &s, n, r).delay;
            assert_true((double)d >= v && (double)d <= 2.0 * v);
            acc_add(&a, (double)d);
        }
        check_mean("upward", a.mean, 1.5 * v, v / sqrt(12.0), a.n);
    }
    gsl_rng_free(r);
}

/* cap_schedule_only: cenkalti/backoff's interval is capped at 60 s and then
 * randomised by +-50%: [30, 90] s; with the cap on the delay, [30, 60]. */
static void test_cap_schedule_only(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_PROPORTIONAL);
    c.base = 500 * SIMTIME_MS;
    c.multiplier = 1.5;
    c.cap = 60 * SIMTIME_S;
    c.jitter_fraction = 0.5;
    c.cap_schedule_only = 1;
    gsl_rng *r = new_rng(SEED);
    policy_state_t s;
    policy_start(&c, &s);
    simtime_t hi = 0;
    for (int i = 0; i < 10000; i++) {
        simtime_t d = decide_after(&c, &s, 13, r).delay;
        assert_true(d >= 30 * SIMTIME_S && d <= 90 * SIMTIME_S);
        hi = d > hi ? d : hi;
    }
    assert_true(hi > 85 * SIMTIME_S);
    c.cap_schedule_only = 0;
    for (int i = 0; i < 10000; i++)
        assert_true(decide_after(&c, &s, 13, r).delay <= 60 * SIMTIME_S);
    gsl_rng_free(r);
}

/* additive: tenacity's wait_exponential_jitter(initial 1 s, jitter 1 s):
 * retry k waits 2^(k-1) + U(0, 1) s, capped at max after the jitter. */
static void test_additive_jitter(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_ADDITIVE);
    c.base = SIMTIME_S;
    c.jitter_max = SIMTIME_S;
    c.cap = 5 * SIMTIME_S;
    gsl_rng *r = new_rng(SEED);
    for (int n = 1; n <= 4; n++) {
        double lo = 1e9 * pow(2.0, n - 1), hi = lo + 1e9;
        acc_t a = {0, 0};
        policy_state_t s;
        policy_start(&c, &s);
        for (int i = 0; i < NDRAWS; i++) {
            simtime_t d = decide_after(&c, &s, n, r).delay;
            assert_true(d <= c.cap);
            if (hi <= 5e9)
                assert_true((double)d >= lo && (double)d <= hi);
            acc_add(&a, (double)d);
        }
        if (hi <= 5e9)
            check_mean("additive", a.mean, lo + 0.5e9, 1e9 / sqrt(12.0), a.n);
        else /* 8 s + U: always above the 5 s cap */
            assert_true(a.mean == 5e9);
    }
    gsl_rng_free(r);
}

/* decorrelated_v2 (Polly v8, base 2 s): the delays' running sum after
 * retry k is 2^t tanh(sqrt(4 t)) / 1.4 x 2 s with t in [k-1, k): after one
 * retry in [0, 2.7544], after two in [2.7544, 5.6745], after three in
 * [5.6745, 11.4062] (docs/clients.md, reference values). */
static void test_decorrelated_v2(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_DECORRELATED_V2);
    c.base = 2 * SIMTIME_S;
    c.cap = 0;
    const double bound[4] = {0.0, 2.7544, 5.6745, 11.4062}; /* s */
    gsl_rng *r = new_rng(SEED);
    for (int i = 0; i < 20000; i++) {
        policy_state_t s;
        policy_start(&c, &s);
        double sum = 0;
        for (int k = 1; k <= 3; k++) {
            sum += (double)decide_after(&c, &s, k, r).delay / 1e9;
            if (sum < bound[k - 1] - 1e-3 || sum > bound[k] + 1e-3)
                fail_msg("sum after retry %d: %.4f s, outside [%.4f, %.4f]", k, sum, bound[k - 1], bound[k]);
        }
    }
    gsl_rng_free(r);
}

/* granularity: Envoy's whole-millisecond full jitter U{0 .. interval - 1}. */
static void test_granularity(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_FULL);
    c.base = 25 * SIMTIME_MS;
    c.cap = 250 * SIMTIME_MS;
    c.granularity = SIMTIME_MS;
    gsl_rng *r = new_rng(SEED);
    int seen_top = 0;
    policy_state_t s;
    policy_start(&c, &s);
    for (int i = 0; i < NDRAWS; i++) {
        simtime_t d = decide_after(&c, &s, 1, r).delay;
        assert_int_equal(d % SIMTIME_MS, 0);
        assert_true(d <= 24 * SIMTIME_MS);
        seen_top |= d == 24 * SIMTIME_MS;
    }
    assert_true(seen_top);
    gsl_rng_free(r);
}

/* throttle_base: after a 429 the schedule starts from it (AWS: 1 s for
 * throttling errors, 50 ms otherwise, in the 2026 standard mode). */
static void test_throttle_base(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    c.base = 50 * SIMTIME_MS;
    c.throttle_base = SIMTIME_S;
    c.retry_on = POLICY_RETRY_BIT(OUT_429) | POLICY_RETRY_BIT(OUT_503);
    policy_state_t s;
    policy_start(&c, &s);
    s.attempts = 2;
    assert_int_equal(policy_decide(&c, &s, OUT_503, -1, NULL).delay, 100 * SIMTIME_MS);
    assert_int_equal(policy_decide(&c, &s, OUT_429, -1, NULL).delay, 2 * SIMTIME_S);
}

/* retry_after = add: aws-sdk-go v1 adds the server's value to its backoff. */
static void test_retry_after_add(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    c.retry_after = RETRY_AFTER_ADD;
    c.retry_after_cap = 0;
    policy_state_t s;
    policy_start(&c, &s);
    s.attempts = 3;
    policy_decision_t d = policy_decide(&c, &s, OUT_503, 2 * SIMTIME_S, NULL);
    assert_int_equal(d.verdict, POLICY_RETRY);
    assert_int_equal(d.delay, 400 * SIMTIME_MS + 2 * SIMTIME_S);
    c.retry_after_cap = SIMTIME_S;
    assert_int_equal(policy_decide(&c, &s, OUT_503, 2 * SIMTIME_S, NULL).delay, SIMTIME_S);
    /* no header: the backoff alone */
    assert_int_equal(policy_decide(&c, &s, OUT_503, -1, NULL).delay, 400 * SIMTIME_MS);
}

/* retry_on_with_retry_after: urllib3 retries 429 and 503 only when they
 * carry Retry-After. */
static void test_retry_on_with_retry_after(void **state)
{
    (void)state;
    policy_cfg_t c = exp_cfg(JITTER_NONE);
    c.retry_on = POLICY_RETRY_BIT(OUT_TIMEOUT);
    c.retry_on_ra = POLICY_RETRY_BIT(OUT_429) | POLICY_RETRY_BIT(OUT_503);
    c.retry_after = RETRY_AFTER_HONOUR;
    policy_state_t s;
    policy_start(&c, &s);
    s.attempts = 1;
    assert_int_equal(policy_decide(&c, &s, OUT_503, -1, NULL).verdict, POLICY_GIVEUP_NOT_RETRYABLE);
    policy_decision_t d = policy_decide(&c, &s, OUT_503, 3 * SIMTIME_S, NULL);
    assert_int_equal(d.verdict, POLICY_RETRY);
    assert_int_equal(d.delay, 3 * SIMTIME_S);
    assert_int_equal(policy_decide(&c, &s, OUT_500, 3 * SIMTIME_S, NULL).verdict, POLICY_GIVEUP_NOT_RETRYABLE);
    assert_int_equal(policy_decide(&c, &s, OUT_TIMEOUT, -1, NULL).verdict, POLICY_RETRY);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_names),   cmocka_unit_test(test_nominal_schedules),
        cmocka_unit_test(test_doubling_is_pow), cmocka_unit_test(test_nominal_overflow_saturates), cmocka_unit_test(test_none_draws_nothing),
        cmocka_unit_test(test_one_draw_per_retry),   cmocka_unit_test(test_full_jitter),
        cmocka_unit_test(test_equal_jitter),         cmocka_unit_test(test_decorrelated_jitter),
        cmocka_unit_test(test_proportional_jitter),  cmocka_unit_test(test_memoryless),
        cmocka_unit_test(test_retry_after),          cmocka_unit_test(test_retry_predicate),
        cmocka_unit_test(test_exhausted),            cmocka_unit_test(test_independent_failures),
        cmocka_unit_test(test_upward_jitter),        cmocka_unit_test(test_additive_jitter),
        cmocka_unit_test(test_decorrelated_v2),      cmocka_unit_test(test_granularity),
        cmocka_unit_test(test_throttle_base),        cmocka_unit_test(test_retry_after_add),
        cmocka_unit_test(test_retry_on_with_retry_after), cmocka_unit_test(test_cap_schedule_only),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
