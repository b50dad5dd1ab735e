/*
 * layers: a chain of tiers (gateway -> service -> database) where each
 * tier's attempts are the next tier's calls (docs/failure-modes.md §3.2,
 * §4.3; SRE book ch. 22: 3 layers x 4 attempts = 64 attempts at the
 * bottom).
 *
 * Tier 0 is the one the callers ([retry]) call; the last tier, count - 1,
 * is [server] (limiter, queue, shedding, errors, outages). Tiers
 * 0..count-2 are the upper tiers described here, entry i of each list for
 * tier i: tier i has `workers[i]` threads, each holding its request while
 * it makes one call to tier i+1 (its own retry loop, the client code with
 * [retry] but max_attempts[i] and attempt_timeout[i]), then spends
 * service[i] and answers: 200 if the call succeeded, 503 if it failed. A
 * request that finds every worker busy is answered 503 at once (no waiting
 * room). Units: ns.
 */
#ifndef RETRYSIM_LAYERS_H
#define RETRYSIM_LAYERS_H

#include "simtime.h"

#define LAYERS_MAX 8 /* tiers, the bottom included */

typedef struct {
    int count;                              /* tiers, 1..LAYERS_MAX; 1 = only [server] */
    int max_attempts[LAYERS_MAX];           /* tier i's attempts per call to tier i+1, 1..1000 or POLICY_ATTEMPTS_UNLIMITED */
    simtime_t attempt_timeout[LAYERS_MAX];  /* ns, tier i's per-attempt timeout; 0 = none */
    int workers[LAYERS_MAX];                /* tier i's concurrent requests */
    simtime_t service[LAYERS_MAX];          /* ns, tier i's own work per request (after its call) */
    int retries_enabled[LAYERS_MAX];        /* 0: an interceptor dropped the retryable mark: 1 attempt */
    int deadline_propagation;               /* child calls inherit the request's deadline; tiers drop expired work */
} layers_cfg_t;

#endif
