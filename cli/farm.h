/*
 * farm: a sweep's runs handed out to workers and their results gathered by
 * one writer, whatever carries them. Two transports share this:
 *   farm_local (farm.c)    -j worker processes forked on this machine, a
 *                          counter in shared memory, a pipe per worker;
 *   farm_mpi (farm_mpi.c)  MPI ranks (make MPI=1): rank 0 hands out run
 *                          numbers on request and writes, the others simulate.
 * A worker simulates run i (farm_simulate) and ships a frame plus the packed
 * run (results/pack.h); the writer batches what arrives (farm_reserve,
 * farm_received) and writes a batch in one short transaction (farm_commit).
 * Both transports give the same database: the same runs, packed the same
 * way, recorded by the same writer.
 */
#ifndef RETRYSIM_FARM_H
#define RETRYSIM_FARM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pack.h"
#include "rec.h"
#include "run.h"
#include "sweep.h"

#define FARM_MSG_MAX 200

/* What precedes each packed run. */
typedef struct {
    int32_t run;               /* run number */
    int32_t status;            /* EXEC_OK, EXEC_RUN_FAILED (recorded as failed), EXEC_BAD_INPUT (not recorded) */
    uint64_t len;              /* bytes of the packed run that follow; 0 with EXEC_BAD_INPUT */
    char msg[FARM_MSG_MAX];    /* why it failed */
} farm_frame_t;

/* Set by SIGINT and SIGTERM (farm_catch_signals): stop handing out runs,
 * record what arrived whole, and end. */
extern volatile sig_atomic_t farm_interrupted;
void farm_catch_signals(struct sigaction *old_int, struct sigaction *old_term);
void farm_restore_signals(const struct sigaction *old_int, const struct sigaction *old_term);

/* ---- a worker ------------------------------------------------------------ */

typedef struct {
    const sweep_plan_t *plan;
    const char *db;            /* --db override, or NULL */
    run_cfg_t cfg;             /* the configuration of cached_point */
    int cached_point;          /* -1 = none */
    pack_buf_t buf;            /* the last run, packed */
} farm_worker_t;

void farm_worker_init(farm_worker_t *w, const sweep_plan_t *plan, const char *db);
void farm_worker_free(farm_worker_t *w);

/* Resolve run i (its point's configuration once, then only the replication
 * changes) and simulate it. Fills *fr; returns the packed run (fr->len
 * bytes, owned by w until the next call) or NULL when there is none
 * (EXEC_BAD_INPUT). */
const unsigned char *farm_simulate(farm_worker_t *w, int i, farm_frame_t *fr);

/* Resolve run i's document (the sweep's --db override applied). */
int farm_resolve(const sweep_plan_t *plan, const char *db, int i, run_cfg_t *c, const char **vals, char *err,
                 size_t errlen);

/* ---- the writer ---------------------------------------------------------- */

typedef struct {
    int run;
    char msg[FARM_MSG_MAX];
} farm_failure_t;

typedef struct {
    rec_t *rec;
    int64_t sweep;
    pack_buf_t batch;          /* runs received, not yet written: packed, each at a multiple of 8 bytes */
    struct {
        size_t at, len;        /* where a run starts in batch, its bytes */
    } *msg;
    int nbatch, capbatch;
    size_t reserved;           /* where the run being received starts in batch */
    farm_failure_t *failures;  /* runs that failed (recorded as failed) or were bad input */
    int nfail;
    unsigned char *got;        /* per run number: its frame arrived */
    int nruns;                 /* entries of got and failures */
    int done;                  /* frames received */
    uint64_t events;           /* events of the runs written */
    double sim_s;              /* wall-clock seconds the written runs simulated, summed */
    double first_pending;      /* when the oldest unwritten run arrived (monotonic s); 0 = none */
    int quiet, tty;            /* progress: none; rewritten in place */
    double t0, last_progress;  /* monotonic s */
    char err[1024];            /* a database error, which ends the sweep */
} farm_writer_t;

/* nruns: the sweep's run count. Returns 0, or -1 when out of memory. */
int farm_writer_init(farm_writer_t *wr, int nruns, int quiet);
void farm_writer_free(farm_writer_t *wr);

/* Room for a packed run of len bytes, to receive it into; NULL when out of
 * memory. Then farm_received with its frame (len 0: nothing reserved). */
unsigned char *farm_reserve(farm_writer_t *wr, size_t len);
void farm_received(farm_writer_t *wr, const farm_frame_t *fr);

/* Write the batch in one transaction when it is large or old enough, or
 * when forced. 0, or -1 with wr->err. */
int farm_commit(farm_writer_t *wr, int force);

/* The progress line (every few seconds, or in place on a terminal). */
void farm_progress(farm_writer_t *wr, int ntodo, int final);

/* Name the runs of todo whose frame never arrived. */
void farm_report_missing(const farm_writer_t *wr, const int *todo, int ntodo, const char *why);

double farm_now(void);

/* ---- transports: run todo[0..ntodo) and gather them into wr --------------- */

/* Returns 0; 130 when interrupted; 1 after a database error (wr->err, not
 * printed) or when runs were lost with a worker (printed). */
int farm_local(const sweep_plan_t *plan, const char *db, int jobs, const int *todo, int ntodo, farm_writer_t *wr);

#ifdef RETRYSIM_MPI
/* MPI: the caller is rank 0 (the writer) of size > 1 ranks. One round of
 * runs (a sweep has one, a search many); then farm_mpi_stop, once. */
int farm_mpi_round(const int *todo, int ntodo, farm_writer_t *wr);
void farm_mpi_stop(void);
/* The other ranks: simulate what rank 0 hands out until it says stop. */
int farm_mpi_worker(const sweep_plan_t *plan, const char *db);
#endif

#endif
