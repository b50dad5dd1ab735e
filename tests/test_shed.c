/*
 * Server-side load shedding (models/shed.c): the CoDel rule on a hand-made
 * sojourn sequence, the in-flight limit, LIFO order on a whole run with a
 * hand-computable schedule, and the queue-based Retry-After, both as a pure
 * value and through a whole run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "metrics.h"
#include "run.h"
#include "shed.h"
#include "run_util.h"

#define MS SIMTIME_MS

static const dist_t ZERO = {.kind = DIST_CONST, .a = 0};

/* target 5 ms, interval 100 ms. Sojourns (at t): 10 (0) arms first_above =
 * 100; 8 (50): still armed, not yet; 7 (100): overloaded from 100 on;
 * 2 (150): below target, disarmed; 6 (160) re-arms at 260; an emptied
 * queue (200) disarms; 6 (300) arms 400, and with no dequeue since, the
 * minimum over the interval is still above target at 400. */
static void test_codel_rule(void **state)
{
    (void)state;
    shed_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = *SHED_CFG(&d__);
    }
    c.kind = SHED_CODEL;
    shed_state_t s;
    shed_init(&s);
    assert_int_equal(shed_admit(&s, &c, 0, 1, 0), 1);
    shed_observe(&s, &c, 0, 10 * MS, 3);
    assert_int_equal(shed_codel_overloaded(&s, &c, 99 * MS), 0);
    shed_observe(&s, &c, 50 * MS, 8 * MS, 3);
    assert_int_equal(shed_codel_overloaded(&s, &c, 99 * MS), 0);
    assert_int_equal(shed_admit(&s, &c, 99 * MS, 1, 0), 1);
    shed_observe(&s, &c, 100 * MS, 7 * MS, 3);
    assert_int_equal(shed_codel_overloaded(&s, &c, 100 * MS), 1);
    assert_int_equal(shed_admit(&s, &c, 120 * MS, 1, 0), 0); /* would wait: shed */
    assert_int_equal(shed_admit(&s, &c, 120 * MS, 0, 0), 1); /* a free worker: admitted */
    shed_observe(&s, &c, 150 * MS, 2 * MS, 3);
    assert_int_equal(shed_admit(&s, &c, 150 * MS, 1, 0), 1);
    shed_observe(&s, &c, 160 * MS, 6 * MS, 2);
    assert_int_equal(shed_codel_overloaded(&s, &c, 259 * MS), 0);
    assert_int_equal(shed_codel_overloaded(&s, &c, 260 * MS), 1);
    shed_observe(&s, &c, 200 * MS, 6 * MS, 0); /* the queue emptied */
    assert_int_equal(shed_codel_overloaded(&s, &c, 300 * MS), 0);
    shed_observe(&s, &c, 300 * MS, 6 * MS, 1);
    assert_int_equal(shed_admit(&s, &c, 399 * MS, 1, 0), 1);
    assert_int_equal(shed_admit(&s, &c, 400 * MS, 1, 0), 0);
    /* exactly the target is not below it */
    shed_init(&s);
    shed_observe(&s, &c, 0, 5 * MS, 1);
    assert_int_equal(shed_codel_overloaded(&s, &c, 100 * MS), 1);
    /* kind none never sheds, whatever the state */
    c.kind = SHED_NONE;
    assert_int_equal(shed_admit(&s, &c, 500 * MS, 1, 1000000), 1);
}

static void test_inflight_rule(void **state)
{
    (void)state;
    shed_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = *SHED_CFG(&d__);
    }
    c.kind = SHED_INFLIGHT;
    c.max_inflight = 5;
    shed_state_t s;
    shed_init(&s);
    assert_int_equal(shed_admit(&s, &c, 0, 0, 0), 1);
    assert_int_equal(shed_admit(&s, &c, 0, 1, 4), 1);
    assert_int_equal(shed_admit(&s, &c, 0, 0, 5), 0);
    assert_int_equal(shed_admit(&s, &c, 0, 1, 6), 0);
}

