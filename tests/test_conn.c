/*
 * Connections (models/conn.c, docs/failure-modes.md §3.1, §3.3, §4.2): keep-alive idle
 * timeouts and pools. A reused connection is reset iff the client's idle
 * timeout is longer than the server's and the idle gap falls between
 * them; HTTP/1.1 opens a connection per concurrent attempt, HTTP/2
 * multiplexes up to max_streams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "conn.h"
#include "run.h"
#include "run_util.h"

static const dist_t ZERO = {.kind = DIST_CONST, .a = 0};

static conn_cfg_t idle_cfg(simtime_t server_idle, simtime_t client_idle)
{
    conn_cfg_t c;
    {
        run_cfg_t d__ = test_defaults();
        c = *CONN_CFG(&d__);
    }
    c.enabled = 1;
    c.server_idle = server_idle;
    c.client_idle = client_idle;
    return c;
}

/* Reuse after a gap g on a connection last used at 0: reset iff
 * server_idle <= g < client_idle. Returns the kind of the second pick. */
static conn_kind_t reuse_after(simtime_t server_idle, simtime_t client_idle, simtime_t gap)
{
    conn_cfg_t cfg = idle_cfg(server_idle, client_idle);
    conn_t p;
    assert_int_equal(conn_init(&p, &cfg, 1), 0);
    conn_pick_t a = conn_acquire(&p, 0, 0);
    assert_int_equal(a.kind, CONN_NEW);
    conn_release(&p, a.slot, 0, 0);
    conn_pick_t b = conn_acquire(&p, 0, gap);
    conn_free(&p);
    return b.kind;
}

static void test_reset_iff_gap_between(void **state)
{
    (void)state;
    /* client 20 > server 10 */
    assert_int_equal(reuse_after(10, 20, 5), CONN_REUSE);
    assert_int_equal(reuse_after(10, 20, 10), CONN_RESET);
    assert_int_equal(reuse_after(10, 20, 19), CONN_RESET);
    assert_int_equal(reuse_after(10, 20, 20), CONN_NEW); /* the client closed it first */
    assert_int_equal(reuse_after(10, 20, 50), CONN_NEW);
    /* client 5 < server 10: the client always closes first, no reset */
    for (simtime_t g = 0; g < 30; g++)
        assert_int_not_equal(reuse_after(10, 5, g), CONN_RESET);
    /* equal timeouts: no reset either */
    for (simtime_t g = 0; g < 30; g++)
        assert_int_not_equal(reuse_after(10, 10, g), CONN_RESET);
}

/* After a reset the connection is gone: the next attempt opens a new one. */
static void test_reset_closes(void **state)
{
    (void)state;
    conn_cfg_t cfg = idle_cfg(10, 20);
    conn_t p;
    assert_int_equal(conn_init(&p, &cfg, 2), 0);
    conn_pick_t a = conn_acquire(&p, 0, 0);
    conn_release(&p, a.slot, 0, 0);
    assert_int_equal(conn_acquire(&p, 1, 15).kind, CONN_NEW); /* client 1 has its own pool */
    assert_int_equal(conn_acquire(&p, 0, 15).kind, CONN_RESET);
    assert_int_equal(conn_acquire(&p, 0, 15).kind, CONN_NEW);
    assert_true(p.resets == 1 && p.opened == 3);
    conn_free(&p);
}

