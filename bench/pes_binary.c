/*
 * Binary heap with lazy cancellation, compiled from sim/pes.c for
 * bench/bench_hold, which measures it side by side with the library's
 * default design (4-ary heap, lazy cancel). Every public function of pes.h
 * is renamed with the prefix pes_binary_ so this copy links next to the
 * library's; the settings are defined here, before pes.h's #ifndef defaults
 * can apply.
 */
#define PES_ARITY 2
#define PES_CANCEL_EAGER 0

#define pes_init pes_binary_init
#define pes_free pes_binary_free
#define pes_push pes_binary_push
#define pes_pop pes_binary_pop
#define pes_pop_until pes_binary_pop_until
#define pes_peek pes_binary_peek
#define pes_cancel pes_binary_cancel
#define pes_pending pes_binary_pending
#define pes_design pes_binary_design

#include "../sim/pes.c"

/* Included last so the compiler checks the renamed definitions above against
 * the declarations that bench_hold.c calls through. */
#include "pes_variants.h"
