/*
 * bench_gmp: the cost of the GMP model (models/gmp.c). The storm of
 * bench_storm (one million calls: Poisson 10,000 calls/s for 100 s, 120
 * workers x exp(10 ms), a 30 s outage answered 503, 5 attempts, exponential
 * backoff with full jitter, 1 s attempt timeout) run with the model off and
 * on (GOMAXPROCS 4, 20 us of CPU per send and per response, GC paced by the
 * heap), side by side. Prints wall-clock seconds (median of 3 runs each),
 * events and the ratio. Goal (docs/engine.md): on <= 3x slower than off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "gmp.h"
#include "model.h"
#include "run.h"

#define GMP_CFG(c) ((gmp_cfg_t *)model_cfg((c), "gmp"))

#define REPS 3

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void storm(run_cfg_t *c, int quick)
{
    char err[256];
    if (cfg_defaults(c, err, sizeof err) < 0) {
        fprintf(stderr, "bench_gmp: %s\n", err);
        exit(1);
    }
    c->run.duration = (quick ? 10 : 100) * SIMTIME_S;
    c->run.drain = 120 * SIMTIME_S;
    c->arrivals.kind = ARR_POISSON;
    c->arrivals.rate = 10000;
    c->server.workers = 120;
    c->server.queue = 1000;
    c->server.service = (dist_t){.kind = DIST_EXP, .a = 10e6};
    c->server.noutages = 1;
    c->server.outages[0] = (outage_t){c->run.duration / 4, c->run.duration / 4 + 30 * SIMTIME_S, OUTAGE_REJECT, 0};
    c->retry.max_attempts = 5;
    c->retry.attempt_timeout = SIMTIME_S;
    c->retry.backoff = BACKOFF_EXPONENTIAL;
    c->retry.base = 100 * SIMTIME_MS;
    c->retry.multiplier = 2;
    c->retry.cap = 10 * SIMTIME_S;
    c->retry.jitter = JITTER_FULL;
    c->network.request = (dist_t){.kind = DIST_EXP, .a = 1e6};
    c->network.response = c->network.request;
}

/* Median wall seconds of REPS runs; the last result is left in *res. */
static int timed(const run_cfg_t *c, run_result_t *res, double *median)
{
    double w[REPS];
    for (int i = 0; i < REPS; i++) {
        if (run_execute(c, res) < 0) {
            fprintf(stderr, "bench_gmp: run failed: %s\n", res->message);
            run_result_free(res);
            return -1;
        }
        w[i] = res->wall_s;
        if (i < REPS - 1)
            run_result_free(res);
    }
    qsort(w, REPS, sizeof w[0], cmp_double);
    *median = w[REPS / 2];
    return 0;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    run_cfg_t off, on;
    storm(&off, quick);
    storm(&on, quick);
    GMP_CFG(&on)->enabled = 1;
    GMP_CFG(&on)->procs = 4;
    GMP_CFG(&on)->gc = GMP_GC_HEAP;
    GMP_CFG(&on)->alloc_rate = 20;
    run_result_t roff, ron;
    double woff, won;
    if (timed(&off, &roff, &woff) < 0)
        return 1;
    if (timed(&on, &ron, &won) < 0) {
        run_result_free(&roff);
        return 1;
    }
    printf("gmp: %.0f calls, %.0f attempts; median of %d runs each\n", run_scalar(&roff, "calls"),
           run_scalar(&roff, "attempts"), REPS);
    printf("  model off  %7.2f s  %10lu events  %6.2f M events/s\n", woff, (unsigned long)roff.events,
           (double)roff.events / woff / 1e6);
    printf("  model on   %7.2f s  %10lu events  %6.2f M events/s   (client CPU %.1f%% of %d Ps, %.0f GC cycles, "
           "lateness p50 %.3f ms, p99 %.3f ms)\n",
           won, (unsigned long)ron.events, (double)ron.events / won / 1e6,
           100 * run_scalar(&ron, "client_cpu_util"), GMP_CFG(&on)->procs, run_scalar(&ron, "gc_cycles"),
           1e3 * run_scalar(&ron, "lateness_p50_s"), 1e3 * run_scalar(&ron, "lateness_p99_s"));
    double ratio = won / woff;
    printf("  on / off   %7.2fx   goal <= 3x: %s\n", ratio, ratio <= 3 ? "met" : "NOT met");
    run_result_free(&roff);
    run_result_free(&ron);
    return 0;
}
