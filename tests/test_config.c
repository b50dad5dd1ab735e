/*
 * Tests of the configuration layer (config/cfg): a full INI document to the
 * expected run_cfg_t, defaults, --set overrides, every class of error (each
 * must name the file, the line and the key), the resolved parameters and
 * their round trip back through --set, and the printed reference.
 *
 * The file-based cases read the .ini files in tests/data/config relative to the
 * repository root, where `make test` runs the binaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "metrics.h"
#include "stats.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* Load text as "exp.ini" and apply it; fails the test on any error. */
static void apply_ok(const char *text, run_cfg_t *c)
{
    cfg_doc_t d;
    char err[512] = "";
    if (cfg_doc_load_string(&d, "exp.ini", text, err, sizeof err) != 0)
        fail_msg("load failed: %s", err);
    if (cfg_apply(&d, c, err, sizeof err) != 0)
        fail_msg("apply failed: %s", err);
    cfg_doc_free(&d);
}

/* Load and apply text as "exp.ini"; one of the two must fail with -1. The
 * message must start with `where` and contain each of the other strings
 * (NULL ends the list). */
static void expect_error(const char *text, const char *where, ...)
{
    cfg_doc_t d;
    run_cfg_t c;
    char err[1024] = "";
    int rc = cfg_doc_load_string(&d, "exp.ini", text, err, sizeof err);
    if (rc == 0) {
        rc = cfg_apply(&d, &c, err, sizeof err);
        cfg_doc_free(&d);
    }
    if (rc != -1)
        fail_msg("accepted, but expected an error at %s:\n%s", where, text);
    if (strncmp(err, where, strlen(where)) != 0)
        fail_msg("message '%s' does not start with '%s'", err, where);
    va_list ap;
    va_start(ap, where);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        if (!strstr(err, s))
            fail_msg("message '%s' does not contain '%s'", err, s);
    va_end(ap);
}

/* Apply a document of --set assignments only; the error (if any) goes to err. */
static int apply_sets(const char *const *sets, int n, run_cfg_t *c, char *err, size_t errlen)
{
    cfg_doc_t d;
    memset(&d, 0, sizeof d);
    for (int i = 0; i < n; i++)
        if (cfg_doc_set(&d, sets[i], err, errlen) != 0) {
            cfg_doc_free(&d);
            return -1;
        }
    int rc = cfg_apply(&d, c, err, errlen);
    cfg_doc_free(&d);
    return rc;
}

static void eq_i(const char *name, long long x, long long y)
{
    if (x != y)
        fail_msg("%s: %lld != %lld", name, x, y);
}

static void eq_d(const char *name, double x, double y)
{
    if (x != y)
        fail_msg("%s: %.17g != %.17g", name, x, y);
}

static void eq_s(const char *name, const char *x, const char *y)
{
    if (strcmp(x, y) != 0)
        fail_msg("%s: '%s' != '%s'", name, x, y);
}

/* Expressions (not statements), so that one line can compare several fields. */
#define EQ_I(f) eq_i(#f, (long long)a->f, (long long)b->f)
#define EQ_D(f) eq_d(#f, a->f, b->f)
#define EQ_S(f) eq_s(#f, a->f, b->f)
#define EQ_DIST(f) (EQ_I(f.kind), EQ_D(f.a), EQ_D(f.b), EQ_D(f.mu), EQ_D(f.sigma))

/* Every field of run_cfg_t that a key sets (and the derived lognormal
 * parameters); array slots past the used count are not compared. */
static void assert_cfg_equal(const run_cfg_t *a, const run_cfg_t *b)
{
    EQ_I(run.duration), EQ_I(run.drain), EQ_I(run.seed), EQ_I(run.replication), EQ_S(run.generator);
    EQ_I(run.bucket), EQ_I(run.max_events), EQ_D(run.recovery_threshold), EQ_I(run.recovery_hold);

    EQ_I(arrivals.kind), EQ_D(arrivals.rate), EQ_I(arrivals.nsteps);
    for (int i = 0; i < a->arrivals.nsteps; i++)
        EQ_I(arrivals.steps[i].t), EQ_D(arrivals.steps[i].rate);
    EQ_I(arrivals.schedule_poisson), EQ_I(arrivals.spike_calls), EQ_I(arrivals.spike_at);
    EQ_I(arrivals.spike_window), EQ_S(arrivals.trace_path), EQ_I(arrivals.clients);
    EQ_DIST(arrivals.think);

    EQ_I(retry.max_attempts), EQ_I(retry.attempt_timeout), EQ_I(retry.deadline), EQ_I(retry.ignore_deadline);
    EQ_I(retry.backoff), EQ_I(retry.base), EQ_D(retry.multiplier), EQ_I(retry.cap), EQ_I(retry.jitter);
    EQ_D(retry.jitter_fraction), EQ_I(retry.retry_on), EQ_I(retry.retry_after), EQ_I(retry.retry_after_cap);
    EQ_D(retry.nonreplayable);

    /* every optional model's configuration, byte for byte (zeroed first) */
    if (memcmp(a->ext, b->ext, model_cfg_bytes()) != 0)
        fail_msg("the models' configurations differ");

    EQ_I(server.workers), EQ_I(server.queue), EQ_I(server.queue_full_status);
    EQ_DIST(server.service);
    EQ_I(server.load_ns), EQ_D(server.error_500), EQ_D(server.error_502), EQ_D(server.error_drop);
    EQ_I(server.drop_expired), EQ_I(server.deadline_propagation), EQ_I(server.noutages);
    EQ_I(server.queue_order), EQ_I(server.ra_mode), EQ_I(server.retry_after), EQ_I(server.retry_after_cap);
    for (int i = 0; i < a->server.noutages; i++)
        EQ_I(server.outages[i].start), EQ_I(server.outages[i].end), EQ_I(server.outages[i].kind),
            EQ_D(server.outages[i].fraction);

    EQ_I(limiter.kind), EQ_D(limiter.rate), EQ_D(limiter.burst), EQ_I(limiter.nodelay);
    EQ_I(limiter.reject_status), EQ_I(limiter.retry_after);

    EQ_DIST(network.request);
    EQ_DIST(network.response);

    EQ_S(output.db), EQ_S(output.experiment);
}

