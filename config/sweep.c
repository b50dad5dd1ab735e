/*
 * sweep: turns an experiment document with ${...} iterations and a [sweep]
 * section into numbered runs (rules in sweep.h; they follow the parameter
 * studies of OMNeT++ ini files, which users of this kind of tool know).
 *
 * How: sweep_plan copies the document once, cuts every value into literal
 * pieces and variable slots, expands each iteration into its list of
 * values as text (ranges are formatted here, once), and, when there is a
 * constraint, evaluates it over the cartesian product of the loops and
 * keeps the indexes that pass. sweep_run then only decodes a run number
 * into loop indexes and concatenates pieces, so listing or farming out
 * runs costs nothing per run but the copy.
 *
 * Documents built here are allocated exactly as config/cfg.c allocates
 * them (malloc'd entry array with n and cap, strdup'd strings, path and
 * text), so cfg_doc_free and cfg_doc_set work on them.
 */
#include "sweep.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "simtime.h"

/* The end of a range counts when it lies within this fraction of a step
 * from the grid, so 0.1..0.5 step 0.1 ends at 0.5 despite binary rounding. */
#define RANGE_TOL 1e-9

/* A piece of a value: literal text value[off, off+len), or the current
 * value of variable `var`. `ref` holds a referenced name until it is
 * resolved to `var`. */
typedef struct {
    size_t off, len;
    int var; /* -1: literal */
    char *ref;
} seg_t;

/* An entry of the input (outside [sweep]) with its value cut into pieces. */
typedef struct {
    char *section, *key, *value;
    const char *file; /* the plan's path, or a static string such as "--set" */
    int line, section_line;
    seg_t *seg; /* NULL: the value has no ${...} and is copied as is */
    int nseg, capseg;
} tentry_t;

typedef struct {
    char *name;
    int named;
    char **vals;
    int nvals, capvals;
    expr_value_t *ev; /* vals as the constraint sees them */
    char *lock_name;  /* "! other", or NULL */
    int lock;         /* index of the variable followed; -1 */
    int loop;         /* the loop that drives it (its own, or its leader's) */
    int entry;        /* where it is defined, for messages */
} var_t;

struct sweep_state {
    char *path;
    int from_file;
    char *text;
    size_t text_len;
    tentry_t *ent;
    int nent;
    var_t *var;
    int nvar, capvar;
    int *loop_size; /* loop 0 is the outermost */
    int nloop;
    long long product; /* combinations before the constraint */
    long long defined; /* product of the loops defined so far, while scanning */
    int repeat;
    int set_replication; /* [sweep] repeat was given */
    const char *rep_file;
    int rep_line;
    long long *combo; /* flat combination index of each point; NULL: every one */
    int points, runs;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static int fail_at(char *err, size_t errlen, const char *file, int line, const char *section, const char *key,
                   const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* "FILE:LINE: [section] key: message", like cfg.c's messages. */
static int fail_at(char *err, size_t errlen, const char *file, int line, const char *section, const char *key,
                   const char *fmt, ...)
{
    if (!err || !errlen)
        return -1;
    int k;
    if (line > 0)
        k = snprintf(err, errlen, "%s:%d: [%s] %s: ", file ? file : "(document)", line, section, key);
    else
        k = snprintf(err, errlen, "%s: [%s] %s: ", file ? file : "(document)", section, key);
    if (k >= 0 && (size_t)k < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}


static char *dup_s(const char *s)
{
    return s ? cfg_strndup(s, strlen(s)) : NULL;
}

/* Bounds of s[b, e) without surrounding blanks. */
static void trim_span(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && isspace((unsigned char)s[*b]))
        (*b)++;
    while (*e > *b && isspace((unsigned char)s[*e - 1]))
        (*e)--;
}

static int is_ident(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

/* Index of the first c in s[b, e) outside "..." quotes, or e. */
static size_t find_unquoted(const char *s, size_t b, size_t e, char c)
{
    int q = 0;
    for (size_t i = b; i < e; i++) {
        if (q && s[i] == '\\' && i + 1 < e)
            i++;
        else if (s[i] == '"')
            q = !q;
        else if (!q && s[i] == c)
            return i;
    }
    return e;
}

static int find_var(const struct sweep_state *st, const char *name, size_t len)
{
    for (int v = 0; v < st->nvar; v++)
        if (st->var[v].named && strlen(st->var[v].name) == len && !strncmp(st->var[v].name, name, len))
            return v;
    return -1;
}

static int lookup_cb(void *ctx, const char *name, size_t len)
{
    return find_var(ctx, name, len);
}

/* ------------------------------------------------------------------ */
/* Number and duration formatting                                       */
/* ------------------------------------------------------------------ */

/* A plain decimal ("12", "-0.25", "1e-3"): its value and the number of
 * decimals it carries (0.25 -> 2, 1e-3 -> 3, 2.5e2 -> 0), which bounds the
 * decimals a range's values need. Returns -1 if s is not such a number. */
static int parse_decimal(const char *s, double *x, int *decimals)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0, nfrac = 0;
    while (isdigit((unsigned char)*p))
        p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++, digits++, nfrac++;
    }
    if (!digits)
        return -1;
    long exp10 = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        int neg = *p == '-';
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p)) {
            if (exp10 < 100000)
                exp10 = exp10 * 10 + (*p - '0');
            p++;
        }
        if (neg)
            exp10 = -exp10;
    }
    if (*p)
        return -1;
    *x = strtod(s, NULL);
    if (!isfinite(*x))
        return -1;
    long d = nfrac - exp10;
    *decimals = d < 0 ? 0 : d > 1000 ? 1000 : (int)d;
    return 0;
}