/* k concurrent attempts: HTTP/1.1 needs k connections, HTTP/2 ceil(k / max_streams). */
static void test_pool_protocols(void **state)
{
    (void)state;
    conn_cfg_t cfg = idle_cfg(100, 200);
    conn_t p;
    assert_int_equal(conn_init(&p, &cfg, 1), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(conn_acquire(&p, 0, i).kind, CONN_NEW);
    assert_true(p.opened == 10 && p.open_now == 10);
    conn_free(&p);
    cfg.protocol = CONN_HTTP2;
    cfg.max_streams = 4;
    assert_int_equal(conn_init(&p, &cfg, 1), 0);
    for (int i = 0; i < 10; i++)
        conn_acquire(&p, 0, i);
    assert_true(p.opened == 3 && p.reused == 7);
    conn_free(&p);
}

/* One client, one call every 1/rate s, service 10 ms, no network delay,
 * server_idle 1 s, retry after 10 ms. */
static void keepalive_run(run_cfg_t *c, double rate, simtime_t client_idle)
{
    *c = test_defaults();
    c->run.duration = 20 * SIMTIME_S;
    c->run.drain = 60 * SIMTIME_S;
    c->arrivals.kind = ARR_CONSTANT;
    c->arrivals.rate = rate;
    c->network.request = c->network.response = ZERO;
    c->server.service = (dist_t){.kind = DIST_CONST, .a = 10e6};
    c->retry.max_attempts = 3;
    c->retry.backoff = BACKOFF_CONSTANT;
    c->retry.base = 10 * SIMTIME_MS;
    c->retry.jitter = JITTER_NONE;
    CONN_CFG(c)->enabled = 1;
    CONN_CFG(c)->server_idle = SIMTIME_S;
    CONN_CFG(c)->client_idle = client_idle;
}

static void test_whole_run_resets(void **state)
{
    (void)state;
    run_cfg_t c;
    /* a call every 2 s, client idle 5 s: each call after the first finds
     * its connection idle ~1.98 s in [1 s, 5 s): reset, then a retry on a
     * new connection. 10 calls: 9 resets, 10 connections, all succeed. */
    keepalive_run(&c, 0.5, 5 * SIMTIME_S);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 10);
    assert_true(run_scalar(&r, "conn_resets") == 9);
    assert_true(run_scalar(&r, "conn_new") == 10);
    assert_true(run_scalar(&r, "retries") == 9);
    assert_true(run_scalar(&r, "calls_ok") == 10);
    run_result_free(&r);
    /* client idle 1.5 s < gap: the client closed it, no reset */
    keepalive_run(&c, 0.5, 1500 * SIMTIME_MS);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "conn_resets") == 0);
    assert_true(run_scalar(&r, "conn_new") == 10);
    assert_true(run_scalar(&r, "retries") == 0);
    run_result_free(&r);
    /* a call every 0.5 s: never idle for 1 s, one connection, no reset */
    keepalive_run(&c, 2, 5 * SIMTIME_S);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 40);
    assert_true(run_scalar(&r, "conn_resets") == 0);
    assert_true(run_scalar(&r, "conn_new") == 1);
    run_result_free(&r);
}

/* 100 calls at 10 ms spacing, each served 1 s: 100 attempts in flight
 * together. HTTP/1.1: 100 connections, 100 handshakes of 50 ms; HTTP/2
 * with 100 streams: 1; with 10 streams: 10. */
static void test_whole_run_protocols(void **state)
{
    (void)state;
    run_cfg_t c;
    keepalive_run(&c, 100, 5 * SIMTIME_S);
    c.run.duration = SIMTIME_S;
    c.server.workers = 1000;
    c.server.service = (dist_t){.kind = DIST_CONST, .a = 1e9};
    CONN_CFG(&c)->handshake = 50 * SIMTIME_MS;
    c.retry.attempt_timeout = 0;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 100);
    assert_true(run_scalar(&r, "conn_new") == 100);
    assert_true(fabs(run_scalar(&r, "conn_handshake_s") - 5.0) < 1e-9);
    assert_true(run_scalar(&r, "calls_ok") == 100);
    /* the handshake is paid before the request: latency 1.05 s */
    assert_true(fabs(run_scalar(&r, "latency_max_s") - 1.05) < 0.01);
    run_result_free(&r);
    CONN_CFG(&c)->protocol = CONN_HTTP2;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "conn_new") == 1);
    run_result_free(&r);
    CONN_CFG(&c)->max_streams = 10;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "conn_new") == 10);
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_iff_gap_between),
        cmocka_unit_test(test_reset_closes),
        cmocka_unit_test(test_pool_protocols),
        cmocka_unit_test(test_whole_run_resets),
        cmocka_unit_test(test_whole_run_protocols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
