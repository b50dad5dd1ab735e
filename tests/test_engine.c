/*
 * Tests of the engine (sim/eng) and random streams (sim/rng): run control,
 * errors, equal-time FIFO dispatch, determinism of a small stochastic model,
 * and the independence of named streams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "eng.h"
#include "rng.h"

typedef struct {
    int fired;
    uint64_t last_arg;
    simtime_t last_t;
    uint64_t order[16];
} probe_t;

static void on_probe(eng_t *e, void *ctx, uint64_t arg)
{
    probe_t *p = ctx;
    if (p->fired < 16)
        p->order[p->fired] = arg;
    p->fired++;
    p->last_arg = arg;
    p->last_t = eng_now(e);
}

static void on_tick(eng_t *e, void *ctx, uint64_t arg)
{
    probe_t *p = ctx;
    p->fired++;
    eng_after(e, SIMTIME_MS, on_tick, ctx, arg); /* runs for ever */
}

static void on_stop(eng_t *e, void *ctx, uint64_t arg)
{
    (void)ctx, (void)arg;
    eng_stop(e);
}

static void on_past(eng_t *e, void *ctx, uint64_t arg)
{
    (void)arg;
    eng_at(e, eng_now(e) - 1, on_probe, ctx, 0);
}

static void test_run_until_and_empty(void **state)
{
    (void)state;
    eng_t e;
    probe_t p = {0};
    assert_int_equal(eng_init(&e, 0, 0), 0);
    eng_at(&e, 5 * SIMTIME_S, on_probe, &p, 1);
    eng_at(&e, 10 * SIMTIME_S, on_probe, &p, 2);
    assert_int_equal(eng_run(&e, 7 * SIMTIME_S), ENG_OK);
    assert_int_equal(p.fired, 1);
    assert_int_equal(eng_now(&e), 7 * SIMTIME_S); /* clock advanced to the limit */
    assert_int_equal(eng_run(&e, SIMTIME_NEVER), ENG_EMPTY);
    assert_int_equal(p.fired, 2);
    assert_int_equal(p.last_t, 10 * SIMTIME_S);
    assert_int_equal(eng_events(&e), 2);
    /* an event exactly at the limit runs */
    eng_at(&e, 12 * SIMTIME_S, on_probe, &p, 3);
    assert_int_equal(eng_run(&e, 12 * SIMTIME_S), ENG_EMPTY); /* nothing left after it */
    assert_int_equal(p.fired, 3);
    eng_free(&e);
}

static void test_budget_is_an_error(void **state)
{
    (void)state;
    eng_t e;
    probe_t p = {0};
    assert_int_equal(eng_init(&e, 0, 1000), 0);
    eng_at(&e, 0, on_tick, &p, 0);
    assert_int_equal(eng_run(&e, SIMTIME_NEVER), ENG_BUDGET); /* would never end */
    assert_int_equal(eng_events(&e), 1000);
    assert_int_equal(p.fired, 1000);
    assert_non_null(strstr(eng_error(&e), "max_events"));
    eng_free(&e);
}

static void test_stop_and_errors(void **state)
{
    (void)state;
    eng_t e;
    probe_t p = {0};
    assert_int_equal(eng_init(&e, 0, 0), 0);
    eng_at(&e, 1, on_stop, NULL, 0);
    eng_at(&e, 2, on_probe, &p, 0);
    assert_int_equal(eng_run(&e, SIMTIME_NEVER), ENG_STOPPED);
    assert_int_equal(p.fired, 0);
    assert_int_equal(eng_run(&e, SIMTIME_NEVER), ENG_EMPTY); /* resumes */
    assert_int_equal(p.fired, 1);
    eng_at(&e, eng_now(&e), on_past, &p, 0);
    assert_int_equal(eng_run(&e, SIMTIME_NEVER), ENG_ERROR);
    assert_non_null(strstr(eng_error(&e), "past"));
    assert_int_equal(eng_after(&e, -5, on_probe, &p, 0), 0);
    eng_free(&e);
}

static void test_equal_times_fifo_and_cancel(void **state)
{
    (void)state;
    eng_t e;
    probe_t p = {0};
    assert_int_equal(eng_init(&e, 0, 0), 0);
    eng_ev_t h[8];
    for (uint64_t i = 0; i < 8; i++)
        h[i] = eng_at(&e, 100, on_probe, &p, i);
    assert_int_equal(eng_cancel(&e, h[3]), 1);
    assert_int_equal(eng_cancel(&e, h[3]), 0);
    assert_false(eng_pending(&e, h[3]));
    assert_true(eng_pending(&e, h[4]));
    assert_int_equal(eng_pending_count(&e), 7);
    eng_run(&e, SIMTIME_NEVER);
    uint64_t want[7] = {0, 1, 2, 4, 5, 6, 7};
    assert_int_equal(p.fired, 7);
    for (int i = 0; i < 7; i++)
        assert_int_equal(p.order[i], want[i]);
    assert_int_equal(eng_cancel(&e, h[0]), 0); /* already fired */
    eng_free(&e);
}

