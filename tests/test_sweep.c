/*
 * Tests of the sweep layer (config/sweep) and its constraint language
 * (config/expr): lists, ranges (integer, decimal without float noise,
 * durations), named variables and references, lockstep, nesting order and
 * run numbering, replications with run.replication, constraints, text
 * around ${}, quoting, every class of error (each must name file:line),
 * run selection, and the plain document that is one run. The expected
 * values are written out by hand, so a wrong order or format fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "expr.h"
#include "sweep.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* Plan text loaded as "exp.ini"; fails the test on any error. */
static void plan_ok(const char *text, sweep_plan_t *p)
{
    cfg_doc_t d;
    char err[512] = "";
    if (cfg_doc_load_string(&d, "exp.ini", text, err, sizeof err) != 0)
        fail_msg("load failed: %s", err);
    if (sweep_plan(&d, p, err, sizeof err) != 0)
        fail_msg("sweep_plan failed: %s", err);
    cfg_doc_free(&d); /* the plan must not depend on the input document */
}

/* sweep_plan must fail; the message must start with `where` and contain
 * each further string (NULL ends the list). */
static void plan_error(const char *text, const char *where, ...)
{
    cfg_doc_t d;
    sweep_plan_t p;
    char err[1024] = "";
    if (cfg_doc_load_string(&d, "exp.ini", text, err, sizeof err) != 0)
        fail_msg("load failed: %s", err);
    int rc = sweep_plan(&d, &p, err, sizeof err);
    cfg_doc_free(&d);
    if (rc == 0) {
        sweep_plan_free(&p);
        fail_msg("expected an error at %s for:\n%s", where, text);
    }
    assert_int_equal(rc, -1);
    assert_null(p.s); /* left empty */
    printf("  error: %s\n", err);
    if (strncmp(err, where, strlen(where)) != 0)
        fail_msg("message does not start with '%s': %s", where, err);
    va_list ap;
    va_start(ap, where);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
        if (!strstr(err, s))
            fail_msg("message lacks '%s': %s", s, err);
    va_end(ap);
}

/* The value of section/key in run i's document. Copied into a static
 * buffer so that the document can be freed here. */
static const char *run_value(const sweep_plan_t *p, int i, const char *section, const char *key)
{
    static char buf[256];
    cfg_doc_t d;
    char err[512] = "";
    if (sweep_run(p, i, &d, NULL, NULL, NULL, err, sizeof err) != 0)
        fail_msg("sweep_run(%d) failed: %s", i, err);
    const cfg_entry_t *e = cfg_doc_find(&d, section, key);
    snprintf(buf, sizeof buf, "%s", e ? e->value : "(missing)");
    cfg_doc_free(&d);
    return buf;
}

