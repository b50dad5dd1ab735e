/*
 * Tests of the pending event set (sim/pes) against a naive reference: an
 * unsorted array scanned for the minimum (time, sequence) on every pop.
 * Long random sequences of push / pop / cancel for each increment
 * distribution, FIFO order at equal times, and every cancel corner case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "pes.h"

typedef struct {
    simtime_t t;
    uint64_t seq;   /* reference's own insertion order */
    uint64_t id;    /* carried as the event's arg */
    pes_handle_t h;
} ref_ev_t;

typedef struct {
    ref_ev_t *v;
    size_t n, cap;
    uint64_t seq;
} ref_t;

static void ref_push(ref_t *r, simtime_t t, uint64_t id, pes_handle_t h)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        assert_non_null(r->v);
    }
    r->v[r->n++] = (ref_ev_t){t, r->seq++, id, h};
}

static size_t ref_min(const ref_t *r)
{
    size_t m = 0;
    for (size_t i = 1; i < r->n; i++)
        if (r->v[i].t < r->v[m].t || (r->v[i].t == r->v[m].t && r->v[i].seq < r->v[m].seq))
            m = i;
    return m;
}

static void ref_remove(ref_t *r, size_t i) { r->v[i] = r->v[--r->n]; }

enum { D_EXP, D_RECT, D_BIMODAL, D_PARETO, D_TIES, ND };
static const char *dname[ND] = {"exp", "rect", "bimodal", "pareto", "ties"};

/* Increment in ns with mean ~1000 (docs/engine.md's hold-model distributions). */
static simtime_t draw(gsl_rng *g, int d)
{
    double u = gsl_rng_uniform(g), x = 0;
    switch (d) {
    case D_EXP: x = gsl_ran_exponential(g, 1.0); break;
    case D_RECT: x = 2 * u; break;
    case D_BIMODAL: x = gsl_rng_uniform(g) < 0.1 ? 9.5238 + 0.95238 * u : 0.95238 * u; break;
    case D_PARETO: x = gsl_ran_pareto(g, 1.5, 1.0 / 3.0); break;
    case D_TIES: return (simtime_t)gsl_rng_uniform_int(g, 3); /* many equal times */
    }
    return (simtime_t)(x * 1000.0);
}

static const pes_fnptr_t FN = (pes_fnptr_t)draw; /* any non-null handler */

/* Random push/pop/cancel against the reference; cancel_share in percent. */
static void run_random(int dist, int nops, int cancel_share, unsigned long seed)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, seed);
    pes_t q;
    ref_t r = {0};
    assert_int_equal(pes_init(&q, 16), 0);
    simtime_t now = 0;
    uint64_t next_id = 1;
    pes_handle_t stale[64] = {0};
    int nstale = 0;
    for (int op = 0; op < nops; op++) {
        unsigned k = (unsigned)gsl_rng_uniform_int(g, 100);
        if (k < 50 || r.n == 0) {
            simtime_t t = now + draw(g, dist);
            pes_event_t ev = {FN, NULL, next_id};
            pes_handle_t h = pes_push(&q, t, &ev);
            assert_int_not_equal(h, 0);
            ref_push(&r, t, next_id++, h);
        } else if (k < 50 + (unsigned)cancel_share) {
            if (nstale && gsl_rng_uniform(g) < 0.2) {
                /* a handle that already fired or was cancelled */
                assert_int_equal(pes_cancel(&q, stale[gsl_rng_uniform_int(g, (unsigned long)nstale)]), 0);
                continue;
            }
            size_t i = gsl_rng_uniform_int(g, r.n);
            if (gsl_rng_uniform(g) < 0.1)
                i = ref_min(&r); /* cancel of the minimum */
            assert_true(pes_pending(&q, r.v[i].h));
            assert_int_equal(pes_cancel(&q, r.v[i].h), 1);
            assert_false(pes_pending(&q, r.v[i].h));
            stale[nstale < 64 ? nstale++ : (int)gsl_rng_uniform_int(g, 64)] = r.v[i].h;
            ref_remove(&r, i);
        } else {
            size_t i = ref_min(&r);
            assert_int_equal(pes_peek(&q), r.v[i].t);
            simtime_t t;
            pes_event_t ev;
            assert_int_equal(pes_pop(&q, &t, &ev), 1);
            if (t != r.v[i].t || ev.arg != r.v[i].id)
                fail_msg("%s op %d: popped (%lld, id %llu), expected (%lld, id %llu)", dname[dist], op,
                         (long long)t, (unsigned long long)ev.arg, (long long)r.v[i].t,
                         (unsigned long long)r.v[i].id);
            assert_ptr_equal(ev.fn, FN);
            assert_false(pes_pending(&q, r.v[i].h));
            stale[nstale < 64 ? nstale++ : (int)gsl_rng_uniform_int(g, 64)] = r.v[i].h;
            now = t;
            ref_remove(&r, i);
        }
        assert_int_equal(pes_size(&q), r.n);
    }
    /* drain: the rest comes out in reference order */
    while (r.n) {
        size_t i = ref_min(&r);
        simtime_t t;
        pes_event_t ev;
        assert_int_equal(pes_pop(&q, &t, &ev), 1);
        assert_int_equal(t, r.v[i].t);
        assert_int_equal(ev.arg, r.v[i].id);
        ref_remove(&r, i);
    }
    simtime_t t;
    pes_event_t ev;
    assert_int_equal(pes_pop(&q, &t, &ev), 0);
    assert_int_equal(pes_peek(&q), SIMTIME_NEVER);
    pes_free(&q);
    free(r.v);
    gsl_rng_free(g);
}