/* x with `decimals` decimals at most, trailing zeros dropped: rounding to
 * the decimals of the range's start and step is what removes binary noise
 * (0.1 + 2 * 0.1 prints as 0.3). Too many decimals fall back to 15
 * significant digits, which also hide the noise. */
static void fmt_number(double x, int decimals, char *buf, size_t len)
{
    if (decimals <= 17) {
        snprintf(buf, len, "%.*f", decimals, x);
        char *dot = strchr(buf, '.');
        if (dot) {
            char *e = buf + strlen(buf);
            while (e > dot + 1 && e[-1] == '0')
                *--e = 0;
            if (e == dot + 1)
                *dot = 0;
        }
    } else {
        snprintf(buf, len, "%.15g", x);
    }
    if (!strcmp(buf, "-0"))
        snprintf(buf, len, "0");
}

/* ns in the unit `unit` ("ms", "s", ...) when that is exact, else in the
 * largest exact unit (simtime_format). Units that are powers of ten of a
 * nanosecond are always exact with enough decimals; m and h only for whole
 * numbers (90s is not a finite decimal of minutes in general). */
static void fmt_duration(simtime_t ns, const char *unit, char *buf, size_t len)
{
    char one[16];
    simtime_t per = 0;
    snprintf(one, sizeof one, "1%s", unit);
    if (ns < 0 || !*unit || simtime_parse(one, &per, NULL, 0) < 0 || per <= 0) {
        simtime_format(ns, buf, len);
        return;
    }
    simtime_t q = ns / per, r = ns % per;
    if (r == 0) {
        snprintf(buf, len, "%" PRId64 "%s", (int64_t)q, unit);
        return;
    }
    int digits = 0;
    simtime_t p10 = per;
    while (p10 % 10 == 0)
        p10 /= 10, digits++;
    if (p10 != 1) { /* minutes or hours */
        simtime_format(ns, buf, len);
        return;
    }
    char frac[24]; /* r < per <= 10^18: at most 18 digits */
    for (int k = digits - 1; k >= 0; k--, r /= 10)
        frac[k] = (char)('0' + r % 10);
    frac[digits] = 0;
    for (int k = digits - 1; k > 0 && frac[k] == '0'; k--)
        frac[k] = 0;
    snprintf(buf, len, "%" PRId64 ".%s%s", (int64_t)q, frac, unit);
}

/* ------------------------------------------------------------------ */
/* Variables and their values                                           */
/* ------------------------------------------------------------------ */

static int push_value(var_t *v, const char *s, size_t n, char *m, size_t ml)
{
    if (v->nvals >= SWEEP_MAX_VALUES)
        return cfg_seterr(m, ml, "more than %d values", SWEEP_MAX_VALUES);
    if (v->nvals == v->capvals) {
        int cap = v->capvals ? 2 * v->capvals : 8;
        char **nv = realloc(v->vals, (size_t)cap * sizeof *nv);
        if (!nv)
            return cfg_seterr(m, ml, "out of memory");
        v->vals = nv;
        v->capvals = cap;
    }
    char *c = cfg_strndup(s, n);
    if (!c)
        return cfg_seterr(m, ml, "out of memory");
    v->vals[v->nvals++] = c;
    return 0;
}

static int push_str(var_t *v, const char *s, char *m, size_t ml)
{
    return push_value(v, s, strlen(s), m, ml);
}

/* The unit letters at the end of a duration's text ("10ms" -> "ms"). */
static void unit_of(const char *t, char *unit, size_t len)
{
    size_t n = strlen(t), b = n;
    while (b > 0 && isalpha((unsigned char)t[b - 1]))
        b--;
    snprintf(unit, len, "%s", t + b);
}

static int wrong_sign(char *m, size_t ml, const char *item, const char *step)
{
    return cfg_seterr(m, ml, "bad range '%s': step %s goes away from the end (the sign is wrong)", item, step);
}

static int range_of_durations(var_t *v, const char *item, const char *from, const char *to, const char *step,
                              char *m, size_t ml)
{
    if (!step)
        return cfg_seterr(m, ml, "bad range '%s': a range of durations needs a step with a unit, e.g. step 10ms",
                          item);
    simtime_t f, t, s;
    char why[160];
    if (simtime_parse(from, &f, why, sizeof why) < 0 || simtime_parse(to, &t, why, sizeof why) < 0)
        return cfg_seterr(m, ml, "bad range '%s': %s", item, why);
    int neg = *step == '-';
    if (simtime_parse(step + neg, &s, why, sizeof why) < 0)
        return cfg_seterr(m, ml, "bad range '%s': %s", item, why);
    if (s == 0)
        return cfg_seterr(m, ml, "bad range '%s': the step must not be zero", item);
    if ((t > f && neg) || (t < f && !neg))
        return wrong_sign(m, ml, item, step);
    uint64_t span = (uint64_t)(t > f ? t - f : f - t), us = (uint64_t)s;
    uint64_t k = span / us, rem = span % us;
    int lands = 1;
    if ((double)(us - rem) <= RANGE_TOL * (double)us)
        k++; /* the next grid point is the end, give or take the tolerance */
    else
        lands = (double)rem <= RANGE_TOL * (double)us;
    if (k >= SWEEP_MAX_VALUES)
        return cfg_seterr(m, ml, "bad range '%s': more than %d values", item, SWEEP_MAX_VALUES);
    char unit[8] = "";
    const char *texts[3] = {from, to, step};
    for (int i = 0; i < 3 && !*unit; i++)
        unit_of(texts[i], unit, sizeof unit);
    for (uint64_t j = 0; j <= k; j++) {
        simtime_t x = (j == k && lands) ? t : neg ? f - (simtime_t)(j * us) : f + (simtime_t)(j * us);
        char buf[64];
        fmt_duration(x, unit, buf, sizeof buf);
        if (push_str(v, buf, m, ml) < 0)
            return -1;
    }
    return 0;
}

