/*
 * Hedging (models/hedging.c, [hedging]): copies of an attempt, gRPC's
 * hedgingPolicy and The Tail at Scale's hedged requests; the copies'
 * cancellation at the server; hedges counted by gRPC retry throttling.
 * Every case is worked by hand from the rules in hedging.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "run_util.h"

static run_result_t run_text(const char *text)
{
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    if (cfg_doc_load_string(&d, "h.ini", text, err, sizeof err) < 0 || cfg_apply(&d, &c, err, sizeof err) < 0)
        fail_msg("%s", err);
    cfg_doc_free(&d);
    return run_ok(&c);
}

/* One call a second, one attempt, 1 ms each way. */
#define SERIAL "[run]\nduration = 20s\ndrain = 10s\n[arrivals]\nkind = constant\nrate = 1\n" \
               "[retry]\nmax_attempts = 1\nattempt_timeout = 0\nretry_on = 500\n" \
               "[network]\nrequest = const(1ms)\nresponse = const(1ms)\n"

/* Every attempt fails with 500, a non-fatal status: the next copy goes out
 * at once, and the third failure (none left) is the answer: 2 copies beyond
 * the first per call, none cancelled. Fatal (non_fatal = none): the first
 * 500 is the answer, no copy (the 1 s delay never passes). */
static void test_non_fatal(void **state)
{
    (void)state;
    run_result_t r = run_text(SERIAL "[server]\nerror_500 = 1\nservice = const(1ms)\n"
                                     "[hedging]\nenabled = true\nmax_copies = 3\ndelay = 1s\nnon_fatal = 500\n");
    double calls = run_scalar(&r, "calls");
    assert_true(calls == 20);
    assert_true(run_scalar(&r, "attempts_hedged") == 2 * calls);
    assert_true(run_scalar(&r, "server_arrivals") == 3 * calls);
    assert_true(run_scalar(&r, "calls_ok") == 0);
    run_result_free(&r);

    r = run_text(SERIAL "[server]\nerror_500 = 1\nservice = const(1ms)\n"
                        "[hedging]\nenabled = true\nmax_copies = 3\ndelay = 1s\n");
    assert_true(run_scalar(&r, "attempts_hedged") == 0);
    assert_true(run_scalar(&r, "server_arrivals") == run_scalar(&r, "calls"));
    run_result_free(&r);
}

/* One call every 2 s, one worker, 500 ms service, 3 copies 10 ms apart:
 * copies 2 and 3 wait behind the first, which ends at 501 ms; copy 2 then
 * starts, and the first's answer reaches the client at 502 ms: copy 2 is
 * cut off in service (wasted), copy 3 leaves the queue unserved. */
static void test_cancel_leaves_queue(void **state)
{
    (void)state;
    run_result_t r = run_text("[run]\nduration = 20s\ndrain = 10s\n[arrivals]\nkind = constant\nrate = 0.5\n"
                              "[retry]\nmax_attempts = 1\nattempt_timeout = 0\n[network]\nrequest = const(1ms)\n"
                              "response = const(1ms)\n[server]\nworkers = 1\nqueue = 10\nservice = const(500ms)\n"
                              "[hedging]\nenabled = true\nmax_copies = 3\ndelay = 10ms\n");
    double calls = run_scalar(&r, "calls");
    assert_true(calls == 10);
    assert_true(run_scalar(&r, "attempts_hedged") == 2 * calls);
    assert_true(run_scalar(&r, "hedges_cancelled_waiting") == calls);
    assert_true(run_scalar(&r, "hedges_cancelled_serving") == calls);
    assert_true(run_scalar(&r, "served") == 2 * calls); /* the third copies never ran */
    assert_true(run_scalar(&r, "served_wasted") == calls);
    assert_true(run_scalar(&r, "calls_ok") == calls);
    assert_true(run_scalar(&r, "hedge_wins") == 0);
    run_result_free(&r);
}

/* gRPC retry throttling counts hedges: tokens start at 10, each failed copy
 * (500, retried) takes 1, a copy goes out only while tokens > 5. Call 1:
 * copies at 10 -> 9 -> 8 tokens, its third failure leaves 7 (it ends the
 * attempt: 2 copies); call 2: 7 -> 6, copy, 6 -> 5, copy? 5 > 5 no: one
 * copy; every later call: none. 3 copies in the whole run. */
static void test_throttled(void **state)
{
    (void)state;
    run_result_t r = run_text(SERIAL "[server]\nerror_500 = 1\nservice = const(1ms)\n"
                                     "[hedging]\nenabled = true\nmax_copies = 3\ndelay = 1s\nnon_fatal = 500\n"
                                     "[retry_quota]\nkind = grpc\nmax_tokens = 10\ntoken_ratio = 0.1\n");
    assert_true(run_scalar(&r, "attempts_hedged") == 3);
    run_result_free(&r);
}

/* The Tail at Scale: heavy-tailed service (lognormal, cv 2) at 25% load;
 * a second copy after the p95 of recent latencies cuts p99 by about half
 * for about 5% more requests. */
static void test_tail(void **state)
{
    (void)state;
    static const char *const base = "[run]\nduration = 60s\ndrain = 10s\n[arrivals]\nrate = 500\n[retry]\n"
                                    "max_attempts = 1\nattempt_timeout = 0\n[server]\nworkers = 20\nqueue = unlimited\n"
                                    "service = lognormal(10ms, 2)\n[network]\nrequest = exp(1ms)\nresponse = exp(1ms)\n";
    char text[1024];
    run_result_t off = run_text(base);
    snprintf(text, sizeof text, "%s[hedging]\nenabled = true\nmode = tail\nquantile = 0.95\n", base);
    run_result_t on = run_text(text);
    double share = run_scalar(&on, "attempts_hedged") / run_scalar(&on, "calls");
    if (share < 0.03 || share > 0.08)
        fail_msg("hedged %.3f of attempts, expected about 0.05", share);
    double p99_off = run_scalar(&off, "latency_p99_s"), p99_on = run_scalar(&on, "latency_p99_s");
    if (!(p99_on < 0.7 * p99_off))
        fail_msg("p99 %.4f s hedged vs %.4f s not", p99_on, p99_off);
    assert_true(run_scalar(&on, "amplification") < 1.08);
    run_result_free(&off);
    run_result_free(&on);
}

/* Hedging is refused with the models that keep one state per call. */
static void test_refused_with(void **state)
{
    (void)state;
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    assert_int_equal(cfg_doc_load_string(&d, "h.ini", "[hedging]\nenabled = true\n[connections]\nenabled = true\n",
                                         err, sizeof err),
                     0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "h.ini:2: [hedging] enabled: hedging cannot be combined with [connections]"));
    cfg_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_non_fatal),
        cmocka_unit_test(test_cancel_leaves_queue),
        cmocka_unit_test(test_throttled),
        cmocka_unit_test(test_tail),
        cmocka_unit_test(test_refused_with),
    };
    return cmocka_run_group_tests_name("hedging", tests, NULL, NULL);
}