/* Every key the configuration must have, section.key (the spec's list). */
static const char *const all_keys[] = {
    "run.duration", "run.drain", "run.seed", "run.replication", "run.generator", "run.bucket",
    "run.max_events", "run.recovery_threshold", "run.recovery_hold", "run.warmup",
    "arrivals.kind", "arrivals.rate", "arrivals.schedule", "arrivals.schedule_process",
    "arrivals.spike_calls", "arrivals.spike_at", "arrivals.spike_window", "arrivals.trace",
    "arrivals.clients", "arrivals.think",
    "retry.max_attempts", "retry.attempt_timeout", "retry.deadline", "retry.ignore_deadline",
    "retry.backoff", "retry.base", "retry.multiplier", "retry.cap", "retry.jitter",
    "retry.jitter_fraction", "retry.retry_on", "retry.retry_after", "retry.retry_after_cap",
    "retry.nonreplayable",
    "retry_quota.kind", "retry_quota.scope", "retry_quota.capacity", "retry_quota.retry_cost",
    "retry_quota.timeout_cost", "retry_quota.success_refund", "retry_quota.refund_retry",
    "retry_quota.max_tokens", "retry_quota.token_ratio",
    "retry_budget.enabled", "retry_budget.scope", "retry_budget.ratio", "retry_budget.window",
    "retry_budget.min_retries_per_s",
    "throttle.enabled", "throttle.scope", "throttle.k", "throttle.window",
    "breaker.enabled", "breaker.scope", "breaker.failure_threshold", "breaker.window", "breaker.min_calls",
    "breaker.open_for", "breaker.probes",
    "server.workers", "server.queue", "server.queue_full_status", "server.service",
    "server.load_per_inflight", "server.error_500", "server.error_502", "server.error_drop",
    "server.drop_expired", "server.deadline_propagation", "server.contention", "server.outages",
    "server.queue_order", "server.retry_after_mode", "server.retry_after", "server.retry_after_cap",
    "shed.kind", "shed.target", "shed.interval", "shed.max_inflight",
    "limiter.kind", "limiter.rate", "limiter.burst", "limiter.nodelay", "limiter.status",
    "limiter.retry_after",
    "network.request", "network.response", "network.response_loss",
    "idempotency.non_idempotent", "idempotency.store", "idempotency.ttl", "idempotency.claim",
    "connections.enabled", "connections.protocol", "connections.max_streams", "connections.pool",
    "connections.server_idle", "connections.client_idle", "connections.handshake",
    "gmp.enabled", "gmp.procs", "gmp.preempt_after", "gmp.sysmon_min", "gmp.sysmon_max", "gmp.epoll_rounding",
    "gmp.timer_slack", "gmp.wakeup", "gmp.send_cpu", "gmp.response_cpu", "gmp.cpu_goroutines", "gmp.cpu_yield",
    "gmp.cpu_burst", "gmp.cpu_sleep", "gmp.sleepers", "gmp.sleep", "gmp.sleeper_cpu", "gmp.gc", "gmp.gc_period",
    "gmp.gogc", "gmp.heap_live", "gmp.alloc_rate", "gmp.alloc_per_attempt", "gmp.stw", "gmp.mark",
    "gmp.gc_workers", "gmp.cpu_alloc", "gmp.host_cpus", "gmp.busy_wakeup",
    "layers.count", "layers.max_attempts", "layers.attempt_timeout", "layers.workers", "layers.service",
    "layers.retries_enabled", "layers.deadline_propagation",
    "output.db", "output.experiment", "output.keep",
};
#define NALL_KEYS ((int)(sizeof all_keys / sizeof all_keys[0]))

/* A configuration that sets every section, most keys away from their
 * defaults, with a continuation line and comments. */
static const char full_ini[] =
    "; full configuration\n"
    "[run]\n"
    "duration = 90s\n"
    "drain = 30s\n"
    "seed = 18446744073709551615   ; the largest uint64\n"
    "replication = 3\n"
    "generator = ranlxd2\n"
    "bucket = 500ms\n"
    "max_events = 0\n"
    "recovery_threshold = 0.95\n"
    "recovery_hold = 5s\n"
    "\n"
    "[arrivals]\n"
    "kind = schedule\n"
    "rate = 250.5\n"
    "schedule = 0s:800, 60s:2000,\n"
    "    90s:812.5          ; continues the line above\n"
    "schedule_process = constant\n"
    "spike_calls = 5000\n"
    "spike_at = 10s\n"
    "spike_window = 250ms\n"
    "trace = data/trace.txt\n"
    "clients = 1000\n"
    "think = lognormal(200ms, 0.5)\n"
    "\n"
    "[retry]\n"
    "max_attempts = 5\n"
    "attempt_timeout = 2s\n"
    "deadline = 10s\n"
    "ignore_deadline = yes\n"
    "backoff = exponential\n"
    "base = 50ms\n"
    "multiplier = 1.5\n"
    "cap = 5s\n"
    "jitter = decorrelated\n"
    "jitter_fraction = 0.1\n"
    "retry_on = 429, 500, timeout, 409\n"
    "retry_after = max\n"
    "retry_after_cap = 30s\n"
    "nonreplayable = 0.25\n"
    "\n"
    "[retry_quota]\n"
    "kind = grpc\n"
    "scope = shared\n"
    "capacity = 100\n"
    "retry_cost = 3\n"
    "timeout_cost = 7\n"
    "success_refund = 2\n"
    "refund_retry = no\n"
    "max_tokens = 20.5\n"
    "token_ratio = 0.125\n"
    "\n"
    "[retry_budget]\n"
    "enabled = yes\n"
    "scope = shared\n"
    "ratio = 0.2\n"
    "window = 30s\n"
    "min_retries_per_s = 2.5\n"
    "\n"
    "[throttle]\n"
    "enabled = true\n"
    "scope = shared\n"
    "k = 1.5\n"
    "window = 1m\n"
    "\n"
    "[breaker]\n"
    "enabled = on\n"
    "scope = shared\n"
    "failure_threshold = 0.25\n"
    "window = 20s\n"
    "min_calls = 50\n"
    "open_for = 2500ms\n"
    "probes = 5\n"
    "\n"
    "[server]\n"
    "workers = 32\n"
    "queue = unlimited\n"
    "queue_full_status = 429\n"
    "service = uniform(5ms, 15ms)\n"
    "load_per_inflight = 100us\n"
    "error_500 = 0.01\n"
    "error_502 = 0.02\n"
    "error_drop = 0.03\n"
    "drop_expired = on\n"
    "contention = TRUE\n"
    "outages = 30s-60s reject, 100s-110s capacity 0.2, 5s-6s drop\n"
    "\n"
    "[limiter]\n"
    "kind = nginx\n"
    "rate = 500\n"
    "burst = 20\n"
    "nodelay = true\n"
    "status = 503\n"
    "retry_after = 1s\n"
    "\n"
    "[network]\n"
    "request = normal(10ms, 2ms)\n"
    "response = exp(3ms)\n"
    "\n"
    "[output]\n"
    "db = /tmp/retrysim-test.db\n"
    "experiment = full-test\n";

/* ------------------------------------------------------------------ */
/* Valid documents                                                      */
/* ------------------------------------------------------------------ */

