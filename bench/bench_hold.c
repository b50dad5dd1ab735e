/*
 * bench_hold: throughput of the pending event set (sim/pes) under the classic
 * hold model (Vaucher & Duval 1975; docs/engine.md), with
 * every queue design compiled side by side in this one binary (four heaps
 * from sim/pes.c, and the ladder queue of sim/ladder/pes_ladder.c), so that
 * the library's default design is chosen on medians measured in the same run
 * on the same machine, and checked against the bar docs/engine.md sets (Exp(1):
 * >= 30 M holds/s at n = 1e3, >= 10 M holds/s at n = 1e6, one core).
 *
 * A hold removes the earliest event and schedules one new event at its time
 * plus a random increment, so the queue size n stays constant. Per (model,
 * distribution, n) all designs get the identical event stream (same seed,
 * same pre-generated increments), and their timed repetitions are interleaved
 * (rotating order) so that machine noise hits them alike. Three models:
 *   hold    fill to n, warm up, time REPS batches of holds; median.
 *   cancel  the retry pattern: n outstanding requests, each with a response
 *           event and an armed timeout; the response fires, cancels its
 *           timeout, and re-arms both (1 pop + 1 cancel + 2 pushes per hold).
 *           Lazy cancellation against removal by handle is decided here.
 *   updown  fill to n from empty, then drain (Rönngren & Ayani), ns/op.
 * Increments are pre-generated with GSL (mt19937, fixed seed) into an array
 * outside the timed region; the cost of reading them back (the "bare draws"
 * pass) is timed the same way and subtracted. Correctness is checked outside
 * the timed region: after the timed batches each queue runs checked holds and
 * is drained, popped (time, sequence) must strictly increase (non-decreasing
 * time, FIFO among equal times); any failure makes the exit status 1.
 *
 * Usage: bench_hold [--quick] [--n N] [--variant NAME]...
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "pes.h"
#include "pes_variants.h"

#define REPS 5                      /* timed repetitions per cell; median reported */
#define MEAN_NS 1e6                 /* increments are scaled to a 1 ms mean, in ns */
#define SEED 20251127UL             /* base seed of the mt19937 stream */
#define ID_BITS 24                  /* ev.arg = sequence << ID_BITS | request id */
#define ID_MASK (((uint64_t)1 << ID_BITS) - 1)
#define WARM_PER_N 30               /* warm-up holds per queued event (engine.md) */
#define WARM_CAP 2000000u           /* ... but at most this many (n = 1e6: 2n), for runtime */
#define BATCH 1000000u              /* timed holds per repetition */
#define BATCH_LARGE_N 500000u       /* ... hold model at n >= 1e6, for runtime */
#define REWARM_CAP 100000u          /* untimed holds before each repetition: min(n, this) */
#define VERIFY_HOLDS 100000u        /* checked holds after the timed batches */
#define UPDOWN_OPS 2000000u         /* at least this many ops per up/down rep */
#define TIMEOUT_SLACK (9 * SIMTIME_MS) /* timeout due this long after its response */
#define MAX_N 4000000u              /* cancel model holds <= 4n + 4096 keys < 2^24 */
#define GOAL_SMALL 30.0             /* M holds/s at n = 1e3, Exp(1) */
#define GOAL_LARGE 10.0             /* M holds/s at n = 1e6, Exp(1) */

/* ---- the designs under test -------------------------------------------- */

typedef struct {
    const char *name; /* table column and --variant value */
    int (*init)(pes_t *q, size_t cap_hint);
    void (*fini)(pes_t *q);
    pes_handle_t (*push)(pes_t *q, simtime_t t, const pes_event_t *ev);
    int (*pop)(pes_t *q, simtime_t *t, pes_event_t *ev);
    int (*cancel)(pes_t *q, pes_handle_t h);
    const char *(*design)(void);
    int arity, eager;
} variant_t;

static const variant_t VARIANTS[] = {
    {"4ary-lazy", pes_lazy_init, pes_lazy_free, pes_lazy_push, pes_lazy_pop,
     pes_lazy_cancel, pes_lazy_design, 4, 0},
    {"4ary-eager", pes_heap_init, pes_heap_free, pes_heap_push, pes_heap_pop, pes_heap_cancel, pes_heap_design,
     4, 1},
    {"2ary-lazy", pes_binary_init, pes_binary_free, pes_binary_push, pes_binary_pop,
     pes_binary_cancel, pes_binary_design, 2, 0},
    {"2ary-eager", pes_binary_eager_init, pes_binary_eager_free, pes_binary_eager_push,
     pes_binary_eager_pop, pes_binary_eager_cancel, pes_binary_eager_design, 2, 1},
    {"ladder", pes_ladder_init, pes_ladder_free, pes_ladder_push, pes_ladder_pop,
     pes_ladder_cancel, pes_ladder_design, 0, 0},
};
enum { NV = sizeof VARIANTS / sizeof VARIANTS[0] };
enum { V_LIB = 1, V_LADDER = 4 }; /* the heap (make PES=heap's design), the ladder */

