/*
 * search: the noisy bisection behind `retrysim search` (see search.h).
 *
 * For each point of the outer grid (a group), over the candidates of the
 * searched variable in the order written:
 *   1. both ends are tested. If exactly one passes, the goal improves
 *      towards it (direction); both passing: the boundary is at or beyond
 *      the first candidate ("all pass"); neither: beyond the last ("none
 *      passes").
 *   2. bisection between the last candidate that does not pass (fails, or
 *      stays uncertain after the most replications) and the first that
 *      passes, until they are neighbours: the answer is the first passing
 *      candidate, with its neighbour as the other end of the interval.
 *   3. monotonicity is checked, not assumed: one more candidate in the
 *      middle of each side is tested; a pass on the failing side or a fail
 *      on the passing side marks the group "non_monotone" (both kept).
 * A candidate is tested in batches of replications (the minimum, then
 * doubling), the same replication numbers (the same seeds) for every
 * candidate, until its sequential test
 * decides (sim/seqtest.h) or the most replications are spent (then it is
 * "uncertain", which does not count as passing). Every group moves one step
 * per round and the rounds' runs go to the farm together, so the workers
 * stay busy across the grid. A failed run (e.g. its event budget spent: a
 * storm that never ends) does not meet the goal.
 */
#include "search.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "metrics.h"
#include "seqtest.h"

enum { STAT_SHARE, STAT_MEAN };
enum { V_UNTESTED = 2, V_UNCERTAIN = 3 }; /* beside SEQ_PASS, SEQ_FAIL, SEQ_UNDECIDED */
enum { PH_ENDS, PH_BISECT, PH_CHECK, PH_DONE };

typedef struct {
    int n, k;                  /* replications done; how many met the goal (share) */
    double sum, sumsq;         /* of the scalar (mean); over nv values */
    int nv;
    int verdict;               /* SEQ_*, V_UNTESTED, V_UNCERTAIN */
    double lo, hi;             /* the interval of the estimate */
} probe_t;

typedef struct {
    int *point;                /* per candidate: its sweep point, -1 where the constraint removed it */
    probe_t *probe;            /* per candidate */
    int avail;                 /* candidates with a point */
    int first, last;           /* first and last candidate with a point */
    int lo, hi;                /* bracket, candidate indices: lo does not pass, hi passes */
    int dir;                   /* +1: passes from hi upwards; -1: downwards */
    int phase;
    int check[2];              /* the monotonicity probes, -1 = none */
    const char *status;        /* found, all_pass, none_pass, non_monotone, incomplete */
    int runs;                  /* replications run (or read) for this group */
    int label_point;           /* a point of the group, for its variables */
} group_t;

struct search {
    char variable[128];
    int statistic;
    expr_t *goal;              /* STAT_SHARE */
    int goal_scalar, goal_below; /* STAT_MEAN: $scalar <= / >= threshold */
    double threshold;
    double share, tolerance, confidence;
    int batch, max_reps;
    int passes;                /* +1: the goal holds above the boundary (in list order), -1: below, 0: unknown */
    const char *file;          /* for messages */
    /* bound by search_plan */
    const sweep_plan_t *plan;
    int var, loop, ncand;
    char **cand;               /* candidate values, as written */
    group_t *grp;
    int ngrp;
    expr_value_t *vars;        /* one per scalar: the goal's variables (search_run) */
};

/* ---- [search] ------------------------------------------------------------- */

static int lookup_scalar(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    char buf[128];
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, name, len);
    buf[len] = '\0';
    return metrics_scalar_find(buf);
}

static int at(char *err, size_t errlen, const cfg_entry_t *e, const char *msg)
{
    snprintf(err, errlen, "%s:%d: [search] %s: %s", e->file ? e->file : "(document)", e->line, e->key, msg);
    return -1;
}

static int number(const char *v, double lo, double hi, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !(x > lo && x < hi))
        return -1;
    *out = x;
    return 0;
}