/* Expand "FROM..TO [step S]" into v's values. m gets a message without a
 * location on error. */
static int expand_range(var_t *v, const char *item, char *m, size_t ml)
{
    const char *dd = strstr(item, "..");
    size_t n = strlen(item);
    size_t fb = 0, fe = (size_t)(dd - item);
    trim_span(item, &fb, &fe);
    size_t rb = (size_t)(dd - item) + 2, re = n;
    /* "step" as a word: blank before it, blank or the end after it. */
    const char *stepw = NULL;
    for (const char *p = strstr(item + rb, "step"); p; p = strstr(p + 4, "step"))
        if (p > item + rb && isspace((unsigned char)p[-1]) && (isspace((unsigned char)p[4]) || !p[4])) {
            stepw = p;
            break;
        }
    size_t tb = rb, te = stepw ? (size_t)(stepw - item) : re;
    trim_span(item, &tb, &te);
    size_t sb = stepw ? (size_t)(stepw - item) + 4 : 0, se = stepw ? re : 0;
    if (stepw)
        trim_span(item, &sb, &se);
    if (fb == fe || tb == te || (stepw && sb == se))
        return cfg_seterr(m, ml, "bad range '%s': expected FROM..TO or FROM..TO step STEP", item);

    char *from = cfg_strndup(item + fb, fe - fb), *to = cfg_strndup(item + tb, te - tb);
    char *step = stepw ? cfg_strndup(item + sb, se - sb) : NULL;
    int rc = -1;
    if (!from || !to || (stepw && !step)) {
        cfg_seterr(m, ml, "out of memory");
        goto done;
    }
    double f = 0, t = 0, s = 1;
    int df = 0, dt = 0, ds = 0;
    int okf = parse_decimal(from, &f, &df) == 0, okt = parse_decimal(to, &t, &dt) == 0;
    int oks = !step || parse_decimal(step, &s, &ds) == 0;
    if (!(okf && okt && oks)) {
        /* Not plain numbers: durations when some part has a unit letter
         * and every part has digits (simtime_parse then names any
         * mistake); otherwise name the part that is not a number. */
        const char *parts[3] = {from, to, step};
        int letters = 0, digits = 1;
        for (int i = 0; i < 3; i++)
            if (parts[i]) {
                for (const char *p = parts[i]; *p; p++)
                    letters |= isalpha((unsigned char)*p) != 0;
                digits &= strpbrk(parts[i], "0123456789") != NULL;
            }
        if (letters && digits) {
            rc = range_of_durations(v, item, from, to, step, m, ml);
            goto done;
        }
        cfg_seterr(m, ml, "bad range '%s': '%s' is not a number", item, !okf ? from : !okt ? to : step);
        goto done;
    }
    if (s == 0) {
        cfg_seterr(m, ml, "bad range '%s': the step must not be zero", item);
        goto done;
    }
    double q = (t - f) / s;
    if (!isfinite(q)) {
        cfg_seterr(m, ml, "bad range '%s': too many values", item);
        goto done;
    }
    if (q < -RANGE_TOL) {
        wrong_sign(m, ml, item, step ? step : "1");
        goto done;
    }
    double kf = floor(q + RANGE_TOL);
    if (kf < 0)
        kf = 0;
    if (kf >= SWEEP_MAX_VALUES) {
        cfg_seterr(m, ml, "bad range '%s': more than %d values", item, SWEEP_MAX_VALUES);
        goto done;
    }
    int lands = fabs(q - kf) <= RANGE_TOL;
    int d = df > ds ? df : ds;
    int k = (int)kf;
    for (int j = 0; j <= k; j++) {
        char buf[512];
        if (j == k && lands)
            fmt_number(t, d > dt ? d : dt, buf, sizeof buf);
        else
            fmt_number(f + j * s, d, buf, sizeof buf);
        if (push_str(v, buf, m, ml) < 0)
            goto done;
    }
    rc = 0;
done:
    free(from);
    free(to);
    free(step);
    return rc;
}

/* One item of a list, body[b, e) already trimmed and non-empty. */
static int expand_item(var_t *v, const char *body, size_t b, size_t e, char *m, size_t ml)
{
    if (body[b] == '"') {
        char *buf = malloc(e - b + 1);
        if (!buf)
            return cfg_seterr(m, ml, "out of memory");
        size_t n = 0, i = b + 1;
        while (i < e && body[i] != '"') {
            if (body[i] == '\\' && i + 1 < e)
                i++;
            buf[n++] = body[i++];
        }
        int rc;
        if (i >= e)
            rc = cfg_seterr(m, ml, "unterminated quote in '%.*s'", (int)(e - b), body + b);
        else if (i + 1 != e)
            rc = cfg_seterr(m, ml, "text after the closing quote in '%.*s'", (int)(e - b), body + b);
        else
            rc = push_value(v, buf, n, m, ml);
        free(buf);
        return rc;
    }
    if (memchr(body + b, '"', e - b))
        return cfg_seterr(m, ml, "'%.*s': quotes must enclose the whole value", (int)(e - b), body + b);
    char *item = cfg_strndup(body + b, e - b);
    if (!item)
        return cfg_seterr(m, ml, "out of memory");
    int rc = strstr(item, "..") ? expand_range(v, item, m, ml) : push_str(v, item, m, ml);
    free(item);
    return rc;
}

