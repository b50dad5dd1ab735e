/*
 * pes_variants: the pending-event-set designs that bench/bench_hold measures
 * side by side in one binary, whichever design the library carries under the
 * plain pes_* names: each is compiled again by a wrapper in bench/ (sim/pes.c
 * with its PES_ARITY / PES_CANCEL_EAGER settings, or the ladder) with every
 * public function renamed with a prefix (pes_heap_*, pes_lazy_*, ...).
 * pes_t, pes_event_t and pes_handle_t are the same types for all designs; a
 * pes_t must only ever be used with the functions of the design that
 * initialised it.
 */
#ifndef RETRYSIM_BENCH_PES_VARIANTS_H
#define RETRYSIM_BENCH_PES_VARIANTS_H

#include "../sim/pes.h"

/* bench/pes_heap.c: 4-ary heap, eager cancellation: sim/pes.c as make PES=heap builds it. */
int pes_heap_init(pes_t *q, size_t cap_hint);
void pes_heap_free(pes_t *q);
pes_handle_t pes_heap_push(pes_t *q, simtime_t t, const pes_event_t *ev);
int pes_heap_pop(pes_t *q, simtime_t *t, pes_event_t *ev);
simtime_t pes_heap_peek(pes_t *q);
int pes_heap_cancel(pes_t *q, pes_handle_t h);
int pes_heap_pending(const pes_t *q, pes_handle_t h);
const char *pes_heap_design(void);

/* bench/pes_lazy.c: 4-ary heap, lazy cancellation (PES_CANCEL_EAGER=0). */
int pes_lazy_init(pes_t *q, size_t cap_hint);
void pes_lazy_free(pes_t *q);
pes_handle_t pes_lazy_push(pes_t *q, simtime_t t, const pes_event_t *ev);
int pes_lazy_pop(pes_t *q, simtime_t *t, pes_event_t *ev);
simtime_t pes_lazy_peek(pes_t *q);
int pes_lazy_cancel(pes_t *q, pes_handle_t h);
int pes_lazy_pending(const pes_t *q, pes_handle_t h);
const char *pes_lazy_design(void);

/* bench/pes_binary.c: binary heap, lazy cancellation. */
int pes_binary_init(pes_t *q, size_t cap_hint);
void pes_binary_free(pes_t *q);
pes_handle_t pes_binary_push(pes_t *q, simtime_t t, const pes_event_t *ev);
int pes_binary_pop(pes_t *q, simtime_t *t, pes_event_t *ev);
simtime_t pes_binary_peek(pes_t *q);
int pes_binary_cancel(pes_t *q, pes_handle_t h);
int pes_binary_pending(const pes_t *q, pes_handle_t h);
const char *pes_binary_design(void);

/* bench/pes_binary_eager.c: binary heap, removal by handle. */
int pes_binary_eager_init(pes_t *q, size_t cap_hint);
void pes_binary_eager_free(pes_t *q);
pes_handle_t pes_binary_eager_push(pes_t *q, simtime_t t, const pes_event_t *ev);
int pes_binary_eager_pop(pes_t *q, simtime_t *t, pes_event_t *ev);
simtime_t pes_binary_eager_peek(pes_t *q);
int pes_binary_eager_cancel(pes_t *q, pes_handle_t h);
int pes_binary_eager_pending(const pes_t *q, pes_handle_t h);
const char *pes_binary_eager_design(void);

/* bench/pes_ladder.c: ladder queue (sim/ladder/pes_ladder.c), lazy cancellation. */
int pes_ladder_init(pes_t *q, size_t cap_hint);
void pes_ladder_free(pes_t *q);
pes_handle_t pes_ladder_push(pes_t *q, simtime_t t, const pes_event_t *ev);
int pes_ladder_pop(pes_t *q, simtime_t *t, pes_event_t *ev);
simtime_t pes_ladder_peek(pes_t *q);
int pes_ladder_cancel(pes_t *q, pes_handle_t h);
int pes_ladder_pending(const pes_t *q, pes_handle_t h);
const char *pes_ladder_design(void);

#endif
