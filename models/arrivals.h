/*
 * arrivals: where logical calls come from. Open loop (each arrival is one
 * call, whatever happened to earlier ones): Poisson, constant rate, a
 * piecewise-constant rate schedule, a spike, or a trace file. Closed loop:
 * N clients that each make a call, wait for it to end, think, and repeat.
 */
#ifndef RETRYSIM_ARRIVALS_H
#define RETRYSIM_ARRIVALS_H

#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "simtime.h"

#define ARRIVALS_MAX_STEPS 64

typedef enum { ARR_POISSON, ARR_CONSTANT, ARR_SCHEDULE, ARR_SPIKE, ARR_TRACE, ARR_CLOSED } arrivals_kind_t;

typedef struct {
    simtime_t t;        /* ns, start of this step */
    double rate;        /* calls/s from t until the next step, >= 0 */
} arrivals_step_t;

typedef struct {
    arrivals_kind_t kind;
    double rate;        /* calls/s, poisson and constant, > 0 */
    int nsteps;         /* schedule: steps in ascending t, the first at 0 */
    arrivals_step_t steps[ARRIVALS_MAX_STEPS];
    int schedule_poisson; /* schedule: 1 Poisson within each step, 0 evenly spaced */
    int64_t spike_calls;  /* spike: number of calls, >= 1 */
    simtime_t spike_at;   /* ns, spike start */
    simtime_t spike_window; /* ns, calls spread uniformly over [at, at + window); 0 = all at once */
    char trace_path[512]; /* trace: file of first-attempt times in s, optional client id */
    int clients;          /* closed: population N; open: client ids for metrics, >= 1 */
    dist_t think;         /* closed: think time between a call's end and the next call */
} arrivals_cfg_t;


/* Read a trace file as a run would, to report a bad one (file:line) before
 * anything runs. 0, or -1 and a message. */
int arrivals_trace_check(const char *path, char *err, size_t errlen);

#endif
