/*
 * Tests of [retry_concurrency] (models/retry_concurrency.c): the cap on
 * retries outstanding at once, worked by hand on a spike of 10 calls that
 * all fail (500, retried at once, 10 ms each way): a retry is outstanding
 * from its grant until the attempt it sends has ended, and the cap is
 * max_retries or, with a budget, max(floor(percent x attempts in flight),
 * min_retry_concurrency), attempts in flight counted after the failed
 * attempt has ended.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "run_util.h"

static run_result_t spike(const char *extra)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[run]\nduration = 10s\ndrain = 5s\n[arrivals]\nkind = spike\nspike_calls = 10\n"
             "[retry]\nmax_attempts = 4\nbackoff = constant\nbase = 0\njitter = none\nattempt_timeout = 0\n"
             "retry_on = 500\n[server]\nerror_500 = 1\nservice = const(0)\nworkers = 100\n"
             "[network]\nrequest = const(10ms)\nresponse = const(10ms)\n%s",
             extra);
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    memset(&d, 0, sizeof d);
    if (cfg_doc_load_string(&d, "rcc.ini", text, err, sizeof err) < 0 || cfg_apply(&d, &c, err, sizeof err) < 0)
        fail_msg("%s", err);
    cfg_doc_free(&d);
    return run_ok(&c);
}

static void check(const char *extra, double attempts, double denied)
{
    run_result_t r = spike(extra);
    double calls = run_scalar(&r, "calls");
    double amp = run_scalar(&r, "amplification");
    if (calls != 10 || amp * calls != attempts)
        fail_msg("%s: %g calls, %g attempts, expected 10 and %g", extra, calls, amp * calls, attempts);
    double got = extra[0] ? run_scalar(&r, "calls_denied_retry_concurrency") : 0;
    if (got != denied)
        fail_msg("%s: %g calls denied, expected %g", extra, got, denied);
    run_result_free(&r);
}

/* Without the model every call makes 4 attempts. With max_retries 3 the
 * first three calls get a retry and keep it (each releases its own before
 * asking again): 3 x 4 + 7 x 1 = 19 attempts, 7 calls denied. */
static void test_max_retries(void **state)
{
    (void)state;
    check("", 40, 0);
    check("[retry_concurrency]\nenabled = true\n", 19, 7);
    check("[retry_concurrency]\nenabled = true\nmax_retries = 0\n", 10, 10);
    check("[retry_concurrency]\nenabled = true\nmax_retries = 10\n", 40, 0);
}

/* Budget 100%, minimum 1: call k's decision sees 10 - k attempts in flight
 * and k - 1 retries outstanding: granted while k - 1 < 10 - k, k = 1..5.
 * When those 5 retried attempts end, call k (k = 1..5) has released its own
 * retry and sees 5 - k in flight and 5 - k outstanding: refused, except
 * the fifth, which sees 0 and 0 against the minimum of 1, and so keeps
 * going to its 4th attempt. Attempts: 4 + 4 x 2 + 5 x 1 = 17; 9 calls
 * denied. With 20% and the minimum 3: 3 granted (the floor decides), as
 * with max_retries 3. */
static void test_budget(void **state)
{
    (void)state;
    check("[retry_concurrency]\nenabled = true\nbudget_percent = 100\nmin_retry_concurrency = 1\n", 17, 9);
    check("[retry_concurrency]\nenabled = true\nbudget_percent = 20\n", 19, 7);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_max_retries), cmocka_unit_test(test_budget)};
    return cmocka_run_group_tests_name("retry_concurrency", tests, NULL, NULL);
}