/* The values of the plan's only variable, in run order, joined by '|'. */
static const char *values_of_one_var(const char *text)
{
    static char buf[1024];
    sweep_plan_t p;
    plan_ok(text, &p);
    assert_int_equal(sweep_nvars(&p), 1);
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < sweep_count(&p); i++) {
        const char *v[1];
        char err[256];
        assert_int_equal(sweep_run(&p, i, NULL, NULL, NULL, v, err, sizeof err), 0);
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", i ? "|" : "", v[0]);
    }
    sweep_plan_free(&p);
    return buf;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void test_plain_doc_is_one_run(void **state)
{
    (void)state;
    const char *text = "[run]\nseed = 7\nreplication = 4\n[retry]\nbase = 100ms\n";
    sweep_plan_t p;
    plan_ok(text, &p);
    assert_int_equal(sweep_count(&p), 1);
    assert_int_equal(sweep_points(&p), 1);
    assert_int_equal(sweep_repeat(&p), 1);
    assert_int_equal(sweep_nvars(&p), 0);
    cfg_doc_t d;
    char err[512];
    int point = -1, rep = -1;
    assert_int_equal(sweep_run(&p, 0, &d, &point, &rep, NULL, err, sizeof err), 0);
    assert_int_equal(point, 0);
    assert_int_equal(rep, 0);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.path, "exp.ini");
    assert_non_null(d.text);
    assert_string_equal(d.text, text);
    assert_string_equal(d.entries[1].section, "run");
    assert_string_equal(d.entries[1].key, "replication");
    assert_string_equal(d.entries[1].value, "4"); /* not overridden without repeat */
    assert_int_equal(d.entries[1].line, 3);
    assert_ptr_equal(d.entries[1].file, d.path);  /* file points into the new document */
    assert_int_equal(d.entries[2].section_line, 4);
    /* the run's document is an ordinary one: cfg_doc_set may grow it */
    assert_int_equal(cfg_doc_set(&d, "retry.cap=2s", err, sizeof err), 0);
    assert_string_equal(cfg_doc_find(&d, "retry", "cap")->value, "2s");
    cfg_doc_free(&d);
    /* run 1 does not exist */
    assert_int_equal(sweep_run(&p, 1, &d, NULL, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(d.n, 0);
    sweep_plan_free(&p);
    sweep_plan_free(&p); /* freeing twice is harmless */
}

static void test_list(void **state)
{
    (void)state;
    assert_string_equal(values_of_one_var("[retry]\nbackoff = ${ constant,exponential , linear }\n"),
                        "constant|exponential|linear");
    sweep_plan_t p;
    plan_ok("[retry]\nbackoff = ${constant, linear}\n", &p);
    assert_string_equal(sweep_var_name(&p, 0), "retry.backoff"); /* unnamed: section.key */
    assert_null(sweep_var_name(&p, 1));
    assert_string_equal(run_value(&p, 1, "retry", "backoff"), "linear");
    sweep_plan_free(&p);
    /* one-value iteration and a list mixing values and a range */
    assert_string_equal(values_of_one_var("[a]\nk = ${x=only}\n"), "only");
    assert_string_equal(values_of_one_var("[a]\nk = ${1, 5..9 step 2, 20}\n"), "1|5|7|9|20");
}

static void test_range_integer(void **state)
{
    (void)state;
    assert_string_equal(values_of_one_var("[a]\nk = ${1..10 step 2}\n"), "1|3|5|7|9");
    assert_string_equal(values_of_one_var("[a]\nk = ${1..5}\n"), "1|2|3|4|5");
    assert_string_equal(values_of_one_var("[a]\nk = ${10..1 step -3}\n"), "10|7|4|1");
    assert_string_equal(values_of_one_var("[a]\nk = ${-2..2 step 2}\n"), "-2|0|2");
    assert_string_equal(values_of_one_var("[a]\nk = ${3..3}\n"), "3");
}

static void test_range_float_without_noise(void **state)
{
    (void)state;
    assert_string_equal(values_of_one_var("[a]\nk = ${0.1..0.5 step 0.1}\n"), "0.1|0.2|0.3|0.4|0.5");
    assert_string_equal(values_of_one_var("[a]\nk = ${0..1 step 0.1}\n"),
                        "0|0.1|0.2|0.3|0.4|0.5|0.6|0.7|0.8|0.9|1");
    assert_string_equal(values_of_one_var("[a]\nk = ${-0.3..0.3 step 0.1}\n"), "-0.3|-0.2|-0.1|0|0.1|0.2|0.3");
    assert_string_equal(values_of_one_var("[a]\nk = ${1e-3..3e-3 step 1e-3}\n"), "0.001|0.002|0.003");
    /* the end is not on the grid: it is not included */
    assert_string_equal(values_of_one_var("[a]\nk = ${0.5..1.2 step 0.25}\n"), "0.5|0.75|1");
}

static void test_range_with_units(void **state)
{
    (void)state;
    assert_string_equal(values_of_one_var("[a]\nk = ${10ms..50ms step 10ms}\n"), "10ms|20ms|30ms|40ms|50ms");
    assert_string_equal(values_of_one_var("[a]\nk = ${1s..2s step 250ms}\n"), "1s|1.25s|1.5s|1.75s|2s");
    assert_string_equal(values_of_one_var("[a]\nk = ${0..1s step 500ms}\n"), "0s|0.5s|1s");
    assert_string_equal(values_of_one_var("[a]\nk = ${300ms..100ms step -100ms}\n"), "300ms|200ms|100ms");
    assert_string_equal(values_of_one_var("[a]\nk = ${1m..2m step 30s}\n"), "1m|90s|2m");
}

static void test_named_reference_and_text_around(void **state)
{
    (void)state;
    /* the reference comes before the definition in the file */
    const char *text = "[retry]\n"
                       "cap = ${b}\n"
                       "base = ${b=50ms,100ms}\n"
                       "[server]\n"
                       "outages = 30s-${end=60s,90s} reject\n";
    sweep_plan_t p;
    plan_ok(text, &p);
    assert_int_equal(sweep_count(&p), 4);
    assert_int_equal(sweep_nvars(&p), 2);
    assert_string_equal(sweep_var_name(&p, 0), "b");
    assert_string_equal(sweep_var_name(&p, 1), "end");
    assert_string_equal(run_value(&p, 0, "retry", "cap"), "50ms");
    assert_string_equal(run_value(&p, 0, "server", "outages"), "30s-60s reject");
    assert_string_equal(run_value(&p, 1, "server", "outages"), "30s-90s reject");
    assert_string_equal(run_value(&p, 2, "retry", "cap"), "100ms");
    assert_string_equal(run_value(&p, 2, "retry", "base"), "100ms");
    /* entries keep their file and line; no ${ is left anywhere */
    cfg_doc_t d;
    char err[256];
    const char *vals[2];
    assert_int_equal(sweep_run(&p, 3, &d, NULL, NULL, vals, err, sizeof err), 0);
    assert_string_equal(vals[0], "100ms");
    assert_string_equal(vals[1], "90s");
    for (int i = 0; i < d.n; i++)
        assert_null(strstr(d.entries[i].value, "${"));
    const cfg_entry_t *o = cfg_doc_find(&d, "server", "outages");
    assert_string_equal(o->file, "exp.ini");
    assert_int_equal(o->line, 5);
    assert_int_equal(o->section_line, 4);
    cfg_doc_free(&d);
    sweep_plan_free(&p);
    /* several ${} in one value, two unnamed ones named apart */
    plan_ok("[a]\nk = ${1,2}x${y=3,4}x${5,6}\n", &p);
    assert_int_equal(sweep_count(&p), 8);
    assert_string_equal(sweep_var_name(&p, 0), "a.k");
    assert_string_equal(sweep_var_name(&p, 2), "a.k#2");
    assert_string_equal(run_value(&p, 5, "a", "k"), "2x3x6");
    sweep_plan_free(&p);
}

static void test_lockstep(void **state)
{
    (void)state;
    const char *text = "[a]\n"
                       "x = ${x=1,2,3 ! other}\n"
                       "y = ${other=a,b,c}\n"
                       "z = ${z=p,q}\n";
    sweep_plan_t p;
    plan_ok(text, &p);
    assert_int_equal(sweep_count(&p), 6); /* 3 lockstep pairs x 2, not 3 x 3 x 2 */
    assert_int_equal(sweep_nvars(&p), 3);
    const char *v[3];
    char err[256];
    const char *want[6][3] = {{"1", "a", "p"}, {"1", "a", "q"}, {"2", "b", "p"},
                              {"2", "b", "q"}, {"3", "c", "p"}, {"3", "c", "q"}};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sweep_run(&p, i, NULL, NULL, NULL, v, err, sizeof err), 0);
        for (int k = 0; k < 3; k++)
            assert_string_equal(v[k], want[i][k]);
    }
    sweep_plan_free(&p);
    /* a chain: w follows x which follows other */
    plan_ok("[a]\nx = ${x=1,2 ! o}\no = ${o=a,b}\nw = ${w=7,8 ! x}\n", &p);
    assert_int_equal(sweep_count(&p), 2);
    assert_string_equal(run_value(&p, 1, "a", "w"), "8");
    sweep_plan_free(&p);
    plan_error("[a]\nx = ${x=1,2,3 ! o}\no = ${o=a,b}\n", "exp.ini:2: [a] x:", "equal lengths", NULL);
    plan_error("[a]\nx = ${x=1,2 ! nobody}\n", "exp.ini:2: [a] x:", "nobody", NULL);
    plan_error("[a]\nx = ${x=1,2 ! y}\ny = ${y=1,2 ! x}\n", "exp.ini:", "cycle", NULL);
}

