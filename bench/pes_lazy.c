/*
 * 4-ary heap with lazy cancellation (dead keys dropped at the top, heap
 * compacted when they outnumber live ones), compiled from sim/pes.c for
 * bench/bench_hold, which measures it side by side with the library's
 * default design (4-ary heap, eager cancel). Every public function of pes.h
 * is renamed with the prefix pes_lazy_ so this copy links next to the
 * library's; the settings are defined here, before pes.h's #ifndef defaults
 * can apply.
 */
#define PES_ARITY 4
#define PES_CANCEL_EAGER 0

#define pes_init pes_lazy_init
#define pes_free pes_lazy_free
#define pes_push pes_lazy_push
#define pes_pop pes_lazy_pop
#define pes_pop_until pes_lazy_pop_until
#define pes_peek pes_lazy_peek
#define pes_cancel pes_lazy_cancel
#define pes_pending pes_lazy_pending
#define pes_design pes_lazy_design

#include "../sim/pes.c"

/* Included last so the compiler checks the renamed definitions above against
 * the declarations that bench_hold.c calls through. */
#include "pes_variants.h"
