/*
 * Behaviour of the client and server models through whole runs, with
 * schedules simple enough to compute by hand: the deadline cuts attempts,
 * orphans go on with ignore_deadline, Retry-After is honoured and capped,
 * non-replayable calls fail at their first retry, expired work is wasted or
 * dropped, and the same seed gives byte-identical series.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "arrivals.h"
#include "dist.h"
#include "metrics.h"
#include "run.h"
#include "run_util.h"

static const dist_t ZERO = {.kind = DIST_CONST, .a = 0};

/* Calls that always meet a 503 (the server is down for the whole run),
 * constant 300 ms backoff, no jitter, network delay 0. */
static void always_503(run_cfg_t *c)
{
    *c = test_defaults();
    c->run.duration = 20 * SIMTIME_S;
    c->run.drain = 60 * SIMTIME_S;
    c->arrivals.kind = ARR_CONSTANT;
    c->arrivals.rate = 10;
    c->network.request = c->network.response = ZERO;
    c->server.noutages = 1;
    c->server.outages[0] = (outage_t){0, 1000 * SIMTIME_S, OUTAGE_REJECT, 0};
    c->retry.max_attempts = 10;
    c->retry.backoff = BACKOFF_CONSTANT;
    c->retry.base = 300 * SIMTIME_MS;
    c->retry.jitter = JITTER_NONE;
}

/* Deadline 1 s over attempts at 0, 0.3, 0.6, 0.9 s: the 5th (1.2 s) is cut. */
static void test_deadline_cuts_attempts(void **state)
{
    (void)state;
    run_cfg_t c;
    always_503(&c);
    c.retry.deadline = SIMTIME_S;
    run_result_t r = run_ok(&c);
    double calls = run_scalar(&r, "calls");
    assert_true(calls == 200);
    assert_true(run_scalar(&r, "attempts_per_call") == 4.0);
    assert_true(run_scalar(&r, "calls_deadline") == calls);
    assert_true(run_scalar(&r, "calls_deadline_cut") == calls); /* 4 of 10 attempts made */
    assert_true(run_scalar(&r, "orphan_attempts") == 0);
    assert_true(run_scalar(&r, "calls_unfinished") == 0);
    run_result_free(&r);
}

/* ignore_deadline: the caller gives up at 1 s, the loop makes all 10
 * attempts; 6 of them after the caller left. */
static void test_orphans(void **state)
{
    (void)state;
    run_cfg_t c;
    always_503(&c);
    c.retry.deadline = SIMTIME_S;
    c.retry.ignore_deadline = 1;
    run_result_t r = run_ok(&c);
    double calls = run_scalar(&r, "calls");
    assert_true(run_scalar(&r, "attempts_per_call") == 10.0);
    assert_true(run_scalar(&r, "calls_deadline") == calls);
    assert_true(run_scalar(&r, "orphan_attempts") == 6 * calls);
    /* a loop lives 2.7 s, 1.7 s of it orphaned; 10 calls/s: ~17 orphans alive */
    int64_t peak = 0;
    for (int b = 0; b < stats_series_nbuckets(&r.series); b++)
        if (stats_series_get(&r.series, M_ORPHANS, b) > peak)
            peak = stats_series_get(&r.series, M_ORPHANS, b);
    assert_in_range(peak, 16, 18);
    run_result_free(&r);
}

/* Two calls at t = 0; a token bucket of 1 token refilled at 0.2/s rejects
 * with 429 and Retry-After 2 s. Call 1 takes the token. Call 2 honouring
 * Retry-After retries at 2 s (0.4 tokens), 4 s (0.8), 6 s (1.2: admitted). */
static void retry_after_cfg(run_cfg_t *c, retry_after_mode_t mode, simtime_t cap)
{
    *c = test_defaults();
    c->run.duration = 10 * SIMTIME_S;
    c->arrivals.kind = ARR_SPIKE;
    c->arrivals.spike_calls = 2;
    c->network.request = c->network.response = ZERO;
    c->server.service = (dist_t){.kind = DIST_CONST, .a = 1e6};
    c->limiter.kind = LIMITER_TOKEN_BUCKET;
    c->limiter.rate = 0.2;
    c->limiter.burst = 1;
    c->limiter.reject_status = 429;
    c->limiter.retry_after = 2 * SIMTIME_S;
    c->retry.max_attempts = 5;
    c->retry.backoff = BACKOFF_CONSTANT;
    c->retry.base = 100 * SIMTIME_MS;
    c->retry.jitter = JITTER_NONE;
    c->retry.retry_after = mode;
    c->retry.retry_after_cap = cap;
}

