/*
 * eng: the discrete-event engine. It owns the clock and the pending event
 * set, dispatches events to their handlers, and stops at a time, when no
 * event is left, or when an event budget runs out. It knows nothing about
 * clients, servers or retries: models schedule through this small API.
 *
 * An event is (due time, handler, context pointer, 64-bit argument). No
 * memory is allocated per event: payloads live in the pending set's slot
 * pool, entity state lives in the models' own pools.
 */
#ifndef RETRYSIM_ENG_H
#define RETRYSIM_ENG_H

#include <stddef.h>
#include <stdint.h>

#include "pes.h"
#include "simtime.h"

typedef struct eng eng_t;
typedef void (*eng_fn)(eng_t *e, void *ctx, uint64_t arg);
typedef pes_handle_t eng_ev_t; /* 0 = no event */

typedef enum {
    ENG_OK = 0,     /* reached the requested time */
    ENG_EMPTY,      /* no event left before the requested time */
    ENG_STOPPED,    /* a handler called eng_stop() */
    ENG_BUDGET,     /* max_events reached: an error for the run */
    ENG_ERROR       /* scheduling failed (memory, limits, time in the past) */
} eng_status_t;

/* Fields are private to eng.c; they are in the header only so the engine
 * can be embedded by value and eng_now() inlined. */
struct eng {
    pes_t pes;
    simtime_t now;        /* ns, current simulation time */
    uint64_t events;      /* events dispatched so far */
    uint64_t max_events;  /* budget; 0 = unlimited */
    int stop;             /* set by eng_stop() */
    int failed;           /* sticky: a schedule call failed */
    char errmsg[160];     /* what failed */
    uint64_t trace_hash;  /* FNV-1a over (time, handler, arg) when tracing */
    int trace;            /* 1 = maintain trace_hash (tests, determinism checks) */
};

int eng_init(eng_t *e, size_t cap_hint, uint64_t max_events);
void eng_free(eng_t *e);

static inline simtime_t eng_now(const eng_t *e) { return e->now; }

/* Schedule fn(e, ctx, arg) at absolute time t >= now (or after dt >= 0).
 * Returns a handle for eng_cancel, or 0 on failure; a failure is also
 * remembered and ends eng_run with ENG_ERROR, so callers need not check. */
eng_ev_t eng_at(eng_t *e, simtime_t t, eng_fn fn, void *ctx, uint64_t arg);
eng_ev_t eng_after(eng_t *e, simtime_t dt, eng_fn fn, void *ctx, uint64_t arg);

/* Cancel a pending event; 1 if it was pending, 0 if the handle is stale. */
int eng_cancel(eng_t *e, eng_ev_t h);
int eng_pending(const eng_t *e, eng_ev_t h);

/* Dispatch events in (time, sequence) order until the next event would be
 * after `until` (then the clock is set to `until`; SIMTIME_NEVER = run until
 * empty), the set is empty, eng_stop() is called, the budget is spent, or a
 * schedule failed. A later call continues where this one stopped. */
eng_status_t eng_run(eng_t *e, simtime_t until);

void eng_stop(eng_t *e);

static inline uint64_t eng_events(const eng_t *e) { return e->events; }
static inline size_t eng_pending_count(const eng_t *e) { return pes_size(&e->pes); }
const char *eng_error(const eng_t *e);

/* Bytes held by the pending event set (keys and slots), for memory figures. */
size_t eng_memory(const eng_t *e);
const char *eng_status_name(eng_status_t s);

/* Determinism checks: hash every dispatched (time, handler, arg). */
void eng_trace(eng_t *e, int on);
static inline uint64_t eng_trace_hash(const eng_t *e) { return e->trace_hash; }

#endif
