/*
 * world: the state one run's core shares (client, server, arrivals, run)
 * and the small API the optional models (model.h) use: the engine, the
 * random streams, the pools of calls and requests, the metrics. Nothing
 * outside models/ includes it, and it names no optional model: a model's
 * state lives behind its hooks, its per-call and per-request state in the
 * extension slots after the core records.
 *
 * Entities live in index-addressed pools that grow by doubling, never per
 * event; events carry pool indices, and a generation number where an index
 * may be reused before the event fires. A pool record is the core's struct
 * followed by every model's extension (the record size is fixed per run).
 *
 * Hops: a call's attempts go to hop call->hop. Hop 0 is what the callers
 * call; the last hop is the server. A model (layers) may put tiers in
 * between: it registers their arrival handlers and calls
 * client_start_subcall for the work a tier passes down.
 */
#ifndef RETRYSIM_WORLD_H
#define RETRYSIM_WORLD_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "eng.h"
#include "limiter.h"
#include "metrics.h"
#include "model.h"
#include "policy.h"
#include "run.h"
#include "stats.h"

#define WORLD_MAX_HOPS 8   /* hops of a chain, the server included */
#define WORLD_MAX_MODELS 64 /* models in models.def */

/* A logical call: its retry loop, from the caller's first attempt to the
 * loop's end. */
typedef struct call {
    simtime_t start;        /* ns, when the caller made the call */
    simtime_t deadline_at;  /* ns, the caller's deadline; SIMTIME_NEVER = none */
    policy_state_t pol;     /* attempts made, decorrelated-jitter state */
    uint32_t gen;           /* bumped when the slot is freed */
    uint32_t attempt_seq;   /* identifies the current attempt; bumped when it is abandoned */
    uint32_t client;        /* client id, 0..clients-1 */
    uint32_t parent;        /* hop > 0: the request of hop - 1 this call serves */
    uint32_t next_free;     /* free-list link */
    uint8_t active;         /* 1 while the retry loop runs */
    uint8_t caller_gone;    /* 1 once the caller gave up (deadline) but the loop goes on: an orphan */
    uint8_t nonreplayable;  /* 1: the body was consumed by attempt 1 (docs/failure-modes.md §1.1) */
    uint8_t waiting;        /* 1 while an attempt is outstanding (not backing off) */
    uint8_t hop;            /* where its attempts go; 0 = a caller's call */
    eng_ev_t timeout_ev;    /* the current attempt's timeout */
    eng_ev_t backoff_ev;    /* the pending backoff wake-up */
    eng_ev_t deadline_ev;   /* the caller's deadline */
} call_t;

/* One attempt's request on its way through the network and the server. */
typedef struct req {
    uint32_t call;          /* call index */
    uint32_t call_gen;      /* the call's gen when sent */
    uint32_t attempt_seq;   /* the call's attempt_seq when sent */
    uint32_t next_free;
    simtime_t retry_after;  /* ns, Retry-After the response carries, -1 = none */
    simtime_t deadline_at;  /* ns, deadline propagated with the request; SIMTIME_NEVER = none */
    simtime_t queued_at;    /* ns, when it entered the waiting room (CoDel sojourn) */
    uint8_t outcome;        /* outcome_t once decided */
    uint8_t hop;            /* the hop it is sent to */
    uint8_t where;          /* REQ_OUT, REQ_QUEUED, REQ_SERVING, REQ_BACK */
    uint8_t cancelled;      /* 1: its call no longer wants it (server_cancel) */
} req_t;

/* Where a request is: on its way to the server (or waiting on the
 * limiter), in the waiting room, in service, or its answer on the way back. */
enum { REQ_OUT, REQ_QUEUED, REQ_SERVING, REQ_BACK };

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

struct world;
typedef struct world world_t;

/* A runtime the client's goroutine-level work goes through (the Go runtime
 * model installs one; with none, CPU work is instant and a sleep is an
 * engine timer). g is the call's goroutine, kept by the runtime. */
