/*
 * policy: the retry policy of a call, as a pure function. Given the call's
 * history and the outcome of its last attempt it answers "retry after d" or
 * "give up because ...". It schedules nothing, so every policy is testable
 * without the engine; a new jitter strategy is one case in policy.c and one
 * row in the config key table.
 *
 * Formulas: Brooker, "Exponential Backoff And Jitter" (AWS blog, 2015) for
 * full, equal and decorrelated jitter; gRFC A6 for the exponential schedule
 * (retry n waits base * multiplier^(n-1), capped); retrial-queue theory
 * (Falin & Templeton 1997) for memoryless backoff.
 */
#ifndef RETRYSIM_POLICY_H
#define RETRYSIM_POLICY_H

#include <limits.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "simtime.h"

/* What an attempt came back with, as the client sees it. */
typedef enum {
    OUT_OK = 0,
    OUT_429,     /* rate limited */
    OUT_500,
    OUT_502,
    OUT_503,     /* overloaded / unavailable */
    OUT_504,
    OUT_TIMEOUT, /* the attempt's own timeout fired first */
    OUT_CONNERR, /* connection refused, reset or dropped */
    OUT_409,     /* conflict: an optimistic write lost the race (contention model) */
    OUT_COUNT
} outcome_t;

#define POLICY_RETRY_BIT(o) (1u << (o))
/* A careful client: 429, 503, timeouts and connection errors are retried;
 * 500, 502 and 504 are not (docs/failure-modes.md §2.3). */
#define POLICY_RETRY_DEFAULT                                                                     \
    (POLICY_RETRY_BIT(OUT_429) | POLICY_RETRY_BIT(OUT_503) | POLICY_RETRY_BIT(OUT_TIMEOUT) |      \
     POLICY_RETRY_BIT(OUT_CONNERR))

/* Retry n waits base (constant), base*n (linear), base*multiplier^(n-1)
 * (exponential), all capped; memoryless draws Exp(mean base), capped, and
 * the jitter setting does not apply to it (the draw is already random). */
typedef enum { BACKOFF_CONSTANT, BACKOFF_LINEAR, BACKOFF_EXPONENTIAL, BACKOFF_MEMORYLESS } backoff_kind_t;

/* On the nominal delay v: none v; full U(0, v); equal v/2 + U(0, v/2);
 * proportional v(1 + f U(-1, 1)), capped; decorrelated (Brooker) ignores v:
 * s = min(cap, U(base, 3 s_prev)), s_prev kept in policy_state_t.j.sleep;
 * upward v(1 + f U(0, 1)) (aws-sdk-go v1: 2^(n-1) U(base, 2 base));
 * additive v + U(0, jitter_max), capped (tenacity's wait_exponential_jitter);
 * decorrelated_v2: Polly v8's DecorrelatedJitterBackoffV2, whose delays sum
 * to a smooth exponential curve (policy.c). */
typedef enum {
    JITTER_NONE, JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED, JITTER_PROPORTIONAL,
    JITTER_UPWARD, JITTER_ADDITIVE, JITTER_DECORRELATED_V2
} jitter_kind_t;

typedef enum {
    RETRY_AFTER_IGNORE, /* the header is not looked at */
    RETRY_AFTER_HONOUR, /* wait exactly the server's value (capped) */
    RETRY_AFTER_MAX,    /* wait max(server's value, own backoff) (capped) */
    RETRY_AFTER_ADD     /* wait own backoff + server's value (capped): aws-sdk-go v1 */
} retry_after_mode_t;

/* max_attempts = unlimited ([retry] max_attempts, KEY_F_UNLIMITED): the
 * largest int, so "attempts < max_attempts" holds for every count a call
 * can reach and the attempt counter (an int) cannot pass it. Nothing is
 * ever sized by max_attempts. */
#define POLICY_ATTEMPTS_UNLIMITED INT_MAX

