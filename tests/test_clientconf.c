/*
 * Tests of the client configuration files ([retry] grpc_service_config,
 * grpc_method, envoy_retry_policy; config/clientconf.c): the shipped
 * examples load to the keys gRFC A6 and Envoy's retry_policy define,
 * gRPC's method matching and clamping, JSON and YAML give the same
 * configuration, a key in the experiment overrides the file, and every
 * kind of bad file is an error naming the experiment's line, the file and
 * the field's path. Run from the repository root (make test does).
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

#include "clientconf.h"
#include "policy.h"

/* The experiment lives in experiments/, so "clients/x.json" is
 * experiments/clients/x.json. */
static run_cfg_t apply_text(const char *text)
{
    cfg_doc_t d = {0};
    char err[1024];
    run_cfg_t c;
    if (cfg_doc_load_string(&d, "experiments/exp.ini", text, err, sizeof err) < 0)
        fail_msg("load: %s", err);
    if (cfg_apply(&d, &c, err, sizeof err) < 0)
        fail_msg("apply: %s", err);
    cfg_doc_free(&d);
    return c;
}

static const char *retry_on(const run_cfg_t *c)
{
    static char buf[128];
    buf[0] = 0;
    for (int o = 1; o < OUT_COUNT; o++)
        if (c->retry.retry_on & POLICY_RETRY_BIT(o))
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? " " : "",
                     policy_outcome_name((outcome_t)o));
    return buf;
}

static void test_grpc_example(void **state)
{
    (void)state;
    run_cfg_t c = apply_text("[retry]\ngrpc_service_config = clients/grpc-service-config.json\n"
                             "grpc_method = helloworld.Greeter/SayHello\n");
    assert_int_equal(c.retry.max_attempts, 4);
    assert_int_equal(c.retry.base, 100 * SIMTIME_MS);
    assert_int_equal(c.retry.cap, SIMTIME_S);
    assert_true(c.retry.multiplier == 2);
    assert_int_equal(c.retry.jitter, JITTER_PROPORTIONAL);
    assert_true(c.retry.jitter_fraction == 0.2);
    assert_int_equal(c.retry.cap_schedule_only, 1);
    assert_int_equal(c.retry.deadline, 10 * SIMTIME_S);
    assert_int_equal(c.retry.attempt_timeout, 0);
    assert_string_equal(retry_on(&c), "429 502 503 504 connection"); /* UNAVAILABLE */
    assert_int_equal(QUOTA_CFG(&c)->kind, QUOTA_GRPC);
    assert_true(QUOTA_CFG(&c)->max_tokens == 10 && QUOTA_CFG(&c)->token_ratio == 0.1);

    /* another method of another service: the default entry (name [{}]) */
    c = apply_text("[retry]\ngrpc_service_config = clients/grpc-service-config.json\ngrpc_method = a.B/C\n");
    assert_int_equal(c.retry.max_attempts, 3);
    assert_int_equal(c.retry.base, 500 * SIMTIME_MS);
    assert_true(c.retry.multiplier == 1.5);
    assert_int_equal(c.retry.deadline, 0);
    assert_string_equal(retry_on(&c), "429 502 503 504 connection"); /* + RESOURCE_EXHAUSTED = 429 */
}

static void test_grpc_hedging(void **state)
{
    (void)state;
    run_cfg_t c = apply_text("[retry]\ngrpc_service_config = clients/grpc-hedging.json\n"
                             "grpc_method = search.Search/Query\n");
    const int *h = model_cfg(&c, "hedging"); /* enabled, mode, max_copies */
    assert_int_equal(h[0], 1);
    assert_int_equal(h[2], 3);
    assert_int_equal(c.retry.max_attempts, 1);
    assert_int_equal(c.retry.retry_on, 0);
}

/* Write text to a file in a fresh directory; the experiment is in it too. */
static char dir[64];