static void test_full_config(void **state)
{
    (void)state;
    run_cfg_t c;
    apply_ok(full_ini, &c);

    assert_int_equal(c.run.duration, 90 * SIMTIME_S);
    assert_int_equal(c.run.drain, 30 * SIMTIME_S);
    assert_true(c.run.seed == UINT64_MAX);
    assert_int_equal(c.run.replication, 3);
    assert_string_equal(c.run.generator, "ranlxd2");
    assert_int_equal(c.run.bucket, 500 * SIMTIME_MS);
    assert_int_equal(c.run.max_events, 0);
    assert_true(c.run.recovery_threshold == 0.95);
    assert_int_equal(c.run.recovery_hold, 5 * SIMTIME_S);

    assert_int_equal(c.arrivals.kind, ARR_SCHEDULE);
    assert_true(c.arrivals.rate == 250.5);
    assert_int_equal(c.arrivals.nsteps, 3);
    assert_int_equal(c.arrivals.steps[0].t, 0);
    assert_true(c.arrivals.steps[0].rate == 800);
    assert_int_equal(c.arrivals.steps[1].t, 60 * SIMTIME_S);
    assert_true(c.arrivals.steps[1].rate == 2000);
    assert_int_equal(c.arrivals.steps[2].t, 90 * SIMTIME_S);
    assert_true(c.arrivals.steps[2].rate == 812.5);
    assert_int_equal(c.arrivals.schedule_poisson, 0);
    assert_int_equal(c.arrivals.spike_calls, 5000);
    assert_int_equal(c.arrivals.spike_at, 10 * SIMTIME_S);
    assert_int_equal(c.arrivals.spike_window, 250 * SIMTIME_MS);
    assert_string_equal(c.arrivals.trace_path, "data/trace.txt");
    assert_int_equal(c.arrivals.clients, 1000);
    assert_int_equal(c.arrivals.think.kind, DIST_LOGNORMAL);
    assert_true(c.arrivals.think.a == 200e6);
    assert_true(c.arrivals.think.b == 0.5);
    assert_true(c.arrivals.think.sigma > 0);

    assert_int_equal(c.retry.max_attempts, 5);
    assert_int_equal(c.retry.attempt_timeout, 2 * SIMTIME_S);
    assert_int_equal(c.retry.deadline, 10 * SIMTIME_S);
    assert_int_equal(c.retry.ignore_deadline, 1);
    assert_int_equal(c.retry.backoff, BACKOFF_EXPONENTIAL);
    assert_int_equal(c.retry.base, 50 * SIMTIME_MS);
    assert_true(c.retry.multiplier == 1.5);
    assert_int_equal(c.retry.cap, 5 * SIMTIME_S);
    assert_int_equal(c.retry.jitter, JITTER_DECORRELATED);
    assert_true(c.retry.jitter_fraction == 0.1);
    assert_int_equal(c.retry.retry_on, POLICY_RETRY_BIT(OUT_429) | POLICY_RETRY_BIT(OUT_500) |
                                           POLICY_RETRY_BIT(OUT_TIMEOUT) | POLICY_RETRY_BIT(OUT_409));
    assert_int_equal(c.retry.retry_after, RETRY_AFTER_MAX);
    assert_int_equal(c.retry.retry_after_cap, 30 * SIMTIME_S);
    assert_true(c.retry.nonreplayable == 0.25);

    assert_int_equal(QUOTA_CFG(&c)->kind, QUOTA_GRPC);
    assert_int_equal(QUOTA_CFG(&c)->scope, PROTECT_SCOPE_SHARED);
    assert_int_equal(QUOTA_CFG(&c)->capacity, 100);
    assert_int_equal(QUOTA_CFG(&c)->retry_cost, 3);
    assert_int_equal(QUOTA_CFG(&c)->timeout_cost, 7);
    assert_int_equal(QUOTA_CFG(&c)->success_refund, 2);
    assert_int_equal(QUOTA_CFG(&c)->refund_retry, 0);
    assert_true(QUOTA_CFG(&c)->max_tokens == 20.5 && QUOTA_CFG(&c)->token_ratio == 0.125);
    assert_int_equal(BUDGET_CFG(&c)->enabled, 1);
    assert_int_equal(BUDGET_CFG(&c)->scope, PROTECT_SCOPE_SHARED);
    assert_true(BUDGET_CFG(&c)->ratio == 0.2 && BUDGET_CFG(&c)->min_retries_per_s == 2.5);
    assert_int_equal(BUDGET_CFG(&c)->window, 30 * SIMTIME_S);
    assert_int_equal(THROTTLE_CFG(&c)->enabled, 1);
    assert_int_equal(THROTTLE_CFG(&c)->scope, PROTECT_SCOPE_SHARED);
    assert_true(THROTTLE_CFG(&c)->k == 1.5);
    assert_int_equal(THROTTLE_CFG(&c)->window, 60 * SIMTIME_S);
    assert_int_equal(BREAKER_CFG(&c)->enabled, 1);
    assert_int_equal(BREAKER_CFG(&c)->scope, PROTECT_SCOPE_SHARED);
    assert_true(BREAKER_CFG(&c)->failure_threshold == 0.25);
    assert_int_equal(BREAKER_CFG(&c)->window, 20 * SIMTIME_S);
    assert_int_equal(BREAKER_CFG(&c)->min_calls, 50);
    assert_int_equal(BREAKER_CFG(&c)->open_for, 2500 * SIMTIME_MS);
    assert_int_equal(BREAKER_CFG(&c)->probes, 5);

    assert_int_equal(c.server.workers, 32);
    assert_int_equal(c.server.queue, SERVER_QUEUE_UNLIMITED);
    assert_int_equal(c.server.queue_full_status, 429);
    assert_int_equal(c.server.service.kind, DIST_UNIFORM);
    assert_true(c.server.service.a == 5e6 && c.server.service.b == 15e6);
    assert_int_equal(c.server.load_ns, 100 * SIMTIME_US);
    assert_true(c.server.error_500 == 0.01 && c.server.error_502 == 0.02 && c.server.error_drop == 0.03);
    assert_int_equal(c.server.drop_expired, 1);
    assert_int_equal(CONTENTION_ON(&c), 1);
    assert_int_equal(c.server.noutages, 3);
    assert_int_equal(c.server.outages[0].start, 30 * SIMTIME_S);
    assert_int_equal(c.server.outages[0].end, 60 * SIMTIME_S);
    assert_int_equal(c.server.outages[0].kind, OUTAGE_REJECT);
    assert_int_equal(c.server.outages[1].start, 100 * SIMTIME_S);
    assert_int_equal(c.server.outages[1].end, 110 * SIMTIME_S);
    assert_int_equal(c.server.outages[1].kind, OUTAGE_CAPACITY);
    assert_true(c.server.outages[1].fraction == 0.2);
    assert_int_equal(c.server.outages[2].start, 5 * SIMTIME_S);
    assert_int_equal(c.server.outages[2].kind, OUTAGE_DROP);

    assert_int_equal(c.limiter.kind, LIMITER_NGINX);
    assert_true(c.limiter.rate == 500 && c.limiter.burst == 20);
    assert_int_equal(c.limiter.nodelay, 1);
    assert_int_equal(c.limiter.reject_status, 503);
    assert_int_equal(c.limiter.retry_after, SIMTIME_S);

    assert_int_equal(c.network.request.kind, DIST_NORMAL_ABS);
    assert_true(c.network.request.a == 10e6 && c.network.request.b == 2e6);
    assert_int_equal(c.network.response.kind, DIST_EXP);
    assert_true(c.network.response.a == 3e6);

    assert_string_equal(c.output.db, "/tmp/retrysim-test.db");
    assert_string_equal(c.output.experiment, "full-test");
}

/* No keys (or only comments and empty sections): exactly run_defaults. */
static void test_defaults_when_absent(void **state)
{
    (void)state;
    run_cfg_t want, got;
    memset(&want, 0, sizeof want);
    want = test_defaults();
    const char *texts[] = {"", "; nothing\n# at all\n", "[run]\n[retry]\n\n[output]\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        apply_ok(texts[i], &got);
        assert_cfg_equal(&got, &want);
        assert_string_equal(got.output.experiment, ""); /* a string has no file name */
    }
    /* An empty document with no text at all (only --set would add to it). */
    cfg_doc_t d;
    char err[256];
    memset(&d, 0, sizeof d);
    assert_int_equal(cfg_apply(&d, &got, err, sizeof err), 0);
    assert_cfg_equal(&got, &want);
    cfg_doc_free(&d);
    /* A key set to its default changes nothing either. */
    apply_ok("[retry]\nbase = 100ms\n[arrivals]\nthink = exp(1s)\n", &got);
    assert_cfg_equal(&got, &want);
}