/* "$scalar <= 1.5" (or >=, <, >) for statistic = mean. */
static int parse_mean_goal(search_t *s, const char *g)
{
    char name[128], op[3] = "";
    int used = 0;
    while (isspace((unsigned char)*g))
        g++;
    if (*g++ != '$')
        return -1;
    if (sscanf(g, "%127[a-z0-9_] %2[<>=] %n", name, op, &used) != 2)
        return -1;
    if ((s->goal_scalar = metrics_scalar_find(name)) < 0)
        return -1;
    if (!strcmp(op, "<=") || !strcmp(op, "<"))
        s->goal_below = 1;
    else if (!strcmp(op, ">=") || !strcmp(op, ">"))
        s->goal_below = 0;
    else
        return -1;
    char *end;
    s->threshold = strtod(g + used, &end);
    while (isspace((unsigned char)*end))
        end++;
    return end == g + used || *end ? -1 : 0;
}

int search_parse(const cfg_doc_t *section, search_t **out, int *repeat, char *err, size_t errlen)
{
    search_t *s = calloc(1, sizeof *s);
    const cfg_entry_t *goal = NULL;
    *out = NULL;
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->statistic = STAT_SHARE;
    s->share = 0.95;
    s->tolerance = 0.04;
    s->confidence = 0.95;
    s->batch = 10;
    s->max_reps = 100;
    s->file = section->n ? section->entries[0].file : NULL;
    for (int i = 0; i < section->n; i++) {
        const cfg_entry_t *e = &section->entries[i];
        const char *v = e->value;
        if (!strcmp(e->key, "variable")) {
            if (!*v || strlen(v) >= sizeof s->variable)
                goto bad;
            snprintf(s->variable, sizeof s->variable, "%s", v);
        } else if (!strcmp(e->key, "goal")) {
            goal = e;
        } else if (!strcmp(e->key, "statistic")) {
            if (!strcmp(v, "share"))
                s->statistic = STAT_SHARE;
            else if (!strcmp(v, "mean"))
                s->statistic = STAT_MEAN;
            else {
                at(err, errlen, e, "share or mean");
                goto fail;
            }
        } else if (!strcmp(e->key, "share")) {
            if (number(v, 0, 1, &s->share) < 0) {
                at(err, errlen, e, "a share between 0 and 1 (exclusive), e.g. 0.95");
                goto fail;
            }
        } else if (!strcmp(e->key, "tolerance")) {
            if (number(v, 0, 0.5, &s->tolerance) < 0) {
                at(err, errlen, e, "an indifference half-width between 0 and 0.5 (exclusive), e.g. 0.04");
                goto fail;
            }
        } else if (!strcmp(e->key, "confidence")) {
            if (number(v, 0.5, 1, &s->confidence) < 0) {
                at(err, errlen, e, "a confidence between 0.5 and 1 (exclusive), e.g. 0.95");
                goto fail;
            }
        } else if (!strcmp(e->key, "passes")) {
            if (!strcmp(v, "above"))
                s->passes = +1;
            else if (!strcmp(v, "below"))
                s->passes = -1;
            else {
                at(err, errlen, e, "above (the goal holds from the boundary on, in the order the values are "
                                   "written) or below");
                goto fail;
            }
        } else if (!strcmp(e->key, "replications")) {
            int a, b, used = 0;
            if (sscanf(v, "%d..%d%n", &a, &b, &used) != 2 || v[used] || a < 2 || b < a || b > 100000) {
                at(err, errlen, e, "MIN..MAX replications per candidate: a batch of MIN (at least 2), at most MAX "
                                   "(at most 100000), e.g. 10..100");
                goto fail;
            }
            s->batch = a;
            s->max_reps = b;
        } else {
            at(err, errlen, e, "unknown key; [search] has variable, goal, statistic, share, tolerance, confidence, "
                               "replications, passes");
            goto fail;
        }
        continue;
    bad:
        at(err, errlen, e, "expected a variable name");
        goto fail;
    }
    if (!s->variable[0] || !goal) {
        snprintf(err, errlen, "%s: [search] needs variable (a ${name=...} variable of the experiment) and goal "
                              "(e.g. $recovery_time_s <= 30)",
                 s->file ? s->file : "(document)");
        goto fail;
    }
    if (s->statistic == STAT_MEAN) {
        if (parse_mean_goal(s, goal->value) < 0) {
            at(err, errlen, goal, "with statistic = mean the goal is $scalar <= NUMBER (or >=): a scalar named by "
                                  "retrysim metrics");
            goto fail;
        }
    } else {
        char m[512];
        if (expr_parse(goal->value, lookup_scalar, NULL, &s->goal, m, sizeof m) < 0) {
            char why[600];
            snprintf(why, sizeof why, "%s (scalars are $name, as retrysim metrics lists them)", m);
            at(err, errlen, goal, why);
            goto fail;
        }
    }
    *repeat = s->max_reps;
    *out = s;
    return 0;
fail:
    search_free(s);
    return -1;
}

