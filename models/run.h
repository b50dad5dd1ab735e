/*
 * run: one simulation run. Builds the engine and the models from a resolved
 * configuration, runs them, and returns every metric: per-bucket series,
 * per-run scalars and histograms. Knows nothing of INI text or SQLite.
 */
#ifndef RETRYSIM_RUN_H
#define RETRYSIM_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "arrivals.h"
#include "limiter.h"
#include "metrics.h"
#include "network.h"
#include "policy.h"
#include "rng.h"
#include "server.h"
#include "simtime.h"
#include "stats.h"

typedef struct {
    simtime_t duration;        /* ns, calls start in [0, duration), > 0 */
    simtime_t drain;           /* ns, after duration the run goes on until no call is left, at most this long */
    uint64_t seed;             /* base seed of the run's random streams */
    uint32_t replication;      /* replication index, 0.. */
    char generator[32];        /* GSL generator name, "mt19937" */
    simtime_t bucket;          /* ns, width of the series buckets, 1 ms .. 1 h */
    uint64_t max_events;       /* event budget; reaching it fails the run; 0 = unlimited */
    double recovery_threshold; /* success rate that counts as recovered, (0, 1] */
    simtime_t recovery_hold;   /* ns the success rate must stay at or above the threshold */
    simtime_t warmup;          /* ns, [0, warmup) is left out of the time averages and the peaks; < duration */
} run_params_t;

/* What a sweep records per run besides its scalars ([output] keep). */
enum { OUTPUT_KEEP_FIRST, OUTPUT_KEEP_ALL, OUTPUT_KEEP_SCALARS };

typedef struct {
    char db[512];              /* SQLite database path */
    char experiment[128];      /* experiment name recorded with the run */
    int keep;                  /* OUTPUT_KEEP_*: series and histograms of the first replication
                                  of each point (default), of every run, or of none */
} output_cfg_t;

/* Bytes for the optional models' configurations (model.h); the registry
 * places each model's structure in it, and a test checks they fit. */
#define RUN_EXT_BYTES 4096

/* Where the retry policy's keys came from (config/expand.h): recorded with
 * the run's parameters so results can be told apart by it; read by no model. */
typedef struct {
    char preset[48];           /* [retry] preset name, "" = none */
    char grpc_service_config[512]; /* a gRPC service config (JSON) file, "" = none */
    char grpc_method[256];     /* "service/method" choosing its methodConfig, "" = the default */
    char envoy_retry_policy[512]; /* an Envoy route retry_policy (JSON or YAML) file, "" = none */
} retry_source_t;

typedef struct run_cfg {
    run_params_t run;
    arrivals_cfg_t arrivals;
    policy_cfg_t retry;
    retry_source_t retry_src;
    server_cfg_t server;
    limiter_cfg_t limiter;
    network_cfg_t network;
    output_cfg_t output;
    _Alignas(16) unsigned char ext[RUN_EXT_BYTES]; /* the models' configurations: model_cfg() */
} run_cfg_t;

#define RUN_MAX_HISTS 8

typedef struct {
    const char *name;   /* static string */
    const char *unit;
    stats_hist_t h;
} run_hist_t;

typedef struct run_result {
    stats_series_t series;     /* counters per bucket, one per series column (metrics_nseries) */
    double *scalar;            /* metrics_nscalars() values by id (metrics.h); NaN = undefined or not
                                  produced (model off) */
    int nscalars;              /* entries of scalar */
    int has_scalars;           /* 1 once the run's scalars were computed (not for a setup failure) */
    int nhists;
    run_hist_t hists[RUN_MAX_HISTS];
    rng_set_t rng;             /* generator name and stream seeds, for the record */
    uint64_t events;           /* events dispatched */
    int64_t peak_active;       /* most retry loops alive at once */
    size_t pool_bytes;         /* bytes of call, request and event pools at the end (their peak) */
    double wall_s;             /* wall-clock seconds of the simulation itself */
    int failed;                /* 1 if the run did not complete (budget, error) */
    char message[256];         /* why it failed */
} run_result_t;

/* Check combinations that make no sense (beyond single-key ranges, which
 * the config layer checks). Returns -1 with a message and sets *key to the
 * "section.key" most to blame, so the caller can point at its line. */
int run_validate(const run_cfg_t *c, const char **key, char *err, size_t errlen);

#define RUN_BAD_INPUT (-2)

/* Run it. Returns 0 when the run completed; -1 when it failed (res->failed
 * and res->message say why; the partial result is still filled); or
 * RUN_BAD_INPUT when an input the configuration names (a trace file) is
 * unusable: nothing ran, res->message says what is wrong. In every case
 * run_result_free(res) must be called. */
int run_execute(const run_cfg_t *c, run_result_t *res);

/* The same, calling progress(ctx, now, horizon, events) every 1/100 of the
 * simulated horizon (ns) so a long run can say how far it got; what is
 * simulated does not change. */
typedef void (*run_progress_fn)(void *ctx, simtime_t now, simtime_t horizon, uint64_t events);
int run_execute_progress(const run_cfg_t *c, run_result_t *res, run_progress_fn progress, void *ctx);
void run_result_free(run_result_t *res);

/* Set scalar id (metrics.h); NaN = undefined. */
void run_set_scalar(run_result_t *res, int id, double v);
/* A scalar by name, NaN if undefined, not produced or unknown (tests, tools). */
double run_scalar(const run_result_t *res, const char *name);

#endif