/* The table's default texts (printed by cfg_print_template) must give what
 * run_defaults sets, or the reference and --help would lie. */
static void test_table_defaults_match_run_defaults(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    cfg_print_template(f);
    fclose(f);
    run_cfg_t want, got;
    memset(&want, 0, sizeof want);
    want = test_defaults();
    apply_ok(text, &got);
    assert_cfg_equal(&got, &want);
    /* every key appears, set or commented out */
    for (int i = 0; i < NALL_KEYS; i++) {
        char needle[64];
        const char *dot = strchr(all_keys[i], '.');
        snprintf(needle, sizeof needle, "\n%s =", dot + 1);
        char commented[64];
        snprintf(commented, sizeof commented, "\n;%s =", dot + 1);
        if (!strstr(text, needle) && !strstr(text, commented))
            fail_msg("template lacks %s", all_keys[i]);
    }
    free(text);
}

static void test_continuation_and_comments(void **state)
{
    (void)state;
    run_cfg_t c;
    apply_ok("[server]\n"
             "outages = 30s-60s reject,\n"
             "\t100s-110s capacity 0.5,   ; a comment after a continuation\n"
             "  200s-201s drop\n"
             "# a comment line\n"
             "workers = 4\n"
             "[retry]\n"
             "  base = 1s\n" /* indented, but first in its section: a key */
             "retry_on = none\n",
             &c);
    assert_int_equal(c.server.noutages, 3);
    assert_true(c.server.outages[1].fraction == 0.5);
    assert_int_equal(c.server.outages[2].kind, OUTAGE_DROP);
    assert_int_equal(c.server.workers, 4);
    assert_int_equal(c.retry.base, SIMTIME_S);
    assert_int_equal(c.retry.retry_on, 0);

    apply_ok("[retry]\nretry_on = all\n[server]\nqueue = 0\n", &c);
    for (int o = OUT_429; o < OUT_COUNT; o++)
        assert_true(c.retry.retry_on & POLICY_RETRY_BIT(o));
    assert_false(c.retry.retry_on & POLICY_RETRY_BIT(OUT_OK));
    assert_int_equal(c.server.queue, 0);
}

/* ------------------------------------------------------------------ */
/* --set                                                                */
/* ------------------------------------------------------------------ */

