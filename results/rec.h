/*
 * rec: the results database writer. One open connection records every run
 * of a sweep (prepared statements reused, many runs per transaction), keeps
 * the per-point summary up to date, and tells a resumed sweep what is
 * already there. The schema is results/schema.sql (embedded at build time);
 * the series and scalars tables' columns follow models/metrics.h.
 *
 * A run reaches the writer as a rec_run_t: flat, with no pointer into the
 * models, so a worker process can ship it as bytes (results/pack.h) and the
 * writer (the sweep's parent, or rank 0 of an MPI sweep) is the only
 * process that touches SQLite.
 *
 * Durability: while open, the database is in WAL mode with synchronous =
 * NORMAL: a committed run survives a crash of the process (kill -9), a
 * transaction cut short leaves nothing. rec_close returns it to SQLite's
 * default rollback journal, so the file stands alone afterwards.
 */
#ifndef RETRYSIM_REC_H
#define RETRYSIM_REC_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "rng.h"
#include "run.h"

typedef struct {
    const char *key;      /* "section.key" */
    const char *value;    /* resolved value as text */
} rec_param_t;

typedef struct {
    int64_t lower, upper; /* values in the bucket, inclusive, in the histogram's unit */
    int64_t count;        /* samples, > 0 */
} rec_bucket_t;

typedef struct {
    const char *name;          /* 'latency', 'attempts_per_call', ... */
    const char *unit;          /* 'ns', 'attempts' */
    int nbuckets;              /* non-empty buckets */
    const rec_bucket_t *b;     /* ascending */
} rec_hist_t;

/* The fixed-size part of a finished run: plain values only, so it is
 * shipped between processes of the same binary as it is (results/pack.c). */
typedef struct {
    int32_t sweep_run;         /* run number in its sweep, 0..; -1 for a `retrysim run` */
    int32_t point;             /* sweep configuration, 0.. */
    int32_t replication;       /* run.replication */
    int32_t failed;            /* 1: the run did not complete (message says why) */
    uint64_t seed;             /* run.seed */
    uint64_t events;           /* events dispatched */
    double wall_s;             /* wall-clock seconds of the simulation */
    int64_t bucket_ns;         /* series bucket width */
    int64_t duration_ns;       /* arrival window */
    char message[256];         /* why it failed; "" when ok */
    int32_t has_scalars;       /* 1: scalar[] holds the run's scalars */
    int32_t detail;            /* 1: series and histograms are recorded */
    int32_t nbuckets;          /* series rows (nseries values each), detail only */
    int32_t nseries;           /* series columns (metrics_nseries of the writer's binary) */
    int32_t nscalars;          /* scalars (metrics_nscalars) */
    int32_t nhists;            /* histograms, detail only, <= RUN_MAX_HISTS */
    int32_t nstreams;          /* named random streams, <= RNG_MAX_STREAMS */
    struct {
        char name[32];         /* purpose, e.g. 'server.service' */
        uint64_t seed;         /* seed given to gsl_rng_set */
    } stream[RNG_MAX_STREAMS];
} rec_head_t;

typedef struct {
    rec_head_t h;
    const double *scalar;      /* h.nscalars by id; NaN = undefined or not produced */
    const int64_t *series;     /* h.nbuckets x h.nseries, bucket-major; NULL if none */
    rec_hist_t hist[RUN_MAX_HISTS];
} rec_run_t;

/* A sweep's identity and description, written once when it is new. */
typedef struct {
    const char *experiment;    /* [output] experiment */
    const char *config_hash;   /* identity of the effective text and inputs (exec_identity) */
    const char *config_path;   /* may be NULL */
    const char *config_text;   /* may be NULL */
    const char *overrides;     /* --set assignments, one per line; may be NULL */
    const char *version;       /* retrysim version */
    int runs, points, repeat;
    int nvars;                 /* iteration variables */
    const char *const *var_names;
    /* Point p's resolved parameters and variable values: every key, in
     * the same order for every point. Called for point 0 by rec_sweep, and
     * for another point when its first run is recorded (so a sweep of
     * millions of points describes only those it runs). Returns 0, or -1
     * with a message. */
    int (*describe)(void *ctx, int point, const rec_param_t **params, int *nparams, const char **values,
                    char *err, size_t errlen);
    void *ctx;
} rec_sweep_t;

typedef struct rec rec_t;

/* The directory that will hold db_path must exist (SQLite's own message,
 * "unable to open database file", would not say why). 0, or -1 and a message. */
int rec_check_dir(const char *db_path, char *err, size_t errlen);

/* While another connection holds the database's lock, wait(ctx, ms) is
 * asked every few milliseconds with the milliseconds waited so far: it
 * returns nonzero to go on waiting (it may print a message), 0 to give up
 * (the operation then fails with "database is locked"). Without one (NULL)
 * the writer gives up after 30 s. */
typedef int (*rec_wait_fn)(void *ctx, int64_t waited_ms);

/* Open (creating it and its schema if needed) for writing; wait (may be
 * NULL) as above. -1 with a message ("results database 'PATH': ...") on
 * error; *out is then NULL. A database of another program, or of another
 * schema version, is refused and left as it is. */