/* 1 if variant v is the design the library was built with (its pes_*). */
static int is_library(int v) { return strcmp(VARIANTS[v].design(), pes_design()) == 0; }

/* ---- increments ---------------------------------------------------------- */

enum { D_EXP, D_RECT, D_BIMODAL, D_PARETO, ND };
static const char *const DNAME[ND] = {"Exp(1)", "U(0,2)", "Bimodal", "Pareto(1.5)"};

enum { M_HOLD, M_CANCEL, M_UPDOWN, NM };

/* One increment in units of the 1 ms mean (Bimodal: docs/engine.md's formula
 * as written, whose mean is 1.43). Pareto: shape 1.5, scale 1/3, so mean
 * 1.5 * (1/3) / 0.5 = 1 and infinite variance. */
static double draw_unit(gsl_rng *g, int d)
{
    switch (d) {
    case D_EXP:
        return gsl_ran_exponential(g, 1.0);
    case D_RECT:
        return 2.0 * gsl_rng_uniform(g);
    case D_BIMODAL: {
        double u = gsl_rng_uniform(g);
        return gsl_rng_uniform(g) < 0.1 ? 9.5238 + 0.95238 * u : 0.95238 * u;
    }
    default:
        return gsl_ran_pareto(g, 1.5, 1.0 / 3.0);
    }
}

/* Fill inc[0..m) with increments in integer ns (rounded, so equal times and
 * zero increments happen; FIFO order among them is part of the check).
 * Capped at 1000 s, far beyond mt19937's largest Pareto draw (~870 s), only
 * so that no sum can ever overflow. */
static void gen_draws(gsl_rng *g, int d, simtime_t *inc, size_t m)
{
    for (size_t i = 0; i < m; i++) {
        double x = draw_unit(g, d) * MEAN_NS;
        inc[i] = x < 1e12 ? (simtime_t)llround(x) : (simtime_t)1e12;
    }
}

/* The "bare draws" pass: read back the increments the way a hold does,
 * without the queue. Its time is subtracted from the hold time. */
static simtime_t bare_draws(const simtime_t *inc, size_t m)
{
    simtime_t s = 0;
    for (size_t i = 0; i < m; i++)
        s += inc[i];
    return s;
}

/* ---- one design's queue inside a cell ------------------------------------ */

typedef struct {
    const variant_t *v;
    pes_t q;
    uint64_t seq;       /* next sequence number stamped into ev.arg */
    pes_handle_t *tmo;  /* cancel model: armed timeout of each request id */
    unsigned long bad;  /* failed push / pop / cancel in any loop */
    double sec[REPS];   /* wall seconds of each timed repetition */
} run_t;

