/*
 * 4-ary heap with eager cancellation (removal by handle), sim/pes.c's own
 * settings, compiled for bench/bench_hold whichever design the library was
 * built with (make PES=heap or the default ladder). Every public function
 * of pes.h is renamed with the prefix pes_heap_ so this copy links next to
 * the library's pes_*.
 */
#define PES_ARITY 4
#define PES_CANCEL_EAGER 1

#define pes_init pes_heap_init
#define pes_free pes_heap_free
#define pes_push pes_heap_push
#define pes_pop pes_heap_pop
#define pes_pop_until pes_heap_pop_until
#define pes_peek pes_heap_peek
#define pes_cancel pes_heap_cancel
#define pes_pending pes_heap_pending
#define pes_design pes_heap_design

#include "../sim/pes.c"

/* Included last so the compiler checks the renamed definitions above against
 * the declarations that bench_hold.c calls through. */
#include "pes_variants.h"