/* A reject outage answers 503 with the server's Retry-After: one call at
 * t = 0 into [0, 3.5 s) of rejections, Retry-After 1 s honoured: attempts
 * at 0, 1, 2, 3 s are rejected, the one at 4 s succeeds. Without a
 * Retry-After the 100 ms backoff spends the 5 attempts in 0.4 s. */
static void test_outage_retry_after(void **state)
{
    (void)state;
    run_cfg_t c;
    retry_after_cfg(&c, RETRY_AFTER_HONOUR, 60 * SIMTIME_S);
    c.arrivals.spike_calls = 1;
    c.limiter.kind = LIMITER_NONE;
    c.server.noutages = 1;
    c.server.outages[0] = (outage_t){.start = 0, .end = 3500 * SIMTIME_MS, .kind = OUTAGE_REJECT};
    c.server.retry_after = SIMTIME_S;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 1);
    assert_true(run_scalar(&r, "attempts") == 5);
    assert_true(fabs(run_scalar(&r, "latency_p99_s") - 4.001) < 0.05);
    run_result_free(&r);
    c.server.retry_after = 0;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_exhausted") == 1);
    run_result_free(&r);
}

static void test_retry_after(void **state)
{
    (void)state;
    run_cfg_t c;
    retry_after_cfg(&c, RETRY_AFTER_HONOUR, 60 * SIMTIME_S);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 2);
    assert_true(run_scalar(&r, "attempts") == 5); /* 1 + 4 */
    assert_true(fabs(run_scalar(&r, "latency_p99_s") - 6.001) < 0.06); /* histogram: < 1% error */
    run_result_free(&r);

    /* capped at 1 s: attempts at 0, 1, 2, 3, 4 s all find < 1 token */
    retry_after_cfg(&c, RETRY_AFTER_HONOUR, SIMTIME_S);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 1);
    assert_true(run_scalar(&r, "calls_exhausted") == 1);
    run_result_free(&r);

    /* ignored: 100 ms backoff, attempts at 0 .. 0.4 s, exhausted */
    retry_after_cfg(&c, RETRY_AFTER_IGNORE, 0);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_exhausted") == 1);
    assert_true(run_scalar(&r, "rejected_limiter") == 5);
    run_result_free(&r);

    /* max(2 s, 100 ms) = 2 s: same as honour */
    retry_after_cfg(&c, RETRY_AFTER_MAX, 60 * SIMTIME_S);
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 2);
    run_result_free(&r);
}

static void test_nonreplayable(void **state)
{
    (void)state;
    run_cfg_t c;
    always_503(&c);
    c.retry.nonreplayable = 1.0;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_nonreplayable") == run_scalar(&r, "calls"));
    assert_true(run_scalar(&r, "attempts_per_call") == 1.0);
    run_result_free(&r);
}

/* One worker, 100 ms service, 50 ms attempt timeout: every attempt times
 * out, so everything served is wasted; with drop_expired, queued requests
 * whose attempt is over are discarded instead of served. */
static void test_wasted_and_expired(void **state)
{
    (void)state;
    run_cfg_t c;
    c = test_defaults();
    c.run.duration = 10 * SIMTIME_S;
    c.arrivals.kind = ARR_CONSTANT;
    c.arrivals.rate = 5;
    c.network.request = c.network.response = ZERO;
    c.server.workers = 1;
    c.server.service = (dist_t){.kind = DIST_CONST, .a = 100e6};
    c.retry.attempt_timeout = 50 * SIMTIME_MS;
    c.retry.max_attempts = 2;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls_ok") == 0);
    assert_true(run_scalar(&r, "wasted_fraction") == 1.0);
    double served = run_scalar(&r, "served");
    run_result_free(&r);
    c.server.drop_expired = 1;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "served") < served);
    int64_t expired = 0;
    for (int b = 0; b < stats_series_nbuckets(&r.series); b++)
        expired += stats_series_get(&r.series, M_EXPIRED, b);
    assert_true(expired > 0);
    run_result_free(&r);

    /* Deadline propagation: the server sees only the 50 ms deadline each
     * request carries. A request that waited behind a 100 ms service is
     * past it and is discarded; one that finds the worker free is served
     * (its client still times out, as service takes 100 ms). */
    c.server.drop_expired = 0;
    c.server.deadline_propagation = 1;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "served") < served);
    expired = 0;
    for (int b = 0; b < stats_series_nbuckets(&r.series); b++)
        expired += stats_series_get(&r.series, M_EXPIRED, b);
    assert_true(expired > 0);
    assert_true(run_scalar(&r, "served") + (double)expired + run_scalar(&r, "server_unfinished") ==
                run_scalar(&r, "server_arrivals"));
    run_result_free(&r);
}