void search_free(search_t *s)
{
    if (!s)
        return;
    expr_free(s->goal);
    free(s->vars);
    for (int g = 0; g < s->ngrp; g++) {
        free(s->grp[g].point);
        free(s->grp[g].probe);
    }
    free(s->grp);
    for (int c = 0; c < s->ncand; c++)
        free(s->cand[c]);
    free(s->cand);
    free(s);
}

/* ---- the grid ------------------------------------------------------------- */

int search_plan(search_t *s, const sweep_plan_t *plan, char *err, size_t errlen)
{
    int nloops = sweep_nloops(plan), np = sweep_points(plan);
    s->plan = plan;
    s->var = sweep_find_var(plan, s->variable);
    if (s->var < 0) {
        snprintf(err, errlen, "%s: [search] variable = %s: the experiment has no such variable (write its values "
                              "as ${%s=...})",
                 s->file ? s->file : "(document)", s->variable, s->variable);
        return -1;
    }
    s->loop = sweep_var_loop(plan, s->var);
    s->ncand = sweep_loop_size(plan, s->loop);
    if (s->ncand < 2) {
        snprintf(err, errlen, "%s: [search] variable = %s: it needs at least 2 values to search between",
                 s->file ? s->file : "(document)", s->variable);
        return -1;
    }
    int *idx = calloc((size_t)nloops + 1, sizeof *idx);
    long long *code = calloc((size_t)np, sizeof *code); /* each point's outer-grid code */
    s->cand = calloc((size_t)s->ncand, sizeof *s->cand);
    if (!idx || !code || !s->cand)
        goto oom;
    /* the outer code of a point: its loop indexes but the searched one, mixed radix */
    for (int p = 0; p < np; p++) {
        const char *vals[SWEEP_MAX_VARS];
        long long c = 0;
        sweep_point_loops(plan, p, idx);
        for (int l = 0; l < nloops; l++)
            if (l != s->loop)
                c = c * sweep_loop_size(plan, l) + idx[l];
        code[p] = c;
        int k = idx[s->loop];
        if (!s->cand[k] && sweep_run(plan, p * sweep_repeat(plan), NULL, NULL, NULL, vals, err, errlen) == 0 &&
            !(s->cand[k] = strdup(vals[s->var])))
            goto oom;
    }
    /* groups, in order of first appearance (points are in loop order) */
    for (int p = 0; p < np; p++) {
        int g = 0;
        while (g < s->ngrp && code[s->grp[g].label_point] != code[p])
            g++;
        if (g == s->ngrp) {
            group_t *ng = realloc(s->grp, (size_t)(s->ngrp + 1) * sizeof *ng);
            if (!ng)
                goto oom;
            s->grp = ng;
            group_t *gr = &s->grp[s->ngrp++];
            memset(gr, 0, sizeof *gr);
            gr->point = malloc((size_t)s->ncand * sizeof *gr->point);
            gr->probe = calloc((size_t)s->ncand, sizeof *gr->probe);
            if (!gr->point || !gr->probe)
                goto oom;
            for (int c = 0; c < s->ncand; c++) {
                gr->point[c] = -1;
                gr->probe[c].verdict = V_UNTESTED;
            }
            gr->label_point = p;
            gr->check[0] = gr->check[1] = -1;
            gr->first = gr->last = -1;
        }
        sweep_point_loops(plan, p, idx);
        s->grp[g].point[idx[s->loop]] = p;
    }
    for (int g = 0; g < s->ngrp; g++) {
        group_t *gr = &s->grp[g];
        for (int c = 0; c < s->ncand; c++)
            if (gr->point[c] >= 0) {
                if (gr->first < 0)
                    gr->first = c;
                gr->last = c;
                gr->avail++;
            }
    }
    free(idx);
    free(code);
    return 0;
oom:
    free(idx);
    free(code);
    snprintf(err, errlen, "out of memory planning the search");
    return -1;
}

