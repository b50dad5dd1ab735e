/*
 * search: `retrysim search`: the boundary of one variable of an experiment
 * (the least capacity, the most attempts, the longest outage ...) at which
 * a goal over the runs' scalars is met, found by a noisy bisection that
 * adds replications only where the answer is uncertain (see search.c).
 *
 * The experiment file's [search] section (consumed here; keys below) names
 * the variable, one of its ${name=...} variables, whose values are the
 * candidates, in the order written; every other variable forms the outer
 * grid, and each of its points gets a search of its own. The runs are a
 * sweep of the file with repeat = the most replications, recorded like any
 * sweep (resumable, the same seeds for replication r of every candidate:
 * common random numbers), of which the search runs only what it needs.
 *
 *   variable     = NAME          the variable searched
 *   goal         = EXPR          over one run's scalars ($recovery_time_s
 *                                <= 30); with statistic = mean, the form
 *                                $scalar <= NUMBER (or >=, <, >)
 *   statistic    = share | mean  share: the goal holds in at least `share`
 *                                of replications (Wald's SPRT); mean: the
 *                                mean meets it (Student-t interval)
 *   share        = 0.95          (0, 1)
 *   tolerance    = 0.04          indifference half-width of the share test
 *   confidence   = 0.95          of each candidate's verdict
 *   replications = 10..100       per candidate: a batch, at most
 *   passes       = above | below optional: the goal holds from the boundary
 *                                on upwards (above) or downwards in the
 *                                order written; else inferred per group
 */
#ifndef RETRYSIM_SEARCH_H
#define RETRYSIM_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "rec.h"
#include "sweep.h"

#define SEARCH_SECTION "search"

typedef struct search search_t;

/* Parse the [search] entries (taken out of the experiment's document). On
 * success *s is set and *repeat is the replications the sweep must have. */
int search_parse(const cfg_doc_t *section, search_t **s, int *repeat, char *err, size_t errlen);

/* Bind to the planned sweep (find the variable, group the points). */
int search_plan(search_t *s, const sweep_plan_t *plan, char *err, size_t errlen);

/* Run these run numbers (the farm); 0, or the farm's exit status. */
typedef int (*search_run_fn)(void *ctx, const int *runs, int n);

/* The search, round by round: run what is undecided (runs already in the
 * database are read, not run again), decide, narrow; then write the
 * answers (tables search and search_probe) and print them. Returns 0, or
 * the farm's status, or 1 after a database error (err). */
int search_run(search_t *s, rec_t *rec, int64_t sweep, const unsigned char *done, search_run_fn run, void *ctx,
               int quiet, char *err, size_t errlen);

void search_free(search_t *s);

#endif