static char timeout_tag; /* ev.ctx of timeout events; responses have NULL */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double median(const double *x, int m)
{
    double s[REPS];
    for (int i = 0; i < m; i++) {
        int j = i;
        for (; j > 0 && s[j - 1] > x[i]; j--)
            s[j] = s[j - 1];
        s[j] = x[i];
    }
    return m % 2 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

/* (max - min) / median of the repetitions: the noise of one cell. */
static double spread(const double *x, int m)
{
    double lo = x[0], hi = x[0];
    for (int i = 1; i < m; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    return (hi - lo) / median(x, m);
}

/* Push request id's events due at `due`: the response, and in the cancel
 * model its timeout TIMEOUT_SLACK later (so the response always fires first). */
static void arm(run_t *r, int model, uint32_t id, simtime_t due)
{
    pes_event_t ev = {NULL, NULL, r->seq++ << ID_BITS | id};
    r->bad += !r->v->push(&r->q, due, &ev);
    if (model == M_CANCEL) {
        pes_event_t te = {NULL, &timeout_tag, r->seq++ << ID_BITS | id};
        pes_handle_t h = r->v->push(&r->q, due + TIMEOUT_SLACK, &te);
        r->bad += !h;
        r->tmo[id] = h;
    }
}

/* m holds: pop the earliest event, push it again at its time + inc[i]. */
static void holds_plain(run_t *r, const simtime_t *inc, size_t m)
{
    int (*pop)(pes_t *, simtime_t *, pes_event_t *) = r->v->pop;
    pes_handle_t (*push)(pes_t *, simtime_t, const pes_event_t *) = r->v->push;
    pes_t *q = &r->q;
    uint64_t seq = r->seq;
    unsigned long bad = 0;
    pes_event_t ev = {NULL, NULL, 0};
    simtime_t t = 0;
    for (size_t i = 0; i < m; i++) {
        bad += !pop(q, &t, &ev);
        ev.arg = seq++ << ID_BITS | (ev.arg & ID_MASK);
        bad += !push(q, t + inc[i], &ev);
    }
    r->seq = seq;
    r->bad += bad;
}

/* m holds of the cancel model: the response pops, cancels its own timeout
 * (a stale handle, i.e. a timeout that fired, counts as a failure), then
 * re-arms the response at t + inc[i] and a fresh timeout after it. */
static void holds_cancel(run_t *r, const simtime_t *inc, size_t m)
{
    int (*pop)(pes_t *, simtime_t *, pes_event_t *) = r->v->pop;
    pes_handle_t (*push)(pes_t *, simtime_t, const pes_event_t *) = r->v->push;
    int (*cancel)(pes_t *, pes_handle_t) = r->v->cancel;
    pes_t *q = &r->q;
    pes_handle_t *tmo = r->tmo;
    uint64_t seq = r->seq;
    unsigned long bad = 0;
    pes_event_t ev = {NULL, NULL, 0}, te = {NULL, &timeout_tag, 0};
    simtime_t t = 0;
    for (size_t i = 0; i < m; i++) {
        bad += !pop(q, &t, &ev);
        uint64_t id = ev.arg & ID_MASK;
        bad += !cancel(q, tmo[id]);
        simtime_t due = t + inc[i];
        ev.arg = seq++ << ID_BITS | id;
        bad += !push(q, due, &ev);
        te.arg = seq++ << ID_BITS | id;
        pes_handle_t h = push(q, due + TIMEOUT_SLACK, &te);
        bad += !h;
        tmo[id] = h;
    }
    r->seq = seq;
    r->bad += bad;
}

static void holds(run_t *r, int model, const simtime_t *inc, size_t m)
{
    if (model == M_CANCEL)
        holds_cancel(r, inc, m);
    else
        holds_plain(r, inc, m);
}

/* 1 if popped (t, arg) does not come strictly after the previous pop: time
 * must not decrease and equal times must leave in push (sequence) order. */
static int out_of_order(simtime_t t, uint64_t arg, simtime_t *pt, uint64_t *pseq, int first)
{
    uint64_t s = arg >> ID_BITS;
    int bad = !first && (t < *pt || (t == *pt && s <= *pseq));
    *pt = t;
    *pseq = s;
    return bad;
}

/* Untimed check after the timed batches: m checked holds of the same model
 * (no timeout may fire), then a full drain that must yield exactly the
 * live count in order. Frees the queue. Returns the number of violations. */
static unsigned long verify_and_free(run_t *r, int model, const simtime_t *inc, size_t m)
{
    unsigned long bad = r->bad;
    simtime_t pt = 0, t;
    uint64_t ps = 0;
    pes_event_t ev;
    int first = 1;
    for (size_t i = 0; i < m; i++) {
        if (!r->v->pop(&r->q, &t, &ev)) {
            bad++;
            break;
        }
        bad += out_of_order(t, ev.arg, &pt, &ps, first);
        first = 0;
        uint32_t id = (uint32_t)(ev.arg & ID_MASK);
        if (model == M_CANCEL) {
            bad += ev.ctx != NULL; /* a timeout fired: its cancel was lost */
            bad += r->v->cancel(&r->q, r->tmo[id]) != 1;
        }
        arm(r, model, id, t + inc[i]);
    }
    size_t live = pes_size(&r->q), got = 0;
    while (r->v->pop(&r->q, &t, &ev)) {
        bad += out_of_order(t, ev.arg, &pt, &ps, first);
        first = 0;
        got++;
    }
    bad += got != live || pes_size(&r->q) != 0;
    r->v->fini(&r->q);
    free(r->tmo);
    r->tmo = NULL;
    return bad;
}

/* ---- results ------------------------------------------------------------- */

typedef struct {
    int done;
    double ns;     /* ns per hold (per op for up/down), draw cost subtracted */
    double spread; /* (max - min) / median of the repetitions */
} cell_t;

static const size_t NS_FULL[] = {1000, 10000, 100000, 1000000};
static const size_t NS_QUICK[] = {1000, 10000, 100000};
static size_t ns_list[4];
static int nn;
static int vsel[NV];
static cell_t res[NM][ND][4][NV];
static double gen_ns[ND];           /* GSL cost per draw, for reference */
static double bare_ns;              /* largest bare-draw cost subtracted */
static double compact_per_mhold[NV]; /* cancel model, n = largest: lazy rebuilds */
static unsigned long failures;
static int progress;                /* stderr is a terminal: show progress */

/* Timed holds per repetition. The cancel model's batch spans at least one
 * lazy compaction period (a rebuild whenever dead keys outnumber the 2n live
 * ones, i.e. every 2n - 1 holds), so that every repetition, not one in k,
 * carries the lazy design's amortised rebuild cost. */
static size_t batch_for(int model, size_t n)
{
    if (model == M_CANCEL)
        return 2 * n > BATCH ? 2 * n : BATCH;
    return n >= 1000000 ? BATCH_LARGE_N : BATCH;
}

static size_t warm_for(size_t n)
{
    size_t w = WARM_PER_N * n;
    return w > WARM_CAP ? WARM_CAP : w;
}

/* Holds run untimed right before each timed repetition: the designs take
 * turns, so this refills the caches with this queue's hot top levels. */
static size_t rewarm_for(size_t n) { return n < REWARM_CAP ? n : REWARM_CAP; }

static void note_progress(const char *what, int d, size_t n)
{
    if (progress)
        fprintf(stderr, "\r  running %-6s %-11s n = %-8zu", what, d >= 0 ? DNAME[d] : "", n);
}

/* Hold or cancel model, one distribution, one n, every selected design. */
static void run_cell(gsl_rng *g, int model, int d, int ni)
{
    size_t n = ns_list[ni], b = batch_for(model, n), rw = rewarm_for(n);
    size_t len = b + rw > n ? b + rw : n;
    simtime_t *inc = malloc(len * sizeof *inc);
    run_t runs[NV];
    int order[NV], nr = 0;
    double bare[REPS], gen[REPS];
    if (!inc) {
        fprintf(stderr, "bench_hold: out of memory\n");
        exit(2);
    }
    note_progress(model == M_CANCEL ? "cancel" : "hold", d, n);
    gsl_rng_set(g, SEED + 1000 * (unsigned long)model + 100 * (unsigned long)d + (unsigned long)ni);

    for (int v = 0; v < NV; v++) {
        if (!vsel[v])
            continue;
        run_t *r = &runs[nr];
        memset(r, 0, sizeof *r);
        r->v = &VARIANTS[v];
        order[nr++] = v;
        size_t cap = model == M_CANCEL ? 4 * n + 8192 : n;
        if (r->v->init(&r->q, cap) != 0 ||
            (model == M_CANCEL && !(r->tmo = malloc(n * sizeof *r->tmo)))) {
            fprintf(stderr, "bench_hold: out of memory\n");
            exit(2);
        }
    }

    /* Fill: request id i first due at inc[i] (from time 0). */
    gen_draws(g, d, inc, n);
    for (int k = 0; k < nr; k++)
        for (size_t i = 0; i < n; i++)
            arm(&runs[k], model, (uint32_t)i, inc[i]);

    /* Warm-up, in chunks of the increment array. */
    for (size_t left = warm_for(n); left > 0;) {
        size_t m = left < len ? left : len;
        gen_draws(g, d, inc, m);
        for (int k = 0; k < nr; k++)
            holds(&runs[k], model, inc, m);
        left -= m;
    }
    uint64_t comp0[NV];
    for (int k = 0; k < nr; k++)
        comp0[k] = runs[k].q.compactions;

    /* Timed repetitions: fresh draws each (the first rw re-warm the caches,
     * untimed), designs in rotating order. */
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = now_sec();
        gen_draws(g, d, inc, rw + b);
        gen[rep] = now_sec() - t0;
        for (int j = 0; j < nr; j++) {
            run_t *r = &runs[(rep + j) % nr];
            holds(r, model, inc, rw);
            t0 = now_sec();
            holds(r, model, inc + rw, b);
            r->sec[rep] = now_sec() - t0;
        }
        t0 = now_sec();
        volatile simtime_t sink = bare_draws(inc + rw, b);
        bare[rep] = now_sec() - t0;
        (void)sink;
    }
    double bare_med = median(bare, REPS);
    if (bare_med / (double)b * 1e9 > bare_ns)
        bare_ns = bare_med / (double)b * 1e9;
    if (model == M_HOLD)
        gen_ns[d] = median(gen, REPS) / (double)(rw + b) * 1e9;

    gen_draws(g, d, inc, VERIFY_HOLDS);
    for (int k = 0; k < nr; k++) {
        run_t *r = &runs[k];
        cell_t *c = &res[model][d][ni][order[k]];
        c->done = 1;
        c->ns = (median(r->sec, REPS) - bare_med) / (double)b * 1e9;
        c->spread = spread(r->sec, REPS);
        if (model == M_CANCEL)
            compact_per_mhold[order[k]] =
                (double)(r->q.compactions - comp0[k]) / (REPS * (double)b) * 1e6;
        unsigned long bad = verify_and_free(r, model, inc, VERIFY_HOLDS);
        if (bad) {
            fprintf(stderr, "bench_hold: FAILED: %s, %s model, %s, n = %zu: %lu violations\n",
                    r->v->name, model == M_CANCEL ? "cancel" : "hold", DNAME[d], n, bad);
            failures += bad;
        }
    }
    free(inc);
}

/* Up/Down: from empty push n events due at inc[i] (time 0 + Exp(1)), then
 * pop all; cycles repeated so each repetition has >= UPDOWN_OPS ops. Every
 * cycle gets fresh times: replaying one short sequence would let the branch
 * predictor learn it (n = 1e3 measured 5x too fast that way). */
static void run_updown(gsl_rng *g, int ni)
{
    size_t n = ns_list[ni];
    size_t cycles = UPDOWN_OPS / (2 * n) ? UPDOWN_OPS / (2 * n) : 1;
    simtime_t *inc = malloc(n * cycles * sizeof *inc);
    run_t runs[NV];
    int order[NV], nr = 0;
    double bare[REPS];
    if (!inc) {
        fprintf(stderr, "bench_hold: out of memory\n");
        exit(2);
    }
    note_progress("updown", D_EXP, n);
    gsl_rng_set(g, SEED + 1000 * M_UPDOWN + (unsigned long)ni);
    gen_draws(g, D_EXP, inc, n);

    /* One checked cycle first; it also grows the heap, outside the timing. */
    for (int v = 0; v < NV; v++) {
        if (!vsel[v])
            continue;
        run_t *r = &runs[nr];
        memset(r, 0, sizeof *r);
        r->v = &VARIANTS[v];
        order[nr++] = v;
        if (r->v->init(&r->q, n) != 0) {
            fprintf(stderr, "bench_hold: out of memory\n");
            exit(2);
        }
        for (size_t i = 0; i < n; i++)
            arm(r, M_UPDOWN, (uint32_t)i, inc[i]);
        simtime_t t, pt = 0;
        uint64_t ps = 0;
        pes_event_t ev;
        size_t got = 0;
        unsigned long bad = r->bad;
        while (r->v->pop(&r->q, &t, &ev))
            bad += out_of_order(t, ev.arg, &pt, &ps, got++ == 0);
        bad += got != n;
        if (bad) {
            fprintf(stderr, "bench_hold: FAILED: %s, up/down, n = %zu: %lu violations\n",
                    r->v->name, n, bad);
            failures += bad;
        }
    }

    for (int rep = 0; rep < REPS; rep++) {
        gen_draws(g, D_EXP, inc, n * cycles);
        for (int j = 0; j < nr; j++) {
            run_t *r = &runs[(rep + j) % nr];
            pes_handle_t (*push)(pes_t *, simtime_t, const pes_event_t *) = r->v->push;
            int (*pop)(pes_t *, simtime_t *, pes_event_t *) = r->v->pop;
            pes_event_t ev = {NULL, NULL, 0};
            simtime_t t;
            unsigned long bad = 0;
            double t0 = now_sec();
            for (size_t c = 0; c < cycles; c++) {
                const simtime_t *ci = inc + c * n;
                for (size_t i = 0; i < n; i++)
                    bad += !push(&r->q, ci[i], &ev);
                for (size_t i = 0; i < n; i++)
                    bad += !pop(&r->q, &t, &ev);
            }
            r->sec[rep] = now_sec() - t0;
            r->bad += bad;
        }
        double t0 = now_sec();
        volatile simtime_t sink = 0;
        for (size_t c = 0; c < cycles; c++)
            sink += bare_draws(inc + c * n, n);
        bare[rep] = now_sec() - t0;
    }
    double bare_med = median(bare, REPS);
    for (int k = 0; k < nr; k++) {
        run_t *r = &runs[k];
        cell_t *c = &res[M_UPDOWN][D_EXP][ni][order[k]];
        c->done = 1;
        c->ns = (median(r->sec, REPS) - bare_med) / (double)(2 * n * cycles) * 1e9;
        c->spread = spread(r->sec, REPS);
        if (r->bad || pes_size(&r->q) != 0) {
            fprintf(stderr, "bench_hold: FAILED: %s, up/down timed loop: %lu failed ops\n",
                    r->v->name, r->bad);
            failures += r->bad + 1;
        }
        r->v->fini(&r->q);
    }
    free(inc);
}

/* ---- tables -------------------------------------------------------------- */

static void print_rate(const cell_t *c)
{
    if (!c->done)
        printf(" | %16s", "-");
    else
        printf(" | %6.2f (%6.1f)", 1e3 / c->ns, c->ns);
}

/* Largest repetition spread among the cells of one table, in percent. */
static double table_spread(int model, int d_only, int v_only)
{
    double s = 0;
    for (int d = 0; d < ND; d++)
        for (int ni = 0; ni < nn; ni++)
            for (int v = 0; v < NV; v++) {
                const cell_t *c = &res[model][d][ni][v];
                if (c->done && (d_only < 0 || d == d_only) && (v_only < 0 || v == v_only) &&
                    c->spread > s)
                    s = c->spread;
            }
    return 100 * s;
}

static void print_variant_header(void)
{
    printf("%8s", "n");
    for (int v = 0; v < NV; v++)
        if (vsel[v])
            printf(" | %16s", VARIANTS[v].name);
}

static void print_hold_tables(void)
{
    for (int v = 0; v < NV; v++) {
        if (!vsel[v])
            continue;
        printf("\nHold model, %s (%s%s): M holds/s (ns/hold), median of %d\n", VARIANTS[v].name,
               VARIANTS[v].design(), is_library(v) ? ", the library default" : "", REPS);
        printf("%8s", "n");
        for (int d = 0; d < ND; d++)
            printf(" | %16s", DNAME[d]);
        printf("\n");
        for (int ni = 0; ni < nn; ni++) {
            printf("%8zu", ns_list[ni]);
            for (int d = 0; d < ND; d++)
                print_rate(&res[M_HOLD][d][ni][v]);
            printf("\n");
        }
        printf("  largest spread (max-min)/median over the %d repetitions of a cell: %.1f%%\n",
               REPS, table_spread(M_HOLD, -1, v));
    }

    printf("\nHold model side by side, Exp(1): M holds/s (ns/hold); ratio = throughput / 4ary-lazy\n");
    print_variant_header();
    printf(" | best\n");
    for (int ni = 0; ni < nn; ni++) {
        printf("%8zu", ns_list[ni]);
        int best = -1;
        for (int v = 0; v < NV; v++) {
            if (!vsel[v])
                continue;
            const cell_t *c = &res[M_HOLD][D_EXP][ni][v];
            print_rate(c);
            if (best < 0 || c->ns < res[M_HOLD][D_EXP][ni][best].ns)
                best = v;
        }
        if (vsel[0] && best >= 0)
            printf(" | %s x%.2f\n", VARIANTS[best].name,
                   res[M_HOLD][D_EXP][ni][0].ns / res[M_HOLD][D_EXP][ni][best].ns);
        else
            printf(" | %s\n", best >= 0 ? VARIANTS[best].name : "-");
    }
    if (vsel[0]) {
        printf("Geometric mean over all distributions and n of throughput / 4ary-lazy:");
        for (int v = 0; v < NV; v++) {
            if (!vsel[v])
                continue;
            double lg = 0;
            int k = 0;
            for (int d = 0; d < ND; d++)
                for (int ni = 0; ni < nn; ni++) {
                    lg += log(res[M_HOLD][d][ni][0].ns / res[M_HOLD][d][ni][v].ns);
                    k++;
                }
            printf(" %s %.3f;", VARIANTS[v].name, exp(lg / k));
        }
        printf("\n");
    }
}

/* Ladder against the library's heap, cell by cell: heap -> ladder M holds/s
 * (ns for up/down), and the ratio ladder throughput / heap throughput. */
static void print_ladder_vs_heap(void)
{
    if (!vsel[V_LIB] || !vsel[V_LADDER])
        return;
    printf("\nLadder vs the heap (%s), hold model: M holds/s heap -> ladder,\n"
           "x = ladder/heap\n", VARIANTS[V_LIB].name);
    printf("%8s", "n");
    for (int d = 0; d < ND; d++)
        printf(" | %22s", DNAME[d]);
    printf("\n");
    double lg = 0;
    int k = 0;
    for (int ni = 0; ni < nn; ni++) {
        printf("%8zu", ns_list[ni]);
        for (int d = 0; d < ND; d++) {
            const cell_t *h = &res[M_HOLD][d][ni][V_LIB], *l = &res[M_HOLD][d][ni][V_LADDER];
            printf(" | %6.2f -> %6.2f x%4.2f", 1e3 / h->ns, 1e3 / l->ns, h->ns / l->ns);
            lg += log(h->ns / l->ns);
            k++;
        }
        printf("\n");
    }
    printf("  geometric mean of ladder/heap over the hold cells: %.3f\n", exp(lg / k));
    printf("%8s | %22s | %22s\n", "n", "cancel, M holds/s", "up/down, ns/op");
    for (int ni = 0; ni < nn; ni++) {
        const cell_t *hc = &res[M_CANCEL][D_EXP][ni][V_LIB];
        const cell_t *lc = &res[M_CANCEL][D_EXP][ni][V_LADDER];
        const cell_t *hu = &res[M_UPDOWN][D_EXP][ni][V_LIB];
        const cell_t *lu = &res[M_UPDOWN][D_EXP][ni][V_LADDER];
        printf("%8zu | %6.2f -> %6.2f x%4.2f | %6.1f -> %6.1f x%4.2f\n", ns_list[ni], 1e3 / hc->ns,
               1e3 / lc->ns, hc->ns / lc->ns, hu->ns, lu->ns, hu->ns / lu->ns);
    }
}

static void print_cancel_table(void)
{
    printf("\nCancel model, Exp(1): n requests, each a response plus an armed timeout due %d ms\n"
           "after it; a hold = pop response + cancel its timeout + push response + push timeout.\n"
           "M holds/s (ns/hold), median of %d; e/l = eager throughput / lazy throughput\n",
           (int)(TIMEOUT_SLACK / SIMTIME_MS), REPS);
    print_variant_header();
    printf(" | 4ary e/l | 2ary e/l | ladder/4e\n");
    for (int ni = 0; ni < nn; ni++) {
        printf("%8zu", ns_list[ni]);
        for (int v = 0; v < NV; v++)
            if (vsel[v])
                print_rate(&res[M_CANCEL][D_EXP][ni][v]);
        for (int a = 0; a < 2; a++) { /* VARIANTS holds lazy, eager per arity */
            const cell_t *l = &res[M_CANCEL][D_EXP][ni][2 * a], *e = &res[M_CANCEL][D_EXP][ni][2 * a + 1];
            if (l->done && e->done)
                printf(" | %8.3f", l->ns / e->ns);
            else
                printf(" | %8s", "-");
        }
        const cell_t *h = &res[M_CANCEL][D_EXP][ni][V_LIB];
        const cell_t *l = &res[M_CANCEL][D_EXP][ni][V_LADDER];
        if (h->done && l->done)
            printf(" | %9.3f", h->ns / l->ns);
        else
            printf(" | %9s", "-");
        printf("\n");
    }
    printf("  largest spread over repetitions: %.1f%%; lazy compactions (ladder: purges)\n"
           "  per million holds at n = %zu:",
           table_spread(M_CANCEL, D_EXP, -1), ns_list[nn - 1]);
    for (int v = 0; v < NV; v++)
        if (vsel[v] && !VARIANTS[v].eager)
            printf(" %s %.1f", VARIANTS[v].name, compact_per_mhold[v]);
    printf("\n");
}

static void print_updown_table(void)
{
    printf("\nUp/Down, Exp(1) times: fill an empty queue to n, then drain it. ns per operation\n"
           "(push or pop), median of %d\n", REPS);
    print_variant_header();
    printf("\n");
    for (int ni = 0; ni < nn; ni++) {
        printf("%8zu", ns_list[ni]);
        for (int v = 0; v < NV; v++)
            if (vsel[v])
                printf(" | %16.1f", res[M_UPDOWN][D_EXP][ni][v].ns);
        printf("\n");
    }
    printf("  largest spread over repetitions: %.1f%%\n", table_spread(M_UPDOWN, D_EXP, -1));
}

static int n_index(size_t n)
{
    for (int i = 0; i < nn; i++)
        if (ns_list[i] == n)
            return i;
    return -1;
}

static void print_goals(void)
{
    int i3 = n_index(1000), i6 = n_index(1000000), met_any = 0;
    char met[128] = "";
    printf("\nGoals (engine.md), hold model, Exp(1): >= %.0f M holds/s at n = 1e3, >= %.0f M holds/s "
           "at n = 1e6\n", GOAL_SMALL, GOAL_LARGE);
    for (int v = 0; v < NV; v++) {
        if (!vsel[v])
            continue;
        printf("  %-10s", VARIANTS[v].name);
        const int idx[2] = {i3, i6};
        const double goal[2] = {GOAL_SMALL, GOAL_LARGE};
        for (int k = 0; k < 2; k++) {
            printf(" n = 1e%d: ", k ? 6 : 3);
            if (idx[k] < 0) {
                printf("not measured   ");
                continue;
            }
            double rate = 1e3 / res[M_HOLD][D_EXP][idx[k]][v].ns;
            printf("%6.2f M/s %-7s", rate, rate >= goal[k] ? "met" : "NOT met");
        }
        printf("\n");
        if (i3 >= 0 && i6 >= 0 && 1e3 / res[M_HOLD][D_EXP][i3][v].ns >= GOAL_SMALL &&
            1e3 / res[M_HOLD][D_EXP][i6][v].ns >= GOAL_LARGE) {
            snprintf(met + strlen(met), sizeof met - strlen(met), " %s", VARIANTS[v].name);
            met_any = 1;
        }
    }
    printf("Goals met (both) by:%s\n", i3 < 0 || i6 < 0 ? " undecided (n = 1e3 and 1e6 not both run)"
                                       : met_any ? met : " none");
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_hold [--quick] [--n N] [--variant NAME]...\n"
               "  --quick         n = 1e3, 1e4, 1e5 only\n"
               "  --n N           one queue size, 1 <= N <= %u\n"
               "  --variant NAME  only this design (repeatable):", MAX_N);
    for (int v = 0; v < NV; v++)
        fprintf(f, " %s", VARIANTS[v].name);
    fprintf(f, "\n");
}