/* ---- one candidate -------------------------------------------------------- */

static int decided(const probe_t *p) { return p->verdict == SEQ_PASS || p->verdict == SEQ_FAIL || p->verdict == V_UNCERTAIN; }

/* Does one run meet the goal? A failed run does not. */
static int meets_goal(const search_t *s, int ok, const double *scalar)
{
    if (!ok)
        return 0;
    expr_value_t out;
    char m[256];
    for (int i = 0, n = metrics_nscalars(); i < n; i++)
        s->vars[i] = (expr_value_t){EXPR_NUM, scalar[i], NULL};
    if (expr_eval(s->goal, s->vars, &out, m, sizeof m) < 0)
        return 0; /* undefined (arithmetic on a NaN): not met */
    return out.kind == EXPR_NUM && out.num != 0;
}

static void add_result(const search_t *s, probe_t *p, int ok, const double *scalar)
{
    p->n++;
    if (s->statistic == STAT_SHARE) {
        p->k += meets_goal(s, ok, scalar);
        return;
    }
    double x = ok ? scalar[s->goal_scalar] : (double)NAN;
    if (!isnan(x)) {
        p->nv++;
        p->sum += x;
        p->sumsq += x * x;
    }
}

/* The verdict after a batch: decided, undecided, or uncertain at the most
 * replications. */
static void judge(const search_t *s, probe_t *p)
{
    int v;
    if (s->statistic == STAT_SHARE) {
        v = seq_share(p->k, p->n, s->share, s->tolerance, s->confidence);
        seq_wilson(p->k, p->n, s->confidence, &p->lo, &p->hi);
    } else {
        double mean = p->nv ? p->sum / p->nv : (double)NAN;
        double var = p->nv > 1 ? (p->sumsq - p->sum * mean) / (p->nv - 1) : (double)NAN;
        v = seq_mean(mean, var > 0 ? sqrt(var) : 0, p->nv, s->confidence, s->goal_below, s->threshold, &p->lo, &p->hi);
        /* a run whose scalar is undefined (a failed run) counts against the goal */
        if (p->nv < p->n && v == SEQ_PASS)
            v = SEQ_UNDECIDED;
    }
    p->verdict = v != SEQ_UNDECIDED ? v : p->n >= s->max_reps ? V_UNCERTAIN : SEQ_UNDECIDED;
}

static int passes(const probe_t *p) { return p->verdict == SEQ_PASS; }

/* ---- one group's steps ---------------------------------------------------- */

/* The available candidate nearest the middle of (a, b), exclusive, or -1. */
static int middle(const group_t *gr, int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a, m = (lo + hi) / 2, best = -1;
    for (int d = 0; d <= hi - lo && best < 0; d++)
        for (int sgn = -1; sgn <= 1 && best < 0; sgn += 2) {
            int c = m + sgn * d;
            if (c > lo && c < hi && gr->point[c] >= 0)
                best = c;
        }
    return best;
}