/* Work done for an orphan loop is wasted: the caller left at 1 s, the
 * server answers its only attempt at 2 s. Before the fix it counted as
 * useful because the orphan loop still awaited it. */
static void test_orphan_work_is_wasted(void **state)
{
    (void)state;
    run_cfg_t c;
    c = test_defaults();
    c.run.duration = 10 * SIMTIME_S;
    c.arrivals.kind = ARR_CONSTANT;
    c.arrivals.rate = 2;
    c.network.request = c.network.response = ZERO;
    c.server.workers = 100;
    c.server.service = (dist_t){.kind = DIST_CONST, .a = 2e9};
    c.retry.max_attempts = 1;
    c.retry.attempt_timeout = 5 * SIMTIME_S;
    c.retry.deadline = SIMTIME_S;
    c.retry.ignore_deadline = 1;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "served") == 20);
    assert_true(run_scalar(&r, "wasted_fraction") == 1.0);
    assert_true(run_scalar(&r, "calls_deadline") == 20);
    assert_true(run_scalar(&r, "calls_deadline_cut") == 0); /* its single attempt was made */
    run_result_free(&r);
}

static int same_series(const run_result_t *a, const run_result_t *b)
{
    int n = stats_series_nbuckets(&a->series);
    if (n != stats_series_nbuckets(&b->series))
        return 0;
    for (int i = 0; i < n; i++)
        if (memcmp(stats_series_row(&a->series, i), stats_series_row(&b->series, i), metrics_nseries() * sizeof(int64_t)))
            return 0;
    return 1;
}

/* A storm with every random element on: same seed, same bytes. */
static void test_determinism(void **state)
{
    (void)state;
    run_cfg_t c;
    c = test_defaults();
    c.run.duration = 30 * SIMTIME_S;
    c.arrivals.rate = 800;
    c.server.outages[0] = (outage_t){10 * SIMTIME_S, 15 * SIMTIME_S, OUTAGE_REJECT, 0};
    c.server.noutages = 1;
    c.server.error_500 = 0.01;
    c.retry.retry_on |= POLICY_RETRY_BIT(OUT_500);
    c.network.request = (dist_t){.kind = DIST_EXP, .a = 1e6};
    c.network.response = c.network.request;
    run_result_t a = run_ok(&c), b = run_ok(&c);
    assert_true(same_series(&a, &b));
    assert_memory_equal(a.scalar, b.scalar, sizeof a.scalar); /* every scalar, NaNs included, bit for bit */
    c.run.seed = 2;
    run_result_t d = run_ok(&c);
    assert_false(same_series(&a, &d));
    run_result_free(&a);
    run_result_free(&b);
    run_result_free(&d);
}

/* Layers: 3 tiers, 2 attempts at each, the bottom always answering 503,
 * no timeouts: each tier's attempts are the next tier's calls, so the
 * bottom sees 2 x 2 x 2 = 8 attempts per caller's call (SRE book ch. 22). */
static void three_layers(run_cfg_t *c)
{
    always_503(c);
    c->run.duration = 5 * SIMTIME_S;
    c->retry.max_attempts = 2;
    c->retry.attempt_timeout = 0;
    LAYERS_CFG(c)->count = 3;
    for (int i = 0; i < LAYERS_MAX; i++) {
        LAYERS_CFG(c)->max_attempts[i] = 2;
        LAYERS_CFG(c)->attempt_timeout[i] = 0;
    }
}

static void test_layers_multiply(void **state)
{
    (void)state;
    run_cfg_t c;
    three_layers(&c);
    run_result_t r = run_ok(&c);
    double calls = run_scalar(&r, "calls");
    assert_true(calls == 50);
    assert_true(run_scalar(&r, "amplification_tier0") == 2.0);
    assert_true(run_scalar(&r, "amplification_tier1") == 4.0);
    assert_true(run_scalar(&r, "amplification_tier2") == 8.0);
    assert_true(run_scalar(&r, "server_arrivals") == 8 * calls);
    assert_true(run_scalar(&r, "calls_exhausted") == calls);
    assert_true(run_scalar(&r, "rejected_tier0") == 0);
    assert_true(run_scalar(&r, "calls_unfinished") == 0);
    run_result_free(&r);
}

