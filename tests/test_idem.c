/*
 * Idempotency (models/idem.c, docs/failure-modes.md §2.4): duplicate executions of
 * non-idempotent calls and the idempotency-key store, on schedules
 * computed by hand: service 2 s against an attempt timeout of 1 s makes
 * the retry execute the call a second time unless the store refuses it;
 * a key claimed before work that fails keeps refusing retries until its
 * TTL; a lost response is answered from the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "idem.h"
#include "run.h"
#include "run_util.h"

static const dist_t ZERO = {.kind = DIST_CONST, .a = 0};

/* 10 calls (one per second), all non-idempotent, service 2 s, plenty of
 * workers, no network delay, attempt timeout 1 s, 2 attempts, no backoff. */
static void slow_service(run_cfg_t *c)
{
    *c = test_defaults();
    c->run.duration = 10 * SIMTIME_S;
    c->run.drain = 60 * SIMTIME_S;
    c->arrivals.kind = ARR_CONSTANT;
    c->arrivals.rate = 1;
    c->network.request = c->network.response = ZERO;
    c->server.workers = 100;
    c->server.service = (dist_t){.kind = DIST_CONST, .a = 2e9};
    c->retry.max_attempts = 2;
    c->retry.attempt_timeout = SIMTIME_S;
    c->retry.backoff = BACKOFF_CONSTANT;
    c->retry.base = 0;
    c->retry.jitter = JITTER_NONE;
    IDEM_CFG(c)->non_idempotent = 1;
}

/* Attempt 1 (t) executes at t+2, attempt 2 (t+1) at t+3: one duplicate
 * per call without a store. */
static void test_duplicates_without_store(void **state)
{
    (void)state;
    run_cfg_t c;
    slow_service(&c);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 10);
    assert_true(run_scalar(&r, "idem_executions") == 20);
    assert_true(run_scalar(&r, "idem_duplicates") == 10);
    assert_true(run_scalar(&r, "idem_duplicates_per_call") == 1.0);
    assert_true(run_scalar(&r, "idem_refused") == 0);
    run_result_free(&r);
}

/* Idempotent calls are executed twice too, but that is no duplicate. */
static void test_idempotent_calls_no_duplicates(void **state)
{
    (void)state;
    run_cfg_t c;
    slow_service(&c);
    IDEM_CFG(&c)->non_idempotent = 1e-12; /* model on, no call drawn non-idempotent */
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "idem_calls_non_idempotent") == 0);
    assert_true(run_scalar(&r, "idem_executions") == 20);
    assert_true(run_scalar(&r, "idem_duplicates") == 0);
    run_result_free(&r);
}

/* The store with claim before work: attempt 2 reaches the server while
 * attempt 1 is in flight -> 409 (not retryable by default): zero
 * duplicates, one refusal per call. */
static void test_store_refuses_in_flight(void **state)
{
    (void)state;
    run_cfg_t c;
    slow_service(&c);
    IDEM_CFG(&c)->store = IDEM_STORE_KEY;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "idem_duplicates") == 0);
    assert_true(run_scalar(&r, "idem_executions") == 10);
    assert_true(run_scalar(&r, "idem_refused") == 10);
    assert_true(run_scalar(&r, "calls_not_retryable") == 10);
    run_result_free(&r);
}

/* Claim after work: nothing is claimed while attempt 1 runs, so attempt 2
 * executes again (the store only helps once a result is stored). */
static void test_claim_after_work_duplicates_in_flight(void **state)
{
    (void)state;
    run_cfg_t c;
    slow_service(&c);
    IDEM_CFG(&c)->store = IDEM_STORE_KEY;
    IDEM_CFG(&c)->claim = IDEM_CLAIM_AFTER_WORK;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "idem_duplicates") == 10);
    assert_true(run_scalar(&r, "idem_refused") == 0);
    run_result_free(&r);
}

/* Lost responses: service 0.5 s, every response lost. Attempt 1 executes
 * at t+0.5, its response is lost; the timeout at t+1 retries. Without the
 * store attempt 2 executes again (duplicate, lost again: exhausted); with
 * it, attempt 2 gets the stored response: success, no duplicate. */