static int new_var(struct sweep_state *st)
{
    if (st->nvar == st->capvar) {
        int cap = st->capvar ? 2 * st->capvar : 8;
        var_t *nv = realloc(st->var, (size_t)cap * sizeof *nv);
        if (!nv)
            return -1;
        st->var = nv;
        st->capvar = cap;
    }
    var_t *v = &st->var[st->nvar];
    memset(v, 0, sizeof *v);
    v->lock = -1;
    return st->nvar++;
}

/* The iteration body[0, n) ("x=1,2 ! y", "a, b", "1..5") of entry ei, the
 * k-th unnamed one of that entry if it has no name. Returns the new
 * variable's index. */
static int define_var(struct sweep_state *st, int ei, const char *body, size_t n, int *unnamed, char *m,
                      size_t ml)
{
    const tentry_t *en = &st->ent[ei];
    size_t b = 0, e = n;
    if (st->nvar >= SWEEP_MAX_VARS)
        return cfg_seterr(m, ml, "more than %d iteration variables", SWEEP_MAX_VARS);
    size_t eq = find_unquoted(body, 0, n, '=');
    size_t comma = find_unquoted(body, 0, n, ',');
    char *name = NULL;
    if (eq < n && eq < comma) {
        size_t nb = 0, ne = eq;
        trim_span(body, &nb, &ne);
        if (!is_ident(body + nb, ne - nb))
            return cfg_seterr(m, ml, "'%.*s' before '=' is not a variable name (letters, digits, _; "
                              "quote a value that contains '=')", (int)(ne - nb), body + nb);
        if (find_var(st, body + nb, ne - nb) >= 0) {
            const tentry_t *d = &st->ent[st->var[find_var(st, body + nb, ne - nb)].entry];
            return cfg_seterr(m, ml, "variable %.*s is already defined (%s:%d)", (int)(ne - nb), body + nb,
                              d->file ? d->file : "", d->line);
        }
        name = cfg_strndup(body + nb, ne - nb);
        b = eq + 1;
    } else {
        (*unnamed)++;
        size_t need = strlen(en->section) + strlen(en->key) + 16;
        name = malloc(need);
        if (name) {
            if (*en->section)
                snprintf(name, need, "%s.%s", en->section, en->key);
            else
                snprintf(name, need, "%s", en->key);
            if (*unnamed > 1)
                snprintf(name + strlen(name), need - strlen(name), "#%d", *unnamed);
        }
    }
    if (!name)
        return cfg_seterr(m, ml, "out of memory");
    int vi = new_var(st);
    if (vi < 0) {
        free(name);
        return cfg_seterr(m, ml, "out of memory");
    }
    var_t *v = &st->var[vi];
    v->name = name;
    v->named = b > 0;
    v->entry = ei;

    size_t bang = find_unquoted(body, b, n, '!');
    if (bang < n) {
        size_t lb = bang + 1, le = n;
        trim_span(body, &lb, &le);
        if (!is_ident(body + lb, le - lb))
            return cfg_seterr(m, ml, "expected the name of a variable after '!', not '%.*s'", (int)(le - lb),
                              body + lb);
        v->lock_name = cfg_strndup(body + lb, le - lb);
        if (!v->lock_name)
            return cfg_seterr(m, ml, "out of memory");
        e = bang;
    }
    size_t lb = b, le = e;
    trim_span(body, &lb, &le);
    if (lb == le)
        return cfg_seterr(m, ml, "no values in ${%.*s}", (int)n, body);
    while (b <= e) {
        size_t c = find_unquoted(body, b, e, ',');
        size_t ib = b, ie = c;
        trim_span(body, &ib, &ie);
        if (ib == ie)
            return cfg_seterr(m, ml, "empty value in ${%.*s} (write an empty string as \"\")", (int)n, body);
        if (expand_item(v, body, ib, ie, m, ml) < 0)
            return -1;
        b = c + 1;
    }
    /* A loop multiplies the combinations: stop at the limit now rather than
     * expand every other variable first (several ranges of a million values
     * would take seconds and gigabytes before resolve() said so). */
    if (!v->lock_name) {
        st->defined *= v->nvals;
        if (st->defined > SWEEP_MAX_RUNS)
            return cfg_seterr(m, ml, "the sweep has more than %d combinations", SWEEP_MAX_RUNS);
    }
    return vi;
}

static int push_seg(tentry_t *en, size_t off, size_t len, int var, char *ref)
{
    if (en->nseg == en->capseg) {
        int cap = en->capseg ? 2 * en->capseg : 4;
        seg_t *ns = realloc(en->seg, (size_t)cap * sizeof *ns);
        if (!ns)
            return -1;
        en->seg = ns;
        en->capseg = cap;
    }
    en->seg[en->nseg++] = (seg_t){off, len, var, ref};
    return 0;
}

/* Cut entry ei's value into literal pieces, definitions and references.
 * References stay names here: a definition may come later in the file. */
