/*
 * Ladder queue (Tang, Goh & Thng 2005) with lazy cancellation, compiled from
 * sim/ladder/pes_ladder.c for bench/bench_hold, which measures it side by
 * side with the library's heap designs. Every public function of pes.h is
 * renamed with the prefix pes_ladder_ so this copy links next to the
 * library's pes_*.
 */
#define pes_init pes_ladder_init
#define pes_free pes_ladder_free
#define pes_push pes_ladder_push
#define pes_pop pes_ladder_pop
#define pes_pop_until pes_ladder_pop_until
#define pes_peek pes_ladder_peek
#define pes_cancel pes_ladder_cancel
#define pes_pending pes_ladder_pending
#define pes_design pes_ladder_design

#include "../sim/ladder/pes_ladder.c"

/* Included last so the compiler checks the renamed definitions above against
 * the declarations that bench_hold.c calls through. */
#include "pes_variants.h"
