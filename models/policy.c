/*
 * policy: a call's retry policy (see policy.h) -- which outcomes are retried,
 * how many attempts a call may make, and how long it waits between them.
 *
 * Sources of the rules:
 *   - schedules: gRFC A6 ("gRPC retry design"): retry n waits
 *     base * multiplier^(n-1), capped; constant and linear are the usual
 *     simpler variants (base, base * n);
 *   - jitter: Brooker, "Exponential Backoff And Jitter" (AWS Architecture
 *     blog, 2015): full U(0, v), equal v/2 + U(0, v/2), decorrelated
 *     s = min(cap, U(base, 3 s)); proportional v * (1 + f U(-1, 1)) is the
 *     "±f" jitter of many client libraries;
 *   - memoryless backoff: the exponential retrial time of retrial-queue
 *     theory (Falin & Templeton, "Retrial Queues", 1997), mean = base;
 *   - Retry-After: RFC 9110 §10.2.3; honour / max / ignore are the three
 *     behaviours clients show (curl honours it; others take the larger).
 * The formulas, with their sources, are collected in docs/retry-policies.md.
 *
 * All durations are int64 ns (simtime_t) and never negative. The fields
 * attempt_timeout, deadline, ignore_deadline and nonreplayable belong to the
 * client model; policy_decide does not read them.
 */
#include "policy.h"
#include "dist.h"

#include <math.h>

#include <gsl/gsl_randist.h>

/* ns, the largest delay the policy returns when no cap bounds it (10^18 ns,
 * about 31.7 years): far beyond any run, yet now + delay cannot overflow
 * int64 for any now below ~260 years. */
static const simtime_t DELAY_MAX = (simtime_t)1000000000000000000LL;

void policy_start(const policy_cfg_t *c, policy_state_t *s)
{
    s->attempts = 0;
    if (c->jitter == JITTER_DECORRELATED_V2)
        s->j.prev = 0.0;
    else
        s->j.sleep = c->base; /* Brooker's decorrelated jitter starts from base */
}

/* ns, the bound every backoff delay saturates at: cap, or DELAY_MAX when
 * there is no cap (cap <= 0). */
static simtime_t delay_limit(const policy_cfg_t *c)
{
    return (c->cap > 0 && c->cap < DELAY_MAX) ? c->cap : DELAY_MAX;
}

/* A duration in ns given as a double, rounded to the nearest ns and clamped
 * to [0, limit]; NaN gives 0. The comparison is done in double first so the
 * conversion to int64 can never overflow (that would be UB). */
static simtime_t clamp_ns(double x, simtime_t limit)
{
    if (!(x > 0.0))
        return 0;
    if (x >= (double)limit)
        return limit;
    simtime_t v = simtime_round_ns(x); /* x < limit <= DELAY_MAX */
    return v > limit ? limit : v;
}

static simtime_t min_ns(simtime_t a, simtime_t b) { return a < b ? a : b; }

static simtime_t nominal(const policy_cfg_t *c, simtime_t b, int n);

simtime_t policy_nominal_delay(const policy_cfg_t *c, int n)
{
    return nominal(c, c->base, n);
}

/* The schedule from a given base (base, or throttle_base after a 429). */
static simtime_t nominal(const policy_cfg_t *c, simtime_t b, int n)
{
    simtime_t limit = delay_limit(c);
    simtime_t base = b > 0 ? b : 0;
    if (n < 1)
        n = 1; /* the first retry is n = 1; anything less is treated as it */
    switch (c->backoff) {
    case BACKOFF_CONSTANT:
    case BACKOFF_MEMORYLESS: /* the exponential draw's mean */
        return min_ns(base, limit);
    case BACKOFF_LINEAR:
        /* base * n, saturating before the product could overflow */
        if (base > 0 && (simtime_t)n > limit / base)
            return limit;
        return min_ns(base * (simtime_t)n, limit);
    case BACKOFF_EXPONENTIAL:
        /* In double: pow overflows to +inf, which clamp_ns saturates. For
         * multiplier 2 and base < 2^53 ns the product is exact, and 2^(n-1)
         * is pow's own (exact) value: the shift saves a library call per
         * retry. */
        if (c->multiplier == 2.0 && n <= 63)
            return clamp_ns((double)base * (double)(UINT64_C(1) << (n - 1)), limit);
        return clamp_ns((double)base * pow(c->multiplier, (double)(n - 1)), limit);
    }
    return min_ns(base, limit); /* unknown kind: the constant schedule */
}

