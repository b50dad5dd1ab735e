/*
 * server: the service behind the limiter. c workers, a FIFO waiting room of
 * K, service times from a distribution (optionally load-dependent, as in
 * Brooker's collapse model), injected errors, scheduled outages and capacity
 * cuts. Optional models hook in where a request arrives, waits, is served
 * and ends (model.h): load shedding, idempotency, contention.
 */
#ifndef RETRYSIM_SERVER_H
#define RETRYSIM_SERVER_H

#include <stdint.h>

#include "dist.h"
#include "simtime.h"

#define SERVER_MAX_OUTAGES 16
#define SERVER_QUEUE_UNLIMITED (-1)

typedef enum {
    OUTAGE_REJECT,   /* every arrival is answered 503 at once */
    OUTAGE_DROP,     /* every arrival is silently dropped: clients time out */
    OUTAGE_CAPACITY  /* only `fraction` of the workers serve */
} outage_kind_t;

typedef struct {
    simtime_t start, end; /* ns, the outage holds in [start, end) */
    outage_kind_t kind;
    double fraction;      /* OUTAGE_CAPACITY: share of workers left, [0, 1] */
} outage_t;

/* Which waiting request a free worker takes. */
typedef enum { SERVER_ORDER_FIFO, SERVER_ORDER_LIFO } server_order_t;
/* The Retry-After of queue-full and shed 503s: a constant, or the time to
 * drain the current queue, max(1, queue length) x mean service / workers
 * available, capped. */
typedef enum { SERVER_RA_CONSTANT, SERVER_RA_QUEUE } server_ra_mode_t;

typedef struct {
    int workers;          /* concurrency c, >= 1 */
    int queue;            /* waiting room K >= 0, or SERVER_QUEUE_UNLIMITED */
    int queue_full_status; /* 503 (or 429, 504) sent when the waiting room is full */
    dist_t service;       /* service time */
    simtime_t load_ns;    /* ns added to a service time per request in flight at its start; 0 = off */
    double error_500;     /* fraction of served requests answered 500, [0, 1] */
    double error_502;     /* fraction answered 502 */
    double error_drop;    /* fraction whose connection is dropped (client: connection error) */
    int drop_expired;     /* 1: a request whose client already gave up is discarded, not served */
    int deadline_propagation; /* 1: requests carry min(call deadline, attempt deadline); the
                                 server discards one whose deadline passed before service */
    server_order_t queue_order; /* the oldest (fifo) or newest (lifo) waiting request is served next */
    server_ra_mode_t ra_mode;   /* Retry-After of queue-full and shed 503s */
    simtime_t retry_after;      /* ns, constant mode; 0 = none */
    simtime_t retry_after_cap;  /* ns, queue mode: upper bound; 0 = none */
    int noutages;
    outage_t outages[SERVER_MAX_OUTAGES];
} server_cfg_t;

/* The Retry-After (ns, -1 = none) of a queue-full or shed 503 with qlen
 * requests waiting and `workers` serving. */
simtime_t server_retry_after(const server_cfg_t *c, uint32_t qlen, int workers);

/* Total server capacity in requests/s (workers / mean service time), for
 * peak/capacity ratios; 0 if it has no meaning (load-dependent service). */
double server_capacity(const server_cfg_t *c);

#endif
