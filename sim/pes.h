/*
 * pes: the pending event set. A priority queue of events ordered by
 * (time, insertion sequence number), so events due at the same time leave in
 * the order they were scheduled and a run is fully deterministic.
 *
 * Callers see only this interface: push, pop, peek, cancel by handle. Two
 * structures implement it and can replace each other without touching
 * them: a ladder queue (sim/ladder/pes_ladder.c, the default) and a 4-ary
 * heap of 16-byte keys over a slot pool (sim/pes.c, make PES=heap).
 *
 * Cancellation is on the hot path of a retry simulation: every attempt arms
 * a timeout that the response usually cancels. Two designs are compiled from
 * this file and measured by bench/bench_hold:
 *   PES_CANCEL_EAGER=1 (default): removal by handle. Every slot knows its
 *     heap index, cancel() removes the key at once. Faster by 4-29% when
 *     timeouts are armed and cancelled (cancel model), 6-9% on bench_storm.
 *   PES_CANCEL_EAGER=0: lazy. cancel() marks the slot dead; the key stays in
 *     the heap and is dropped when it reaches the top (or when a compaction
 *     runs because dead keys outnumber live ones). 2-14% faster on the plain
 *     hold model, where nothing is cancelled.
 *
 * Limits: at most PES_MAX_PENDING keys (live + lazily dead) at once and
 * 2^40 pushes per queue; push reports failure past either.
 */
#ifndef RETRYSIM_PES_H
#define RETRYSIM_PES_H

#include <stddef.h>
#include <stdint.h>

#include "simtime.h"

#ifndef PES_CANCEL_EAGER
#define PES_CANCEL_EAGER 1 /* chosen by bench/bench_hold's cancel model and bench_storm */
#endif
#ifndef PES_ARITY
#define PES_ARITY 4 /* 2 or 4 */
#endif

#define PES_SLOT_BITS 24
#define PES_MAX_PENDING ((size_t)1 << PES_SLOT_BITS) /* keys in the queue */

/* A handler stored as an opaque function pointer; the engine casts it back
 * to its own handler type before calling it. */
typedef void (*pes_fnptr_t)(void);

typedef struct {
    pes_fnptr_t fn; /* handler */
    void *ctx;      /* handler's context (entity), may be NULL */
    uint64_t arg;   /* small argument, e.g. an entity index or a generation */
} pes_event_t;

/* Handle of a pushed event: 0 never names an event. A handle goes stale when
 * its event fires or is cancelled; using a stale handle is harmless. */
typedef uint64_t pes_handle_t;

typedef struct {
    simtime_t t;  /* due time, ns */
    uint64_t key; /* seq << PES_SLOT_BITS | slot: ties broken by seq */
} pes_key_t;

typedef struct {
    pes_event_t ev;
    uint32_t gen;   /* bumped whenever the slot is released */
    uint32_t state; /* lazy: PES_FREE/LIVE/DEAD; eager: heap index + 1 or 0 */
} pes_slot_t;

typedef struct {
    pes_key_t *heap;     /* heap storage, offset so sibling groups share a cache line */
    void *heap_mem;      /* allocation behind heap */
    size_t n;            /* keys in the heap (live + dead) */
    size_t cap;          /* capacity of heap, keys */
    pes_slot_t *slots;   /* event payloads, indexed by slot */
    uint32_t nslots;     /* slots allocated */
    uint32_t nused;      /* slots ever handed out (the rest are untouched) */
    uint32_t free_head;  /* first free slot + 1; 0 = none; links in ev.arg */
    size_t live;         /* events pending and not cancelled */
    size_t dead;         /* lazy: cancelled keys still in the heap */
    uint64_t seq;        /* next sequence number */
    uint64_t compactions; /* lazy: heap rebuilds done to drop dead keys */
} pes_t;

int pes_init(pes_t *q, size_t cap_hint);
void pes_free(pes_t *q);

/* Schedule ev at time t. Returns its handle, or 0 when memory or a limit ran
 * out (the caller treats this as a fatal error for the run). */
pes_handle_t pes_push(pes_t *q, simtime_t t, const pes_event_t *ev);

/* Remove the earliest live event into *t and *ev. Returns 1, or 0 if empty. */
int pes_pop(pes_t *q, simtime_t *t, pes_event_t *ev);

/* The engine's step: remove the earliest live event into *t and *ev and
 * return 1 if it is due at or before `until`; else return 0 with *t its
 * time (SIMTIME_NEVER when empty). One look at the front, where a peek
 * then a pop take two. */
int pes_pop_until(pes_t *q, simtime_t until, simtime_t *t, pes_event_t *ev);
/* Time of the earliest live event, or SIMTIME_NEVER when empty. */
simtime_t pes_peek(pes_t *q);

/* Cancel a pending event. Returns 1 if it was pending, 0 if the handle is
 * stale (already fired, already cancelled, or never valid). */
int pes_cancel(pes_t *q, pes_handle_t h);

/* 1 if h names an event that is still pending. */
int pes_pending(const pes_t *q, pes_handle_t h);

static inline size_t pes_size(const pes_t *q) { return q->live; }

/* Human-readable name of the compiled design, for run records. */
const char *pes_design(void);

#endif