/* Decorrelated jitter (Brooker 2015): s = min(cap, U(base, 3 s_prev)); the
 * per-call state s->j.sleep keeps s between retries. It replaces the schedule:
 * only base and cap matter, not n or the multiplier. */
static simtime_t decorrelated(const policy_cfg_t *c, policy_state_t *s, gsl_rng *r)
{
    double lo = (double)(c->base > 0 ? c->base : 0);
    double hi = 3.0 * (double)(s->j.sleep > 0 ? s->j.sleep : 0);
    double u = gsl_rng_uniform(r); /* [0, 1) */
    s->j.sleep = clamp_ns(lo + u * (hi - lo), delay_limit(c));
    return s->j.sleep;
}

static double unit_fraction(double f) { return f > 1.0 ? 1.0 : (f > 0.0 ? f : 0.0); }

/* Polly v8's DecorrelatedJitterBackoffV2 (Polly.Core 8.x,
 * src/Polly.Core/Retry/RetryHelper.cs; the formula of George Stocker's
 * Polly.Contrib.WaitAndRetry): for retry n (attempt index n - 1 there),
 * t = n - 1 + U(0, 1), f(t) = 2^t tanh(sqrt(4 t)), and the delay is
 * (f(t) - f_prev) / 1.4 x base, capped. The delays' sum follows the curve
 * 2^t tanh(sqrt(4 t)) x base / 1.4, so retries are spread smoothly while
 * the mean still doubles. */
static simtime_t decorrelated_v2(const policy_cfg_t *c, policy_state_t *s, gsl_rng *r)
{
    double t = (double)(s->attempts > 0 ? s->attempts - 1 : 0) + gsl_rng_uniform(r);
    double next = pow(2.0, t) * tanh(sqrt(4.0 * t));
    double d = (next - s->j.prev) / 1.4 * (double)(c->base > 0 ? c->base : 0);
    s->j.prev = next;
    return clamp_ns(d, delay_limit(c));
}

/* Jitter applied to the nominal delay v (ns); one uniform draw except for
 * none, which draws nothing. */
static simtime_t jittered(const policy_cfg_t *c, policy_state_t *s, simtime_t v, gsl_rng *r)
{
    simtime_t limit = c->cap_schedule_only ? DELAY_MAX : delay_limit(c);
    double dv = (double)v;
    switch (c->jitter) {
    case JITTER_NONE:
        return v;
    case JITTER_FULL: /* U(0, v) */
        return clamp_ns(gsl_rng_uniform(r) * dv, limit);
    case JITTER_EQUAL: /* v/2 + U(0, v/2) */
        return clamp_ns(0.5 * dv + gsl_rng_uniform(r) * 0.5 * dv, limit);
    case JITTER_DECORRELATED:
        return decorrelated(c, s, r);
    case JITTER_UPWARD: /* v (1 + f U(0, 1)) */
        return clamp_ns(dv * (1.0 + unit_fraction(c->jitter_fraction) * gsl_rng_uniform(r)), limit);
    case JITTER_ADDITIVE: /* v + U(0, jitter_max) */
        return clamp_ns(dv + gsl_rng_uniform(r) * (double)(c->jitter_max > 0 ? c->jitter_max : 0), limit);
    case JITTER_DECORRELATED_V2:
        return decorrelated_v2(c, s, r);
    case JITTER_PROPORTIONAL: {
        /* v (1 + f U(-1, 1)), f clamped to [0, 1] so the delay stays >= 0;
         * the result is capped too, since cap bounds every backoff delay. */
        double f = unit_fraction(c->jitter_fraction);
        return clamp_ns(dv * (1.0 + f * (2.0 * gsl_rng_uniform(r) - 1.0)), limit);
    }
    }
    return v;
}

/* The client's own backoff delay (ns) before retry n. Memoryless backoff is
 * Exp(mean base), capped; the jitter setting does not apply to it because
 * the exponential draw is already random (and memoryless by design). With
 * r == NULL nothing can be drawn and the nominal delay is returned. */