static void test_nesting_order_and_numbering(void **state)
{
    (void)state;
    /* a: 2 values (first, outermost), b: 3, c: 2 (last, innermost) */
    const char *text = "[s]\na = ${a=a0,a1}\nb = ${b=b0,b1,b2}\n[t]\nc = ${c=c0,c1}\n";
    sweep_plan_t p;
    plan_ok(text, &p);
    assert_int_equal(sweep_count(&p), 12);
    assert_int_equal(sweep_points(&p), 12);
    char err[256];
    for (int i = 0; i < 12; i++) {
        const char *v[3];
        int point = -1, rep = -1;
        assert_int_equal(sweep_run(&p, i, NULL, &point, &rep, v, err, sizeof err), 0);
        assert_int_equal(point, i);
        assert_int_equal(rep, 0);
        char want[3][16];
        snprintf(want[0], sizeof want[0], "a%d", i / 6);
        snprintf(want[1], sizeof want[1], "b%d", i / 2 % 3);
        snprintf(want[2], sizeof want[2], "c%d", i % 2);
        for (int k = 0; k < 3; k++)
            assert_string_equal(v[k], want[k]);
    }
    assert_int_equal(sweep_run(&p, 12, NULL, NULL, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(sweep_run(&p, -1, NULL, NULL, NULL, NULL, err, sizeof err), -1);
    sweep_plan_free(&p);
}

static void test_repeat_is_innermost(void **state)
{
    (void)state;
    const char *text = "[run]\n"
                       "seed = 42\n"
                       "replication = 9\n"
                       "[retry]\n"
                       "base = ${b=50ms,100ms}\n"
                       "[sweep]\n"
                       "repeat = 3\n";
    sweep_plan_t p;
    plan_ok(text, &p);
    assert_int_equal(sweep_repeat(&p), 3);
    assert_int_equal(sweep_points(&p), 2);
    assert_int_equal(sweep_count(&p), 6);
    char err[256];
    for (int i = 0; i < 6; i++) {
        cfg_doc_t d;
        int point = -1, rep = -1;
        const char *v[1];
        assert_int_equal(sweep_run(&p, i, &d, &point, &rep, v, err, sizeof err), 0);
        assert_int_equal(point, i / 3);
        assert_int_equal(rep, i % 3);
        assert_string_equal(v[0], i < 3 ? "50ms" : "100ms");
        char want[16];
        snprintf(want, sizeof want, "%d", i % 3);
        const cfg_entry_t *r = cfg_doc_find(&d, "run", "replication");
        assert_string_equal(r->value, want); /* replaced, not the file's 9 */
        assert_int_equal(r->line, 7);       /* located at the repeat line */
        assert_string_equal(cfg_doc_find(&d, "run", "seed")->value, "42"); /* same seed: CRN */
        assert_null(cfg_doc_find(&d, "sweep", "repeat"));                  /* consumed */
        cfg_doc_free(&d);
    }
    sweep_plan_free(&p);
    /* without run.replication in the file, the entry is added */
    plan_ok("[run]\nseed = 1\n[sweep]\nrepeat = 2\n", &p);
    assert_int_equal(sweep_count(&p), 2);
    assert_string_equal(run_value(&p, 1, "run", "replication"), "1");
    sweep_plan_free(&p);
    /* [sweep] without repeat leaves the file's replication */
    plan_ok("[run]\nreplication = 5\n[a]\nk = ${1,2}\n[sweep]\nconstraint = 1\n", &p);
    assert_string_equal(run_value(&p, 1, "run", "replication"), "5");
    sweep_plan_free(&p);
}

static void test_constraint(void **state)
{
    (void)state;
    /* 3 * 100ms is 0.30000000000000004 in binary: the tolerance keeps 300ms */
    const char *text = "[retry]\n"
                       "attempt_timeout = ${t=100ms..500ms step 100ms}\n"
                       "base = ${b=50ms,100ms}\n"
                       "[sweep]\n"
                       "constraint = $t >= 3 * ${b} && $t != 400ms\n";
    sweep_plan_t p;
    plan_ok(text, &p);
    assert_int_equal(sweep_points(&p), 5);
    assert_int_equal(sweep_count(&p), 5);
    const char *want[5][2] = {{"200ms", "50ms"}, {"300ms", "50ms"}, {"300ms", "100ms"},
                              {"500ms", "50ms"}, {"500ms", "100ms"}};
    char err[256];
    for (int i = 0; i < 5; i++) {
        const char *v[2];
        int point = -1;
        assert_int_equal(sweep_run(&p, i, NULL, &point, NULL, v, err, sizeof err), 0);
        assert_int_equal(point, i);
        assert_string_equal(v[0], want[i][0]);
        assert_string_equal(v[1], want[i][1]);
    }
    sweep_plan_free(&p);
    /* strings, functions, % and unary minus; with repeat the points repeat */
    plan_ok("[a]\nmode = ${mode=fast,slow}\nn = ${n=1..9}\n[sweep]\nrepeat = 2\n"
            "constraint = ($mode == \"fast\" && $n % 2 == 1 && max($n, 3) <= sqrt(pow($n, 2)) + 0.5)"
            " || (-$n > -2 && $mode != 'fast')\n",
            &p);
    /* fast: odd n with n >= 3 -> 3,5,7,9; slow: n = 1 */
    assert_int_equal(sweep_points(&p), 5);
    assert_int_equal(sweep_count(&p), 10);
    assert_string_equal(run_value(&p, 0, "a", "n"), "3");
    assert_string_equal(run_value(&p, 7, "a", "n"), "9");
    assert_string_equal(run_value(&p, 8, "a", "mode"), "slow");
    assert_string_equal(run_value(&p, 9, "a", "n"), "1");
    sweep_plan_free(&p);
    /* && does not evaluate its right side when the left decides */
    plan_ok("[a]\nk = ${k=off,2,3}\n[sweep]\nconstraint = $k != \"off\" && $k > 2\n", &p);
    assert_int_equal(sweep_points(&p), 1);
    sweep_plan_free(&p);
}

static void test_quoted_values(void **state)
{
    (void)state;
    assert_string_equal(values_of_one_var("[a]\nk = ${\"a, b\", \"c}d\", plain, \"x\\\"y\", \"1..2\", \"\"}\n"),
                        "a, b|c}d|plain|x\"y|1..2|");
    assert_string_equal(values_of_one_var("[a]\nk = ${v=\"p=q\",\"!\"}\n"), "p=q|!");
}

static void test_set_entries(void **state)
{
    (void)state;
    cfg_doc_t d;
    sweep_plan_t p;
    char err[512];
    assert_int_equal(cfg_doc_load_string(&d, "exp.ini", "[retry]\nbase = 1s\n", err, sizeof err), 0);
    assert_int_equal(cfg_doc_set(&d, "retry.cap=${c=2s,3s}", err, sizeof err), 0);
    assert_int_equal(sweep_plan(&d, &p, err, sizeof err), 0);
    cfg_doc_free(&d);
    assert_int_equal(sweep_count(&p), 2);
    cfg_doc_t r;
    assert_int_equal(sweep_run(&p, 1, &r, NULL, NULL, NULL, err, sizeof err), 0);
    const cfg_entry_t *e = cfg_doc_find(&r, "retry", "cap");
    assert_string_equal(e->value, "3s");
    assert_string_equal(e->file, CFG_SET_FILE);
    cfg_doc_free(&r);
    sweep_plan_free(&p);
    /* an error in a --set value is located at --set */
    assert_int_equal(cfg_doc_load_string(&d, "exp.ini", "[retry]\nbase = 1s\n", err, sizeof err), 0);
    assert_int_equal(cfg_doc_set(&d, "retry.cap=${nope}", err, sizeof err), 0);
    assert_int_equal(sweep_plan(&d, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "--set: [retry] cap:"));
    cfg_doc_free(&d);
}

/* The config layer's errors for a substituted value point at the ${} line. */
static void test_runs_apply(void **state)
{
    (void)state;
    sweep_plan_t p;
    plan_ok("[run]\nseed = 5\n[retry]\nbase = ${b=50ms,nonsense}\n[sweep]\nrepeat = 2\n", &p);
    char err[512];
    cfg_doc_t d;
    run_cfg_t c;
    assert_int_equal(sweep_run(&p, 1, &d, NULL, NULL, NULL, err, sizeof err), 0);
    if (cfg_apply(&d, &c, err, sizeof err) != 0)
        fail_msg("cfg_apply failed: %s", err);
    assert_int_equal(c.retry.base, 50 * SIMTIME_MS);
    assert_int_equal(c.run.replication, 1);
    assert_int_equal(c.run.seed, 5);
    cfg_doc_free(&d);
    assert_int_equal(sweep_run(&p, 2, &d, NULL, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(cfg_apply(&d, &c, err, sizeof err), -1);
    printf("  apply error: %s\n", err);
    assert_non_null(strstr(err, "exp.ini:4: [retry] base:"));
    cfg_doc_free(&d);
    sweep_plan_free(&p);
}

static void test_errors(void **state)
{
    (void)state;
    plan_error("[a]\nx = 1\ny = ${nope}\n", "exp.ini:3: [a] y:", "unknown variable", "nope", NULL);
    plan_error("[a]\nk = ${1..x}\n", "exp.ini:2: [a] k:", "bad range", "'x' is not a number", NULL);
    plan_error("[a]\nk = ${1..2..3}\n", "exp.ini:2: [a] k:", "bad range", NULL);
    plan_error("[a]\nk = ${1..5 step 0}\n", "exp.ini:2: [a] k:", "zero", NULL);
    plan_error("[a]\nk = ${1..5 step -1}\n", "exp.ini:2: [a] k:", "sign", NULL);
    plan_error("[a]\nk = ${5..1}\n", "exp.ini:2: [a] k:", "sign", NULL);
    plan_error("[a]\nk = ${10ms..50ms step 0ms}\n", "exp.ini:2: [a] k:", "zero", NULL);
    plan_error("[a]\nk = ${10ms..50ms}\n", "exp.ini:2: [a] k:", "step with a unit", NULL);
    plan_error("[a]\nk = ${10ms..50ms step 10}\n", "exp.ini:2: [a] k:", "missing unit", NULL);
    plan_error("[a]\nk = ${1..1000000000}\n", "exp.ini:2: [a] k:", "more than", NULL);
    plan_error("[a]\n\nk = 1${1,2\n", "exp.ini:3: [a] k:", "unterminated ${", NULL);
    plan_error("[a]\nk = ${\"a}\n", "exp.ini:2: [a] k:", "unterminated quote", NULL);
    plan_error("[a]\nk = ${}\n", "exp.ini:2: [a] k:", "empty", NULL);
    plan_error("[a]\nk = ${1,,2}\n", "exp.ini:2: [a] k:", "empty value", NULL);
    plan_error("[a]\nk = ${x=}\n", "exp.ini:2: [a] k:", "no values", NULL);
    plan_error("[a]\nk = ${1, ${x}}\n", "exp.ini:2: [a] k:", "cannot refer", NULL);
    plan_error("[a]\nk = ${x=1,2}\nj = ${x=3,4}\n", "exp.ini:3: [a] j:", "already defined", "exp.ini:2", NULL);
    plan_error("[a]\nk = ${9x=1,2}\n", "exp.ini:2: [a] k:", "not a variable name", NULL);
    plan_error("[a]\nk = ${a\"b\"}\n", "exp.ini:2: [a] k:", "quotes", NULL);
    plan_error("[a]\nk = ${1,2}\n[sweep]\nrepeats = 3\n", "exp.ini:4: [sweep] repeats:", "unknown key", NULL);
    plan_error("[sweep]\nrepeat = 0\n", "exp.ini:2: [sweep] repeat:", "1 to 100000", NULL);
    plan_error("[sweep]\nrepeat = 100001\n", "exp.ini:2: [sweep] repeat:", NULL);
    plan_error("[sweep]\nrepeat = 2x\n", "exp.ini:2: [sweep] repeat:", NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = $k >= (1 +\n", "exp.ini:4: [sweep] constraint:",
               "position 11", NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = $k = 1\n", "exp.ini:4: [sweep] constraint:",
               "position 4", "==", NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = $k > 1 & 1\n", "exp.ini:4: [sweep] constraint:", "&&",
               NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = $q > 1\n", "exp.ini:4: [sweep] constraint:",
               "position 1", "unknown variable $q", NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = fast == $k\n", "exp.ini:4: [sweep] constraint:",
               "position 1", "$fast", NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = sqrt($k, 2) > 1\n", "exp.ini:4: [sweep] constraint:",
               "sqrt takes 1", NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = foo($k)\n", "exp.ini:4: [sweep] constraint:",
               "unknown function", NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = \"x\n", "exp.ini:4: [sweep] constraint:",
               "unterminated string", NULL);
    plan_error("[a]\nk = ${k=1,2}\n[sweep]\nconstraint = $k > 5\n", "exp.ini:4: [sweep] constraint:",
               "no combination", NULL);
    /* more variables than a caller's values array may hold */
    char many[4096] = "[a]\n";
    for (int i = 0; i <= SWEEP_MAX_VARS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "k%d = ${%d}\n", i, i);
    plan_error(many, "exp.ini:66: [a] k64:", "more than 64 iteration variables", NULL);
    /* evaluation errors name the combination */
    plan_error("[a]\nk = ${k=fast,2}\n[sweep]\nconstraint = $k > 1\n", "exp.ini:4: [sweep] constraint:",
               "$k is the string 'fast'", "when k=fast", NULL);
    plan_error("[a]\nk = ${k=0,2}\n[sweep]\nconstraint = 1 / $k > 1\n", "exp.ini:4: [sweep] constraint:",
               "division by zero", NULL);
    plan_error("[a]\nk = ${k=-1,2}\n[sweep]\nconstraint = sqrt($k) > 1\n", "exp.ini:4: [sweep] constraint:",
               "not a finite number", NULL);
    plan_error("[a]\nk = ${k=a,b}\n[sweep]\nconstraint = $k\n", "exp.ini:4: [sweep] constraint:",
               "not a condition", NULL);
}

static int lookup_xy(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    if (len == 1 && (name[0] == 'x' || name[0] == 'y'))
        return name[0] - 'x';
    return -1;
}

/* The limit on combinations stops planning at the variable that passes it,
 * before any later ${...} is expanded: several ranges of a million values
 * would otherwise take seconds and gigabytes before being refused (here
 * the later error would be reported instead). Lockstep variables do not
 * multiply. */
static void test_combination_limit_is_early(void **state)
{
    (void)state;
    plan_error("[a]\nx = ${1..999999}\ny = ${1..999999}\nz = ${}\n",
               "exp.ini:3: [a] y: the sweep has more than 10000000 combinations", NULL);
    sweep_plan_t p;
    plan_ok("[a]\nx = ${x=1..5000}\ny = ${y=1..5000 ! x}\nz = ${1..1000}\n", &p);
    assert_int_equal(sweep_count(&p), 5000000);
    sweep_plan_free(&p);
}

/* The constraint language alone: precedence, units, functions. */
static void test_expr(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double want;
    } cases[] = {
        {"1 + 2 * 3", 7},          {"(1 + 2) * 3", 9},        {"10 - 4 - 3", 3},   {"2 * -3", -6},
        {"7 % 3", 1},              {"100ms", 0.1},            {"1.5m", 90},        {"$x + ${y}", 5},
        {"$x * 1s == 2s", 1},      {"0.1 + 0.2 == 0.3", 1},   {"1 < 2 == 1", 1},   {"!0 && !(1 > 2)", 1},
        {"0 || 0", 0},             {"min(3, 1, 2)", 1},       {"max(3, 1, 2)", 3}, {"abs(-2.5)", 2.5},
        {"sqrt(16)", 4},           {"log(exp(2))", 2},        {"pow(2, 10)", 1024},
        {"\"a\" == 'a'", 1},       {"\"a\" != \"b\"", 1},     {"\"1\" == 1", 0},   {"1e3 >= 1000", 1},
        {"$y - $x * 2 == -1", 1},   {"2 < 2", 0},              {"2 <= 2", 1},
    };
    expr_value_t vars[2];
    expr_value_from_text("2", &vars[0]);
    expr_value_from_text("3", &vars[1]);
    char err[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expr_t *e = NULL;
        expr_value_t r;
        if (expr_parse(cases[i].text, lookup_xy, NULL, &e, err, sizeof err) != 0)
            fail_msg("%s: %s", cases[i].text, err);
        if (expr_eval(e, vars, &r, err, sizeof err) != 0)
            fail_msg("%s: %s", cases[i].text, err);
        if (r.kind != EXPR_NUM || !(r.num > cases[i].want - 1e-12 && r.num < cases[i].want + 1e-12))
            fail_msg("%s: got %g, want %g", cases[i].text, r.num, cases[i].want);
        expr_free(e);
    }
    /* text of variables: numbers, durations, else strings */
    expr_value_t v;
    expr_value_from_text("250ms", &v);
    assert_int_equal(v.kind, EXPR_NUM);
    assert_true(v.num == 0.25);
    expr_value_from_text("-1.5e2", &v);
    assert_true(v.kind == EXPR_NUM && v.num == -150);
    expr_value_from_text("inf", &v);
    assert_int_equal(v.kind, EXPR_STR);
    expr_value_from_text("exponential", &v);
    assert_int_equal(v.kind, EXPR_STR);
    assert_string_equal(v.str, "exponential");
    /* errors carry a position */
    static const char *const bad[] = {"", "1 +", "(1", "1 2", "$", "${x", "1 = 1", "3kg", "((((((((((((((((((((("
                                      "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                                      "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                                      "(((((((((((((((((((((((((((((((((((((((((((((1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expr_t *e = (expr_t *)1;
        assert_int_equal(expr_parse(bad[i], lookup_xy, NULL, &e, err, sizeof err), -1);
        assert_null(e);
        assert_non_null(strstr(err, "at position "));
    }
}

/* "1" followed by n times op and "1": a chain as deep as it is long. */
static char *chain(const char *op, int n)
{
    size_t lo = strlen(op);
    char *s = malloc(1 + (size_t)n * (lo + 1) + 1), *p = s;
    assert_non_null(s);
    *p++ = '1';
    for (int i = 0; i < n; i++) {
        memcpy(p, op, lo);
        p += lo;
        *p++ = '1';
    }
    *p = 0;
    return s;
}

/* A long chain of operators has no nesting but is as deep as it is long
 * for the recursive evaluator: past a height it is refused at parse time
 * instead of overflowing the stack. */
static void test_expr_long_chain(void **state)
{
    (void)state;
    char err[256];
    expr_t *e = NULL;
    expr_value_t r;
    char *ok = chain("+", 999);
    assert_int_equal(expr_parse(ok, lookup_xy, NULL, &e, err, sizeof err), 0);
    assert_int_equal(expr_eval(e, NULL, &r, err, sizeof err), 0);
    assert_true(r.kind == EXPR_NUM && r.num == 1000);
    expr_free(e);
    free(ok);
    static const char *const ops[] = {"+", "*", "&&", "||", "<", "=="};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char *deep = chain(ops[i], 200000);
        e = (expr_t *)1;
        assert_int_equal(expr_parse(deep, lookup_xy, NULL, &e, err, sizeof err), -1);
        assert_null(e);
        if (!strstr(err, "at position ") || !strstr(err, "too deep"))
            fail_msg("a chain of 200000 '%s': %s", ops[i], err);
        free(deep);
    }
    /* the same through a sweep file: continuation lines make any length */
    size_t cap = 4 * 1024 * 1024, at = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    at += (size_t)snprintf(text, cap, "[a]\nk = ${k=1,2}\n[sweep]\nconstraint = $k > 0\n");
    for (int line = 0; line < 2000; line++) {
        text[at++] = ' ';
        for (int i = 0; i < 50; i++)
            at += (size_t)snprintf(text + at, cap - at, "+1");
        text[at++] = '\n';
    }
    text[at] = 0;
    plan_error(text, "exp.ini:4: [sweep] constraint:", "too deep", NULL);
    free(text);
}

static void test_selection(void **state)
{
    (void)state;
    unsigned char sel[20];
    char err[256];
    assert_int_equal(sweep_parse_selection("1,2,5-10", 20, sel, err, sizeof err), 8);
    for (int i = 0; i < 20; i++)
        assert_int_equal(sel[i], i == 1 || i == 2 || (i >= 5 && i <= 10));
    assert_int_equal(sweep_parse_selection(" 3 - 4 , 3,19 ", 20, sel, err, sizeof err), 3);
    assert_true(sel[3] && sel[4] && sel[19] && !sel[1]); /* cleared first */
    assert_int_equal(sweep_parse_selection("0", 1, sel, err, sizeof err), 1);
    static const struct {
        const char *spec, *why;
    } bad[] = {
        {"20", "does not exist"},    {"5-20", "does not exist"},  {"3-1", "reversed"},
        {"abc", "expected a run"},   {"", "expected a run"},      {"1,,2", "expected a run"},
        {"1,", "expected a run"},    {"1-", "after '-'"},         {"1;2", "unexpected ';'"},
        {"-1", "expected a run"},    {"99999999999999", "does not exist"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        assert_int_equal(sweep_parse_selection(bad[i].spec, 20, sel, err, sizeof err), -1);
        if (!strstr(err, bad[i].why))
            fail_msg("'%s': message lacks '%s': %s", bad[i].spec, bad[i].why, err);
    }
    assert_int_equal(sweep_parse_selection(NULL, 20, sel, err, sizeof err), -1);
    assert_int_equal(sweep_parse_selection("0", 0, sel, err, sizeof err), -1);
    assert_non_null(strstr(err, "no runs"));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_doc_is_one_run),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_range_integer),
        cmocka_unit_test(test_range_float_without_noise),
        cmocka_unit_test(test_range_with_units),
        cmocka_unit_test(test_named_reference_and_text_around),
        cmocka_unit_test(test_lockstep),
        cmocka_unit_test(test_nesting_order_and_numbering),
        cmocka_unit_test(test_repeat_is_innermost),
        cmocka_unit_test(test_constraint),
        cmocka_unit_test(test_quoted_values),
        cmocka_unit_test(test_set_entries),
        cmocka_unit_test(test_runs_apply),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_combination_limit_is_early),
        cmocka_unit_test(test_expr),
        cmocka_unit_test(test_expr_long_chain),
        cmocka_unit_test(test_selection),
    };
    return cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
}
