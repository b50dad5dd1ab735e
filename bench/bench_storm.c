/*
 * bench_storm: the whole simulator on a retry storm. One million calls
 * (Poisson, 10,000 calls/s for 100 s) against 120 workers x exp(10 ms)
 * (12,000 requests/s), a 30 s outage answered with 503, exponential backoff
 * with full jitter, 5 attempts, 1 s attempt timeout. Prints events/s
 * (median of 5 runs) and memory per call in flight (pool bytes at the end,
 * which is their peak since pools never shrink, over the peak number of
 * live retry loops). Goals (docs/engine.md): >= 5 M events/s (the first
 * bar), >= 20 M events/s (the current one), <= 256 bytes/call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "run.h"

#define REPS 5

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    run_cfg_t c;
    char err[256];
    if (cfg_defaults(&c, err, sizeof err) < 0) {
        fprintf(stderr, "bench_storm: %s\n", err);
        return 1;
    }
    c.run.duration = (quick ? 10 : 100) * SIMTIME_S;
    c.run.drain = 120 * SIMTIME_S;
    c.arrivals.kind = ARR_POISSON;
    c.arrivals.rate = 10000;
    c.server.workers = 120;
    c.server.queue = 1000;
    c.server.service = (dist_t){.kind = DIST_EXP, .a = 10e6};
    c.server.noutages = 1;
    c.server.outages[0] = (outage_t){c.run.duration / 4, c.run.duration / 4 + 30 * SIMTIME_S, OUTAGE_REJECT, 0};
    c.retry.max_attempts = 5;
    c.retry.attempt_timeout = SIMTIME_S;
    c.retry.backoff = BACKOFF_EXPONENTIAL;
    c.retry.base = 100 * SIMTIME_MS;
    c.retry.multiplier = 2;
    c.retry.cap = 10 * SIMTIME_S;
    c.retry.jitter = JITTER_FULL;
    c.network.request = (dist_t){.kind = DIST_EXP, .a = 1e6};
    c.network.response = c.network.request;

    double eps[REPS];
    run_result_t res;
    for (int i = 0; i < REPS; i++) {
        if (run_execute(&c, &res) < 0) {
            fprintf(stderr, "bench_storm: run failed: %s\n", res.message);
            return 1;
        }
        eps[i] = (double)res.events / res.wall_s;
        if (i < REPS - 1)
            run_result_free(&res);
    }
    qsort(eps, REPS, sizeof eps[0], cmp_double);
    double bytes_per_call = res.peak_active > 0 ? (double)res.pool_bytes / (double)res.peak_active : 0;
    printf("storm: %.0f calls, %.0f attempts, amplification %.2f, %lu events\n", run_scalar(&res, "calls"),
           run_scalar(&res, "attempts"), run_scalar(&res, "amplification"), (unsigned long)res.events);
    printf("  events/s (median of %d)   %8.2f M/s   (min %.2f, max %.2f)   goal >= 5 M/s: %s; >= 20 M/s: %s\n",
           REPS, eps[REPS / 2] / 1e6, eps[0] / 1e6, eps[REPS - 1] / 1e6, eps[REPS / 2] >= 5e6 ? "met" : "NOT met",
           eps[REPS / 2] >= 20e6 ? "met" : "NOT met");
    printf("  memory per call in flight %8.0f bytes  (%zu pool bytes / %ld peak live calls)   goal <= 256: %s\n",
           bytes_per_call, res.pool_bytes, (long)res.peak_active, bytes_per_call <= 256 ? "met" : "NOT met");
    run_result_free(&res);
    return 0;
}
