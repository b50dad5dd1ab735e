/*
 * protect: client-side protections against retry storms, as a pure module.
 * Given the time and what happened (a call started, an attempt ended with
 * an outcome) it keeps its counters and answers two questions: "may this
 * attempt go out?" (circuit breaker, adaptive throttling) and "may this
 * retry be scheduled?" (retry token bucket, retry budget). It schedules
 * nothing and never allocates after protect_init, so every rule is testable
 * without the engine (tests/test_protect.c).
 *
 * The four protections, each off by default (sources in protect.c):
 *   - retry quota, a token bucket for retries: the AWS SDK retry quota
 *     (standard mode) or gRPC retry throttling (gRFC A6);
 *   - retry budget: retries <= ratio x requests + a floor, over a sliding
 *     window (Finagle RetryBudget, Envoy, Google SRE book);
 *   - adaptive client throttling (Google SRE book, "Handling Overload");
 *   - circuit breaker: closed / open / half-open (Nygard, "Release It!";
 *     Resilience4j's state machine).
 * Each has a scope: one instance per client id (a call's call_t.client,
 * taken modulo arrivals.clients) or one shared by the whole client pool.
 *
 * Windows are rings of 1 s buckets (no allocation per event): a window of
 * W s holds the current second and the W - 1 before it, so it looks back
 * between W - 1 and W seconds, as Finagle's WindowedAdder and
 * Resilience4j's time-based sliding window do.
 *
 * Units: times are simtime_t ns; tokens are the protection's own unit.
 */
#ifndef RETRYSIM_PROTECT_H
#define RETRYSIM_PROTECT_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "policy.h"
#include "simtime.h"

typedef enum { QUOTA_NONE, QUOTA_AWS, QUOTA_GRPC } quota_kind_t;

typedef enum {
    PROTECT_SCOPE_CLIENT, /* one instance per client id */
    PROTECT_SCOPE_SHARED  /* one instance for the whole client pool */
} protect_scope_t;

typedef struct {
    quota_kind_t kind;
    protect_scope_t scope;
    int capacity;       /* aws: tokens, bucket size and initial content, 1 .. 10^9 */
    int retry_cost;     /* aws: tokens a retry withdraws, 0 .. 10^9 */
    int timeout_cost;   /* aws: tokens a retry after a timeout withdraws, 0 .. 10^9 */
    int success_refund; /* aws: tokens a call that succeeds at its first attempt returns, 0 .. 10^9 */
    int refund_retry;   /* aws: 1 = a call that succeeds after retries returns its last retry's cost */
    int throttle_cost;  /* aws: tokens a retry after a 429 withdraws, 0 .. 10^9; -1 = retry_cost */
    int increment_retried; /* aws: 1 = a successful retry also adds success_refund (aws-sdk-go-v2, pre-2026) */
    double max_tokens;  /* grpc: tokens, bucket size and initial content, (0, 1000], 3 decimals */
    double token_ratio; /* grpc: tokens a successful attempt adds, >= 0.001, 3 decimals */
} protect_quota_cfg_t;

typedef struct {
    int enabled;
    protect_scope_t scope;
    double ratio;             /* retries allowed per request (first attempt) in the window, >= 0 */
    simtime_t window;         /* ns, whole seconds, 1 s .. 1 h */
    double min_retries_per_s; /* retries/s always allowed (the floor x window), >= 0 */
} protect_budget_cfg_t;

typedef struct {
    int enabled;
    protect_scope_t scope;
    double k;                 /* accepts multiplier K, > 0 (SRE: 2) */
    simtime_t window;         /* ns, whole seconds, 1 s .. 1 h */
} protect_throttle_cfg_t;

typedef struct {
    int enabled;
    protect_scope_t scope;
    double failure_threshold; /* failure share that opens the breaker, (0, 1] */
    simtime_t window;         /* ns, whole seconds, 1 s .. 1 h */
    int min_calls;            /* attempts that must have ended in the window before it may open, >= 1 */
    simtime_t open_for;       /* ns the breaker stays open before it half-opens, >= 0 */
    int probes;               /* attempts let through when half-open, >= 1 */
} protect_breaker_cfg_t;

typedef struct {
    protect_quota_cfg_t quota;
    protect_budget_cfg_t budget;
    protect_throttle_cfg_t throttle;
    protect_breaker_cfg_t breaker;
} protect_cfg_t;

/* What protect_admit and protect_retry answer. */
typedef enum {
    PROTECT_PASS = 0,
    PROTECT_REJECT_BREAKER,  /* admit: the breaker is open (or half-open with its probes out) */
    PROTECT_REJECT_THROTTLE, /* admit: adaptive throttling rejected the attempt locally */
    PROTECT_DENY_QUOTA,      /* retry: the retry token bucket said no */
    PROTECT_DENY_BUDGET      /* retry: the retry budget is spent */
} protect_verdict_t;