/* The candidates this group tests now (at most 2, -1 = none). */
static void wanted(const group_t *gr, int *c)
{
    c[0] = c[1] = -1;
    switch (gr->phase) {
    case PH_ENDS:
        c[0] = gr->first;
        c[1] = gr->last;
        break;
    case PH_BISECT:
        c[0] = middle(gr, gr->lo, gr->hi);
        break;
    case PH_CHECK:
        c[0] = gr->check[0];
        c[1] = gr->check[1];
        break;
    }
}

/* Move the group on once the candidates it tests are decided; dir is the
 * declared direction ([search] passes), 0 if none. */
static void step(group_t *gr, int dir)
{
    int c[2];
    wanted(gr, c);
    for (int i = 0; i < 2; i++)
        if (c[i] >= 0 && !decided(&gr->probe[c[i]]))
            return;
    switch (gr->phase) {
    case PH_ENDS: {
        int pf = passes(&gr->probe[gr->first]), pl = passes(&gr->probe[gr->last]);
        gr->dir = dir;
        if (gr->avail < 2 || pf == pl) {
            gr->status = pf ? "all_pass" : "none_pass";
            gr->phase = PH_DONE;
            return;
        }
        if (dir && (pl ? +1 : -1) != dir) {
            gr->status = "non_monotone"; /* the end that passes is the one that should not */
            gr->phase = PH_DONE;
            return;
        }
        gr->dir = pl ? +1 : -1;
        gr->lo = pl ? gr->first : gr->last; /* does not pass */
        gr->hi = pl ? gr->last : gr->first; /* passes */
        gr->phase = PH_BISECT;
        break;
    }
    case PH_BISECT:
        if (passes(&gr->probe[c[0]]))
            gr->hi = c[0];
        else
            gr->lo = c[0];
        break;
    case PH_CHECK: {
        int bad = (gr->check[0] >= 0 && passes(&gr->probe[gr->check[0]])) ||
                  (gr->check[1] >= 0 && gr->probe[gr->check[1]].verdict == SEQ_FAIL);
        gr->status = bad ? "non_monotone" : "found";
        gr->phase = PH_DONE;
        return;
    }
    default:
        return;
    }
    if (gr->phase == PH_BISECT && middle(gr, gr->lo, gr->hi) < 0) {
        /* neighbours: check one candidate in the middle of each side */
        int end_fail = gr->dir > 0 ? gr->first : gr->last, end_pass = gr->dir > 0 ? gr->last : gr->first;
        gr->check[0] = middle(gr, end_fail, gr->lo);
        gr->check[1] = middle(gr, gr->hi, end_pass);
        for (int i = 0; i < 2; i++)
            if (gr->check[i] >= 0 && decided(&gr->probe[gr->check[i]]))
                gr->check[i] = -1; /* tested already on the way */
        gr->phase = PH_CHECK;
        if (gr->check[0] < 0 && gr->check[1] < 0) {
            gr->status = "found";
            gr->phase = PH_DONE;
        }
    }
}

/* ---- the rounds ----------------------------------------------------------- */

/* Replications a candidate will have after its next batch: the first batch
 * is the minimum, then the count doubles (a clear answer comes early, a
 * close one in few rounds), up to the most. */
static int next_total(const search_t *s, const probe_t *p)
{
    int to = p->n == 0 ? s->batch : 2 * p->n;
    return to > s->max_reps ? s->max_reps : to;
}

static const char *verdict_name(int v)
{
    switch (v) {
    case SEQ_PASS: return "pass";
    case SEQ_FAIL: return "fail";
    case V_UNCERTAIN: return "uncertain";
    case V_UNTESTED: return "untested";
    default: return "undecided";
    }
}