static int scan_entry(struct sweep_state *st, int ei, char *err, size_t errlen)
{
    tentry_t *en = &st->ent[ei];
    const char *s = en->value;
    size_t n = strlen(s), lit = 0, i = 0;
    int unnamed = 0;
    char m[512];
#define FAIL(...) fail_at(err, errlen, en->file, en->line, en->section, en->key, __VA_ARGS__)
    while (i < n) {
        if (!(s[i] == '$' && s[i + 1] == '{')) {
            i++;
            continue;
        }
        size_t open = i, b = i + 2, j = b;
        int q = 0;
        for (; j < n; j++) {
            if (q) {
                if (s[j] == '\\' && j + 1 < n)
                    j++;
                else if (s[j] == '"')
                    q = 0;
            } else if (s[j] == '"') {
                q = 1;
            } else if (s[j] == '}') {
                break;
            } else if (s[j] == '$') {
                return FAIL("${...} at position %zu: iteration values cannot refer to variables or contain '$' "
                            "(quote a literal '$')", open + 1);
            }
        }
        if (j >= n)
            return FAIL(q ? "unterminated quote in ${ at position %zu" : "unterminated ${ at position %zu (no "
                        "closing })", open + 1);
        size_t tb = b, te = j;
        trim_span(s, &tb, &te);
        if (tb == te)
            return FAIL("empty ${} at position %zu", open + 1);
        if (open > lit && push_seg(en, lit, open - lit, -1, NULL) < 0)
            return FAIL("out of memory");
        if (is_ident(s + tb, te - tb)) {
            char *ref = cfg_strndup(s + tb, te - tb);
            if (!ref || push_seg(en, 0, 0, -1, ref) < 0) {
                free(ref);
                return FAIL("out of memory");
            }
        } else {
            int vi = define_var(st, ei, s + b, j - b, &unnamed, m, sizeof m);
            if (vi < 0)
                return FAIL("%s", m);
            if (push_seg(en, 0, 0, vi, NULL) < 0)
                return FAIL("out of memory");
        }
        i = lit = j + 1;
    }
    if (en->nseg && lit < n && push_seg(en, lit, n - lit, -1, NULL) < 0)
        return FAIL("out of memory");
    return 0;
#undef FAIL
}

/* ------------------------------------------------------------------ */
/* Planning                                                             */
/* ------------------------------------------------------------------ */

static void state_free(struct sweep_state *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->nent; i++) {
        tentry_t *en = &st->ent[i];
        free(en->section);
        free(en->key);
        free(en->value);
        for (int k = 0; k < en->nseg; k++)
            free(en->seg[k].ref);
        free(en->seg);
    }
    free(st->ent);
    for (int v = 0; v < st->nvar; v++) {
        var_t *x = &st->var[v];
        free(x->name);
        for (int k = 0; k < x->nvals; k++)
            free(x->vals[k]);
        free(x->vals);
        free(x->ev);
        free(x->lock_name);
    }
    free(st->var);
    free(st->loop_size);
    free(st->combo);
    free(st->path);
    free(st->text);
    free(st);
}

/* [sweep] keys. */
static int sweep_key(struct sweep_state *st, const cfg_entry_t *e, const char *file, const cfg_entry_t **constraint,
                     char *err, size_t errlen)
{
    if (!strcmp(e->key, "repeat")) {
        const char *p = e->value;
        long long r = 0;
        int ok = isdigit((unsigned char)*p) != 0;
        for (; ok && *p; p++) {
            if (!isdigit((unsigned char)*p) || r > SWEEP_MAX_REPEAT)
                ok = 0;
            else
                r = r * 10 + (*p - '0');
        }
        if (!ok || r < 1 || r > SWEEP_MAX_REPEAT)
            return fail_at(err, errlen, file, e->line, e->section, e->key,
                           "expected a whole number of replications from 1 to %d, not '%s'", SWEEP_MAX_REPEAT,
                           e->value);
        st->repeat = (int)r;
        st->set_replication = 1;
        st->rep_file = file;
        st->rep_line = e->line;
        return 0;
    }
    if (!strcmp(e->key, "constraint")) {
        *constraint = e;
        return 0;
    }
    return fail_at(err, errlen, file, e->line, e->section, e->key, "unknown key; [%s] has repeat and constraint",
                   SWEEP_SECTION);
}

/* The file pointer an entry gets in the plan: the plan's own path for
 * entries of the document, else the (static) string it had. */
static const char *plan_file(const struct sweep_state *st, const cfg_doc_t *doc, const char *file)
{
    if (file && doc->path && (file == doc->path || !strcmp(file, doc->path)))
        return st->path;
    if (file && !strcmp(file, CFG_SET_FILE))
        return CFG_SET_FILE;
    return file;
}

