/*
 * exec: resolve, identify, and `retrysim run`. Bad input is separated from
 * run failures so callers can exit 2 with nothing written, or 1 with the
 * failure recorded.
 */
#include "exec.h"

#include "clientconf.h"
#include "hash.h"
#include "pack.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

int exec_check_db_dir(const char *db, char *err, size_t errlen)
{
    char why[512];
    if (rec_check_dir(db, why, sizeof why) < 0) {
        snprintf(err, errlen, "results database %.400s: %s", db, why);
        return -1;
    }
    return 0;
}

int exec_resolve(const cfg_doc_t *doc, const char *db, run_cfg_t *cfg, char *err, size_t errlen)
{
    if (cfg_apply(doc, cfg, err, errlen) < 0)
        return EXEC_BAD_INPUT;
    if (db)
        snprintf(cfg->output.db, sizeof cfg->output.db, "%s", db);
    if (exec_check_db_dir(cfg->output.db, err, errlen) < 0)
        return EXEC_BAD_INPUT;
    /* the trace file is input too: a missing or malformed one is reported
     * here, before a sweep runs anything */
    if (cfg->arrivals.kind == ARR_TRACE && arrivals_trace_check(cfg->arrivals.trace_path, err, errlen) < 0)
        return EXEC_BAD_INPUT;
    return EXEC_OK;
}

int exec_params(exec_params_t *ps, const run_cfg_t *cfg, char *err, size_t errlen)
{
    exec_params_free(ps);
    return cfg_params(cfg, &ps->p, &ps->n, err, errlen);
}

void exec_params_free(exec_params_t *ps)
{
    cfg_params_free(ps->p, ps->n);
    ps->p = NULL;
    ps->n = 0;
}

/* A `retrysim run` is a sweep of one point: its parameters are cfg's. */
typedef struct {
    const run_cfg_t *cfg;
    exec_params_t ps;
} one_point_t;

static int describe_one(void *ctx, int point, const rec_param_t **params, int *nparams, const char **values,
                        char *err, size_t errlen)
{
    one_point_t *op = ctx;
    (void)point, (void)values;
    if (exec_params(&op->ps, op->cfg, err, errlen) < 0)
        return -1;
    *params = op->ps.p;
    *nparams = op->ps.n;
    return 0;
}

/* A long run says how far it got on stderr, every few seconds of wall
 * clock (the clock only decides when to print). */
#define PROGRESS_EVERY_S 5.0

typedef struct {
    struct timespec t0;
    double last;             /* s since t0 of the last line */
} progress_t;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_progress(void *ctx, simtime_t now, simtime_t horizon, uint64_t events)
{
    progress_t *p = ctx;
    double el = since(&p->t0);
    if (el - p->last < PROGRESS_EVERY_S)
        return;
    p->last = el;
    double frac = horizon > 0 ? (double)now / (double)horizon : 1;
    double eta = frac > 0 ? el * (1 - frac) / frac : 0;
    fprintf(stderr, "[run] %.0f%% simulated (%.1f of %.1f s), %.1f M events, %.2f M events/s, %02d:%02d elapsed, "
                    "ETA %02d:%02d (at most: the run may end early once no call is left)\n",
            100 * frac, simtime_to_sec(now), simtime_to_sec(horizon), (double)events / 1e6, (double)events / el / 1e6,
            (int)el / 60, (int)el % 60, (int)eta / 60, (int)eta % 60);
}

int exec_run(const cfg_doc_t *doc, const run_cfg_t *cfg, run_result_t *res, int64_t *run_id, int quiet, char *err,
             size_t errlen)
{
    pack_buf_t buf = {0};
    rec_t *rec = NULL;
    one_point_t op = {cfg, {0}};
    char hash[17], *overrides = exec_doc_overrides(doc);
    int rc = EXEC_RUN_FAILED;

    progress_t pr = {{0, 0}, 0};
    clock_gettime(CLOCK_MONOTONIC, &pr.t0);
    int run_rc = run_execute_progress(cfg, res, quiet ? NULL : print_progress, &pr);
    if (run_rc == RUN_BAD_INPUT) {
        snprintf(err, errlen, "%s", res->message);
        rc = EXEC_BAD_INPUT;
        goto out;
    }
    exec_identity(doc, NULL, NULL, hash);
    rec_sweep_t sw = {.experiment = cfg->output.experiment,
                      .config_hash = hash,
                      .config_path = doc->path,
                      .config_text = doc->text,
                      .overrides = overrides,
                      .version = RETRYSIM_VERSION,
                      .runs = 1,
                      .points = 1,
                      .repeat = 1,
                      .describe = describe_one,
                      .ctx = &op};
    rec_run_t rr;
    int64_t sweep;
    if (pack_run(&buf, -1, 0, cfg->output.keep != OUTPUT_KEEP_SCALARS, cfg, res) < 0) {
        snprintf(err, errlen, "out of memory recording the run");
        goto out;
    }
    if (pack_read(buf.p, buf.len, &rr, err, errlen) < 0 || rec_open(&rec, cfg->output.db, NULL, NULL, err, errlen) < 0 ||
        rec_sweep(rec, &sw, &sweep, NULL, err, errlen) < 0 || rec_put(rec, sweep, &rr, run_id, err, errlen) < 0)
        goto out;
    int closed = rec_close(rec, err, errlen); /* commits */
    rec = NULL;
    if (closed < 0)
        goto out;
    rc = EXEC_OK;
    if (run_rc < 0) {
        snprintf(err, errlen, "run failed: %s (recorded as run %" PRId64 ")", res->message, *run_id);
        rc = EXEC_RUN_FAILED;
    }
out:
    rec_close(rec, NULL, 0);
    exec_params_free(&op.ps);
    pack_buf_free(&buf);
    free(overrides);
    return rc;
}

