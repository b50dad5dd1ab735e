/*
 * world: the state one run's models share: the engine, the random streams,
 * the pools of calls and requests, the server, the metrics. It is the
 * models' internal interface (client.c, server.c, arrivals.c, run.c);
 * nothing outside models/ includes it.
 *
 * Entities live in index-addressed pools that grow by doubling, never per
 * event; events carry pool indices, and a generation number where an index
 * may be reused before the event fires.
 */
#ifndef RETRYSIM_WORLD_H
#define RETRYSIM_WORLD_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "conn.h"
#include "eng.h"
#include "gmp.h"
#include "idem.h"
#include "limiter.h"
#include "metrics.h"
#include "policy.h"
#include "protect.h"
#include "run.h"
#include "shed.h"
#include "stats.h"

/* A logical call: its retry loop, from the caller's first attempt to the
 * loop's end. */
typedef struct {
    simtime_t start;        /* ns, when the caller made the call */
    simtime_t deadline_at;  /* ns, the caller's deadline; SIMTIME_NEVER = none */
    policy_state_t pol;     /* attempts made, decorrelated-jitter state */
    uint32_t gen;           /* bumped when the slot is freed */
    uint32_t attempt_seq;   /* identifies the current attempt; bumped when it is abandoned */
    uint32_t client;        /* client id, 0..clients-1 */
    uint8_t active;         /* 1 while the retry loop runs */
    uint8_t caller_gone;    /* 1 once the caller gave up (deadline) but the loop goes on: an orphan */
    uint8_t nonreplayable;  /* 1: the body was consumed by attempt 1 (docs/failure-modes.md §1.1) */
    uint8_t waiting;        /* 1 while an attempt is outstanding (not backing off) */
    eng_ev_t timeout_ev;    /* the current attempt's timeout */
    eng_ev_t backoff_ev;    /* the pending backoff wake-up */
    eng_ev_t deadline_ev;   /* the caller's deadline */
    protect_call_t prot;    /* breaker epoch of the current attempt, AWS quota cost of the last retry */
    uint32_t next_free;     /* free-list link */
    uint32_t g;             /* GMP model: the call's goroutine (gmp_go), 0 = model off */
    uint32_t idem_key;      /* idempotency model: the call's key (idem.c), 0 = model off */
    uint32_t conn_slot;     /* connection model: its attempt's pooled connection + 1 (conn.c), 0 = none */
    uint32_t parent_req;    /* layers: the upper tier's request this call serves (tier > 0) */
    uint8_t tier;           /* layers: the tier its attempts go to; 0 = a caller's call */
} call_t;

/* One attempt's request on its way through the network and the server. */
typedef struct {
    uint32_t call;          /* call index */
    uint32_t call_gen;      /* the call's gen when sent */
    uint32_t attempt_seq;   /* the call's attempt_seq when sent */
    uint8_t write_phase;    /* contention: 0 read, 1 conditional write */
    uint8_t outcome;        /* outcome_t once decided */
    uint64_t version;       /* contention: row version seen by the read */
    simtime_t retry_after;  /* ns, Retry-After the response carries, -1 = none */
    simtime_t deadline_at;  /* ns, deadline propagated with the request; SIMTIME_NEVER = none */
    uint32_t idem_key;      /* the call's idempotency key, 0 = none */
    simtime_t queued_at;    /* ns, when it entered the waiting room (CoDel sojourn) */
    uint32_t next_free;
    uint8_t tier;           /* layers: the tier it is sent to */
} req_t;

typedef struct {
    simtime_t start;        /* ns, where the measured window begins (the warm-up's end) */
    simtime_t last;         /* ns, time of the last change */
    double area;            /* level x ns accumulated */
    double zero_ns;         /* ns spent at level 0 */
    int64_t level;
} level_t;

/* Arrival process state (arrivals.c). */
typedef struct {
    simtime_t *times;    /* trace: first-attempt times, ns, ascending */
    uint32_t *client;    /* trace: client ids */
    size_t n, next;      /* trace: entries, next to start */
    int64_t spike_done;  /* spike: calls started */
    uint64_t ncalls;     /* open loop: calls started, for client ids */
} arrivals_state_t;

