/*
 * bench_engine: the whole engine on the hold model, like for like with
 * ns-3's hold probe, and what the engine adds to its pending event set.
 *
 * Three loops per n (n events pending, Exp(1 ms) increments, one GSL
 * mt19937 exponential drawn per event as ns-3's probe draws one, after
 * 30 n warm-up holds capped at 2 M):
 *   queue   the library's pending event set alone (pes_pop, then pes_push
 *           at t + draw), with the draw inline;
 *   engine  the same holds through sim/eng: each event's handler draws its
 *           increment and schedules itself again with eng_after, and
 *           eng_run dispatches (clock, budget and stop checks, handles).
 *   draws   the GSL draws alone, for reference.
 * Repetitions alternate between the loops; medians of 5. Printed: holds/s
 * of each, the engine's cost over the queue (goal <= 20%), and the engine
 * against 5x ns-3.37's PriorityQueueScheduler (docs/engine.md: 5.66, 2.64,
 * 1.75 M holds/s at n = 1e3, 1e5, 1e6 on the same kind of machine).
 *
 * Usage: bench_engine [--quick] (n = 1e3 and 1e5 only)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "eng.h"

#define REPS 5
#define MEAN_NS 1e6        /* increments: Exp with a 1 ms mean, in ns */
#define BATCH 2000000u     /* timed holds per repetition */
#define WARM_PER_N 30      /* warm-up holds per pending event ... */
#define WARM_CAP 2000000u  /* ... at most */
#define GOAL_OVERHEAD 0.20 /* engine over queue */
#define SEED 20251127UL

static const size_t NS[] = {1000, 100000, 1000000};
static const double NS3_PQ[] = {5.66, 2.64, 1.75}; /* M holds/s, docs/engine.md */

enum { L_QUEUE, L_ENGINE, L_DRAWS, NL };
static const char *const LNAME[NL] = {"queue", "engine", "draws"};

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static simtime_t draw(gsl_rng *g) { return (simtime_t)(gsl_ran_exponential(g, MEAN_NS) + 0.5); }

/* ---- queue alone --------------------------------------------------------- */

static unsigned long queue_holds(pes_t *q, gsl_rng *g, size_t m)
{
    unsigned long bad = 0;
    pes_event_t ev = {NULL, NULL, 0};
    simtime_t t = 0;
    for (size_t i = 0; i < m; i++) {
        bad += !pes_pop(q, &t, &ev);
        bad += !pes_push(q, t + draw(g), &ev);
    }
    return bad;
}

/* ---- through the engine -------------------------------------------------- */

static void on_hold(eng_t *e, void *ctx, uint64_t arg)
{
    eng_after(e, draw(ctx), on_hold, ctx, arg);
}

/* ---- one n --------------------------------------------------------------- */

typedef struct {
    double rate[NL];   /* M holds/s, median */
    double spread[NL]; /* (max - min) / median of the repetitions */
    unsigned long bad;
} cell_t;

static cell_t run_n(size_t n)
{
    cell_t c = {{0}, {0}, 0};
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, SEED);
    size_t warm = n * WARM_PER_N < WARM_CAP ? n * WARM_PER_N : WARM_CAP;

    pes_t q;
    eng_t e;
    if (pes_init(&q, n) < 0 || eng_init(&e, n, 0) < 0) {
        c.bad = 1;
        gsl_rng_free(g);
        return c;
    }
    pes_event_t ev = {NULL, NULL, 0};
    for (size_t i = 0; i < n; i++) {
        ev.arg = i;
        c.bad += !pes_push(&q, draw(g), &ev);
        c.bad += !eng_at(&e, draw(g), on_hold, g, i);
    }
    c.bad += queue_holds(&q, g, warm);
    if (eng_run(&e, eng_now(&e) + (simtime_t)((double)warm / (double)n * MEAN_NS)) != ENG_OK)
        c.bad++;

    double sec[NL][REPS];
    for (int r = 0; r < REPS; r++)
        for (int k = 0; k < NL; k++) {
            int l = (k + r) % NL;
            double t0 = now_sec();
            if (l == L_QUEUE) {
                c.bad += queue_holds(&q, g, BATCH);
            } else if (l == L_ENGINE) {
                uint64_t before = eng_events(&e);
                e.max_events = before + BATCH;
                if (eng_run(&e, SIMTIME_NEVER) != ENG_BUDGET || eng_events(&e) != before + BATCH)
                    c.bad++;
            } else {
                volatile simtime_t s = 0;
                for (size_t i = 0; i < BATCH; i++)
                    s += draw(g);
            }
            sec[l][r] = now_sec() - t0;
        }
    for (int l = 0; l < NL; l++) {
        qsort(sec[l], REPS, sizeof sec[l][0], cmp_double);
        c.rate[l] = BATCH / sec[l][REPS / 2] / 1e6;
        c.spread[l] = (sec[l][REPS - 1] - sec[l][0]) / sec[l][REPS / 2];
    }
    if (eng_pending_count(&e) != n || pes_size(&q) != n)
        c.bad++;
    eng_free(&e);
    pes_free(&q);
    gsl_rng_free(g);
    return c;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    if (argc > 2 || (argc == 2 && !quick)) {
        fprintf(stderr, "usage: bench_engine [--quick]\n");
        return 2;
    }
    size_t nn = quick ? 2 : sizeof NS / sizeof NS[0];
    printf("engine hold model, Exp(1 ms), one GSL draw per event, %s; M holds/s, median of %d\n",
           pes_design(), REPS);
    printf("%9s %9s %9s %9s %10s %12s %10s\n", "n", LNAME[0], LNAME[1], LNAME[2], "overhead",
           "5x ns-3 PQ", "engine/PQ");
    unsigned long bad = 0;
    int over_met = 1, ns3_met = 1;
    for (size_t i = 0; i < nn; i++) {
        cell_t c = run_n(NS[i]);
        bad += c.bad;
        /* time per hold: engine / queue - 1 */
        double over = c.rate[L_QUEUE] / c.rate[L_ENGINE] - 1.0;
        over_met &= over <= GOAL_OVERHEAD;
        ns3_met &= c.rate[L_ENGINE] >= 5 * NS3_PQ[i];
        printf("%9zu %9.2f %9.2f %9.2f %9.0f%% %12.2f %9.1fx   (spread %.0f%%/%.0f%%)\n", NS[i],
               c.rate[L_QUEUE], c.rate[L_ENGINE], c.rate[L_DRAWS], 100 * over, 5 * NS3_PQ[i],
               c.rate[L_ENGINE] / NS3_PQ[i], 100 * c.spread[L_QUEUE], 100 * c.spread[L_ENGINE]);
    }
    printf("goal: engine <= %.0f%% over the queue: %s; engine >= 5x ns-3's PriorityQueueScheduler: %s\n",
           100 * GOAL_OVERHEAD, over_met ? "met" : "not met", ns3_met ? "met" : "not met");
    if (bad)
        fprintf(stderr, "bench_engine: %lu failed operations\n", bad);
    return bad ? 1 : 0;
}