static void test_set_overrides(void **state)
{
    (void)state;
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    assert_int_equal(cfg_doc_load_string(&d, "exp.ini", "[retry]\nbase = 1s\nmax_attempts = 2\n", err, sizeof err), 0);
    assert_int_equal(cfg_doc_set(&d, "retry.base=250ms", err, sizeof err), 0);          /* replace */
    assert_int_equal(cfg_doc_set(&d, "  server.workers =  7 ", err, sizeof err), 0);    /* add, spaces */
    assert_int_equal(cfg_doc_set(&d, "server.workers=8", err, sizeof err), 0);          /* last one wins */
    assert_int_equal(d.n, 3);
    const cfg_entry_t *e = cfg_doc_find(&d, "retry", "base");
    assert_non_null(e);
    assert_string_equal(e->value, "250ms");
    assert_string_equal(e->file, CFG_SET_FILE);
    assert_int_equal(e->line, 0);
    assert_int_equal(cfg_doc_find(&d, "retry", "max_attempts")->line, 3);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), 0);
    assert_int_equal(c.retry.base, 250 * SIMTIME_MS);
    assert_int_equal(c.retry.max_attempts, 2);
    assert_int_equal(c.server.workers, 8);

    /* Errors in overrides are located at --set, with the key. */
    assert_int_equal(cfg_doc_set(&d, "retry.jitter=fuzzy", err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_string_equal(err, "--set: [retry] jitter: 'fuzzy' is not one of: none, full, equal, decorrelated, "
                             "proportional, upward, additive, decorrelated_v2");
    assert_int_equal(cfg_doc_set(&d, "retry.jitter=none", err, sizeof err), 0);
    assert_int_equal(cfg_doc_set(&d, "retry.bsae=1s", err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_string_equal(err, "--set: [retry] bsae: unknown key; did you mean base?");
    cfg_doc_free(&d);

    /* An empty document takes overrides too. */
    const char *sets[] = {"limiter.kind=token_bucket", "limiter.burst=1"};
    assert_int_equal(apply_sets(sets, 2, &c, err, sizeof err), 0);
    assert_int_equal(c.limiter.kind, LIMITER_TOKEN_BUCKET);
    assert_true(c.limiter.burst == 1);
}

static void test_set_malformed(void **state)
{
    (void)state;
    const char *bad[] = {"retry.base", "retrybase=1s", ".base=1s", "retry.=1s", "=5", "retry.ba se=1s", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg_doc_t d;
        char err[256] = "";
        memset(&d, 0, sizeof d);
        if (cfg_doc_set(&d, bad[i], err, sizeof err) != -1)
            fail_msg("--set '%s' accepted", bad[i]);
        assert_non_null(strstr(err, "--set"));
        assert_non_null(strstr(err, "section.key=value"));
        assert_int_equal(d.n, 0);
        cfg_doc_free(&d);
    }
    cfg_doc_t d;
    char err[256];
    memset(&d, 0, sizeof d);
    assert_int_equal(cfg_doc_set(&d, NULL, err, sizeof err), -1);
}

/* ------------------------------------------------------------------ */
/* Errors: each names the file, the line and the key                    */
/* ------------------------------------------------------------------ */

static void test_err_unknown_section(void **state)
{
    (void)state;
    expect_error("[run]\nseed = 1\n[retyr]\nbase = 1s\n", "exp.ini:3: unknown section [retyr]",
                 "did you mean [retry]?", "(sections: run, arrivals, retry, server, limiter, network, ", "output)", NULL);
    expect_error("[run]\nseed = 1\n\n[zzz]  \n; c\nfoo = 1\n", "exp.ini:4: unknown section [zzz] (sections:", NULL);
    /* inih reads an indented header after a key as part of that key's value */
    expect_error("[run]\nseed = 1\n  [retry]\nbase = 1s\n", "exp.ini:3: [run] seed: this indented line is read as a "
                 "continuation of the value on line 2", NULL);
    expect_error("seed = 1\n[run]\n", "exp.ini:1: seed: key outside any section", "[run", NULL);
}

static void test_err_unknown_key(void **state)
{
    (void)state;
    expect_error("[retry]\nbase = 1s\nmultiplyer = 2\n", "exp.ini:3: [retry] multiplyer: unknown key",
                 "did you mean multiplier?", NULL);
    expect_error("[retry]\nseed = 5\n", "exp.ini:2: [retry] seed: unknown key", "seed is a key of [run]", NULL);
    expect_error("[network]\n\nlatency = 5ms\n", "exp.ini:3: [network] latency: unknown key",
                 "keys of [network]: request, response", NULL);
}

static void test_err_bad_number(void **state)
{
    (void)state;
    expect_error("[arrivals]\nkind = poisson\nrate = fast\n", "exp.ini:3: [arrivals] rate: 'fast' is not a number",
                 NULL);
    expect_error("[server]\nworkers = ten\n", "exp.ini:2: [server] workers: 'ten' is not an integer", NULL);
    expect_error("[server]\nworkers = 2.5\n", "exp.ini:2: [server] workers: '2.5' is not an integer", NULL);
    expect_error("[run]\nrecovery_threshold = nan\n", "exp.ini:2: [run] recovery_threshold:", "not a finite number",
                 NULL);
    expect_error("[arrivals]\nrate =\n", "exp.ini:2: [arrivals] rate: missing value", NULL);
    expect_error("[run]\nseed = 99999999999999999999\n", "exp.ini:2: [run] seed:", "out of range", NULL);
}

static void test_err_trailing_garbage(void **state)
{
    (void)state;
    expect_error("[server]\n\nworkers = 10x\n", "exp.ini:3: [server] workers: '10x' is not an integer",
                 "unexpected 'x'", NULL);
    expect_error("[arrivals]\nrate = 100 calls/s\n", "exp.ini:2: [arrivals] rate: '100 calls/s' is not a number",
                 "unexpected 'calls/s'", NULL);
    expect_error("[retry]\nretry_on = 429 503\n", "exp.ini:2: [retry] retry_on:", "'429 503' is not a retryable",
                 NULL);
}

static void test_err_bad_duration(void **state)
{
    (void)state;
    expect_error("[retry]\nbase = 10q\n", "exp.ini:2: [retry] base: bad duration '10q'", "unit", NULL);
    expect_error("[retry]\n\n\nbase = 10\n", "exp.ini:4: [retry] base: bad duration '10'", "missing unit", NULL);
    expect_error("[run]\nduration = 1.5 s x\n", "exp.ini:2: [run] duration: bad duration", NULL);
}

static void test_err_negative_duration(void **state)
{
    (void)state;
    expect_error("[retry]\nbase = -5ms\n", "exp.ini:2: [retry] base: bad duration '-5ms'", "negative", NULL);
    expect_error("[run]\nduration = 0\n", "exp.ini:2: [run] duration: 0 must be greater than 0s", NULL);
}

static void test_err_bad_enum(void **state)
{
    (void)state;
    expect_error("[retry]\nbackoff = expo\n",
                 "exp.ini:2: [retry] backoff: 'expo' is not one of: constant, linear, exponential, memoryless", NULL);
    expect_error("[retry]\nretry_after = honor\n", "exp.ini:2: [retry] retry_after:", "did you mean honour?", NULL);
    expect_error("[server]\nqueue_full_status = 500\n",
                 "exp.ini:2: [server] queue_full_status: '500' is not one of: 429, 503, 504", NULL);
    expect_error("[server]\ndrop_expired = maybe\n", "exp.ini:2: [server] drop_expired: 'maybe' is not a boolean",
                 NULL);
    expect_error("[run]\ngenerator = mt1993\n", "exp.ini:2: [run] generator: 'mt1993' is not a GSL generator",
                 "did you mean mt19937?", NULL);
}

static void test_err_bad_distribution(void **state)
{
    (void)state;
    expect_error("[server]\nservice = gamma(1s)\n", "exp.ini:2: [server] service:", "gamma", NULL);
    expect_error("[network]\nrequest = const(1ms\n", "exp.ini:2: [network] request:", "distribution", NULL);
    expect_error("[arrivals]\nthink = uniform(2s, 1s)\n", "exp.ini:2: [arrivals] think:", NULL);
}

static void test_err_out_of_range(void **state)
{
    (void)state;
    expect_error("[retry]\njitter_fraction = 1.5\n",
                 "exp.ini:2: [retry] jitter_fraction: 1.5 is above the maximum 1", NULL);
    expect_error("[run]\nbucket = 2h\n", "exp.ini:2: [run] bucket: 2h is above the maximum 1h", NULL);
    expect_error("[run]\nbucket = 500us\n", "exp.ini:2: [run] bucket: 500us is below the minimum 1ms", NULL);
    expect_error("[server]\nworkers = 0\n", "exp.ini:2: [server] workers: 0 is below the minimum 1", NULL);
    expect_error("[run]\nseed = -1\n", "exp.ini:2: [run] seed: -1 is below the minimum 0", NULL);
    expect_error("[run]\nrecovery_threshold = 0\n", "exp.ini:2: [run] recovery_threshold: 0 must be greater than 0",
                 NULL);
    expect_error("[server]\nqueue = -1\n", "exp.ini:2: [server] queue: -1 is below the minimum 0", NULL);
    expect_error("[retry]\nmax_attempts = 1001\n", "exp.ini:2: [retry] max_attempts: 1001 is above the maximum 1000",
                 NULL);
    expect_error("[arrivals]\nclients = 99999999999\n", "exp.ini:2: [arrivals] clients:", "above the maximum", NULL);
    expect_error("[run]\nreplication = 4294967296\n", "exp.ini:2: [run] replication:", "above the maximum", NULL);
}

static void test_err_duplicate_key(void **state)
{
    (void)state;
    expect_error("[retry]\nbase = 1s\n\nbase = 2s\n",
                 "exp.ini:4: [retry] base: duplicate key (first set on line 2)", NULL);
    /* the same section opened twice still shares its keys */
    expect_error("[run]\nseed = 1\n[retry]\nbase = 1s\n[run]\nseed = 2\n",
                 "exp.ini:6: [run] seed: duplicate key (first set on line 2)", NULL);
}

/* Combinations checked by run_validate: the line of the key it blames. */
static void test_err_combination(void **state)
{
    (void)state;
    expect_error("[retry]\nbackoff = exponential\n\nmultiplier = 0.5\n", "exp.ini:4: [retry] multiplier: ", NULL);
    /* blamed key not in the file: "(default)" */
    expect_error("[run]\nbucket = 1m\n", "exp.ini: [run] recovery_hold (default): ", NULL);
    /* protections: windows are rings of 1 s buckets, gRPC counts thousandths */
    expect_error("[throttle]\nenabled = true\nwindow = 1500ms\n",
                 "exp.ini:3: [throttle] window: the window must be a whole number of seconds", NULL);
    expect_error("[breaker]\nwindow = 2.5s\nenabled = true\n", "exp.ini:2: [breaker] window: ", NULL);
    expect_error("[retry_quota]\nkind = grpc\ntoken_ratio = 0.0015\n",
                 "exp.ini:3: [retry_quota] token_ratio: token_ratio has more than 3 decimals", NULL);
    expect_error("[retry_quota]\nkind = grpc\nmax_tokens = 0.0001\n", "exp.ini:3: [retry_quota] max_tokens: ",
                 NULL);
    expect_error("[retry_budget]\nenabled = true\nwindow = 0.5s\n",
                 "exp.ini:3: [retry_budget] window: 0.5s is below the minimum 1s", NULL);
    /* per-client state beyond 1 GiB: 10^7 clients x 1 h of buckets */
    expect_error("[arrivals]\nclients = 10000000\n[throttle]\nenabled = true\nwindow = 1h\n",
                 "exp.ini: [throttle] scope (default): per-client protection state would take", "scope = shared",
                 NULL);
    run_cfg_t c;
    apply_ok("[arrivals]\nclients = 10000000\n[throttle]\nenabled = true\nwindow = 1h\nscope = shared\n"
             "[retry_quota]\nkind = grpc\ntoken_ratio = 0.001\n[breaker]\nwindow = 1500ms\n", &c);
}

/* A schedule step's time and an outage's start are read whole: cut to a
 * buffer's size, 70 zeros and "5s" read as 0s, a different value. */
static void test_long_times_not_cut(void **state)
{
    (void)state;
    char zeros[71], text[256];
    memset(zeros, '0', 70);
    zeros[70] = 0;
    snprintf(text, sizeof text, "[arrivals]\nkind = schedule\nschedule = %s5s:100\n", zeros);
    expect_error(text, "exp.ini:3: [arrivals] schedule: the first step must start at 0s", NULL);
    snprintf(text, sizeof text, "[arrivals]\nkind = schedule\nschedule = 0s:1, %s5s:100\n", zeros);
    run_cfg_t c;
    apply_ok(text, &c);
    eq_i("schedule steps", c.arrivals.nsteps, 2);
    eq_i("step 2 at", c.arrivals.steps[1].t, 5 * SIMTIME_S);
    snprintf(text, sizeof text, "[server]\noutages = %s5s-10s reject\n", zeros);
    expect_error(text, "exp.ini:2: [server] outages: outage ", "too long", NULL);
}

/* The run's series hold (duration + drain) / bucket buckets of every
 * counter, and the simulator's clock is int64 ns: an absurd duration or
 * drain is bad input naming its key, not a run that fails to allocate. */
static void test_err_run_horizon(void **state)
{
    (void)state;
    expect_error("[run]\nduration = 2562047h\n", "exp.ini:2: [run] duration: duration + drain = ", "buckets",
                 "run.bucket", NULL);
    expect_error("[run]\n\ndrain = 1000000h\n", "exp.ini:3: [run] drain: duration + drain = ", "buckets", NULL);
    /* 1 ms buckets: 2 h is 7.2 million buckets of every counter */
    expect_error("[run]\nbucket = 1ms\nrecovery_hold = 1ms\nduration = 2h\ndrain = 0\n",
                 "exp.ini:4: [run] duration: ", "buckets", NULL);
    /* wide buckets keep the series small, but the sum overflows the clock */
    expect_error("[run]\nbucket = 1h\nrecovery_hold = 1h\nduration = 2562047h\ndrain = 1h\n",
                 "exp.ini:4: [run] duration: duration + drain", "beyond", NULL);
    run_cfg_t c;
    apply_ok("[run]\nbucket = 1h\nrecovery_hold = 1h\nduration = 1000000h\ndrain = 1000h\n", &c);
    /* the most 1 s buckets the series hold (their cells over the columns
     * every model's series take), and one more */
    long long most = (long long)(STATS_SERIES_MAX_CELLS / metrics_nseries());
    char text[128];
    snprintf(text, sizeof text, "[run]\nduration = %llds\ndrain = 0\n", most);
    apply_ok(text, &c);
    snprintf(text, sizeof text, "[run]\nduration = %llds\ndrain = 0\n", most + 1);
    expect_error(text, "exp.ini:2: [run] duration: ", "buckets", NULL);
}

/* Combinations cfg.c checks itself so that it can name the key. */
static void test_err_combination_cfg(void **state)
{
    (void)state;
    expect_error("[server]\nerror_500 = 0.5\nerror_drop = 0.3\nerror_502 = 0.4\n",
                 "exp.ini:4: [server] error_502: error_500 + error_502 + error_drop = 1.2 is above 1", NULL);
    run_cfg_t c;
    apply_ok("[server]\nerror_500 = 0.5\nerror_drop = 0.25\nerror_502 = 0.25\n", &c); /* exactly 1 is fine */
    expect_error("[limiter]\nkind = nginx\nburst = 2.5\n", "exp.ini:3: [limiter] burst: 2.5 is not a whole number",
                 NULL);
    expect_error("[limiter]\nburst = 0.5\nkind = token_bucket\n",
                 "exp.ini:2: [limiter] burst: 0.5 is below the minimum 1 for kind = token_bucket", NULL);
    apply_ok("[limiter]\nburst = 0\nkind = nginx\n", &c);
    expect_error("[arrivals]\nrate = 5\nkind = schedule\n",
                 "exp.ini:3: [arrivals] schedule: missing: required when kind = schedule", NULL);
    expect_error("[arrivals]\nkind = schedule\nschedule = none\n", "exp.ini:3: [arrivals] schedule: needs at least",
                 NULL);
    /* distribution parameters stay far inside the clock; an overlong bare duration is not cut */
    expect_error("[server]\nservice = 9223372036854775807ns\n", "exp.ini:2: [server] service: ",
                 "above 1e18 ns", NULL);
    expect_error("[server]\nservice = 000000000000000000000000000000000000000000000000000000000000000000005ms\n",
                 "exp.ini:2: [server] service: ", "at most 63 characters", NULL);
    expect_error("[arrivals]\nkind = trace\n", "exp.ini:2: [arrivals] trace: missing: required when kind = trace", NULL);
    expect_error("[arrivals]\ntrace =\nkind = trace\n", "exp.ini:2: [arrivals] trace: must name a file", NULL);
}

static void test_err_syntax(void **state)
{
    (void)state;
    expect_error("[run]\nseed = 1\nthis line is wrong\nbucket = 1s\n",
                 "exp.ini:3: syntax error: expected 'key = value' or '[section]', not 'this line is wrong'", NULL);
    expect_error("[run]\nseed = 1\n[retry\nbase = 1s\n", "exp.ini:3: syntax error", NULL);
    /* the earliest problem wins: a syntax error before a duplicate key */
    expect_error("[run]\nseed = 1\noops\nseed = 2\n", "exp.ini:3: syntax error", NULL);
    expect_error("[run]\nseed = 1\nseed = 2\noops\n", "exp.ini:3: [run] seed: duplicate key", NULL);
}

static void test_err_lists(void **state)
{
    (void)state;
    expect_error("[server]\noutages = 30s-20s reject\n", "exp.ini:2: [server] outages:", "start must be before end",
                 NULL);
    expect_error("[server]\noutages = 1s-2s capacity\n", "exp.ini:2: [server] outages:", "capacity needs", NULL);
    expect_error("[server]\noutages = 1s-2s capacity 1.5\n", "exp.ini:2: [server] outages:", "outside [0, 1]", NULL);
    expect_error("[server]\noutages = 1s-2s reject 0.5\n", "exp.ini:2: [server] outages:", "takes no fraction", NULL);
    expect_error("[server]\noutages = 1s-2s explode\n", "exp.ini:2: [server] outages:", "'explode' is not one of",
                 NULL);
    expect_error("[server]\noutages = 1s-2s reject,\n", "exp.ini:2: [server] outages:", "empty", NULL);
    expect_error("[server]\noutages = 1s reject\n", "exp.ini:2: [server] outages:", "start-end", NULL);
    expect_error("[server]\noutages = 1x-2s drop\n", "exp.ini:2: [server] outages:", "bad duration", NULL);
    expect_error("[server]\noutages = 0s-1s drop, 1s-2s drop, 2s-3s drop, 3s-4s drop, 4s-5s drop, 5s-6s drop,\n"
                 "  6s-7s drop, 7s-8s drop, 8s-9s drop, 9s-10s drop, 10s-11s drop, 11s-12s drop,\n"
                 "  12s-13s drop, 13s-14s drop, 14s-15s drop, 15s-16s drop, 16s-17s drop\n",
                 "exp.ini:2: [server] outages: more than 16 outages", NULL);
    expect_error("[arrivals]\nschedule = 10s:5\n", "exp.ini:2: [arrivals] schedule:", "must start at 0s", NULL);
    expect_error("[arrivals]\nschedule = 0s:5, 0s:6\n", "exp.ini:2: [arrivals] schedule:", "does not come after",
                 NULL);
    expect_error("[arrivals]\nschedule = 0s:-1\n", "exp.ini:2: [arrivals] schedule:", "below the minimum 0", NULL);
    expect_error("[arrivals]\nschedule = 0s:5, 20s\n", "exp.ini:2: [arrivals] schedule:", "not time:rate", NULL);
    expect_error("[arrivals]\nschedule = 0s:5x\n", "exp.ini:2: [arrivals] schedule:", "not a number", NULL);
    expect_error("[retry]\nretry_on = 429, 418\n", "exp.ini:2: [retry] retry_on:", "'418' is not a retryable", NULL);
    expect_error("[retry]\nretry_on = 429, all\n", "exp.ini:2: [retry] retry_on:", "cannot be combined", NULL);
}

static void test_err_misc(void **state)
{
    (void)state;
    /* a line longer than inih's 200-byte buffer */
    char text[512];
    int n = snprintf(text, sizeof text, "[output]\nexperiment = ");
    memset(text + n, 'x', 250);
    snprintf(text + n + 250, sizeof text - (size_t)n - 250, "\n");
    expect_error(text, "exp.ini:2: line longer than", "continuation", NULL);
    /* an indented key after another key is inih's continuation, not a key */
    expect_error("[limiter]\nrate = 5\n  burst = 3\n", "exp.ini:3: [limiter] rate: this indented line is read as a continuation",
                 "line 2", NULL);
    expect_error("[arrivals]\nrate = ${rate}\n", "exp.ini:2: [arrivals] rate:", "unexpanded ${...}", NULL);
    expect_error("[output]\ndb =\n", "exp.ini:2: [output] db: must not be empty", NULL);

    /* a string longer than its field, through --set (no line limit) */
    char set[700];
    n = snprintf(set, sizeof set, "output.db=");
    memset(set + n, 'd', 600);
    set[n + 600] = 0;
    const char *sets[] = {set};
    run_cfg_t c;
    char err[512];
    assert_int_equal(apply_sets(sets, 1, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "--set: [output] db:"));
    assert_non_null(strstr(err, "longer than 511 characters"));
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

static void test_file_load(void **state)
{
    (void)state;
    cfg_doc_t d;
    run_cfg_t c;
    char err[512];
    const char *good = "tests/data/config/good.ini";
    assert_int_equal(cfg_doc_load(&d, good, err, sizeof err), 0);
    assert_non_null(d.text);
    assert_non_null(strstr(d.text, "backoff = linear"));
    assert_int_equal(d.text_len, strlen(d.text));
    assert_string_equal(d.path, good);
    assert_int_equal(cfg_doc_find(&d, "retry", "base")->line, 9);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), 0);
    assert_string_equal(c.output.experiment, "good");
    assert_int_equal(c.run.seed, 7);
    assert_int_equal(c.retry.backoff, BACKOFF_LINEAR);
    /* an explicit experiment wins over the file name */
    assert_int_equal(cfg_doc_set(&d, "output.experiment=other", err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), 0);
    assert_string_equal(c.output.experiment, "other");
    cfg_doc_free(&d);

    assert_int_equal(cfg_doc_load(&d, "tests/data/config/bad_multiplier.ini", err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "tests/data/config/bad_multiplier.ini:9: [retry] multiplier: "));
    cfg_doc_free(&d);

    assert_int_equal(cfg_doc_load(&d, "tests/data/config/bad_section.ini", err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "tests/data/config/bad_section.ini:5: unknown section [retyr]"));
    cfg_doc_free(&d);

    assert_int_equal(cfg_doc_load(&d, "tests/data/config/no-such-file.ini", err, sizeof err), -1);
    assert_non_null(strstr(err, "tests/data/config/no-such-file.ini: cannot open"));
    assert_int_equal(d.n, 0);
    cfg_doc_free(&d);
    assert_int_equal(cfg_doc_load(&d, "tests/data/config", err, sizeof err), -1); /* a directory */
    assert_non_null(strstr(err, "tests/data/config: cannot read"));
    cfg_doc_free(&d);
}

/* ------------------------------------------------------------------ */
/* Resolved parameters                                                  */
/* ------------------------------------------------------------------ */

static void round_trip(const run_cfg_t *orig)
{
    rec_param_t *p = NULL;
    int n = 0;
    char err[512];
    assert_int_equal(cfg_params(orig, &p, &n, err, sizeof err), 0);
    assert_true(n >= NALL_KEYS); /* models may add keys */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (!strcmp(p[i].key, p[j].key))
                fail_msg("%s twice", p[i].key);
    /* every key of the spec exactly once */
    for (int i = 0; i < NALL_KEYS; i++) {
        int seen = 0;
        for (int j = 0; j < n; j++)
            seen += strcmp(p[j].key, all_keys[i]) == 0;
        if (seen != 1)
            fail_msg("%s appears %d times in cfg_params", all_keys[i], seen);
    }
    /* re-applied as overrides on an empty document: the same struct */
    cfg_doc_t d;
    memset(&d, 0, sizeof d);
    for (int i = 0; i < n; i++) {
        char set[4200];
        snprintf(set, sizeof set, "%s=%s", p[i].key, p[i].value);
        if (cfg_doc_set(&d, set, err, sizeof err) != 0)
            fail_msg("%s", err);
    }
    run_cfg_t back;
    if (cfg_apply(&d, &back, err, sizeof err) != 0)
        fail_msg("params do not apply: %s", err);
    assert_cfg_equal(&back, orig);
    cfg_doc_free(&d);
    cfg_params_free(p, n);
}

static const char *param(const rec_param_t *p, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(p[i].key, key))
            return p[i].value;
    return NULL;
}

/* A file larger than CFG_MAX_FILE_BYTES, or with a NUL byte, is refused
 * as soon as reading shows it: /dev/zero used to be read until memory ran
 * out. */
static void test_file_not_a_config(void **state)
{
    (void)state;
    cfg_doc_t d;
    char err[512], path[] = "/tmp/test_config_big.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    static const char line[] = "; a comment line of a configuration file that is far too long\n";
    for (size_t n = 0; n <= CFG_MAX_FILE_BYTES; n += sizeof line - 1)
        assert_int_equal(fwrite(line, 1, sizeof line - 1, f), sizeof line - 1);
    assert_int_equal(fclose(f), 0);
    int rc = cfg_doc_load(&d, path, err, sizeof err);
    unlink(path);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "larger than 16 MiB"));
    assert_int_equal(d.n, 0);
    cfg_doc_free(&d);
    FILE *z = fopen("/dev/zero", "rb");
    if (z) {
        fclose(z);
        assert_int_equal(cfg_doc_load(&d, "/dev/zero", err, sizeof err), -1);
        assert_non_null(strstr(err, "/dev/zero: contains a NUL byte"));
        cfg_doc_free(&d);
    }
}