typedef struct {
    void (*cpu)(world_t *w, void *rt, uint32_t call, int cost, eng_fn fn, uint64_t arg, int64_t aux0, int64_t aux1);
    const int64_t *(*aux)(world_t *w, void *rt, uint32_t call);     /* the aux words of the last cpu */
    eng_ev_t (*sleep)(world_t *w, void *rt, uint32_t call, simtime_t d, eng_fn fn, uint64_t arg);
    int (*cancel)(world_t *w, void *rt, uint32_t call, eng_ev_t ev); /* 1 if the sleep had not ended */
    void (*call_end)(world_t *w, void *rt, uint32_t call);
} world_runtime_t;

enum { WORLD_COST_SEND, WORLD_COST_RESPONSE }; /* what a runtime cpu burst is for */

/* A model that is on: its descriptor and state. */
typedef struct {
    const model_desc_t *d;
    void *state;
} world_model_t;

struct world {
    const run_cfg_t *cfg;
    eng_t eng;
    run_result_t *res;
    simtime_t end_arrivals;  /* ns, no new call starts at or after this */

    gsl_rng *r_arrivals, *r_jitter, *r_nonreplay, *r_service, *r_errors, *r_net_req, *r_net_resp, *r_think;

    world_model_t on[WORLD_MAX_MODELS]; /* the models on in this run, in models.def order */
    int non;
    /* by model index: where its extension sits in a call and a request
     * record; only the models on have one, so an off model costs no bytes */
    size_t call_off[WORLD_MAX_MODELS], req_off[WORLD_MAX_MODELS];
    const world_runtime_t *rt; /* NULL: no runtime model */
    void *rt_state;

    unsigned char *calls;    /* pool of call records (call_t + extensions), call_size bytes each */
    size_t call_size;
    uint32_t ncalls_cap, calls_used, calls_free; /* free head + 1, 0 = none */
    unsigned char *reqs;     /* pool of request records (req_t + extensions) */
    size_t req_size;
    uint32_t nreqs_cap, reqs_used, reqs_free;

    arrivals_state_t arr;

    /* hops: the chain of tiers a call's attempts go down (world.h) */
    int nhops;                           /* 1 = the server only */
    eng_fn hop_arrive[WORLD_MAX_HOPS];   /* a request reaches hop i (the last: server_on_arrival) */
    const policy_cfg_t *hop_policy[WORLD_MAX_HOPS]; /* the policy of calls to hop i ([retry] for hop 0) */
    void (*subcall_done)(world_t *w, void *ctx, uint32_t parent, int ok); /* a hop > 0 call ended */
    void *subcall_ctx;
    int64_t hop_attempts[WORLD_MAX_HOPS]; /* attempts sent to hop i */

    /* server */
    limiter_t limiter;
    uint32_t *queue;         /* ring of request indices */
    uint32_t qcap, qhead, qlen; /* qlen counts cancelled requests still in the ring */
    uint32_t qdead;          /* cancelled requests in the ring: skipped when their turn comes */
    int busy;                /* workers serving */
    int workers_now;         /* workers available (capacity outages) */
    int outage_mode;         /* -1 none, else OUTAGE_REJECT / OUTAGE_DROP */
    int64_t in_service;      /* requests being served, for load-dependent latency */

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

    stats_hist_t *h_latency; /* successful calls, ns */
    stats_hist_t *h_attempts; /* attempts per finished retry loop */
    char err[256];           /* first setup or model error */
    int failed;
};

/* ---- pools --------------------------------------------------------------- */

static inline call_t *world_call(const world_t *w, uint32_t i)
{
    return (call_t *)(void *)(w->calls + (size_t)i * w->call_size);
}

static inline req_t *world_req(const world_t *w, uint32_t i)
{
    return (req_t *)(void *)(w->reqs + (size_t)i * w->req_size);
}