typedef enum { BREAKER_CLOSED = 0, BREAKER_OPEN = 1, BREAKER_HALF_OPEN = 2 } breaker_state_t;

/* What a call carries for the protections (lives in the client's call_t). */
typedef struct {
    uint32_t brk_epoch;   /* the breaker's epoch when the current attempt was admitted */
    uint32_t quota_cost;  /* aws: tokens withdrawn for the call's latest retry; 0 = no retry yet */
    uint8_t brk_probe;    /* 1: the current attempt is a half-open probe */
} protect_call_t;

/* A sliding window of two counters over a ring of 1 s buckets. */
typedef struct {
    int64_t head;         /* absolute second (time / 1 s) of the newest bucket */
    uint64_t sum_a, sum_b; /* the counters summed over the ring */
    uint32_t *slot;       /* 2 x nslots counters: slot[2 i] a, slot[2 i + 1] b */
} protect_win_t;

typedef struct {
    protect_win_t win;    /* closed: a = attempts ended, b = failures */
    simtime_t opened_at;  /* ns, when it last opened */
    uint32_t epoch;       /* bumped at every state change */
    int probes_sent;      /* half-open: probes let through, 0 .. probes */
    int probes_ok;        /* half-open: probes that succeeded, 0 .. probes */
    breaker_state_t state;
} protect_breaker_t;

typedef struct {
    protect_cfg_t cfg;
    uint32_t nq, nb, nt, nk;   /* instances of quota, budget, throttle, breaker: 0 = off, 1 = shared, or clients */
    int nslots_b, nslots_t, nslots_k; /* ring sizes (window in seconds) */
    int64_t *tokens;           /* quota per instance: aws tokens, grpc milli-tokens */
    int64_t q_max;             /* aws: capacity; grpc: max_tokens in milli-tokens */
    int64_t q_ratio;           /* grpc: token_ratio in milli-tokens */
    protect_win_t *budget;     /* a = requests, b = retries granted */
    protect_win_t *throttle;   /* a = requests, b = accepts */
    protect_breaker_t *breaker;
    uint32_t *slots;           /* every ring's buckets, one allocation */
    int64_t n_open, n_half;    /* breakers open / half-open (for the breaker_state level) */
    double budget_floor;       /* retries, min_retries_per_s x window in s */
} protect_t;

/* 1 if any protection is on (the client's one branch when none is). */
int protect_any(const protect_cfg_t *c);

/* Bytes protect_init would allocate for nclients client ids. */
size_t protect_memory(const protect_cfg_t *c, uint32_t nclients);

/* Allocate the instances (nclients >= 1 client ids). Returns -1 with a
 * message when out of memory. A zeroed protect_t may be freed. */
int protect_init(protect_t *p, const protect_cfg_t *c, uint32_t nclients, char *err, size_t errlen);
void protect_free(protect_t *p);

/* A call starts: its first attempt is a request for the retry budget. */
void protect_call_start(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc);

/* Before an attempt (first or retry) is sent: breaker, then throttling.
 * PROTECT_PASS, PROTECT_REJECT_BREAKER or PROTECT_REJECT_THROTTLE. Draws
 * one uniform from r only when the throttle's rejection probability is
 * positive. Remembers the breaker's epoch in pc. */
protect_verdict_t protect_admit(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, gsl_rng *r);

/* An admitted attempt ended with outcome o (OUT_TIMEOUT for one abandoned
 * at the caller's deadline, with retryable 0). retryable: o is in the
 * policy's retry_on set (gRPC counts those as failures). */
void protect_attempt_end(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, outcome_t o,
                         int retryable);

/* The policy wants to retry after outcome o: retry quota, then budget.
 * PROTECT_PASS (tokens withdrawn, retry counted), PROTECT_DENY_QUOTA or
 * PROTECT_DENY_BUDGET (nothing changed). protect_may_retry asks without
 * changing anything; protect_retry_granted then withdraws and counts
 * (protect_retry does both). */
protect_verdict_t protect_retry(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, outcome_t o);
protect_verdict_t protect_may_retry(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, outcome_t o);
void protect_retry_granted(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, outcome_t o);

/* An attempt protect_admit let through is not sent after all (another
 * protection refused it): a half-open breaker gets its probe slot back. */
void protect_admit_cancelled(protect_t *p, uint32_t client, protect_call_t *pc);

/* Inspection, for metrics and tests. */
breaker_state_t protect_breaker_level(const protect_t *p); /* the highest state any breaker is in */
breaker_state_t protect_breaker_state(const protect_t *p, uint32_t client);
double protect_quota_tokens(const protect_t *p, uint32_t client);   /* aws tokens, grpc tokens */
double protect_throttle_prob(protect_t *p, uint32_t client, simtime_t now); /* rejection probability now */
void protect_budget_counts(protect_t *p, uint32_t client, simtime_t now, uint64_t *requests, uint64_t *retries);

#endif