static void test_params_round_trip(void **state)
{
    (void)state;
    run_cfg_t c;
    apply_ok(full_ini, &c);
    round_trip(&c);

    memset(&c, 0, sizeof c);
    c = test_defaults();
    round_trip(&c);

    apply_ok("[arrivals]\nkind = trace\ntrace = t.txt\n"
             "[retry]\nretry_on = none\nbackoff = memoryless\nmultiplier = 0.3\njitter_fraction = 0.123456789\n"
             "[server]\nservice = lognormal(12.5ms, 1.7)\noutages = 0s-1.5s capacity 0.333, 2s-3s reject\n"
             "[limiter]\nkind = token_bucket\nburst = 2.75\n",
             &c);
    round_trip(&c);

    /* per-tier lists: item i for tier i, the last item repeats */
    apply_ok("[layers]\ncount = 4\nmax_attempts = 3, 1, 2\nattempt_timeout = 1s, 500ms\n"
             "retries_enabled = true, false, true\nworkers = 7\n",
             &c);
    assert_int_equal(LAYERS_CFG(&c)->max_attempts[0], 3);
    assert_int_equal(LAYERS_CFG(&c)->max_attempts[1], 1);
    assert_int_equal(LAYERS_CFG(&c)->max_attempts[LAYERS_MAX - 1], 2);
    assert_true(LAYERS_CFG(&c)->attempt_timeout[1] == 500 * SIMTIME_MS && LAYERS_CFG(&c)->attempt_timeout[5] == 500 * SIMTIME_MS);
    assert_int_equal(LAYERS_CFG(&c)->retries_enabled[1], 0);
    assert_int_equal(LAYERS_CFG(&c)->workers[LAYERS_MAX - 1], 7);
    round_trip(&c);
    expect_error("[layers]\nmax_attempts = 3, 0\n", "exp.ini:2", "item 2", NULL);

    /* max_attempts = unlimited: the largest int, written back as the word;
     * numbers keep their range, and only the whole word is taken */
    apply_ok("[retry]\nmax_attempts = unlimited\n[layers]\ncount = 3\nmax_attempts = 2, unlimited\n", &c);
    assert_int_equal(c.retry.max_attempts, POLICY_ATTEMPTS_UNLIMITED);
    assert_int_equal(LAYERS_CFG(&c)->max_attempts[0], 2);
    assert_int_equal(LAYERS_CFG(&c)->max_attempts[1], POLICY_ATTEMPTS_UNLIMITED);
    round_trip(&c);
    {
        rec_param_t *up;
        int un;
        char uerr[256];
        assert_int_equal(cfg_params(&c, &up, &un, uerr, sizeof uerr), 0);
        assert_string_equal(param(up, un, "retry.max_attempts"), "unlimited");
        assert_string_equal(param(up, un, "layers.max_attempts"), "2, unlimited");
        cfg_params_free(up, un);
    }
    expect_error("[retry]\nmax_attempts = unlimitedx\n", "exp.ini:2", "max_attempts", NULL);
    expect_error("[retry]\nmax_attempts = 1001\n", "exp.ini:2", "above the maximum 1000", NULL);
    expect_error("[retry]\nattempt_timeout = unlimited\n", "exp.ini:2", "attempt_timeout", NULL);
    expect_error("[server]\nworkers = unlimited\n", "exp.ini:2", "workers", NULL);
    expect_error("[layers]\nmax_attempts = 1, 2, 3, 4, 5, 6, 7, 8, 9\n", "exp.ini:2", "more than 8 items", NULL);

    /* the longest lists: 64 schedule steps and 16 outages, through --set */
    static char steps[4096], outages[2048];
    size_t at = 0;
    for (int i = 0; i < ARRIVALS_MAX_STEPS; i++)
        at += (size_t)snprintf(steps + at, sizeof steps - at, "%s%d%ss:%d.5", i ? ", " : "arrivals.schedule=",
                               i * 100, i ? ".125" : "", 1000 + i);
    at = 0;
    for (int i = 0; i < SERVER_MAX_OUTAGES; i++)
        at += (size_t)snprintf(outages + at, sizeof outages - at, "%s%ds-%d.5s capacity 0.%d",
                               i ? ", " : "server.outages=", 10 * i, 10 * i + 5, i + 1);
    const char *sets[] = {"arrivals.kind=schedule", steps, outages};
    char err2[512];
    if (apply_sets(sets, 3, &c, err2, sizeof err2) != 0)
        fail_msg("%s", err2);
    assert_int_equal(c.arrivals.nsteps, ARRIVALS_MAX_STEPS);
    assert_int_equal(c.server.noutages, SERVER_MAX_OUTAGES);
    assert_true(c.server.outages[15].fraction == 0.16);
    round_trip(&c);

    /* the text is the input syntax */
    rec_param_t *p;
    int n;
    char err[256];
    apply_ok(full_ini, &c);
    assert_int_equal(cfg_params(&c, &p, &n, err, sizeof err), 0);
    assert_string_equal(param(p, n, "run.bucket"), "500ms");
    assert_string_equal(param(p, n, "run.seed"), "18446744073709551615");
    assert_string_equal(param(p, n, "arrivals.schedule"), "0s:800, 60s:2000, 90s:812.5");
    assert_string_equal(param(p, n, "arrivals.schedule_process"), "constant");
    assert_string_equal(param(p, n, "retry.retry_on"), "429, 500, timeout, 409");
    assert_string_equal(param(p, n, "retry.jitter_fraction"), "0.1");
    assert_string_equal(param(p, n, "retry.ignore_deadline"), "true");
    assert_string_equal(param(p, n, "server.queue"), "unlimited");
    assert_string_equal(param(p, n, "server.outages"), "30s-60s reject, 100s-110s capacity 0.2, 5s-6s drop");
    assert_string_equal(param(p, n, "server.service"), "uniform(5ms, 15ms)");
    assert_string_equal(param(p, n, "limiter.rate"), "500");
    assert_string_equal(param(p, n, "output.experiment"), "full-test");
    cfg_params_free(p, n);
}