/* The middle tier's (tier 1's) retries silently disabled: 2 x 2 x 1 = 4 at the bottom. */
static void test_layers_disabled_middle(void **state)
{
    (void)state;
    run_cfg_t c;
    three_layers(&c);
    LAYERS_CFG(&c)->retries_enabled[1] = 0;
    run_result_t r = run_ok(&c);
    double calls = run_scalar(&r, "calls");
    assert_true(run_scalar(&r, "amplification_tier1") == 4.0); /* tier 0 still retries */
    assert_true(run_scalar(&r, "amplification_tier2") == 4.0); /* tier 1 does not */
    assert_true(run_scalar(&r, "server_arrivals") == 4 * calls);
    run_result_free(&r);
}

/* Deadline propagation: the bottom never answers (drop outage), tier 1
 * would retry for ever with a long per-attempt timeout; with propagation
 * the callers' 1 s deadline ends every call below at 1 s, so no tier
 * works after its caller has gone and fewer attempts reach the bottom. */
static void test_layers_deadline_propagation(void **state)
{
    (void)state;
    run_cfg_t c;
    three_layers(&c);
    c.server.outages[0].kind = OUTAGE_DROP;
    c.retry.attempt_timeout = 0;
    c.retry.deadline = SIMTIME_S;
    for (int i = 0; i < LAYERS_MAX; i++)
        LAYERS_CFG(&c)->attempt_timeout[i] = 400 * SIMTIME_MS;
    run_result_t r = run_ok(&c);
    double without = run_scalar(&r, "amplification_bottom");
    assert_true(run_scalar(&r, "wasted_tier1") > 0); /* tier 1 answered attempts already over */
    run_result_free(&r);
    LAYERS_CFG(&c)->deadline_propagation = 1;
    r = run_ok(&c);
    double with = run_scalar(&r, "amplification_bottom");
    assert_true(run_scalar(&r, "calls_unfinished") == 0);
    run_result_free(&r);
    /* without: tier 1 makes 2 attempts of 400 ms + 300 ms backoff, each
     * making 2 bottom attempts of 400 ms: 4 at the bottom; with: cut at 1 s */
    assert_true(without == 4.0);
    assert_true(with < without);
}

/* [run] warmup: a queue built by a stall at the start biases the time
 * averages over [0, duration); from the warm-up on they are the M/M/1's at
 * rho = 0.5 (mean queue rho^2 / (1 - rho) = 0.5), and the peak ignores an
 * early burst of arrivals. Counts still cover the whole run. */
static void test_warmup(void **state)
{
    (void)state;
    run_cfg_t c;
    c = test_defaults();
    c.run.duration = 1000 * SIMTIME_S;
    c.run.drain = 60 * SIMTIME_S;
    c.arrivals.rate = 50;
    c.arrivals.kind = ARR_SCHEDULE; /* 50 calls/s, with a burst of 150/s in [10 s, 20 s) */
    c.arrivals.schedule_poisson = 1;
    c.arrivals.nsteps = 3;
    c.arrivals.steps[0] = (arrivals_step_t){0, 50};
    c.arrivals.steps[1] = (arrivals_step_t){10 * SIMTIME_S, 150};
    c.arrivals.steps[2] = (arrivals_step_t){20 * SIMTIME_S, 50};
    c.retry.max_attempts = 1;
    c.retry.attempt_timeout = 0;
    c.server.workers = 1;
    c.server.queue = SERVER_QUEUE_UNLIMITED;
    c.server.service = (dist_t){.kind = DIST_EXP, .a = 10e6};
    c.server.outages[0] = (outage_t){0, 30 * SIMTIME_S, OUTAGE_CAPACITY, 0};
    c.server.noutages = 1;
    c.network.request = c.network.response = (dist_t){.kind = DIST_CONST, .a = 0};
    run_result_t cold = run_ok(&c);
    c.run.warmup = 200 * SIMTIME_S;
    run_result_t warm = run_ok(&c);
    double qc = run_scalar(&cold, "mean_queue"), qw = run_scalar(&warm, "mean_queue");
    double bw = run_scalar(&warm, "busy_fraction");
    printf("  mean queue: %.3f from t = 0, %.3f after a 200 s warm-up (M/M/1: 0.5); busy %.3f (0.5)\n", qc, qw, bw);
    assert_true(fabs(qw - 0.5) < 0.1);
    assert_true(fabs(bw - 0.5) < 0.03);
    assert_true(qc > 5 * qw); /* the stall's queue (1500 calls) dominates the cold average */
    int64_t all = 0, late = 0; /* the peak: over every bucket, over those from 200 s on */
    for (int b = 0; b < stats_series_nbuckets(&warm.series); b++) {
        int64_t a = stats_series_get(&warm.series, M_ARRIVALS, b);
        all = a > all ? a : all;
        late = b >= 200 && a > late ? a : late;
    }
    assert_true(all > late); /* so the two differ: the check below can fail */
    assert_true(run_scalar(&warm, "peak_arrivals_per_bucket") == (double)late);
    assert_true(run_scalar(&cold, "peak_arrivals_per_bucket") == (double)all);
    assert_true(run_scalar(&warm, "calls") == run_scalar(&cold, "calls"));
    run_result_free(&cold);
    run_result_free(&warm);
}