/* The group's label: its outer variables, "a=1 b=2". */
static void group_label(const search_t *s, const group_t *gr, char *buf, size_t len)
{
    const char *vals[SWEEP_MAX_VARS];
    char e[128];
    size_t n = 0;
    buf[0] = '\0';
    if (sweep_run(s->plan, gr->label_point * sweep_repeat(s->plan), NULL, NULL, NULL, vals, e, sizeof e) < 0)
        return;
    for (int v = 0; v < sweep_nvars(s->plan) && n < len; v++)
        if (sweep_var_loop(s->plan, v) != s->loop)
            n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "", sweep_var_name(s->plan, v), vals[v]);
    if (!buf[0])
        snprintf(buf, len, "(no other variable)");
}

/* The search narrowed to two neighbours (found, or found but a side check
 * disagreed). */
static int bracketed(const group_t *gr) { return gr->phase == PH_DONE && gr->dir != 0 && gr->hi != gr->lo; }

/* Where the answer lies when no pair brackets it, by the declared
 * direction: every candidate passing puts it at or beyond the end where
 * passing starts, none passing beyond the other end; NULL when the
 * direction is not known. */
static const char *beyond(const search_t *s, const group_t *gr)
{
    int all = !strcmp(gr->status, "all_pass");
    if (!s->passes || (strcmp(gr->status, "all_pass") && strcmp(gr->status, "none_pass")))
        return NULL;
    return s->cand[(s->passes > 0) == all ? gr->first : gr->last];
}

static int write_answers(search_t *s, rec_t *rec, int64_t sweep, char *err, size_t errlen)
{
    if (rec_search_clear(rec, sweep, err, errlen) < 0)
        return -1;
    for (int g = 0; g < s->ngrp; g++) {
        group_t *gr = &s->grp[g];
        int found = bracketed(gr);
        rec_search_row_t row = {.grp = g,
                                .point = found ? gr->point[gr->hi] : gr->label_point,
                                .variable = s->variable,
                                .status = gr->status,
                                .boundary = found ? s->cand[gr->hi] : beyond(s, gr),
                                .other = found ? s->cand[gr->lo] : NULL,
                                .runs = gr->runs};
        if (rec_search_put(rec, sweep, &row, err, errlen) < 0)
            return -1;
        for (int c = 0; c < s->ncand; c++) {
            probe_t *p = &gr->probe[c];
            if (p->verdict == V_UNTESTED)
                continue;
            rec_probe_row_t pr = {.grp = g,
                                  .candidate = c,
                                  .value = s->cand[c],
                                  .point = gr->point[c],
                                  .n = p->n,
                                  .k = s->statistic == STAT_SHARE ? p->k : -1,
                                  .estimate = s->statistic == STAT_SHARE ? (double)p->k / p->n
                                                                          : (p->nv ? p->sum / p->nv : (double)NAN),
                                  .lo = p->lo,
                                  .hi = p->hi,
                                  .verdict = verdict_name(p->verdict)};
            if (rec_probe_put(rec, sweep, &pr, err, errlen) < 0)
                return -1;
        }
    }
    return rec_commit(rec, err, errlen);
}

static void print_answers(const search_t *s)
{
    printf("search: %s, goal %s, %d candidates; the interval is [the neighbour that does not pass, the answer]\n",
           s->variable, s->statistic == STAT_SHARE ? "share" : "mean", s->ncand);
    for (int g = 0; g < s->ngrp; g++) {
        const group_t *gr = &s->grp[g];
        char label[512];
        group_label(s, gr, label, sizeof label);
        printf("  %-48s ", label);
        if (bracketed(gr))
            printf("%s = %s  (between %s and %s)%s", s->variable, s->cand[gr->hi], s->cand[gr->lo], s->cand[gr->hi],
                   !strcmp(gr->status, "non_monotone") ? "  NOT MONOTONE: a check on one side disagreed" : "");
        else if (!strcmp(gr->status, "all_pass"))
            printf("every candidate passes, %s to %s", s->cand[gr->first], s->cand[gr->last]);
        else if (!strcmp(gr->status, "none_pass"))
            printf("no candidate passes, neither %s nor %s", s->cand[gr->first], s->cand[gr->last]);
        else
            printf("NOT MONOTONE: %s passes, not %s, against [search] passes", s->cand[s->passes > 0 ? gr->first : gr->last],
                   s->cand[s->passes > 0 ? gr->last : gr->first]);
        printf("  [%d runs]\n", gr->runs);
    }
}