int rec_open(rec_t **out, const char *db_path, rec_wait_fn wait, void *ctx, char *err, size_t errlen);

/* Claim the sweep for this process: one writer per sweep at a time. -1
 * with a message naming the other writer (host, pid, since when) while
 * another process that is alive holds it; a claim whose holder is gone
 * (its pid is dead on this host, or it has not renewed the claim for a
 * minute) is taken over. rec_commit and rec_heartbeat renew the claim,
 * rec_close releases it. */
int rec_claim(rec_t *r, int64_t sweep, char *err, size_t errlen);

/* Renew the claim if it was last renewed more than a few seconds ago:
 * call it regularly while waiting for long runs. 0 or -1 with a message. */
int rec_heartbeat(rec_t *r, char *err, size_t errlen);

/* Commit what is pending, return the file to the rollback journal, close.
 * Returns 0, or -1 with a message if the last commit failed (those runs
 * are not recorded). r may be NULL. */
int rec_close(rec_t *r, char *err, size_t errlen);

/* Find the sweep (experiment, config_hash) or create it with point 0's
 * parameters and variables; the runs put after this belong to it (s must
 * stay valid until the next rec_sweep or rec_close). Sets *id; *created =
 * 1 if it is new. */
int rec_sweep(rec_t *r, const rec_sweep_t *s, int64_t *id, int *created, char *err, size_t errlen);

/* Mark in done[0..n) the run numbers of the sweep already recorded (ok or
 * failed). Returns the number marked, or -1 with a message. */
int rec_done_runs(rec_t *r, int64_t sweep, unsigned char *done, int n, char *err, size_t errlen);

/* Record one run of the sweep. Runs accumulate in one transaction until
 * rec_commit (or rec_close). Sets *run_id (may be NULL). On error the
 * pending transaction is rolled back: every run since the last commit is
 * lost (a resumed sweep runs them again). */
int rec_put(rec_t *r, int64_t sweep, const rec_run_t *run, int64_t *run_id, char *err, size_t errlen);

/* Commit the runs put since the last commit. 0 or -1 with a message. */
int rec_commit(rec_t *r, char *err, size_t errlen);

/* Runs put since the last commit. */
int rec_pending(const rec_t *r);

/* Bring the summary up to date for the sweep: per (point, scalar) n, mean,
 * sd and the Student-t 95% half-width over the runs with status ok. Only
 * points with runs recorded since the summary was last brought up to date
 * (sweep.summarised) are recomputed; every point if the experiment's
 * summary holds another sweep. Commits first; one transaction. 0 or -1
 * with a message. */
int rec_summarise(rec_t *r, int64_t sweep, char *err, size_t errlen);

/* The scalars of run number sweep_run of the sweep: 1 and the values (NaN
 * where NULL) when it is recorded, *ok = its status is ok; 0 when it is not
 * recorded; -1 with a message. */
int rec_run_scalars(rec_t *r, int64_t sweep, int sweep_run, int *ok, double *scalar, char *err, size_t errlen);

/* ---- search answers (retrysim search) ------------------------------------ */

typedef struct {
    int grp;                   /* group of the outer grid */
    int point;                 /* the answer's sweep point (or one of the group's) */
    const char *variable;      /* searched */
    const char *status;        /* found, non_monotone, all_pass, none_pass */
    const char *boundary;      /* the answer; NULL if none */
    const char *other;         /* its neighbour that does not pass; NULL if none */
    int runs;                  /* replications the group took */
} rec_search_row_t;

typedef struct {
    int grp, candidate, point, n;
    int k;                     /* replications meeting the goal; -1 = not a share */
    double estimate, lo, hi;   /* NaN = undefined */
    const char *value;         /* the candidate as written */
    const char *verdict;       /* pass, fail, uncertain */
} rec_probe_row_t;

/* Forget the sweep's answers, to write them anew (in the open batch). */
int rec_search_clear(rec_t *r, int64_t sweep, char *err, size_t errlen);
int rec_search_put(rec_t *r, int64_t sweep, const rec_search_row_t *row, char *err, size_t errlen);
int rec_probe_put(rec_t *r, int64_t sweep, const rec_probe_row_t *row, char *err, size_t errlen);

/* ---- merging ------------------------------------------------------------ */

typedef struct {
    int sweeps_added;          /* sweeps new to this database */
    int runs_added;            /* runs copied */
    int runs_same;             /* runs already here with the same results */
} rec_merge_stats_t;

/* Add the runs of the database at src_path (results/merge.c): its sweeps
 * are matched by (experiment, config_hash) or added; a run already here
 * (same sweep, same run number) must have the same results (status,
 * events, every scalar) and is skipped, else it is a conflict: -1 with a
 * message, and nothing of src is merged. One transaction. The ids of the
 * sweeps that got runs are appended to *touched (realloc'ed; *ntouched
 * counts them): bring their summaries up to date with rec_summarise. */
int rec_merge(rec_t *r, const char *src_path, rec_merge_stats_t *stats, int64_t **touched, int *ntouched, char *err,
              size_t errlen);

/* The SQLite connection, for the other results modules (merge.c) only. */
struct sqlite3 *rec_sqlite(rec_t *r);

#endif
