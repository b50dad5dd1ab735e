/*
 * fuzz_sweep: libFuzzer harness of the sweep layer (config/sweep.h). The
 * input is an experiment file, then after a NUL byte a run selection
 * ("1,2,5-10"). The file is loaded, planned (sweep_plan), and a few of its
 * runs are built (the first ones, one in the middle, the last) and applied
 * (cfg_apply); the selection goes through sweep_parse_selection with the
 * plan's run count. Oracles: the numbering rules of sweep.h (runs = points
 * x repeat, run i is point i / R, replication i % R, run.replication set
 * when R > 1), no [sweep] entry in a run's document, a run number out of
 * range refused, a selection's count equal to the runs it marks, and a
 * message with every failure.
 *
 * A sweep may legitimately hold a million values per variable and ten
 * million combinations, which takes seconds; such inputs are skipped before
 * planning (fz_too_big) so that one input runs in milliseconds.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "fuzz_util.h"
#include "simtime.h"
#include "sweep.h"

#define FZ_MAX_INPUT 8192
#define FZ_MAX_VALUES 20000    /* values of one ${...} */
#define FZ_MAX_TOTAL 100000    /* values of all of them */
#define FZ_MAX_COMBOS 50000    /* combinations a constraint is evaluated on */
#define FZ_MAX_SELECT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s[b, e) trimmed, as a new string. */
static char *span(const char *s, size_t b, size_t e)
{
    while (b < e && isspace((unsigned char)s[b]))
        b++;
    while (e > b && isspace((unsigned char)s[e - 1]))
        e--;
    return fz_strndup((const uint8_t *)s + b, e - b);
}

/* A number the way a range may hold one: plain, or a duration in seconds. */
static int fz_number(const char *t, double *x)
{
    char *end;
    *x = strtod(t, &end);
    if (*t && !*end && isfinite(*x))
        return 0;
    simtime_t ns;
    int neg = *t == '-';
    if (simtime_parse(t + neg, &ns, NULL, 0) == 0) {
        *x = (neg ? -1.0 : 1.0) * (double)ns / 1e9;
        return 0;
    }
    return -1;
}

/* An upper bound of the values of a list item "FROM..TO [step S]" (1 for
 * anything else, which expands to one value or is refused). */
static double fz_item_values(const char *item)
{
    const char *dd = strstr(item, "..");
    if (!dd)
        return 1;
    const char *st = NULL;
    for (const char *p = strstr(dd + 2, "step"); p; p = strstr(p + 4, "step"))
        if (isspace((unsigned char)p[-1])) {
            st = p;
            break;
        }
    size_t n = strlen(item), at = (size_t)(dd - item);
    char *from = span(item, 0, at), *to = span(item, at + 2, st ? (size_t)(st - item) : n);
    char *step = st ? span(item, (size_t)(st - item) + 4, n) : NULL;
    double f, t, s = 1, r = 1;
    if (fz_number(from, &f) == 0 && fz_number(to, &t) == 0 && (!step || fz_number(step, &s) == 0) && s != 0)
        r = fabs((t - f) / s) + 2;
    free(from);
    free(to);
    free(step);
    return isfinite(r) ? r : 1e300;
}

/* 1 when planning text could take long: a big range, many values, or a
 * constraint over many combinations (products and sums over every ${...}
 * body, an over-estimate). */
static int fz_too_big(const char *text)
{
    double total = 0, product = 1;
    for (const char *p = strstr(text, "${"); p; p = strstr(p, "${")) {
        const char *b = p + 2, *e = b;
        int q = 0;
        for (; *e && *e != '\n' && (q || *e != '}'); e++) {
            if (q && *e == '\\' && e[1])
                e++;
            else if (*e == '"')
                q = !q;
        }
        char *body = fz_strndup((const uint8_t *)b, (size_t)(e - b));
        double values = 0;
        for (char *item = body; item;) {
            char *c = item;
            int iq = 0;
            for (; *c && (iq || *c != ','); c++) {
                if (iq && *c == '\\' && c[1])
                    c++;
                else if (*c == '"')
                    iq = !iq;
            }
            char *next = *c ? c + 1 : NULL;
            *c = 0;
            char *eq = strchr(item, '=');
            values += fz_item_values(eq && !strchr(item, '"') ? eq + 1 : item);
            item = next;
        }
        free(body);
        if (values > FZ_MAX_VALUES)
            return 1;
        total += values;
        product *= values;
        p = *e ? e + 1 : e;
    }
    if (total > FZ_MAX_TOTAL)
        return 1;
    return strstr(text, "constraint") && product > FZ_MAX_COMBOS;
}

