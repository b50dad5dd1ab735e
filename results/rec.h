/*
 * rec: records one finished run into the SQLite results database, in a
 * single BEGIN IMMEDIATE transaction, so an interrupted or failed write
 * leaves no partial rows. The schema is results/schema.sql (embedded at
 * build time); the series table's columns follow models/metrics.h.
 */
#ifndef RETRYSIM_REC_H
#define RETRYSIM_REC_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

typedef struct {
    const char *key;      /* "section.key" */
    const char *value;    /* resolved value as text */
} rec_param_t;

/* A run's place in a sweep (NULL in rec_run_t for a single `retrysim run`). */
typedef struct {
    const char *config_hash;  /* identity of the experiment file's text */
    int run_number;           /* 0..N-1 in the sweep's documented order */
    int point;                /* configuration index (replications share it) */
    int nvars;                /* iteration variables */
    const char *const *names;
    const char *const *values;
} rec_sweep_t;

typedef struct {
    const char *experiment;   /* experiment name */
    const char *config_text;  /* the configuration file as given (may be NULL) */
    const char *config_path;  /* its path (may be NULL) */
    const rec_param_t *params; /* resolved parameters, every key */
    int nparams;
    const char *version;      /* retrysim version */
    const char *started;      /* wall-clock start, ISO 8601 UTC */
    const run_cfg_t *cfg;     /* resolved configuration (seed, replication, bucket) */
    const run_result_t *res;  /* the metrics */
    const rec_sweep_t *sweep; /* NULL unless the run is part of a sweep */
} rec_run_t;

/* Open (creating the schema if needed) and write. Returns 0 and sets
 * *run_id, or -1 with a message; on error nothing is written. */
int rec_write(const char *db_path, const rec_run_t *run, int64_t *run_id, char *err, size_t errlen);

/* The directory that will hold db_path must exist (SQLite's own message,
 * "unable to open database file", would not say why). 0, or -1 and a message. */
int rec_check_dir(const char *db_path, char *err, size_t errlen);

/* Mark in done[0..n) the run numbers of this sweep (experiment, config
 * hash) already recorded, ok or failed. A missing database has none.
 * Returns the number marked, or -1 with a message. */
int rec_done_runs(const char *db_path, const char *experiment, const char *config_hash, unsigned char *done, int n,
                  char *err, size_t errlen);

/* Rewrite the summary rows of an experiment from its runs with status ok
 * and this config hash: per (point, scalar) n, mean, sd and the Student-t
 * 95% half-width. One transaction. Returns 0 or -1 with a message. */
int rec_summarise(const char *db_path, const char *experiment, const char *config_hash, char *err, size_t errlen);

#endif
