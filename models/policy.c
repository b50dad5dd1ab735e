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

#include <math.h>

#include <gsl/gsl_randist.h>

/* ns, the largest delay the policy returns when no cap bounds it (10^18 ns,
 * about 31.7 years): far beyond any run, yet now + delay cannot overflow
 * int64 for any now below ~260 years. */
static const simtime_t DELAY_MAX = (simtime_t)1000000000000000000LL;

void policy_start(const policy_cfg_t *c, policy_state_t *s)
{
    s->attempts = 0;
    s->sleep = c->base; /* Brooker's decorrelated jitter starts from base */
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
    simtime_t v = (simtime_t)llround(x);
    return v > limit ? limit : v;
}

static simtime_t min_ns(simtime_t a, simtime_t b) { return a < b ? a : b; }

simtime_t policy_nominal_delay(const policy_cfg_t *c, int n)
{
    simtime_t limit = delay_limit(c);
    simtime_t base = c->base > 0 ? c->base : 0;
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
         * multiplier 2 and base < 2^53 ns the product is exact. */
        return clamp_ns((double)base * pow(c->multiplier, (double)(n - 1)), limit);
    }
    return min_ns(base, limit); /* unknown kind: the constant schedule */
}

/* Decorrelated jitter (Brooker 2015): s = min(cap, U(base, 3 s_prev)); the
 * per-call state s->sleep keeps s between retries. It replaces the schedule:
 * only base and cap matter, not n or the multiplier. */
static simtime_t decorrelated(const policy_cfg_t *c, policy_state_t *s, gsl_rng *r)
{
    double lo = (double)(c->base > 0 ? c->base : 0);
    double hi = 3.0 * (double)(s->sleep > 0 ? s->sleep : 0);
    double u = gsl_rng_uniform(r); /* [0, 1) */
    s->sleep = clamp_ns(lo + u * (hi - lo), delay_limit(c));
    return s->sleep;
}

/* Jitter applied to the nominal delay v (ns); one uniform draw except for
 * none, which draws nothing. */
static simtime_t jittered(const policy_cfg_t *c, policy_state_t *s, simtime_t v, gsl_rng *r)
{
    simtime_t limit = delay_limit(c);
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
    case JITTER_PROPORTIONAL: {
        /* v (1 + f U(-1, 1)), f clamped to [0, 1] so the delay stays >= 0;
         * the result is capped too, since cap bounds every backoff delay. */
        double f = c->jitter_fraction;
        f = f > 1.0 ? 1.0 : (f > 0.0 ? f : 0.0);
        return clamp_ns(dv * (1.0 + f * (2.0 * gsl_rng_uniform(r) - 1.0)), limit);
    }
    }
    return v;
}

/* The client's own backoff delay (ns) before retry n. Memoryless backoff is
 * Exp(mean base), capped; the jitter setting does not apply to it because
 * the exponential draw is already random (and memoryless by design). With
 * r == NULL nothing can be drawn and the nominal delay is returned. */
static simtime_t backoff_delay(const policy_cfg_t *c, policy_state_t *s, int n, gsl_rng *r)
{
    simtime_t v = policy_nominal_delay(c, n);
    if (r == NULL)
        return v;
    if (c->backoff == BACKOFF_MEMORYLESS) {
        if (c->base <= 0)
            return 0;
        return clamp_ns(gsl_ran_exponential(r, (double)c->base), delay_limit(c));
    }
    return jittered(c, s, v, r);
}

/* 1 if outcome o is in the retry set; out-of-range outcomes never are (and
 * are never shifted: 1u << o with o >= 32 would be UB). */
static int retryable(const policy_cfg_t *c, outcome_t o)
{
    if ((int)o < 0 || o >= OUT_COUNT)
        return 0;
    return (c->retry_on & POLICY_RETRY_BIT(o)) != 0;
}

/* The wait before the next attempt, combining the server's Retry-After
 * (ns, < 0 = none) with the backoff as the mode says. The backoff (and its
 * draw) is computed only when the mode needs it. */
static policy_decision_t retry_delay(const policy_cfg_t *c, policy_state_t *s, simtime_t retry_after,
                                     gsl_rng *r)
{
    policy_decision_t d = {POLICY_RETRY, 0, 0};
    int n = s->attempts > 0 ? s->attempts : 1; /* after attempt k comes retry k */
    if (retry_after < 0 || c->retry_after == RETRY_AFTER_IGNORE) {
        d.delay = backoff_delay(c, s, n, r);
        return d;
    }
    simtime_t wait = retry_after;
    d.used_retry_after = 1;
    if (c->retry_after == RETRY_AFTER_MAX) {
        simtime_t own = backoff_delay(c, s, n, r);
        if (own > retry_after) {
            wait = own;
            d.used_retry_after = 0; /* the client's own backoff won */
        }
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
    if (!retryable(c, o)) {
        d.verdict = POLICY_GIVEUP_NOT_RETRYABLE;
        return d;
    }
    if (s->attempts >= c->max_attempts) {
        d.verdict = POLICY_GIVEUP_EXHAUSTED;
        return d;
    }
    return retry_delay(c, s, retry_after, r);
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
    }
    return "unknown";
}