/* Inputs at the edges of the clock run (under the sanitizers: without
 * undefined behaviour) and give what they mean: a rate so low that the
 * next call is centuries away starts none; a spike window of centuries
 * starts its first call only; a load-dependent service time beyond the
 * clock never ends within the run (every attempt times out). */
static void test_clock_edges(void **state)
{
    (void)state;
    run_cfg_t c = test_defaults();
    c.run.duration = 5 * SIMTIME_S;
    c.run.drain = 5 * SIMTIME_S;
    c.arrivals.rate = 1e-10;
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 0);
    run_result_free(&r);

    c = test_defaults();
    c.run.duration = 5 * SIMTIME_S;
    c.run.drain = 5 * SIMTIME_S;
    c.arrivals.kind = ARR_SPIKE;
    c.arrivals.spike_at = SIMTIME_S;
    c.arrivals.spike_window = 2562047 * SIMTIME_HOUR;
    c.arrivals.spike_calls = 100;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 1);
    run_result_free(&r);

    c = test_defaults();
    c.run.duration = 5 * SIMTIME_S;
    c.run.drain = 5 * SIMTIME_S;
    c.server.load_ns = 2562047 * SIMTIME_HOUR;
    r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") > 0);
    assert_true(run_scalar(&r, "calls_ok") == 0);
    assert_true(run_scalar(&r, "calls_exhausted") == run_scalar(&r, "calls"));
    run_result_free(&r);
}

/* The trace reader: CRLF and blank lines, a time with its client far
 * along a long line, comments; refused with file:line: a hex time, a
 * signed one, a NUL byte, a line over 4096 characters, /dev/zero (which
 * must not be read for ever). */