static int resolve(struct sweep_state *st, char *err, size_t errlen)
{
    for (int i = 0; i < st->nent; i++) {
        tentry_t *en = &st->ent[i];
        for (int k = 0; k < en->nseg; k++) {
            seg_t *g = &en->seg[k];
            if (!g->ref)
                continue;
            g->var = find_var(st, g->ref, strlen(g->ref));
            if (g->var < 0)
                return fail_at(err, errlen, en->file, en->line, en->section, en->key,
                               "unknown variable ${%s} (define it somewhere with ${%s=...})", g->ref, g->ref);
        }
    }
    /* Lockstep: follow "! name" to a variable that follows nobody. */
    for (int v = 0; v < st->nvar; v++) {
        var_t *x = &st->var[v];
        if (!x->lock_name)
            continue;
        const tentry_t *en = &st->ent[x->entry];
        int t = find_var(st, x->lock_name, strlen(x->lock_name));
        if (t < 0)
            return fail_at(err, errlen, en->file, en->line, en->section, en->key,
                           "unknown variable '%s' after '!'", x->lock_name);
        if (st->var[t].nvals != x->nvals)
            return fail_at(err, errlen, en->file, en->line, en->section, en->key,
                           "%s has %d values but %s, which it follows with '!', has %d: lockstep needs equal "
                           "lengths", x->name, x->nvals, st->var[t].name, st->var[t].nvals);
        x->lock = t;
    }
    for (int v = 0; v < st->nvar; v++) {
        int r = v, steps = 0;
        while (st->var[r].lock >= 0 && steps <= st->nvar)
            r = st->var[r].lock, steps++;
        if (steps > st->nvar) {
            const tentry_t *en = &st->ent[st->var[v].entry];
            return fail_at(err, errlen, en->file, en->line, en->section, en->key,
                           "variable %s is part of a lockstep cycle ('!'); one of the variables must be a "
                           "plain loop", st->var[v].name);
        }
    }
    /* Loops: the variables that follow nobody, in definition order. */
    st->loop_size = malloc((size_t)(st->nvar ? st->nvar : 1) * sizeof *st->loop_size);
    if (!st->loop_size)
        return cfg_seterr(err, errlen, "%s: out of memory", st->path ? st->path : "sweep");
    st->product = 1;
    for (int v = 0; v < st->nvar; v++) {
        var_t *x = &st->var[v];
        if (x->lock >= 0)
            continue;
        x->loop = st->nloop;
        st->loop_size[st->nloop++] = x->nvals;
        st->product *= x->nvals;
        if (st->product > SWEEP_MAX_RUNS) {
            const tentry_t *en = &st->ent[x->entry];
            return fail_at(err, errlen, en->file, en->line, en->section, en->key,
                           "the sweep has more than %d combinations", SWEEP_MAX_RUNS);
        }
    }
    for (int v = 0; v < st->nvar; v++) {
        int r = v;
        while (st->var[r].lock >= 0)
            r = st->var[r].lock;
        st->var[v].loop = st->var[r].loop;
    }
    return 0;
}

/* Loop indexes of flat combination index c (the innermost loop varies
 * fastest). */
static void decode(const struct sweep_state *st, long long c, int *idx)
{
    for (int l = st->nloop - 1; l >= 0; l--) {
        idx[l] = (int)(c % st->loop_size[l]);
        c /= st->loop_size[l];
    }
}

/* "x=1, y=2" for messages about one combination. */
static void describe(const struct sweep_state *st, const int *idx, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (int v = 0; v < st->nvar && at < len; v++) {
        int k = snprintf(buf + at, len - at, "%s%s=%s", v ? ", " : "", st->var[v].name,
                         st->var[v].vals[idx[st->var[v].loop]]);
        if (k < 0)
            break;
        at += (size_t)k;
    }
}

static int apply_constraint(struct sweep_state *st, const cfg_entry_t *c, const char *file, char *err,
                            size_t errlen)
{
    char m[512];
#define FAIL(...) fail_at(err, errlen, file, c->line, c->section, c->key, __VA_ARGS__)
    expr_t *e = NULL;
    if (expr_parse(c->value, lookup_cb, st, &e, m, sizeof m) < 0)
        return FAIL("%s", m);
    for (int v = 0; v < st->nvar; v++) {
        var_t *x = &st->var[v];
        x->ev = malloc((size_t)x->nvals * sizeof *x->ev);
        if (!x->ev) {
            expr_free(e);
            return FAIL("out of memory");
        }
        for (int k = 0; k < x->nvals; k++)
            expr_value_from_text(x->vals[k], &x->ev[k]);
    }
    int rc = -1;
    int *idx = malloc((size_t)(st->nloop ? st->nloop : 1) * sizeof *idx);
    expr_value_t *cur = malloc((size_t)(st->nvar ? st->nvar : 1) * sizeof *cur);
    long long cap = 0;
    if (!idx || !cur) {
        FAIL("out of memory");
        goto done;
    }
    for (long long flat = 0; flat < st->product; flat++) {
        decode(st, flat, idx);
        for (int v = 0; v < st->nvar; v++)
            cur[v] = st->var[v].ev[idx[st->var[v].loop]];
        expr_value_t r;
        char at[256];
        if (expr_eval(e, cur, &r, m, sizeof m) < 0) {
            describe(st, idx, at, sizeof at);
            FAIL("%s (when %s)", m, at);
            goto done;
        }
        if (r.kind != EXPR_NUM) {
            describe(st, idx, at, sizeof at);
            FAIL("the constraint gives the string '%s', not a condition (when %s)", r.str, at);
            goto done;
        }
        if (r.num == 0)
            continue;
        if (st->points == cap) {
            cap = cap ? 2 * cap : 64;
            long long *nc = realloc(st->combo, (size_t)cap * sizeof *nc);
            if (!nc) {
                FAIL("out of memory");
                goto done;
            }
            st->combo = nc;
        }
        st->combo[st->points++] = flat;
    }
    if (st->points == 0) {
        FAIL("no combination of the variables satisfies the constraint '%s'", c->value);
        goto done;
    }
    rc = 0;
done:
    free(idx);
    free(cur);
    expr_free(e);
    return rc;
#undef FAIL
}