int main(int argc, char **argv)
{
    int quick = 0, any_v = 0;
    size_t one_n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else if (!strcmp(argv[i], "--n") && i + 1 < argc) {
            char *end;
            unsigned long long x = strtoull(argv[++i], &end, 10);
            if (*end || x < 1 || x > MAX_N) {
                usage(stderr);
                return 2;
            }
            one_n = (size_t)x;
        } else if (!strcmp(argv[i], "--variant") && i + 1 < argc) {
            int found = 0;
            i++;
            for (int v = 0; v < NV; v++)
                if (!strcmp(argv[i], VARIANTS[v].name))
                    vsel[v] = found = 1;
            if (!found) {
                usage(stderr);
                return 2;
            }
            any_v = 1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!any_v)
        for (int v = 0; v < NV; v++)
            vsel[v] = 1;
    if (one_n) {
        ns_list[0] = one_n;
        nn = 1;
    } else {
        const size_t *src = quick ? NS_QUICK : NS_FULL;
        nn = quick ? 3 : 4;
        memcpy(ns_list, src, (size_t)nn * sizeof *src);
    }
    progress = isatty(STDERR_FILENO);

    printf("bench_hold: pending event set (sim/pes) under the hold model, engine.md\n");
    printf("designs: the heaps from sim/pes.c compiled four ways, the ladder from\n"
           "  sim/ladder/pes_ladder.c, all called through function pointers:\n");
    for (int v = 0; v < NV; v++)
        if (vsel[v])
            printf("  %-10s %s%s\n", VARIANTS[v].name, VARIANTS[v].design(),
                   is_library(v) ? " (the library's design)" : "");
    printf("increments: integer ns, unit = 1 ms; Exp(1); U(0,2); Bimodal = engine.md formula\n"
           "  (mean 1.43 ms, not rescaled); Pareto shape 1.5 scale 1/3 (mean 1 ms, infinite variance)\n");
    printf("method: fill to n from time 0; warm up %d*n holds, capped at %u holds for runtime (so\n"
           "  n = 1e6 gets only 2*n); then %d timed repetitions of %u holds (hold model at n = 1e6:\n"
           "  %u, for runtime; cancel model: max(%u, 2n), whole lazy-compaction periods), each\n"
           "  after min(n, %u) untimed re-warm holds; CLOCK_MONOTONIC; median. The designs take\n"
           "  turns per repetition (rotating order) on the identical increment stream.\n",
           WARM_PER_N, WARM_CAP, REPS, BATCH, BATCH_LARGE_N, BATCH, REWARM_CAP);
    printf("draws: pre-generated with GSL mt19937 (seed %lu + cell) into an array before each\n"
           "  repetition; the timed bare pass over that array is subtracted (see its cost below).\n",
           SEED);
    fflush(stdout);

    double start = now_sec();
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (!g)
        return 2;
    for (int ni = 0; ni < nn; ni++)
        for (int d = 0; d < ND; d++)
            run_cell(g, M_HOLD, d, ni);
    for (int ni = 0; ni < nn; ni++)
        run_cell(g, M_CANCEL, D_EXP, ni);
    for (int ni = 0; ni < nn; ni++)
        run_updown(g, ni);
    gsl_rng_free(g);
    if (progress)
        fprintf(stderr, "\r%60s\r", "");

    printf("bare draw cost subtracted: <= %.2f ns/hold; generating a draw with GSL would cost\n"
           "  Exp %.1f, U %.1f, Bimodal %.1f, Pareto %.1f ns (not in the figures below)\n",
           bare_ns, gen_ns[D_EXP], gen_ns[D_RECT], gen_ns[D_BIMODAL], gen_ns[D_PARETO]);
    print_hold_tables();
    print_cancel_table();
    print_updown_table();
    print_ladder_vs_heap();
    print_goals();
    printf("\ncorrectness: popped (time, sequence) strictly increasing after every timed run and on\n"
           "  full drains, no lost cancel, no failed push/pop: %s\n",
           failures ? "FAILED (see stderr)" : "ok");
    printf("bench_hold total runtime: %.1f s\n", now_sec() - start);
    return failures ? 1 : 0;
}