int search_run(search_t *s, rec_t *rec, int64_t sweep, const unsigned char *done, search_run_fn run, void *ctx,
               int quiet, char *err, size_t errlen)
{
    int repeat = sweep_repeat(s->plan), cap = 1024, rc = 0, round = 0;
    int *todo = malloc((size_t)cap * sizeof *todo), *all = malloc((size_t)cap * sizeof *all);
    int nscalars = metrics_nscalars();
    double *scalar = malloc((size_t)nscalars * sizeof *scalar);
    free(s->vars);
    s->vars = malloc((size_t)nscalars * sizeof *s->vars);
    if (!todo || !all || !scalar || !s->vars) {
        snprintf(err, errlen, "out of memory");
        rc = 1;
        goto out;
    }
    for (;;) {
        int ntodo = 0, nall = 0, active = 0;
        /* every group's next batch: the runs not yet in the database go to the farm */
        for (int g = 0; g < s->ngrp; g++) {
            group_t *gr = &s->grp[g];
            int c[2];
            if (gr->phase == PH_DONE)
                continue;
            active++;
            wanted(gr, c);
            for (int i = 0; i < 2; i++) {
                if (c[i] < 0 || decided(&gr->probe[c[i]]) || (i == 1 && c[1] == c[0]))
                    continue;
                probe_t *p = &gr->probe[c[i]];
                int from = p->n, to = next_total(s, p);
                for (int r = from; r < to; r++) {
                    if (nall == cap) {
                        cap *= 2;
                        int *t1 = realloc(todo, (size_t)cap * sizeof *t1);
                        if (t1)
                            todo = t1;
                        int *t2 = realloc(all, (size_t)cap * sizeof *t2);
                        if (!t1 || !t2) {
                            if (t2)
                                all = t2;
                            snprintf(err, errlen, "out of memory");
                            rc = 1;
                            goto out;
                        }
                        all = t2;
                    }
                    int i_run = gr->point[c[i]] * repeat + r;
                    all[nall++] = i_run;
                    if (!done[i_run])
                        todo[ntodo++] = i_run;
                }
            }
        }
        if (active == 0)
            break;
        round++;
        if (!quiet)
            fprintf(stderr, "[search] round %d: %d groups searching, %d runs (%d already recorded)\n", round, active,
                    nall, nall - ntodo);
        if (ntodo && (rc = run(ctx, todo, ntodo)) != 0)
            goto out;
        /* read every run of the round back, then judge and step */
        for (int g = 0, at_run = 0; g < s->ngrp; g++) {
            group_t *gr = &s->grp[g];
            int c[2];
            if (gr->phase == PH_DONE)
                continue;
            wanted(gr, c);
            for (int i = 0; i < 2; i++) {
                if (c[i] < 0 || decided(&gr->probe[c[i]]) || (i == 1 && c[1] == c[0]))
                    continue;
                probe_t *p = &gr->probe[c[i]];
                int to = next_total(s, p);
                while (p->n < to) {
                    int ok = 0, got = rec_run_scalars(rec, sweep, all[at_run++], &ok, scalar, err, errlen);
                    if (got < 0) {
                        rc = 1;
                        goto out;
                    }
                    if (got == 0) { /* not recorded (bad input for the run): it does not meet the goal */
                        ok = 0;
                        for (int k = 0; k < nscalars; k++)
                            scalar[k] = NAN;
                    }
                    add_result(s, p, ok, scalar);
                    gr->runs++;
                }
                judge(s, p);
            }
            step(gr, s->passes);
        }
    }
    if (write_answers(s, rec, sweep, err, errlen) < 0) {
        rc = 1;
        goto out;
    }
    print_answers(s);
out:
    free(todo);
    free(all);
    free(scalar);
    return rc;
}