int sweep_plan(const cfg_doc_t *doc, sweep_plan_t *plan, char *err, size_t errlen)
{
    plan->s = NULL;
    struct sweep_state *st = calloc(1, sizeof *st);
    if (!st)
        return cfg_seterr(err, errlen, "out of memory");
    const char *name = doc->path ? doc->path : "(document)";
    st->repeat = 1;
    st->defined = 1;
    st->from_file = doc->from_file;
    st->path = dup_s(doc->path);
    if (doc->text) {
        st->text = cfg_strndup(doc->text, doc->text_len);
        st->text_len = doc->text_len;
    }
    st->ent = malloc((size_t)(doc->n ? doc->n : 1) * sizeof *st->ent);
    if ((doc->path && !st->path) || (doc->text && !st->text) || !st->ent) {
        state_free(st);
        return cfg_seterr(err, errlen, "%s: out of memory", name);
    }
    const cfg_entry_t *constraint = NULL;
    const char *constraint_file = NULL;
    for (int i = 0; i < doc->n; i++) {
        const cfg_entry_t *e = &doc->entries[i];
        const char *file = plan_file(st, doc, e->file);
        if (!strcmp(e->section, SWEEP_SECTION)) {
            if (sweep_key(st, e, file, &constraint, err, errlen) < 0) {
                state_free(st);
                return -1;
            }
            if (constraint == e)
                constraint_file = file;
            continue;
        }
        tentry_t *en = &st->ent[st->nent];
        memset(en, 0, sizeof *en);
        en->section = dup_s(e->section);
        en->key = dup_s(e->key);
        en->value = dup_s(e->value);
        en->file = file;
        en->line = e->line;
        en->section_line = e->section_line;
        st->nent++;
        if (!en->section || !en->key || !en->value) {
            state_free(st);
            return cfg_seterr(err, errlen, "%s: out of memory", name);
        }
        if (scan_entry(st, st->nent - 1, err, errlen) < 0) {
            state_free(st);
            return -1;
        }
    }
    if (resolve(st, err, errlen) < 0 ||
        (constraint && apply_constraint(st, constraint, constraint_file, err, errlen) < 0)) {
        state_free(st);
        return -1;
    }
    if (!constraint)
        st->points = (int)st->product;
    if ((long long)st->points * st->repeat > SWEEP_MAX_RUNS) {
        int rc = st->set_replication
                     ? fail_at(err, errlen, st->rep_file, st->rep_line, SWEEP_SECTION, "repeat",
                               "%d configurations x %d replications is more than %d runs", st->points, st->repeat,
                               SWEEP_MAX_RUNS)
                     : cfg_seterr(err, errlen, "%s: more than %d runs", name, SWEEP_MAX_RUNS);
        state_free(st);
        return rc;
    }
    st->runs = st->points * st->repeat;
    plan->s = st;
    return 0;
}

int sweep_count(const sweep_plan_t *plan)
{
    return plan->s ? plan->s->runs : 0;
}

int sweep_points(const sweep_plan_t *plan)
{
    return plan->s ? plan->s->points : 0;
}

int sweep_repeat(const sweep_plan_t *plan)
{
    return plan->s ? plan->s->repeat : 0;
}

int sweep_nvars(const sweep_plan_t *plan)
{
    return plan->s ? plan->s->nvar : 0;
}

const char *sweep_var_name(const sweep_plan_t *plan, int v)
{
    if (!plan->s || v < 0 || v >= plan->s->nvar)
        return NULL;
    return plan->s->var[v].name;
}

void sweep_plan_free(sweep_plan_t *plan)
{
    if (!plan)
        return;
    state_free(plan->s);
    plan->s = NULL;
}

/* ------------------------------------------------------------------ */
/* Runs                                                                 */
/* ------------------------------------------------------------------ */

/* Append an entry to d the way cfg.c's documents hold them (d->cap is
 * kept true so that cfg_doc_set can grow the array later). */
static int doc_append(cfg_doc_t *d, const char *section, const char *key, char *value, const char *file, int line,
                      int section_line)
{
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 32;
        cfg_entry_t *ne = realloc(d->entries, (size_t)cap * sizeof *ne);
        if (!ne)
            return -1;
        d->entries = ne;
        d->cap = cap;
    }
    cfg_entry_t *e = &d->entries[d->n];
    e->section = dup_s(section);
    e->key = dup_s(key);
    if (!e->section || !e->key) {
        free(e->section);
        free(e->key);
        return -1;
    }
    e->value = value; /* taken over */
    e->file = file;
    e->line = line;
    e->section_line = section_line;
    d->n++;
    return 0;
}

/* Entry en's value with the variables at loop indexes idx. */
static char *build_value(const struct sweep_state *st, const tentry_t *en, const int *idx)
{
    if (!en->seg)
        return dup_s(en->value);
    size_t len = 0;
    for (int k = 0; k < en->nseg; k++) {
        const seg_t *g = &en->seg[k];
        len += g->var < 0 ? g->len : strlen(st->var[g->var].vals[idx[st->var[g->var].loop]]);
    }
    char *out = malloc(len + 1), *p = out;
    if (!out)
        return NULL;
    for (int k = 0; k < en->nseg; k++) {
        const seg_t *g = &en->seg[k];
        const char *src = g->var < 0 ? en->value + g->off : st->var[g->var].vals[idx[st->var[g->var].loop]];
        size_t n = g->var < 0 ? g->len : strlen(src);
        memcpy(p, src, n);
        p += n;
    }
    *p = 0;
    return out;
}