static void test_reference(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    cfg_print_reference(f, 1);
    fclose(f);
    assert_non_null(strstr(text, "### [run]\n"));
    assert_non_null(strstr(text, "### [output]\n"));
    assert_non_null(strstr(text, "| `multiplier` | number |"));
    assert_non_null(strstr(text, "| `bucket` | duration |  | `1s` | 1ms .. 1h |"));
    for (int i = 0; i < NALL_KEYS; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "| `%s` |", strchr(all_keys[i], '.') + 1);
        if (!strstr(text, needle))
            fail_msg("reference lacks %s", all_keys[i]);
    }
    free(text);

    f = open_memstream(&text, &len);
    assert_non_null(f);
    cfg_print_reference(f, 0);
    fclose(f);
    assert_non_null(strstr(text, "[retry]\n"));
    assert_non_null(strstr(text, "jitter_fraction"));
    assert_null(strstr(text, "`"));
    free(text);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_defaults_when_absent),
        cmocka_unit_test(test_table_defaults_match_run_defaults),
        cmocka_unit_test(test_continuation_and_comments),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_set_malformed),
        cmocka_unit_test(test_err_unknown_section),
        cmocka_unit_test(test_err_unknown_key),
        cmocka_unit_test(test_err_bad_number),
        cmocka_unit_test(test_err_trailing_garbage),
        cmocka_unit_test(test_err_bad_duration),
        cmocka_unit_test(test_err_negative_duration),
        cmocka_unit_test(test_err_bad_enum),
        cmocka_unit_test(test_err_bad_distribution),
        cmocka_unit_test(test_err_out_of_range),
        cmocka_unit_test(test_err_duplicate_key),
        cmocka_unit_test(test_err_combination),
        cmocka_unit_test(test_err_combination_cfg),
        cmocka_unit_test(test_err_run_horizon),
        cmocka_unit_test(test_long_times_not_cut),
        cmocka_unit_test(test_err_syntax),
        cmocka_unit_test(test_err_lists),
        cmocka_unit_test(test_err_misc),
        cmocka_unit_test(test_file_load),
        cmocka_unit_test(test_file_not_a_config),
        cmocka_unit_test(test_params_round_trip),
        cmocka_unit_test(test_reference),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
