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
} rec_run_t;

/* Open (creating the schema if needed) and write. Returns 0 and sets
 * *run_id, or -1 with a message; on error nothing is written. */
int rec_write(const char *db_path, const rec_run_t *run, int64_t *run_id, char *err, size_t errlen);

#endif