/* FNV-1a over a regular file's bytes (anything else, or a file that
 * cannot be read, mixes in its path only: the run will report it). */
static uint64_t hash_file(uint64_t h, const char *path)
{
    static const unsigned char sep = 0xff;
    struct stat sb;
    h = hash_fnv1a(h, path, strlen(path));
    h = hash_fnv1a(h, &sep, 1);
    FILE *f = stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? fopen(path, "rb") : NULL;
    if (!f)
        return h;
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        h = hash_fnv1a(h, buf, n);
    fclose(f);
    return h;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The files a run reads, by key: their contents belong to its identity.
 * A trace is named relative to the working directory, a client's
 * configuration file relative to the experiment file (clientconf.h). */
static const struct {
    const char *section, *key;
    int doc_relative;
} input_keys[] = {
    {"arrivals", "trace", 0},
    {"retry", "grpc_service_config", 1},
    {"retry", "envoy_retry_policy", 1},
};

/* Append path to the set *paths (n entries, cap slots) unless it is there. */
static void add_path(char ***paths, int *n, int *cap, const char *path)
{
    for (int k = 0; k < *n; k++)
        if (!strcmp((*paths)[k], path))
            return;
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 8;
        char **q = realloc(*paths, (size_t)c * sizeof *q);
        if (!q)
            return;
        *paths = q;
        *cap = c;
    }
    if (((*paths)[*n] = strdup(path)))
        (*n)++;
}

/* The distinct input files of the sweep's points (input_keys), sorted,
 * into *paths (each malloc'ed). Returns how many. */
static int input_paths(const cfg_doc_t *doc, const sweep_plan_t *plan, char ***paths)
{
    int n = 0, cap = 0;
    *paths = NULL;
    for (size_t ik = 0; ik < sizeof input_keys / sizeof input_keys[0]; ik++) {
        const cfg_entry_t *e = cfg_doc_find(doc, input_keys[ik].section, input_keys[ik].key);
        if (!e || !e->value[0])
            continue;
        int swept = plan && strstr(e->value, "${") != NULL;
        int np = swept ? sweep_points(plan) : 1, rep = plan ? sweep_repeat(plan) : 1;
        for (int p = 0; p < np; p++) {
            cfg_doc_t d;
            char err[256], path[1024];
            const cfg_entry_t *de = e;
            memset(&d, 0, sizeof d);
            if (swept && (sweep_run(plan, p * rep, &d, NULL, NULL, NULL, err, sizeof err) < 0 ||
                          !(de = cfg_doc_find(&d, input_keys[ik].section, input_keys[ik].key)))) {
                cfg_doc_free(&d);
                continue;
            }
            if (!input_keys[ik].doc_relative)
                add_path(paths, &n, &cap, de->value);
            else if (clientconf_resolve(e->line > 0 ? e->file : NULL, de->value, path, sizeof path) == 0)
                add_path(paths, &n, &cap, path);
            cfg_doc_free(&d);
        }
    }
    if (n > 1)
        qsort(*paths, (size_t)n, sizeof **paths, cmp_str);
    return n;
}

static uint64_t hash_entries(uint64_t h, const cfg_doc_t *doc)
{
    static const unsigned char sep = 0xff; /* field separator: ("ab","c") != ("a","bc") */
    for (int i = 0; doc && i < doc->n; i++) {
        const char *parts[3] = {doc->entries[i].section, doc->entries[i].key, doc->entries[i].value};
        for (int k = 0; k < 3; k++) {
            if (parts[k])
                h = hash_fnv1a(h, parts[k], strlen(parts[k]));
            h = hash_fnv1a(h, &sep, 1);
        }
    }
    return h;
}

void exec_identity(const cfg_doc_t *doc, const cfg_doc_t *extra, const sweep_plan_t *plan, char out[17])
{
    uint64_t h = hash_entries(hash_entries(HASH_FNV_OFFSET, doc), extra);
    char **paths;
    int n = input_paths(doc, plan, &paths);
    for (int k = 0; k < n; k++) {
        h = hash_file(h, paths[k]);
        free(paths[k]);
    }
    free(paths);
    snprintf(out, 17, "%016" PRIx64, h);
}

char *exec_doc_overrides(const cfg_doc_t *doc)
{
    size_t len = 0;
    for (int i = 0; i < doc->n; i++)
        if (doc->entries[i].file && strcmp(doc->entries[i].file, CFG_SET_FILE) == 0)
            len += strlen(doc->entries[i].section) + strlen(doc->entries[i].key) + strlen(doc->entries[i].value) + 6;
    if (len == 0)
        return NULL;
    char *s = malloc(len + 1), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < doc->n; i++) {
        const cfg_entry_t *e = &doc->entries[i];
        if (e->file && strcmp(e->file, CFG_SET_FILE) == 0)
            p += sprintf(p, "%s.%s = %s\n", e->section, e->key, e->value);
    }
    return s;
}