static void test_random_mix(void **state)
{
    (void)state;
    for (int d = 0; d < ND; d++)
        run_random(d, 60000, 15, 1000 + (unsigned long)d);
}

/* Mostly cancels after a large fill: exercises lazy compaction. */
static void test_random_cancel_heavy(void **state)
{
    (void)state;
    for (int d = 0; d < ND; d++)
        run_random(d, 60000, 45, 2000 + (unsigned long)d);
}

static void test_fifo_equal_times(void **state)
{
    (void)state;
    pes_t q;
    assert_int_equal(pes_init(&q, 0), 0);
    for (uint64_t i = 0; i < 5000; i++) {
        pes_event_t ev = {FN, NULL, i};
        assert_int_not_equal(pes_push(&q, (simtime_t)(i % 2 ? 7 : 3), &ev), 0);
    }
    uint64_t last_even = 0, last_odd = 1, n = 0;
    simtime_t t;
    pes_event_t ev;
    while (pes_pop(&q, &t, &ev)) {
        if (n < 2500) {
            assert_int_equal(t, 3);
            assert_int_equal(ev.arg % 2, 0);
            if (n)
                assert_true(ev.arg == last_even + 2);
            last_even = ev.arg;
        } else {
            assert_int_equal(t, 7);
            if (n > 2500)
                assert_true(ev.arg == last_odd + 2);
            last_odd = ev.arg;
        }
        n++;
    }
    assert_int_equal(n, 5000);
    pes_free(&q);
}

static void test_cancel_corners(void **state)
{
    (void)state;
    pes_t q;
    assert_int_equal(pes_init(&q, 4), 0);
    pes_event_t a = {FN, NULL, 1}, b = {FN, NULL, 2}, c = {FN, NULL, 3};
    pes_handle_t ha = pes_push(&q, 10, &a);
    pes_handle_t hb = pes_push(&q, 20, &b);
    pes_handle_t hc = pes_push(&q, 30, &c);
    /* cancel of the minimum: peek moves to the next one */
    assert_int_equal(pes_cancel(&q, ha), 1);
    assert_int_equal(pes_peek(&q), 20);
    /* cancel of an already-cancelled event */
    assert_int_equal(pes_cancel(&q, ha), 0);
    assert_int_equal(pes_size(&q), 2);
    /* cancel of an already-fired event, even after its slot was reused */
    simtime_t t;
    pes_event_t ev;
    assert_int_equal(pes_pop(&q, &t, &ev), 1);
    assert_int_equal(ev.arg, 2);
    pes_event_t d = {FN, NULL, 4};
    pes_handle_t hd = pes_push(&q, 40, &d);
    assert_int_equal(pes_cancel(&q, hb), 0);
    assert_int_equal(pes_cancel(&q, 0), 0);
    assert_int_equal(pes_cancel(&q, (pes_handle_t)1 << 40 | 999), 0); /* never valid */
    assert_true(pes_pending(&q, hd));
    assert_true(pes_pending(&q, hc));
    assert_int_equal(pes_size(&q), 2);
    assert_int_equal(pes_pop(&q, &t, &ev), 1);
    assert_int_equal(ev.arg, 3);
    assert_int_equal(pes_pop(&q, &t, &ev), 1);
    assert_int_equal(ev.arg, 4);
    assert_int_equal(pes_pop(&q, &t, &ev), 0);
    assert_int_equal(pes_cancel(&q, hd), 0);
    pes_free(&q);
}

/* Cancelling everything leaves an empty queue, and it can be reused. */
static void test_cancel_all(void **state)
{
    (void)state;
    pes_t q;
    assert_int_equal(pes_init(&q, 0), 0);
    enum { N = 20000 };
    pes_handle_t *h = malloc(N * sizeof *h);
    assert_non_null(h);
    for (int i = 0; i < N; i++) {
        pes_event_t ev = {FN, NULL, (uint64_t)i};
        h[i] = pes_push(&q, (simtime_t)(N - i), &ev);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(pes_cancel(&q, h[i]), 1);
    assert_int_equal(pes_size(&q), 0);
#if !PES_CANCEL_EAGER
    assert_true(q.compactions > 0); /* dead keys outnumbered live ones */
#endif
    assert_int_equal(pes_peek(&q), SIMTIME_NEVER);
    pes_event_t ev = {FN, NULL, 77};
    pes_push(&q, 5, &ev);
    simtime_t t;
    assert_int_equal(pes_pop(&q, &t, &ev), 1);
    assert_int_equal(ev.arg, 77);
    free(h);
    pes_free(&q);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_mix),       cmocka_unit_test(test_random_cancel_heavy),
        cmocka_unit_test(test_fifo_equal_times), cmocka_unit_test(test_cancel_corners),
        cmocka_unit_test(test_cancel_all),
    };
    printf("pending event set: %s\n", pes_design());
    return cmocka_run_group_tests_name("pes", tests, NULL, NULL);
}