/* A small M/M/1 queue with timeouts that are mostly cancelled: enough
 * randomness and cancellation to make the trace sensitive to any change. */
typedef struct {
    gsl_rng *arr, *svc;
    int queue;
    int busy;
    eng_ev_t timeout;
    uint64_t served;
} mm1_t;

static void on_departure(eng_t *e, void *ctx, uint64_t arg);

static void on_timeout(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e, (void)ctx, (void)arg;
}

static void start_service(eng_t *e, mm1_t *m)
{
    m->busy = 1;
    m->queue--;
    eng_after(e, (simtime_t)(gsl_ran_exponential(m->svc, 0.8) * 1e6), on_departure, m, 0);
}

static void on_arrival(eng_t *e, void *ctx, uint64_t arg)
{
    mm1_t *m = ctx;
    m->queue++;
    eng_cancel(e, m->timeout);
    m->timeout = eng_after(e, 3 * SIMTIME_MS, on_timeout, m, arg);
    if (!m->busy)
        start_service(e, m);
    eng_after(e, (simtime_t)(gsl_ran_exponential(m->arr, 1.0) * 1e6), on_arrival, m, arg + 1);
}

static void on_departure(eng_t *e, void *ctx, uint64_t arg)
{
    (void)arg;
    mm1_t *m = ctx;
    m->busy = 0;
    m->served++;
    if (m->queue)
        start_service(e, m);
}

static uint64_t mm1_trace(uint64_t seed, int extra_stream)
{
    rng_set_t rs;
    char err[128];
    assert_int_equal(rng_set_init(&rs, NULL, seed, 0, err, sizeof err), 0);
    if (extra_stream)
        assert_non_null(rng_stream(&rs, "unrelated.purpose", err, sizeof err));
    mm1_t m = {0};
    m.arr = rng_stream(&rs, "test.arrival", err, sizeof err);
    m.svc = rng_stream(&rs, "test.service", err, sizeof err);
    eng_t e;
    assert_int_equal(eng_init(&e, 0, 0), 0);
    eng_trace(&e, 1);
    eng_at(&e, 0, on_arrival, &m, 0);
    assert_int_equal(eng_run(&e, 2 * SIMTIME_S), ENG_OK);
    assert_true(m.served > 1000);
    uint64_t h = eng_trace_hash(&e);
    eng_free(&e);
    rng_set_free(&rs);
    return h;
}

static void test_determinism(void **state)
{
    (void)state;
    uint64_t a = mm1_trace(42, 0), b = mm1_trace(42, 0), c = mm1_trace(43, 0);
    uint64_t d = mm1_trace(42, 1);
    assert_int_equal(a, b);     /* same seed, same trace */
    assert_int_not_equal(a, c); /* another seed, another trace */
    assert_int_equal(a, d);     /* an unrelated stream changes nothing */
}

static void test_rng_streams(void **state)
{
    (void)state;
    char err[128];
    rng_set_t s1, s2;
    assert_int_equal(rng_set_init(&s1, NULL, 7, 3, err, sizeof err), 0);
    assert_int_equal(rng_set_init(&s2, "mt19937", 7, 3, err, sizeof err), 0);
    /* opened in different orders, with an extra stream in between */
    gsl_rng *a1 = rng_stream(&s1, "client.jitter", err, sizeof err);
    gsl_rng *b1 = rng_stream(&s1, "server.service", err, sizeof err);
    rng_stream(&s2, "network.delay", err, sizeof err);
    gsl_rng *b2 = rng_stream(&s2, "server.service", err, sizeof err);
    gsl_rng *a2 = rng_stream(&s2, "client.jitter", err, sizeof err);
    assert_ptr_equal(rng_stream(&s1, "client.jitter", err, sizeof err), a1); /* reused */
    for (int i = 0; i < 100; i++) {
        assert_int_equal(gsl_rng_get(a1), gsl_rng_get(a2));
        assert_int_equal(gsl_rng_get(b1), gsl_rng_get(b2));
    }
    assert_int_not_equal(s1.s[0].seed, s1.s[1].seed); /* streams differ */
    assert_string_equal(s1.type->name, "mt19937");
    rng_set_free(&s1);
    rng_set_free(&s2);
    /* replication changes the seed; seeds never have a zero low half */
    assert_int_not_equal(rng_derive_seed(7, 0, 1), rng_derive_seed(7, 1, 1));
    for (uint64_t i = 0; i < 100000; i++)
        assert_int_not_equal(rng_derive_seed(i, (uint32_t)i, i) & 0xffffffffULL, 0);
    assert_int_equal(rng_set_init(&s1, "no-such-gen", 1, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "no-such-gen"));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_until_and_empty), cmocka_unit_test(test_budget_is_an_error),
        cmocka_unit_test(test_stop_and_errors),     cmocka_unit_test(test_equal_times_fifo_and_cancel),
        cmocka_unit_test(test_determinism),         cmocka_unit_test(test_rng_streams),
    };
    return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