static simtime_t backoff_delay(const policy_cfg_t *c, policy_state_t *s, int n, outcome_t o, gsl_rng *r)
{
    simtime_t base = (o == OUT_429 && c->throttle_base > 0) ? c->throttle_base : c->base;
    simtime_t v = nominal(c, base, n);
    if (r == NULL)
        return v;
    if (c->backoff == BACKOFF_MEMORYLESS) {
        if (base <= 0)
            return 0;
        return clamp_ns(dist_exponential(r, (double)base, 0.5), delay_limit(c));
    }
    v = jittered(c, s, v, r);
    if (c->granularity > 0)
        v -= v % c->granularity;
    return v;
}

/* 1 if outcome o is in the retry set; out-of-range outcomes never are (and
 * are never shifted: 1u << o with o >= 32 would be UB). */
static int retryable(const policy_cfg_t *c, outcome_t o, simtime_t retry_after)
{
    if ((int)o < 0 || o >= OUT_COUNT)
        return 0;
    if (c->retry_on & POLICY_RETRY_BIT(o))
        return 1;
    return retry_after >= 0 && (c->retry_on_ra & POLICY_RETRY_BIT(o)) != 0;
}

/* The wait before the next attempt, combining the server's Retry-After
 * (ns, < 0 = none) with the backoff as the mode says. The backoff (and its
 * draw) is computed only when the mode needs it. */
static policy_decision_t retry_delay(const policy_cfg_t *c, policy_state_t *s, outcome_t o,
                                     simtime_t retry_after, gsl_rng *r)
{
    policy_decision_t d = {POLICY_RETRY, 0, 0};
    int n = s->attempts > 0 ? s->attempts : 1; /* after attempt k comes retry k */
    if (retry_after < 0 || c->retry_after == RETRY_AFTER_IGNORE) {
        d.delay = backoff_delay(c, s, n, o, r);
        return d;
    }
    simtime_t wait = retry_after;
    d.used_retry_after = 1;
    if (c->retry_after == RETRY_AFTER_MAX) {
        simtime_t own = backoff_delay(c, s, n, o, r);
        if (own > retry_after) {
            wait = own;
            d.used_retry_after = 0; /* the client's own backoff won */
        }
    } else if (c->retry_after == RETRY_AFTER_ADD) {
        simtime_t own = backoff_delay(c, s, n, o, r);
        wait = own > DELAY_MAX - retry_after ? DELAY_MAX : own + retry_after;
    }
    if (c->retry_after_cap > 0 && wait > c->retry_after_cap)
        wait = c->retry_after_cap;
    d.delay = wait;
    return d;
}

policy_decision_t policy_decide(const policy_cfg_t *c, policy_state_t *s, outcome_t o,
                                simtime_t retry_after, gsl_rng *r)
{
    policy_decision_t d = {POLICY_DONE_OK, 0, 0};
    if (o == OUT_OK)
        return d;
    if (!retryable(c, o, retry_after)) {
        d.verdict = POLICY_GIVEUP_NOT_RETRYABLE;
        return d;
    }
    if (s->attempts >= c->max_attempts) {
        d.verdict = POLICY_GIVEUP_EXHAUSTED;
        return d;
    }
    return retry_delay(c, s, o, retry_after, r);
}

const char *policy_outcome_name(outcome_t o)
{
    static const char *const names[OUT_COUNT] = {
        [OUT_OK] = "ok",          [OUT_429] = "429",
        [OUT_500] = "500",        [OUT_502] = "502",
        [OUT_503] = "503",        [OUT_504] = "504",
        [OUT_TIMEOUT] = "timeout", [OUT_CONNERR] = "connection",
        [OUT_409] = "409",
    };
    if ((int)o < 0 || o >= OUT_COUNT)
        return "unknown";
    return names[o];
}

const char *policy_backoff_name(backoff_kind_t k)
{
    switch (k) {
    case BACKOFF_CONSTANT: return "constant";
    case BACKOFF_LINEAR: return "linear";
    case BACKOFF_EXPONENTIAL: return "exponential";
    case BACKOFF_MEMORYLESS: return "memoryless";
    }
    return "unknown";
}

const char *policy_jitter_name(jitter_kind_t k)
{
    switch (k) {
    case JITTER_NONE: return "none";
    case JITTER_FULL: return "full";
    case JITTER_EQUAL: return "equal";
    case JITTER_DECORRELATED: return "decorrelated";
    case JITTER_PROPORTIONAL: return "proportional";
    case JITTER_UPWARD: return "upward";
    case JITTER_ADDITIVE: return "additive";
    case JITTER_DECORRELATED_V2: return "decorrelated_v2";
    }
    return "unknown";
}