static void check_run(const sweep_plan_t *plan, int i)
{
    char err[1024];
    const char *values[SWEEP_MAX_VARS];
    int point = -1, rep = -1;
    cfg_doc_t d;
    if (sweep_run(plan, i, &d, &point, &rep, values, err, sizeof err) != 0)
        fz_fail("sweep_run(%d) of %d runs failed: %s", i, sweep_count(plan), err);
    int R = sweep_repeat(plan);
    if (point != i / R || rep != i % R)
        fz_fail("run %d is point %d replication %d; with repeat %d it must be %d, %d", i, point, rep, R, i / R, i % R);
    for (int v = 0; v < sweep_nvars(plan); v++)
        if (!values[v])
            fz_fail("run %d: variable %d has no value", i, v);
    for (int k = 0; k < d.n; k++)
        if (!strcmp(d.entries[k].section, SWEEP_SECTION))
            fz_fail("run %d: [%s] %s was passed on", i, SWEEP_SECTION, d.entries[k].key);
    run_cfg_t *c = malloc(sizeof *c);
    if (!c)
        abort();
    if (cfg_apply(&d, c, err, sizeof err) == 0) {
        if (R > 1 && c->run.replication != (uint32_t)rep)
            fz_fail("run %d: run.replication is %u, not %d", i, (unsigned)c->run.replication, rep);
    } else {
        fz_check_err("cfg_apply of a run", err, sizeof err);
    }
    free(c);
    cfg_doc_free(&d);
}

static void check_plan(const sweep_plan_t *plan)
{
    int n = sweep_count(plan), P = sweep_points(plan), R = sweep_repeat(plan);
    if (n < 1 || P < 1 || R < 1 || (long long)P * R != n || n > SWEEP_MAX_RUNS)
        fz_fail("a plan of %d runs, %d points, repeat %d", n, P, R);
    int nv = sweep_nvars(plan);
    if (nv < 0 || nv > SWEEP_MAX_VARS)
        fz_fail("a plan of %d variables", nv);
    for (int v = 0; v < nv; v++)
        if (!sweep_var_name(plan, v))
            fz_fail("variable %d has no name", v);
    int picks[] = {0, 1, 2, 3, n / 2, n - 1};
    for (size_t k = 0; k < sizeof picks / sizeof picks[0]; k++)
        if (picks[k] < n)
            check_run(plan, picks[k]);
    char err[256];
    cfg_doc_t d;
    if (sweep_run(plan, n, &d, NULL, NULL, NULL, err, sizeof err) == 0)
        fz_fail("sweep_run accepted run %d of a sweep of %d runs", n, n);
    fz_check_err("sweep_run out of range", err, sizeof err);
    if (d.n || d.entries)
        fz_fail("sweep_run failed but left a document");
}

static void check_selection(const char *spec, int n)
{
    unsigned char *sel = malloc((size_t)n);
    if (!sel)
        abort();
    char err[512];
    int rc = sweep_parse_selection(spec, n, sel, err, sizeof err);
    if (rc < 0) {
        fz_check_err("sweep_parse_selection", err, sizeof err);
    } else {
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (sel[i] > 1)
                fz_fail("selection '%s': selected[%d] = %d", spec, i, sel[i]);
            count += sel[i];
        }
        if (count != rc || rc == 0)
            fz_fail("selection '%s' returned %d but marks %d runs", spec, rc, count);
    }
    free(sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    char *text, *spec;
    fz_split(data, size, &text, &spec);
    int nsel = 1 + (int)(size % 64);
    if (!fz_too_big(text)) {
        char err[1024];
        cfg_doc_t d;
        if (cfg_doc_load_string(&d, "fuzz.ini", text, err, sizeof err) == 0) {
            sweep_plan_t plan;
            if (sweep_plan(&d, &plan, err, sizeof err) == 0) {
                cfg_doc_free(&d); /* the plan must not depend on the document */
                check_plan(&plan);
                nsel = sweep_count(&plan) < FZ_MAX_SELECT ? sweep_count(&plan) : FZ_MAX_SELECT;
            } else {
                fz_check_err("sweep_plan", err, sizeof err);
                if (plan.s)
                    fz_fail("sweep_plan failed but left a plan");
            }
            sweep_plan_free(&plan);
            cfg_doc_free(&d);
        }
    }
    check_selection(spec, nsel);
    free(text);
    free(spec);
    return 0;
}