typedef struct {
    int max_attempts;            /* attempts per call, first try included, 1..1000 or POLICY_ATTEMPTS_UNLIMITED */
    simtime_t attempt_timeout;   /* ns, per attempt; 0 = none */
    simtime_t deadline;          /* ns, the caller's overall deadline from the call's start; 0 = none */
    int ignore_deadline;         /* 1: retries go on after the caller gave up (orphans, docs/failure-modes.md §2.1) */
    backoff_kind_t backoff;
    simtime_t base;              /* ns: constant delay, linear step, exponential first delay, memoryless mean */
    double multiplier;           /* exponential growth per retry, >= 1 */
    simtime_t cap;               /* ns, upper bound of every backoff delay; 0 = none */
    jitter_kind_t jitter;
    int cap_schedule_only;       /* 1: cap bounds the schedule, jitter may go above it (gRPC, cenkalti/backoff) */
    double jitter_fraction;      /* proportional and upward jitter's f in [0, 1] */
    simtime_t jitter_max;        /* ns, additive jitter's upper end: delay + U(0, jitter_max) */
    simtime_t granularity;       /* ns, backoff delays are cut down to a multiple of it; 0 = none */
    simtime_t throttle_base;     /* ns, base of the schedule after a 429; 0 = base */
    unsigned retry_on;           /* bit set of POLICY_RETRY_BIT(outcome) */
    unsigned retry_on_ra;        /* outcomes retried only when they carry a Retry-After (urllib3) */
    retry_after_mode_t retry_after;
    simtime_t retry_after_cap;   /* ns, upper bound of a Retry-After wait; 0 = none */
    double nonreplayable;        /* fraction of calls whose retries fail at the client, [0, 1] (docs/failure-modes.md §1.1) */
} policy_cfg_t;

/* Per-call state the policy keeps between attempts. */
typedef struct {
    int attempts;      /* attempts made so far, >= 1 when deciding */
    union {
        simtime_t sleep; /* ns, the previous decorrelated-jitter delay (its state; base at start) */
        double prev;     /* decorrelated_v2: the curve's previous value (0 at start) */
    } j;
} policy_state_t;

typedef enum {
    POLICY_RETRY = 0,
    POLICY_DONE_OK,            /* success: nothing to do */
    POLICY_GIVEUP_NOT_RETRYABLE,
    POLICY_GIVEUP_EXHAUSTED    /* max_attempts reached */
} policy_verdict_t;

typedef struct {
    policy_verdict_t verdict;
    simtime_t delay;           /* ns to wait before the next attempt (verdict RETRY) */
    int used_retry_after;      /* 1 if the server's Retry-After set the delay */
} policy_decision_t;


/* Start a call's state. */
void policy_start(const policy_cfg_t *c, policy_state_t *s);

/* Decide after an attempt ended with outcome o. retry_after is the server's
 * Retry-After in ns, or -1 if none. Draws jitter from r only when it needs
 * to (none: no draw; full/equal/proportional/memoryless: one uniform or
 * exponential; decorrelated: one uniform); it never draws when it gives up
 * or when an honoured Retry-After sets the delay. r may be NULL when no
 * draw is needed (with r NULL the delay is the nominal one).
 * policy_decide does not count attempts: the client increments s->attempts
 * each time it sends one, so s->attempts = k after attempt k, and the
 * retry that follows is retry n = k of the schedule. */
policy_decision_t policy_decide(const policy_cfg_t *c, policy_state_t *s, outcome_t o,
                                simtime_t retry_after, gsl_rng *r);

/* The delay before retry n (n = 1 for the first retry) without jitter:
 * the schedule the jitter strategies start from. Capped at cap; with no
 * cap it saturates at 10^18 ns (~31.7 years) instead of overflowing. */
simtime_t policy_nominal_delay(const policy_cfg_t *c, int n);

const char *policy_outcome_name(outcome_t o);
const char *policy_backoff_name(backoff_kind_t k);
const char *policy_jitter_name(jitter_kind_t k);

#endif
