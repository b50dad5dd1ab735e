/*
 * shed: server-side load shedding, queue order and a load-aware Retry-After.
 * Pure decisions, no engine: given the queue's
 * state and the time, admit or shed an arriving request; given the queue,
 * the Retry-After a 503 carries.
 *
 * CoDel (Nichols & Jacobson, "Controlling Queue Delay", ACM Queue 2012;
 * RFC 8289): a request's sojourn is the time it waited in the queue. While
 * the minimum sojourn over the last `interval` exceeds `target`, the queue
 * holds a standing delay: an arriving request that would have to wait is
 * shed (503). As in CoDel's dequeue, the first sojourn at or above target
 * arms first_above = now + interval, any sojourn below target (a request
 * served at once counts as 0) or an empty queue disarms it; at or after
 * first_above the queue is overloaded. Facebook's RPC queues pair this with
 * adaptive LIFO (Maurer, "Fail at Scale", ACM Queue 2015).
 *
 * Inflight limit: shed when the requests admitted and not yet served (in
 * service + waiting) reach max_inflight.
 *
 * Retry-After: constant (the [server] retry_after key, 0 = none), or queue:
 * the time to drain the current queue, max(1, queue length) x mean service
 * / workers available, capped at retry_after_cap. Units: ns.
 */
#ifndef RETRYSIM_SHED_H
#define RETRYSIM_SHED_H

#include <stdint.h>

#include "simtime.h"

typedef enum { SHED_NONE, SHED_CODEL, SHED_INFLIGHT } shed_kind_t;
typedef enum { SHED_ORDER_FIFO, SHED_ORDER_LIFO } shed_order_t;
typedef enum { SHED_RA_CONSTANT, SHED_RA_QUEUE } shed_ra_mode_t;

typedef struct {
    shed_kind_t kind;          /* [shed] kind: none, codel, inflight */
    simtime_t target;          /* ns, codel: acceptable standing queue delay, > 0 */
    simtime_t interval;        /* ns, codel: window the minimum sojourn is taken over, > 0 */
    int max_inflight;          /* inflight: requests admitted and not yet served, >= 1 */
    shed_order_t queue_order;  /* [server] queue_order: which waiting request a free worker takes */
    shed_ra_mode_t ra_mode;    /* [server] retry_after_mode, for queue-full and shed 503s */
    simtime_t retry_after;     /* ns, [server] retry_after in constant mode; 0 = none */
    simtime_t retry_after_cap; /* ns, [server] retry_after_cap in queue mode; 0 = none */
} shed_cfg_t;

typedef struct {
    simtime_t first_above;     /* ns, CoDel: when the minimum sojourn will have been >= target for an interval; -1 = disarmed */
} shed_state_t;

void shed_defaults(shed_cfg_t *c);
void shed_init(shed_state_t *s);

/* A request left the queue at now after waiting sojourn ns (0: served at
 * once); qlen_after requests are still waiting. */
void shed_observe(shed_state_t *s, const shed_cfg_t *c, simtime_t now, simtime_t sojourn, uint32_t qlen_after);

/* 1 if the queue is overloaded at now (CoDel's dropping state). */
int shed_codel_overloaded(const shed_state_t *s, const shed_cfg_t *c, simtime_t now);

/* 1 admit, 0 shed an arriving request. must_wait: no worker is free;
 * inflight: requests admitted and not yet served. */
int shed_admit(const shed_state_t *s, const shed_cfg_t *c, simtime_t now, int must_wait, int64_t inflight);

/* The Retry-After (ns, -1 = none) of a queue-full or shed 503. */
simtime_t shed_retry_after(const shed_cfg_t *c, uint32_t qlen, double mean_service_ns, int workers);

#endif