/* spike calls at t = 0, one attempt each, no network delay. */
static void spike_cfg(run_cfg_t *c, int calls, int workers, simtime_t service)
{
    *c = test_defaults();
    c->run.duration = 10 * SIMTIME_S;
    c->arrivals.kind = ARR_SPIKE;
    c->arrivals.spike_calls = calls;
    c->network.request = c->network.response = ZERO;
    c->server.workers = workers;
    c->server.service = (dist_t){.kind = DIST_CONST, .a = (double)service};
    c->retry.max_attempts = 1;
    c->retry.attempt_timeout = 0;
    c->retry.jitter = JITTER_NONE;
}

/* 10 calls at once, 2 workers, max_inflight 5: 2 served at once, 3 wait,
 * 5 shed with 503. */
static void test_inflight_run(void **state)
{
    (void)state;
    run_cfg_t c;
    spike_cfg(&c, 10, 2, 100 * MS);
    SHED_CFG(&c)->kind = SHED_INFLIGHT;
    SHED_CFG(&c)->max_inflight = 5;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 5);
    assert_true(run_scalar(&r, "shed") == 5);
    assert_true(run_scalar(&r, "rejected_queue") == 0);
    assert_true(run_scalar(&r, "calls_exhausted") == 5); /* 503 with one attempt */
    assert_int_equal(stats_series_get(&r.series, metrics_series_find("shed"), 0), 5);
    run_result_free(&r);

    SHED_CFG(&c)->kind = SHED_NONE; /* the same without shedding: all 10 served */
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 10);
    assert_true(isnan(run_scalar(&r, "shed"))); /* the model is off: no value */
    run_result_free(&r);
}

/* Constant arrivals at 0, 0.1, 0.2, 0.3 s; one worker, 1 s each. Call 0 is
 * served 0-1 s. FIFO then serves 1, 2, 3: latencies 1, 1.9, 2.8, 3.7 s.
 * LIFO serves 3 (1-2 s: 1.7 s), 2 (2-3 s: 2.8 s), 1 (3-4 s: 3.9 s). */
static void lifo_cfg(run_cfg_t *c, server_order_t order)
{
    spike_cfg(c, 1, 1, SIMTIME_S);
    c->run.duration = 400 * MS;
    c->arrivals.kind = ARR_CONSTANT;
    c->arrivals.rate = 10;
    c->server.queue_order = order;
}

static void test_lifo_order(void **state)
{
    (void)state;
    run_cfg_t c;
    lifo_cfg(&c, SERVER_ORDER_FIFO);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 4);
    assert_true(fabs(run_scalar(&r, "latency_max_s") - 3.7) < 1e-6);
    run_result_free(&r);

    lifo_cfg(&c, SERVER_ORDER_LIFO);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 4);
    assert_true(fabs(run_scalar(&r, "latency_max_s") - 3.9) < 1e-6);
    run_result_free(&r);

    /* latencies {1, 1.7, 2.8, 3.9} vs {1, 1.9, 2.8, 3.7}: with a 1.8 s
     * attempt timeout LIFO keeps 2 calls, FIFO 1 */
    lifo_cfg(&c, SERVER_ORDER_LIFO);
    c.retry.attempt_timeout = 1800 * MS;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 2);
    run_result_free(&r);
    lifo_cfg(&c, SERVER_ORDER_FIFO);
    c.retry.attempt_timeout = 1800 * MS;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 1);
    run_result_free(&r);
}

static void test_retry_after_value(void **state)
{
    (void)state;
    server_cfg_t c = test_defaults().server;
    c.service = (dist_t){.kind = DIST_CONST, .a = 10e6}; /* 10 ms */
    assert_true(server_retry_after(&c, 50, 10) == -1); /* constant, 0 = none */
    c.retry_after = 3 * SIMTIME_S;
    assert_true(server_retry_after(&c, 50, 10) == 3 * SIMTIME_S);
    c.ra_mode = SERVER_RA_QUEUE;
    assert_true(server_retry_after(&c, 50, 10) == 50 * MS);       /* 50 x 10 ms / 10 */
    assert_true(server_retry_after(&c, 0, 10) == 1 * MS);         /* at least one request's share */
    assert_true(server_retry_after(&c, 100000, 10) == 10 * SIMTIME_S); /* capped */
    assert_true(server_retry_after(&c, 100, 0) == 10 * SIMTIME_S);     /* no workers: the cap */
    c.retry_after_cap = 0;
    assert_true(server_retry_after(&c, 100000, 10) == 100 * SIMTIME_S);
}