static void test_trace_reader(void **state)
{
    (void)state;
    char path[64] = "/tmp/retrysim-trace-XXXXXX", err[512];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    static const struct {
        const char *text;
        size_t len;
        int ok;            /* 1: accepted */
        const char *where; /* refused: in the message */
    } cases[] = {
        {"1\r\n\r\n2 3\r\n# c\n  \t\n2.5e0,4 # d\n", 0, 1, NULL},
        {"0.5                                                                                                    "
         "                                                                                                    "
         "1\n", 0, 1, NULL},
        {"0x10\n", 0, 0, ":1: expected a time"},
        {"1\n+2\n", 0, 0, ":2: expected a time"},
        {"1\n2 -3\n", 0, 0, ":2: expected an optional client id"},
        {"1\0005\n", 5, 0, ":1: a NUL byte"},
        {"inf\n", 0, 0, ":1: expected a time"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        size_t n = cases[i].len ? cases[i].len : strlen(cases[i].text);
        assert_int_equal(fwrite(cases[i].text, 1, n, f), n);
        fclose(f);
        int rc = arrivals_trace_check(path, err, sizeof err);
        if (cases[i].ok && rc != 0)
            fail_msg("case %zu refused: %s", i, err);
        if (!cases[i].ok && (rc == 0 || !strstr(err, cases[i].where)))
            fail_msg("case %zu: rc %d, '%s'", i, rc, rc ? err : "");
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 5000; i++)
        fputc('1', f);
    fputc('\n', f);
    fclose(f);
    assert_int_equal(arrivals_trace_check(path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: line longer than 4096 characters"));
    unlink(path);
    assert_int_equal(arrivals_trace_check("/dev/zero", err, sizeof err), -1);
    assert_non_null(strstr(err, "/dev/zero:1: a NUL byte"));

    /* a run of the first case: 3 calls at 1, 2 and 2.5 s */
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs(cases[0].text, f);
    fclose(f);
    run_cfg_t c = test_defaults();
    c.run.duration = 5 * SIMTIME_S;
    c.arrivals.kind = ARR_TRACE;
    snprintf(c.arrivals.trace_path, sizeof c.arrivals.trace_path, "%s", path);
    run_result_t r = run_ok(&c);
    assert_true(run_scalar(&r, "calls") == 3);
    run_result_free(&r);
    unlink(path);
}

static void count_progress(void *ctx, simtime_t now, simtime_t horizon, uint64_t events)
{
    (void)events;
    int *n = ctx;
    assert_true(now <= horizon);
    (*n)++;
}

/* A run reported on every 1/100 of its horizon simulates exactly what the
 * run without reports does (same series, scalars, events). */
static void test_progress_changes_nothing(void **state)
{
    (void)state;
    run_cfg_t c = test_defaults();
    c.run.duration = 20 * SIMTIME_S;
    c.run.drain = 20 * SIMTIME_S;
    c.arrivals.rate = 300;
    c.server.outages[0] = (outage_t){5 * SIMTIME_S, 8 * SIMTIME_S, OUTAGE_REJECT, 0};
    c.server.noutages = 1;
    run_result_t a = run_ok(&c), b;
    int n = 0;
    assert_int_equal(run_execute_progress(&c, &b, count_progress, &n), 0);
    assert_true(n >= 10);
    assert_int_equal(a.series.nbuckets, b.series.nbuckets);
    assert_memory_equal(a.series.v, b.series.v, (size_t)a.series.nbuckets * (size_t)metrics_nseries() * sizeof(int64_t));
    assert_int_equal(a.events, b.events);
    for (int i = 0; i < a.nscalars; i++)
        assert_true(a.scalar[i] == b.scalar[i] || (isnan(a.scalar[i]) && isnan(b.scalar[i])));
    run_result_free(&a);
    run_result_free(&b);
}

/* dist_exponential rounds exactly like GSL's exponential from the same
 * stream, to nearest and down. Means up to 1e14 put the draws' last bits
 * at the rounding boundary often (an ulp of 1e14 is 1/64): without its
 * fallback to GSL's log1p near a boundary, a few hundred of these draws
 * round differently. */
static void test_exponential_rounds_like_gsl(void **state)
{
    (void)state;
    const double means[] = {0.7, 1.25e6, 2e7, 1e9, 1e13, 1e14};
    for (size_t m = 0; m < sizeof means / sizeof means[0]; m++)
        for (int at = 0; at < 2; at++) {
            gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937), *b = gsl_rng_alloc(gsl_rng_mt19937);
            gsl_rng_set(a, 12345 + m);
            gsl_rng_set(b, 12345 + m);
            for (int i = 0; i < 100000; i++) {
                double want = gsl_ran_exponential(a, means[m]);
                double got = dist_exponential(b, means[m], at ? 0.5 : 0.0);
                if (at)
                    assert_true(llround(got) == llround(want));
                else
                    assert_true((int64_t)got == (int64_t)want);
            }
            gsl_rng_free(a);
            gsl_rng_free(b);
        }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadline_cuts_attempts), cmocka_unit_test(test_orphans),
        cmocka_unit_test(test_retry_after), cmocka_unit_test(test_outage_retry_after),            cmocka_unit_test(test_nonreplayable),
        cmocka_unit_test(test_wasted_and_expired),     cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_orphan_work_is_wasted),
        cmocka_unit_test(test_exponential_rounds_like_gsl),
        cmocka_unit_test(test_layers_multiply),
        cmocka_unit_test(test_layers_disabled_middle),
        cmocka_unit_test(test_layers_deadline_propagation),
        cmocka_unit_test(test_warmup),
        cmocka_unit_test(test_clock_edges),
        cmocka_unit_test(test_trace_reader),
        cmocka_unit_test(test_progress_changes_nothing),
    };
    return cmocka_run_group_tests_name("models", tests, NULL, NULL);
}