static int build_doc(const struct sweep_state *st, const int *idx, int replication, cfg_doc_t *out)
{
    memset(out, 0, sizeof *out);
    out->from_file = st->from_file;
    if (st->path && !(out->path = dup_s(st->path)))
        return -1;
    if (st->text) {
        if (!(out->text = cfg_strndup(st->text, st->text_len)))
            return -1;
        out->text_len = st->text_len;
    }
    for (int i = 0; i < st->nent; i++) {
        const tentry_t *en = &st->ent[i];
        char *v = build_value(st, en, idx);
        const char *file = en->file == st->path ? out->path : en->file;
        if (!v || doc_append(out, en->section, en->key, v, file, en->line, en->section_line) < 0) {
            free(v);
            return -1;
        }
    }
    if (!st->set_replication)
        return 0;
    char buf[16];
    snprintf(buf, sizeof buf, "%d", replication);
    char *v = dup_s(buf);
    const char *file = st->rep_file == st->path ? out->path : st->rep_file;
    if (!v)
        return -1;
    for (int i = out->n - 1; i >= 0; i--) {
        cfg_entry_t *e = &out->entries[i];
        if (!strcmp(e->section, "run") && !strcmp(e->key, "replication")) {
            free(e->value);
            e->value = v;
            e->file = file;
            e->line = st->rep_line;
            return 0;
        }
    }
    if (doc_append(out, "run", "replication", v, file, st->rep_line, 0) < 0) {
        free(v);
        return -1;
    }
    return 0;
}

int sweep_run(const sweep_plan_t *plan, int i, cfg_doc_t *out, int *point, int *replication, const char **values,
              char *err, size_t errlen)
{
    const struct sweep_state *st = plan->s;
    if (out)
        memset(out, 0, sizeof *out);
    if (!st)
        return cfg_seterr(err, errlen, "sweep_run: the plan is empty");
    if (i < 0 || i >= st->runs)
        return cfg_seterr(err, errlen, "run %d does not exist; the sweep has runs 0..%d", i, st->runs - 1);
    int pt = i / st->repeat, r = i % st->repeat;
    int *idx = malloc((size_t)(st->nloop ? st->nloop : 1) * sizeof *idx);
    if (!idx)
        return cfg_seterr(err, errlen, "out of memory");
    decode(st, st->combo ? st->combo[pt] : pt, idx);
    if (point)
        *point = pt;
    if (replication)
        *replication = r;
    if (values)
        for (int v = 0; v < st->nvar; v++)
            values[v] = st->var[v].vals[idx[st->var[v].loop]];
    int rc = 0;
    if (out && build_doc(st, idx, r, out) < 0) {
        cfg_doc_free(out);
        rc = cfg_seterr(err, errlen, "run %d: out of memory", i);
    }
    free(idx);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Selection                                                            */
/* ------------------------------------------------------------------ */

/* A run number at *p; -1 if there are no digits; INT_MAX when too large
 * (then reported as out of range). */
static long long sel_number(const char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
    if (!isdigit((unsigned char)**p))
        return -1;
    long long x = 0;
    while (isdigit((unsigned char)**p)) {
        if (x < INT_MAX)
            x = x * 10 + (**p - '0');
        (*p)++;
    }
    while (isspace((unsigned char)**p))
        (*p)++;
    return x > INT_MAX ? INT_MAX : x;
}

int sweep_parse_selection(const char *spec, int n, unsigned char *selected, char *err, size_t errlen)
{
    if (n > 0)
        memset(selected, 0, (size_t)n);
    if (!spec)
        return cfg_seterr(err, errlen, "run selection: missing");
    if (n <= 0)
        return cfg_seterr(err, errlen, "run selection '%s': there are no runs to select", spec);
    const char *p = spec;
    int count = 0;
    for (;;) {
        const char *item = p;
        long long a = sel_number(&p), b = a;
        if (a < 0)
            return cfg_seterr(err, errlen, "run selection '%s': expected a run number at position %d", spec,
                              (int)(item - spec) + 1);
        if (*p == '-') {
            p++;
            const char *second = p;
            b = sel_number(&p);
            if (b < 0)
                return cfg_seterr(err, errlen, "run selection '%s': expected a run number after '-' at position %d",
                                  spec, (int)(second - spec) + 1);
            if (b < a)
                return cfg_seterr(err, errlen, "run selection '%s': range %lld-%lld is reversed", spec, a, b);
        }
        if (b >= n)
            return cfg_seterr(err, errlen, "run selection '%s': run %lld does not exist (runs are 0..%d)", spec,
                              b, n - 1);
        for (long long r = a; r <= b; r++)
            if (!selected[r]) {
                selected[r] = 1;
                count++;
            }
        if (!*p)
            return count;
        if (*p != ',')
            return cfg_seterr(err, errlen, "run selection '%s': unexpected '%c' at position %d", spec, *p,
                              (int)(p - spec) + 1);
        p++;
    }
}

/* ------------------------------------------------------------------ */
/* Loops, for drivers that walk the grid themselves (retrysim search)    */
/* ------------------------------------------------------------------ */

int sweep_nloops(const sweep_plan_t *plan) { return plan->s ? plan->s->nloop : 0; }

int sweep_loop_size(const sweep_plan_t *plan, int loop)
{
    return plan->s && loop >= 0 && loop < plan->s->nloop ? plan->s->loop_size[loop] : 0;
}

int sweep_var_loop(const sweep_plan_t *plan, int v)
{
    return plan->s && v >= 0 && v < plan->s->nvar ? plan->s->var[v].loop : -1;
}

int sweep_find_var(const sweep_plan_t *plan, const char *name)
{
    return plan->s ? find_var(plan->s, name, strlen(name)) : -1;
}

int sweep_point_loops(const sweep_plan_t *plan, int point, int *idx)
{
    const struct sweep_state *st = plan->s;
    if (!st || point < 0 || point >= st->points)
        return -1;
    decode(st, st->combo ? st->combo[point] : point, idx);
    return 0;
}
