/*
 * idem: duplicate side effects of retried non-idempotent calls, and the
 * idempotency-key store that prevents them (docs/failure-modes.md §2.4; the
 * pattern of
 * Stripe's Idempotency-Key header and the IETF draft
 * "The Idempotency-Key HTTP Header Field").
 *
 * A fraction of calls is non-idempotent. The server executes a request
 * when its service completes with success (an injected 500/502/drop is
 * work that failed: nothing executed). A second execution of the same
 * non-idempotent call is a duplicate: it happens when a response is lost
 * ([network] response_loss) or arrives after the attempt timeout while
 * the retry reaches the server.
 *
 * The store (store = key) keeps, per key (one per non-idempotent call), a
 * state and an expiry time. When a request's service is about to start:
 *   no live entry          -> run it (claim = before_work: claim the key
 *                             now, in flight until now + ttl)
 *   in flight, unexpired   -> 409 conflict, no work (refused retry)
 *   done, unexpired        -> the stored response (200), no work
 * When the work ends: success -> done, expiry = end + ttl; failure ->
 * before_work leaves the claim in place (the flaw: retries are refused
 * with 409 until the claim's ttl expires), after_work stores nothing.
 * after_work claims only on success, so a retry that reaches the server
 * while the first is still running executes again (a duplicate).
 *
 * The store is an array indexed by key (call serial), grown by doubling:
 * no allocation per event. Times are ns.
 */
#ifndef RETRYSIM_IDEM_H
#define RETRYSIM_IDEM_H

#include <stdint.h>

#include "simtime.h"

typedef enum { IDEM_STORE_NONE = 0, IDEM_STORE_KEY } idem_store_kind_t;
typedef enum { IDEM_CLAIM_BEFORE_WORK = 0, IDEM_CLAIM_AFTER_WORK } idem_claim_t;

typedef struct {
    double non_idempotent; /* fraction of calls that are not idempotent, [0, 1]; 0 = model off */
    int store;             /* idem_store_kind_t */
    simtime_t ttl;         /* ns, lifetime of a claim or stored response, > 0 */
    int claim;             /* idem_claim_t: when the key is claimed */
} idem_cfg_t;

typedef enum { IDEM_PROCEED = 0, IDEM_STORED, IDEM_CONFLICT } idem_verdict_t;

typedef struct {
    simtime_t expiry;     /* ns, the claim or stored response is live while now < expiry */
    uint32_t executions;  /* successful executions of this call's work */
    uint8_t non_idem;     /* 1: the call is not idempotent (carries a key) */
    uint8_t state;        /* 0 none, 1 in flight (claimed), 2 done (response stored) */
} idem_entry_t;

typedef struct {
    idem_cfg_t cfg;
    idem_entry_t *e;      /* indexed by key - 1 */
    uint32_t n, cap;      /* keys issued, capacity */
    int64_t executions;   /* successful executions, every call */
    int64_t duplicates;   /* executions beyond the first of non-idempotent calls */
    int64_t refused;      /* 409s from the store */
    int64_t stored;       /* stored responses served */
} idem_t;

/* Pure store (no engine): tests drive it directly. */
int idem_init(idem_t *s, const idem_cfg_t *c);
void idem_free(idem_t *s);
/* A call starts: its key (>= 1), 0 when out of memory. */
uint32_t idem_call_start(idem_t *s, int non_idem);
/* A request of call `key` is about to be served at `now`. */
idem_verdict_t idem_begin(idem_t *s, uint32_t key, simtime_t now);
/* Its work ended at `now`; executed = 1 if it succeeded. Returns 1 if the
 * execution was a duplicate of a non-idempotent call. */
int idem_end(idem_t *s, uint32_t key, simtime_t now, int executed);

/* The model ([idempotency], models.def) is idem.c's descriptor. */

#endif