/* 4 calls at t = 0, one worker (1 s), queue 2, two attempts, 100 ms
 * constant backoff. Call 0 is served 0-1 s, calls 1 and 2 wait, call 3 meets
 * a full queue. Queue mode: Retry-After = 2 x 1 s / 1 = 2 s; the retry at
 * 2 s is queued and served 3-4 s: all 4 succeed, the last after 4 s.
 * Constant mode without a value: the retry at 0.1 s meets the full queue
 * again and the call is exhausted. A cap of 0.5 s: the same. */
static void ra_run_cfg(run_cfg_t *c, server_ra_mode_t mode, simtime_t cap)
{
    spike_cfg(c, 4, 1, SIMTIME_S);
    c->server.queue = 2;
    c->retry.max_attempts = 2;
    c->retry.backoff = BACKOFF_CONSTANT;
    c->retry.base = 100 * MS;
    c->server.ra_mode = mode;
    c->server.retry_after_cap = cap;
}

static void test_retry_after_run(void **state)
{
    (void)state;
    run_cfg_t c;
    ra_run_cfg(&c, SERVER_RA_QUEUE, 10 * SIMTIME_S);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 4);
    assert_true(run_scalar(&r, "rejected_queue") == 1);
    assert_true(fabs(run_scalar(&r, "latency_max_s") - 4.0) < 1e-6);
    run_result_free(&r);

    ra_run_cfg(&c, SERVER_RA_CONSTANT, 10 * SIMTIME_S);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 3);
    assert_true(run_scalar(&r, "calls_exhausted") == 1);
    assert_true(run_scalar(&r, "rejected_queue") == 2);
    run_result_free(&r);

    ra_run_cfg(&c, SERVER_RA_QUEUE, 500 * MS);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 3);
    assert_true(run_scalar(&r, "rejected_queue") == 2);
    run_result_free(&r);
}

/* CoDel through a whole run: one worker at 10 ms per request, 200 calls/s
 * (twice its capacity) for 2 s, unlimited queue, one attempt. Without
 * shedding the queue grows to ~200 and every call is served; with CoDel
 * (5 ms, 100 ms) arrivals are shed once the sojourn has stayed above 5 ms
 * for 100 ms, so the worst latency stays far below the unshed run's. */
static void codel_run_cfg(run_cfg_t *c, shed_kind_t kind)
{
    spike_cfg(c, 1, 1, 10 * MS);
    c->run.duration = 2 * SIMTIME_S;
    c->arrivals.kind = ARR_CONSTANT;
    c->arrivals.rate = 200;
    c->server.queue = SERVER_QUEUE_UNLIMITED;
    SHED_CFG(c)->kind = kind;
}

static void test_codel_run(void **state)
{
    (void)state;
    run_cfg_t c;
    codel_run_cfg(&c, SHED_NONE);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 400);
    double max_none = run_scalar(&r, "latency_max_s");
    assert_true(max_none > 1.9); /* the last call waits ~2 s */
    run_result_free(&r);

    codel_run_cfg(&c, SHED_CODEL);
    r = run_ok(&c);
    double shed = run_scalar(&r, "shed");
    assert_true(shed > 100);
    assert_true(run_scalar(&r, "calls_ok") + shed == 400);
    assert_true(run_scalar(&r, "latency_max_s") < 0.3);
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codel_rule),        cmocka_unit_test(test_inflight_rule),
        cmocka_unit_test(test_inflight_run),      cmocka_unit_test(test_lifo_order),
        cmocka_unit_test(test_retry_after_value), cmocka_unit_test(test_retry_after_run),
        cmocka_unit_test(test_codel_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