static void test_lost_response_stored(void **state)
{
    (void)state;
    run_cfg_t c;
    slow_service(&c);
    c.server.service = (dist_t){.kind = DIST_CONST, .a = 0.5e9};
    c.network.response_loss = 1;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "idem_duplicates") == 10);
    assert_true(run_scalar(&r, "calls_exhausted") == 10);
    run_result_free(&r);
    IDEM_CFG(&c)->store = IDEM_STORE_KEY;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "idem_duplicates") == 0);
    assert_true(run_scalar(&r, "idem_stored_served") == 10);
    assert_true(run_scalar(&r, "calls_ok") == 10);
    run_result_free(&r);
}

/* The flaw: one call, every execution fails (500), retries on 500 and 409
 * after a constant 1 s, no timeout, service 100 ms, ttl 2.5 s. Attempts at
 * 0 (claims until 2.5; 500 at 0.1), 1.1 (409), 2.1 (409), 3.1 (claim
 * expired: runs, claims until 5.6; 500), 4.2 (409): 3 refusals. Claimed
 * after work, failures store nothing: no refusal. */
static void test_claim_before_work_refuses_until_ttl(void **state)
{
    (void)state;
    run_cfg_t c;
    slow_service(&c);
    c.run.duration = SIMTIME_S; /* one call, at 0 */
    c.server.service = (dist_t){.kind = DIST_CONST, .a = 0.1e9};
    c.server.error_500 = 1;
    c.retry.attempt_timeout = 0;
    c.retry.max_attempts = 5;
    c.retry.base = SIMTIME_S;
    c.retry.retry_on = POLICY_RETRY_BIT(OUT_500) | POLICY_RETRY_BIT(OUT_409);
    IDEM_CFG(&c)->store = IDEM_STORE_KEY;
    IDEM_CFG(&c)->ttl = 2500 * SIMTIME_MS;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 1);
    assert_true(run_scalar(&r, "attempts") == 5);
    assert_true(run_scalar(&r, "idem_refused") == 3);
    assert_true(run_scalar(&r, "served") == 2);
    run_result_free(&r);
    IDEM_CFG(&c)->ttl = 500 * SIMTIME_MS; /* expires before each retry: no refusal */
    r = run_ok(&c);
    assert_true(run_scalar(&r, "idem_refused") == 0);
    assert_true(run_scalar(&r, "served") == 5);
    run_result_free(&r);
    IDEM_CFG(&c)->ttl = 2500 * SIMTIME_MS;
    IDEM_CFG(&c)->claim = IDEM_CLAIM_AFTER_WORK;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "idem_refused") == 0);
    assert_true(run_scalar(&r, "served") == 5);
    run_result_free(&r);
}

/* The pure store: claim, conflict, stored response, expiry. */
static void test_store_rules(void **state)
{
    (void)state;
    idem_cfg_t cfg;
    {
        run_cfg_t d__ = test_defaults();
        cfg = *IDEM_CFG(&d__);
    }
    cfg.non_idempotent = 1;
    cfg.store = IDEM_STORE_KEY;
    cfg.ttl = 10;
    idem_t s;
    assert_int_equal(idem_init(&s, &cfg), 0);
    uint32_t k = idem_call_start(&s, 1), k2 = idem_call_start(&s, 0);
    assert_int_equal(k, 1);
    assert_int_equal(k2, 2);
    assert_int_equal(idem_begin(&s, k, 0), IDEM_PROCEED);
    assert_int_equal(idem_begin(&s, k, 5), IDEM_CONFLICT);
    assert_int_equal(idem_begin(&s, k2, 5), IDEM_PROCEED); /* idempotent: no key */
    assert_int_equal(idem_end(&s, k, 6, 1), 0);
    assert_int_equal(idem_begin(&s, k, 15), IDEM_STORED); /* stored until 16 */
    assert_int_equal(idem_begin(&s, k, 16), IDEM_PROCEED); /* expired: runs again */
    assert_int_equal(idem_end(&s, k, 17, 1), 1);            /* a duplicate */
    assert_true(s.refused == 1 && s.stored == 1 && s.duplicates == 1);
    /* grows past its first capacity without losing entries */
    for (int i = 0; i < 5000; i++)
        assert_true(idem_call_start(&s, i & 1) != 0);
    assert_int_equal(idem_begin(&s, k, 20), IDEM_STORED);
    idem_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicates_without_store),
        cmocka_unit_test(test_idempotent_calls_no_duplicates),
        cmocka_unit_test(test_store_refuses_in_flight),
        cmocka_unit_test(test_claim_after_work_duplicates_in_flight),
        cmocka_unit_test(test_lost_response_stored),
        cmocka_unit_test(test_claim_before_work_refuses_until_ttl),
        cmocka_unit_test(test_store_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