static void put(const char *name, const char *text)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int apply_in_dir(const char *ini, run_cfg_t *c, char *err, size_t errlen)
{
    char name[128];
    snprintf(name, sizeof name, "%s/exp.ini", dir);
    cfg_doc_t d = {0};
    assert_int_equal(cfg_doc_load_string(&d, name, ini, err, errlen), 0);
    int rc = cfg_apply(&d, c, err, errlen);
    cfg_doc_free(&d);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/retrysim-cc-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#define RP "\"retryPolicy\": {\"maxAttempts\": %s, \"initialBackoff\": \"0.1s\", \"maxBackoff\": \"1s\", " \
           "\"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}"

/* gRPC's matching: method, then service, then the default; maxAttempts
 * above 5 is clamped to 5 (grpc-go). */
static void test_grpc_matching(void **state)
{
    (void)state;
    char text[2048], err[1024];
    snprintf(text, sizeof text,
             "{\"methodConfig\": [{\"name\": [{}], " RP "}, {\"name\": [{\"service\": \"s.S\"}], " RP "},"
             " {\"name\": [{\"service\": \"s.S\", \"method\": \"M\"}], " RP "}]}",
             "2", "3", "9");
    put("m.json", text);
    run_cfg_t c;
    assert_int_equal(apply_in_dir("[retry]\ngrpc_service_config = m.json\ngrpc_method = s.S/M\n", &c, err, sizeof err), 0);
    assert_int_equal(c.retry.max_attempts, 5);
    assert_int_equal(apply_in_dir("[retry]\ngrpc_service_config = m.json\ngrpc_method = s.S/N\n", &c, err, sizeof err), 0);
    assert_int_equal(c.retry.max_attempts, 3);
    assert_int_equal(apply_in_dir("[retry]\ngrpc_service_config = m.json\ngrpc_method = t.T/M\n", &c, err, sizeof err), 0);
    assert_int_equal(c.retry.max_attempts, 2);
    assert_int_equal(apply_in_dir("[retry]\ngrpc_service_config = m.json\n", &c, err, sizeof err), 0);
    assert_int_equal(c.retry.max_attempts, 2); /* no method: the default entry */
}

/* The YAML and JSON examples of one Envoy policy configure the same run. */
static void test_envoy_yaml_json(void **state)
{
    (void)state;
    run_cfg_t a = apply_text("[retry]\nenvoy_retry_policy = clients/envoy-retry-policy.yaml\n");
    run_cfg_t b = apply_text("[retry]\nenvoy_retry_policy = clients/envoy-retry-policy.json\n");
    assert_int_equal(a.retry.max_attempts, 4);
    assert_int_equal(a.retry.attempt_timeout, 250 * SIMTIME_MS);
    assert_int_equal(a.retry.base, 25 * SIMTIME_MS);
    assert_int_equal(a.retry.cap, 250 * SIMTIME_MS);
    assert_int_equal(a.retry.granularity, SIMTIME_MS);
    assert_int_equal(a.retry.jitter, JITTER_FULL);
    assert_int_equal(a.retry.deadline, 15 * SIMTIME_S);
    assert_int_equal(a.retry.retry_after, RETRY_AFTER_HONOUR);
    assert_int_equal(a.retry.retry_after_cap, 60 * SIMTIME_S);
    assert_string_equal(retry_on(&a), "429 500 502 503 504 timeout connection");
    memset(&a.retry_src, 0, sizeof a.retry_src);
    memset(&b.retry_src, 0, sizeof b.retry_src);
    assert_memory_equal(&a, &b, sizeof a);

    /* defaults: one retry, 25 ms .. 250 ms */
    char err[1024];
    put("e.yaml", "retry_on: gateway-error\n");
    run_cfg_t c;
    assert_int_equal(apply_in_dir("[retry]\nenvoy_retry_policy = e.yaml\n", &c, err, sizeof err), 0);
    assert_int_equal(c.retry.max_attempts, 2);
    assert_int_equal(c.retry.cap, 250 * SIMTIME_MS);
    assert_string_equal(retry_on(&c), "502 503 504 timeout connection");
    put("f.yaml", "retry_on: 5xx\nretry_back_off:\n  base_interval: 0.1s\n");
    assert_int_equal(apply_in_dir("[retry]\nenvoy_retry_policy = f.yaml\n", &c, err, sizeof err), 0);
    assert_int_equal(c.retry.cap, SIMTIME_S); /* 10 x base */
}

static void test_override(void **state)
{
    (void)state;
    run_cfg_t c = apply_text("[retry]\nmax_attempts = 2\nenvoy_retry_policy = clients/envoy-retry-policy.yaml\n"
                             "deadline = 3s\n");
    assert_int_equal(c.retry.max_attempts, 2);
    assert_int_equal(c.retry.deadline, 3 * SIMTIME_S);
    assert_int_equal(c.retry.base, 25 * SIMTIME_MS);
}

/* file (or, for the experiment's own keys, ini) and the expected parts */
typedef struct {
    const char *file, *text, *ini;
    const char *want[4];
} bad_t;

static void test_errors(void **state)
{
    (void)state;
    static const bad_t bad[] = {
        {"a.json", "{\"methodConfig\": [{\"name\": [{}], \"waitForReady\": true}]}", "grpc_service_config",
         {"exp.ini:4", "a.json", "methodConfig[0].waitForReady", "does not model"}},
        {"b.json", "{\"methodConfig\": [{\"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"100ms\", "
                   "\"maxBackoff\": \"1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [14]}}]}",
         "grpc_service_config", {"methodConfig[0].retryPolicy.initialBackoff", "'100ms' is not a duration"}},
        {"c.json", "{\"methodConfig\": [{\"retryPolicy\": {\"maxAttempts\": \"four\"}}]}", "grpc_service_config",
         {"retryPolicy.maxAttempts", "'four' is not an integer"}},
        {"d.json", "{\"methodConfig\": [{\"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"1s\", "
                   "\"maxBackoff\": \"1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAIL\"]}}]}",
         "grpc_service_config", {"retryableStatusCodes[0]", "not a gRPC status code"}},
        {"e.json", "{\"methodConfig\": [\n  {\"name\": [{}],}\n]}", "grpc_service_config", {"e.json:2", "JSON"}},
        {"f.json", "{\"methodConfig\": [{\"retryPolicy\": {}, \"hedgingPolicy\": {}}]}", "grpc_service_config",
         {"both retryPolicy and hedgingPolicy"}},
        {"g.yaml", "retry_on: 5xx,bogus\n", "envoy_retry_policy", {"g.yaml: retry_on", "'bogus'"}},
        {"h.yaml", "retry_on: 5xx\nretry_host_predicate: []\n", "envoy_retry_policy",
         {"h.yaml: retry_host_predicate", "does not model"}},
        {"i.yaml", "a: &x 1\nretry_on: *x\n", "envoy_retry_policy", {"i.yaml:2", "aliases"}},
        {"j.yaml", "retry_on: 5xx\nper_try_timeout: 250ms\n", "envoy_retry_policy",
         {"per_try_timeout", "not a duration"}},
        {"k.yaml", "- 1\n- 2\n", "envoy_retry_policy", {"must hold an object"}},
        {"l.yaml", "retry_on: 5xx\nnum_retries: -1\n", "envoy_retry_policy", {"num_retries", "out of range"}},
        {"m.yaml", "retry_on: 5xx\nnum_retries: +inf\n", "envoy_retry_policy", {"'+inf' is not an integer"}},
        {NULL, NULL, "grpc_service_config = missing.json", {"exp.ini:4", "missing.json", "No such file"}},
        {NULL, NULL, "grpc_method = a.B/C", {"exp.ini:4", "set grpc_service_config too"}},
        {NULL, NULL, "preset = grpc\nenvoy_retry_policy = x.yaml", {"exp.ini:5", "preset is set too"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char ini[256], err[1024];
        if (bad[i].file) {
            put(bad[i].file, bad[i].text);
            snprintf(ini, sizeof ini, "[run]\nseed = 1\n[retry]\n%s = %s\n", bad[i].ini, bad[i].file);
        } else {
            snprintf(ini, sizeof ini, "[run]\nseed = 1\n[retry]\n%s\n", bad[i].ini);
        }
        run_cfg_t c; /* the key is on line 4 */
        if (apply_in_dir(ini, &c, err, sizeof err) == 0)
            fail_msg("case %zu: no error", i);
        for (int k = 0; k < 4 && bad[i].want[k]; k++) {
            const char *w = bad[i].want[k];
            if (!strstr(err, w))
                fail_msg("case %zu: error '%s' lacks '%s'", i, err, w);
        }
    }
}

/* The parser alone, as the fuzzer drives it: JSON and YAML of the same
 * policy give the same entries. */
static void test_parse_same_entries(void **state)
{
    (void)state;
    static const char *json = "{\"retry_on\": \"reset\", \"num_retries\": 2}";
    static const char *yaml = "retry_on: reset\nnum_retries: 2\n";
    clientconf_tree_t *a, *b;
    char err[512];
    assert_int_equal(clientconf_parse("a", json, strlen(json), 0, &a, err, sizeof err), 0);
    assert_int_equal(clientconf_parse("b", yaml, strlen(yaml), 1, &b, err, sizeof err), 0);
    cfg_xlist_t la = {0}, lb = {0};
    assert_int_equal(clientconf_envoy_map("f", a, &la, err, sizeof err), 0);
    assert_int_equal(clientconf_envoy_map("f", b, &lb, err, sizeof err), 0);
    assert_int_equal(la.n, lb.n);
    for (int i = 0; i < la.n; i++) {
        assert_string_equal(la.e[i].key, lb.e[i].key);
        assert_string_equal(la.e[i].value, lb.e[i].value);
    }
    cfg_xlist_free(&la);
    cfg_xlist_free(&lb);
    clientconf_free(a);
    clientconf_free(b);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grpc_example),    cmocka_unit_test(test_grpc_hedging),
        cmocka_unit_test(test_grpc_matching),   cmocka_unit_test(test_envoy_yaml_json),
        cmocka_unit_test(test_override),        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_parse_same_entries),
    };
    return cmocka_run_group_tests_name("clientconf", tests, setup, teardown);
}