/* A model's per-call and per-request state (model_info_t offsets). */
static inline void *world_call_ext(const world_t *w, uint32_t i, const model_info_t *m)
{
    return w->calls + (size_t)i * w->call_size + w->call_off[m->index];
}

static inline void *world_req_ext(const world_t *w, uint32_t i, const model_info_t *m)
{
    return w->reqs + (size_t)i * w->req_size + w->req_off[m->index];
}

/* A model's configuration in this run. */
static inline const void *world_cfg(const world_t *w, const model_info_t *m)
{
    return (const char *)w->cfg + m->cfg_off;
}

uint32_t world_req_alloc(world_t *w); /* UINT32_MAX when out of memory; extensions zeroed */
void world_req_free(world_t *w, uint32_t i);
void world_fail(world_t *w, const char *msg); /* the run fails with msg (the first one is kept) */

/* ---- metrics ------------------------------------------------------------- */

static inline void world_count(world_t *w, int id, int64_t n)
{
    stats_series_record(&w->res->series, id, eng_now(&w->eng), n);
}
int64_t world_series_total(const world_t *w, int id);
void world_level(world_t *w, level_t *l, int64_t delta);
double world_level_mean(const world_t *w, const level_t *l, simtime_t until);

/* ---- the core's entry points ---------------------------------------------- */

/* client.c */
void client_start_call(world_t *w, uint32_t client);
void client_on_response(world_t *w, uint32_t req); /* the response reached the client */
int client_request_alive(const world_t *w, const req_t *r); /* its attempt is still awaited */
/* A call to hop `hop` for request `parent` of hop - 1 (a model's tier);
 * deadline_at: propagated, SIMTIME_NEVER = none. */
void client_start_subcall(world_t *w, int hop, uint32_t parent, simtime_t deadline_at);
/* Send request ri to hop `hop` after d ns (the request network delay is the caller's). */
void client_send_to_hop(world_t *w, uint32_t ri, int hop, simtime_t d);

/* Requests waiting in the server's queue (cancelled ones not counted). */
static inline uint32_t world_waiting(const world_t *w)
{
    return w->qlen - w->qdead;
}

/* client.c, for models that send more than one request per attempt
 * (hedging): another copy of call ci's current attempt, counted in series
 * `series` (a model's own); the models' may_retry and retry_granted hooks
 * decide whether one may go (1) or not (0), as for a retry after outcome o;
 * a copy that ended without ending the attempt, for the models that count
 * attempts (a retry token bucket). */
void client_send_copy(world_t *w, uint32_t ci, int series);
/* Request ri, which model m's on_send held (MODEL_SEND_HELD), leaves now:
 * the on_send hooks of the models after m, then the network. A model
 * holding a request whose attempt has ended (client_request_alive is 0)
 * frees it instead (world_req_free). */
void client_send_held(world_t *w, uint32_t ri, const model_info_t *m);
int client_retry_allowed(world_t *w, uint32_t ci, outcome_t o);
void client_copy_ended(world_t *w, uint32_t ci, outcome_t o);

/* server.c */
int server_setup(world_t *w);
void server_free(world_t *w);
void server_on_arrival(eng_t *e, void *ctx, uint64_t req);
/* Answer request ri with outcome o after the response's network delay
 * (retry_after -1 = none), without serving it. */
void server_respond(world_t *w, uint32_t ri, outcome_t o, simtime_t retry_after);
/* The client no longer wants request ri (its call took another's answer):
 * one still on its way is dropped when it arrives, one waiting leaves the
 * queue, one in service runs to its end (wasted), an answer on its way back
 * is dropped by the client. Returns where it was (REQ_*). */
int server_cancel(world_t *w, uint32_t ri);

/* arrivals.c */
int arrivals_setup(world_t *w);
void arrivals_free(world_t *w);
void arrivals_on_call_end(world_t *w, uint32_t client); /* closed loop: think, then call again */

#endif
