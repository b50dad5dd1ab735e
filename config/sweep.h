/*
 * sweep: expands an experiment file with OMNeT++-style iteration into a
 * numbered list of runs, each a plain cfg_doc_t (no ${...} left) for
 * cfg_apply. It sits between the two stages of config/cfg.h: text ->
 * document -> [sweep] -> documents -> run_cfg_t.
 *
 * Syntax, anywhere inside a value (text around it is kept):
 *   ${a, b, c}              values; trimmed; "..." quotes a value that holds
 *                           , } ! = or .. (\" and \\ inside quotes)
 *   ${1..10 step 2}         a range, inclusive of the end when the end lies
 *                           within 1e-9 of a step from the grid; step
 *                           defaults to 1; may be negative (10..1 step -1);
 *                           step 0 or a step pointing away from the end is
 *                           an error. Numbers print without float noise
 *                           (0.1..0.5 step 0.1 gives 0.1 0.2 0.3 0.4 0.5).
 *   ${10ms..50ms step 10ms} a range of durations (exact, in ns), printed in
 *                           the unit of the start (or of the end if the
 *                           start is a bare 0); the step must have a unit.
 *   ${1, 5..9 step 2, 20}   a list may mix values and ranges.
 *   ${name=...}             names the variable; ${name} elsewhere in any
 *                           value is its current value (before or after the
 *                           definition). Names are C identifiers, defined
 *                           once. An unnamed ${...} is a variable too, named
 *                           "section.key" (with "#2", "#3" for more in one
 *                           value) in listings.
 *   ${x=1,2,3 ! other}      x follows the named variable `other` (same
 *                           index, equal lengths) instead of nesting.
 * Iteration values are literal: they cannot refer to other variables.
 *
 * [sweep] section (consumed here, never passed on; other keys are errors):
 *   repeat = R              replications, 1..100000, default 1
 *   constraint = EXPR       keep only the combinations where EXPR holds;
 *                           language in config/expr.h ($x or ${x} are the
 *                           named variables; numbers and durations compare
 *                           as numbers, in seconds).
 *
 * Run order. The loops are the variables that follow no other, nested in
 * the order their definitions appear in the document (entry order, then
 * position in the value): the first is the outermost, the LAST is the
 * innermost; replication is inside all of them. The combinations that
 * pass the constraint are the points 0..P-1 in that loop order, and run
 * i is point i / R, replication i % R; so runs 0..N-1 with N = P * R.
 *
 * Replications and seeds. When [sweep] sets repeat (even to 1), run i's
 * document gets run.replication = i % R, replacing any run.replication of
 * the file, located at the repeat line. run.seed is left as written, so
 * replication r of every point uses the same seeds: common random numbers,
 * which keeps seed noise out of comparisons between points. Without
 * repeat, run.replication is left as the file has it.
 *
 * A document with no ${...} and no [sweep] is a plan of one run (point 0,
 * replication 0) whose document is a copy of the input.
 *
 * Every entry of a run's document keeps its original file, line and
 * section line, so cfg_apply's messages point at the line that holds the
 * ${...}. Errors are one line "FILE:LINE: [section] key: message"
 * ("--set" for a command-line entry). Functions return 0 (or a count) or
 * -1 with the message in err; nothing here exits.
 */
#ifndef RETRYSIM_SWEEP_H
#define RETRYSIM_SWEEP_H

#include <stddef.h>

#include "cfg.h"

/* The section this layer consumes. */
#define SWEEP_SECTION "sweep"
/* Limits that keep a typo (a step of 1 over 1..1e9) from eating memory. */
#define SWEEP_MAX_VALUES 1000000   /* values of one variable */
#define SWEEP_MAX_RUNS 10000000    /* combinations before the constraint, and runs */
#define SWEEP_MAX_REPEAT 100000
/* Variables of one sweep: a caller may size its values array with this. */
#define SWEEP_MAX_VARS 64

/* A planned sweep. A zeroed plan is empty and may be freed. The plan owns
 * a copy of everything it needs: the input document may be freed after
 * sweep_plan (entries set with cfg_doc_set keep their static "--set"). */
typedef struct {
    struct sweep_state *s;
} sweep_plan_t;

/* Parse every ${...} and the [sweep] section of doc, count the runs and
 * apply the constraint. On error the plan is left empty. */
int sweep_plan(const cfg_doc_t *doc, sweep_plan_t *plan, char *err, size_t errlen);

int sweep_count(const sweep_plan_t *plan);  /* runs N = points * repeat */
int sweep_points(const sweep_plan_t *plan); /* configurations that pass the constraint */
int sweep_repeat(const sweep_plan_t *plan); /* R */

/* Variables in definition order (named, unnamed and lockstep ones); at
 * most SWEEP_MAX_VARS. */
int sweep_nvars(const sweep_plan_t *plan);
const char *sweep_var_name(const sweep_plan_t *plan, int v);

/* Run i (0 <= i < sweep_count): *out receives a new document (free with
 * cfg_doc_free; left empty on error; out may be NULL to get only the
 * numbers), *point and *replication its numbers, values[0..nvars) the
 * variables' values as text (owned by the plan). point, replication and
 * values may be NULL. */
int sweep_run(const sweep_plan_t *plan, int i, cfg_doc_t *out, int *point, int *replication, const char **values,
              char *err, size_t errlen);

void sweep_plan_free(sweep_plan_t *plan);

/* Loops, for drivers that walk the grid themselves (retrysim search). A
 * loop is a variable that follows nobody; a lockstep variable ('!') moves
 * with the loop of the variable it follows. Loops nest in definition
 * order, the last innermost; a point is one index per loop. */
int sweep_nloops(const sweep_plan_t *plan);
int sweep_loop_size(const sweep_plan_t *plan, int loop);
/* The loop that drives variable v, or -1. */
int sweep_var_loop(const sweep_plan_t *plan, int v);
/* The variable called name, or -1. */
int sweep_find_var(const sweep_plan_t *plan, const char *name);
/* Point p's index in every loop, into idx[0..sweep_nloops). 0, or -1 if p
 * is not a point of the plan. */
int sweep_point_loops(const sweep_plan_t *plan, int point, int *idx);

/* A run selection such as "1,2,5-10" (blanks allowed around numbers):
 * clears selected[0..n) and marks the runs named. A number outside
 * 0..n-1, a reversed range ("3-1"), an empty item or anything else is an
 * error. Returns the number of distinct runs selected, or -1. */
int sweep_parse_selection(const char *spec, int n, unsigned char *selected, char *err, size_t errlen);

#endif