typedef struct world {
    const run_cfg_t *cfg;
    eng_t eng;
    run_result_t *res;
    simtime_t end_arrivals;  /* ns, no new call starts at or after this */

    gsl_rng *r_arrivals, *r_jitter, *r_nonreplay, *r_service, *r_errors, *r_net_req, *r_net_resp, *r_think;
    gsl_rng *r_throttle;     /* adaptive throttling's rejection draws */

    protect_t prot;          /* client-side protections (protect.c) */
    int prot_on;             /* 1 if any protection is on: the client's one branch */
    int prot_breaker;        /* 1 if the breaker is on: record its state */
    gmp_t *gmp;              /* the Go runtime model (gmp.c), NULL when off: the client's one branch */
    idem_t *idem;            /* idempotency model (idem.c), NULL when off */
    conn_t *conn;            /* connection pools (conn.c), NULL when off */
    gsl_rng *r_idem;         /* which calls are non-idempotent */

    call_t *calls;           /* pool */
    uint32_t ncalls_cap, calls_used, calls_free; /* free head + 1, 0 = none */
    req_t *reqs;             /* pool */
    uint32_t nreqs_cap, reqs_used, reqs_free;

    arrivals_state_t arr;

    /* server */
    limiter_t limiter;
    uint32_t *queue;         /* ring of request indices */
    uint32_t qcap, qhead, qlen;
    int busy;                /* workers serving */
    int workers_now;         /* workers available (capacity outages) */
    int outage_mode;         /* -1 none, else OUTAGE_REJECT / OUTAGE_DROP */
    int64_t in_service;      /* requests being served, for load-dependent latency */
    uint64_t row_version;    /* contention: the row's version */
    shed_state_t shed;       /* load shedding state (shed.c) */

    /* counters kept here as well as in the series, for scalars and tests */
    int64_t n_in_flight;     /* calls whose caller still waits */
    int64_t n_orphans;       /* loops running after their caller gave up */
    int64_t n_active;        /* retry loops running (callers waiting + orphans) */
    int64_t peak_active;     /* max of n_active */
    int64_t n_closed_started; /* closed loop: clients started */
    level_t lv_orbit;        /* calls backing off (retrial queue's orbit) */
    level_t lv_busy;         /* busy workers */
    level_t lv_system;       /* requests at the server + calls backing off */
    level_t lv_queue;        /* requests waiting */
    int64_t served_total;
    int64_t served_wasted;   /* served for nobody, or for an orphan loop */
    int64_t deadline_cut;    /* calls the deadline ended with attempts left */

    /* layers (layers.c): tier i < nlayers - 1 is an upper tier */
    int nlayers;             /* cfg->layers.count */
    policy_cfg_t tier_pol[LAYERS_MAX]; /* tier i's policy for its calls to tier i+1 */
    int tier_busy[LAYERS_MAX];         /* upper tier i: workers holding a request */
    int64_t tier_attempts[LAYERS_MAX]; /* attempts sent to tier i */
    int64_t tier_rejected[LAYERS_MAX]; /* upper tier i: 503s because every worker was busy */
    int64_t tier_wasted[LAYERS_MAX];   /* upper tier i: requests finished after their attempt was over */

    stats_hist_t *h_latency; /* successful calls, ns */
    stats_hist_t *h_attempts; /* attempts per finished retry loop */
    char err[256];           /* first setup or model error */
    int failed;
} world_t;

/* Metrics helpers */
static inline void world_count(world_t *w, int id, int64_t n)
{
    stats_series_record(&w->res->series, id, eng_now(&w->eng), n);
}
void world_level(world_t *w, level_t *l, int64_t delta);
double world_level_mean(const world_t *w, const level_t *l, simtime_t until);

/* client.c */
void client_start_call(world_t *w, uint32_t client);
void client_on_response(world_t *w, uint32_t req); /* the response reached the client */
int client_request_alive(const world_t *w, const req_t *r); /* its attempt is still awaited */
uint32_t world_req_alloc(world_t *w);
void world_req_free(world_t *w, uint32_t i);

/* server.c */
int server_setup(world_t *w);
void server_free(world_t *w);
void server_on_arrival(eng_t *e, void *ctx, uint64_t req);
void server_respond(world_t *w, uint32_t req, outcome_t o); /* answer now, no work (idempotency store) */

/* layers.c */
void layers_setup(world_t *w);
void layers_on_arrival(eng_t *e, void *ctx, uint64_t req);
void layers_call_done(world_t *w, uint32_t parent_req, int ok); /* a tier's call to the next ended */
void client_start_subcall(world_t *w, int tier, uint32_t parent_req, simtime_t deadline_at); /* client.c */

/* arrivals.c */
int arrivals_setup(world_t *w);
void arrivals_free(world_t *w);
void arrivals_on_call_end(world_t *w, uint32_t client); /* closed loop: think, then call again */

#endif
