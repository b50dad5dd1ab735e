/*
 * retrysim: the command line. main() parses the command and decides exit
 * codes: 0 ok, 1 the run failed (event budget, model error), 2 bad input
 * (command line, configuration, results path). The library never exits.
 */
#include <errno.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "exec.h"
#include "opts.h"
#include "inspect.h"
#include "report.h"
#include "metrics.h"
#include "stats.h"
#include "sweep_cmd.h"
#include "pes.h"
#include "presets.h"
#include "rec.h"
#include "run.h"

enum { EXIT_RUN_FAILED = EXEC_RUN_FAILED, EXIT_BAD_INPUT = EXEC_BAD_INPUT };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: retrysim COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  run FILE.ini [options]   simulate one run, record it in SQLite, print a summary\n"
            "  sweep FILE.ini [options] every run of an experiment's sweep, in parallel; resumable\n"
            "  search FILE.ini [options] the value of one variable where a goal starts to be met\n"
            "  merge OUT.db IN.db...    add the runs of other databases (shards of a sweep) to OUT\n"
            "  summary DB [--experiment E] [--scalars a,b]   each point's scalars, mean ± 95%% CI\n"
            "  export DB --csv|--json [--table T] [--experiment E]   a table for notebooks\n"
            "  compare DB_A DB_B [--experiment E] [--scalars a,b]   the same points side by side\n"
            "  report DB -o DIR         static HTML pages: charts, summary, search answers, the file\n"
            "  keys [--markdown]        every configuration key: unit, default, range\n"
            "  metrics [--markdown]     every recorded series column and scalar: unit, meaning\n"
            "  presets [--markdown] [NAME]  client library presets, or the keys one sets\n"
            "  version                  the version and the engine design\n"
            "  help [COMMAND]           this text, or a command's\n"
            "\n"
            "retrysim is a discrete-event simulator of client retry storms.\n");
}

static const char usage_run[] =
    "usage: retrysim run FILE.ini [--db PATH] [--seed N] [--set section.key=value]... [--quiet]\n"
    "\n"
    "  --db PATH      results database (default: [output] db, results/retrysim.db)\n"
    "  --seed N       base seed (same as --set run.seed=N)\n"
    "  --set S.K=V    override one configuration key; repeatable\n"
    "  --quiet        no summary table, no progress lines\n"
    "\n"
    "A run that takes longer than a few seconds prints its progress on stderr every 5 s.\n"
    "Exit status: 0 ok, 1 the run failed (recorded as failed), 2 bad input (nothing written).\n";

/* The run's headline scalars, then every model's that has a value (the
 * declarations say what they are). */
static void print_summary(const run_cfg_t *c, const run_result_t *res, int64_t run_id, const char *db)
{
    const double *s = res->scalar;
    double p99 = s[S_LAT_P99], poc = s[S_PEAK_OVER_CAPACITY], rec = s[S_RECOVERY];
    printf("run %" PRId64 " of '%s' (seed %" PRIu64 ", replication %u) -> %s\n", run_id, c->output.experiment,
           c->run.seed, c->run.replication, db);
    printf("  %-26s %14.0f\n", "calls", s[S_CALLS]);
    printf("  %-26s %14.0f\n", "attempts", s[S_ATTEMPTS]);
    printf("  %-26s %14.3f\n", "amplification", s[S_AMPLIFICATION]);
    printf("  %-26s %13.2f%%\n", "success rate", 100 * s[S_SUCCESS_RATE]);
    if (isnan(p99))
        printf("  %-26s %14s\n", "p99 latency", "-");
    else
        printf("  %-26s %12.1fms\n", "p99 latency", p99 * 1e3);
    if (isnan(poc))
        printf("  %-26s %14s\n", "peak / capacity", "-");
    else
        printf("  %-26s %14.2f\n", "peak / capacity", poc);
    if (c->server.noutages) {
        if (isnan(rec))
            printf("  %-26s %14s\n", "recovery after outage", "never");
        else
            printf("  %-26s %13.1fs\n", "recovery after outage", rec);
    }
    if (s[S_REJ_LOCAL] > 0)
        printf("  %-26s %14.0f\n", "rejected locally", s[S_REJ_LOCAL]);
    for (int i = S_CORE_COUNT; i < res->nscalars; i++)
        if (!isnan(s[i]))
            printf("  %-26s %14.6g %s (%s)\n", metrics_scalar_def(i)->name, s[i], metrics_scalar_def(i)->unit,
                   metrics_scalar_owner(i));
    printf("  %-26s %14" PRIu64 "\n", "events", res->events);
    printf("  %-26s %12.2fM/s\n", "events/s", res->wall_s > 0 ? (double)res->events / res->wall_s / 1e6 : 0.0);
}

/* The metric declarations (models/metrics.h and each model's): the series
 * table's columns and the scalars table's, as the README lists them. */
static void print_metrics(int markdown)
{
    int nse = metrics_nseries(), nsc = metrics_nscalars();
    if (markdown) {
        printf("Series (table `series`, one row per bucket; *sum* counts events in the bucket, *max* is the largest "
               "value a level reached in it; *model*: who declares it, `core` or an optional model):\n\n"
               "| column | kind | unit | model | meaning |\n|---|---|---|---|---|\n");
        for (int i = 0; i < nse; i++) {
            const metrics_def_t *m = metrics_series_def(i);
            printf("| `%s` | %s | %s | %s | %s |\n", m->name, m->kind == STATS_SUM ? "sum" : "max", m->unit,
                   metrics_series_owner(i), m->help);
        }
        printf("\nScalars (table `scalars`, one row per run; NULL = undefined, or the model is off):\n\n"
               "| column | unit | model | meaning |\n|---|---|---|---|\n");
        for (int i = 0; i < nsc; i++) {
            const metrics_scalar_t *m = metrics_scalar_def(i);
            printf("| `%s` | %s | %s | %s |\n", m->name, m->unit, metrics_scalar_owner(i), m->help);
        }
        return;
    }
    for (int i = 0; i < nse; i++) {
        const metrics_def_t *m = metrics_series_def(i);
        printf("series  %-26s %-4s %-12s %-10s %s\n", m->name, m->kind == STATS_SUM ? "sum" : "max", m->unit,
               metrics_series_owner(i), m->help);
    }
    for (int i = 0; i < nsc; i++) {
        const metrics_scalar_t *m = metrics_scalar_def(i);
        printf("scalar  %-26s      %-12s %-10s %s\n", m->name, m->unit, metrics_scalar_owner(i), m->help);
    }
}

static int cmd_run(int argc, char **argv)
{
    static const struct option longs[] = {
        {"db", required_argument, NULL, 'd'}, {"seed", required_argument, NULL, 's'},
        {"set", required_argument, NULL, 'S'}, {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    opts_cmd_t oc = {"run", usage_run, "q", longs, 1, 1, 0};
    const char *db = NULL, *arg;
    const char **sets = calloc((size_t)argc, sizeof *sets); /* in order; a --seed becomes run.seed=N */
    char **seeds = calloc((size_t)argc, sizeof *seeds);
    int quiet = 0, nsets = 0, code, npos;
    char err[1024];
    cfg_doc_t doc;
    memset(&doc, 0, sizeof doc);
    int rc = EXIT_BAD_INPUT;
    if (!sets || !seeds)
        goto out;
    while ((code = opts_next(&oc, argc, argv, &arg)) >= 0) {
        if (code == 'd')
            db = arg;
        else if (code == 'q')
            quiet = 1;
        else if (code == 'S')
            sets[nsets++] = arg;
        else if (code == 's') {
            seeds[nsets] = malloc(strlen(arg) + sizeof "run.seed=");
            if (!seeds[nsets])
                goto out;
            sprintf(seeds[nsets], "run.seed=%s", arg);
            sets[nsets] = seeds[nsets];
            nsets++;
        }
    }
    if (code == OPTS_HELP)
        rc = 0;
    char **pos = code == OPTS_END ? opts_args(&oc, argc, argv, &npos) : NULL;
    if (!pos)
        goto out;
    const char *file = pos[0];
    if (cfg_doc_load(&doc, file, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim: %s\n", err);
        goto out;
    }
    for (int i = 0; i < nsets; i++)
        if (cfg_doc_set(&doc, sets[i], err, sizeof err) < 0) {
            fprintf(stderr, "retrysim: %s\n", err);
            goto out;
        }
    run_cfg_t cfg;
    rc = exec_resolve(&doc, db, &cfg, err, sizeof err);
    if (rc != EXEC_OK) {
        fprintf(stderr, "retrysim: %s\n", err);
        goto out;
    }
    run_result_t res;
    int64_t run_id = -1;
    rc = exec_run(&doc, &cfg, &res, &run_id, quiet, err, sizeof err);
    if (rc != EXEC_OK)
        fprintf(stderr, "retrysim: %s: %s\n", file, err);
    else if (!quiet)
        print_summary(&cfg, &res, run_id, cfg.output.db);
    run_result_free(&res);
out:
    cfg_doc_free(&doc);
    for (int i = 0; seeds && i < argc; i++)
        free(seeds[i]);
    free(seeds);
    free(sets);
    return rc;
}

static const char usage_merge[] =
    "usage: retrysim merge OUT.db IN.db...\n"
    "\n"
    "Adds the runs of each IN to OUT (created if needed): the databases of a sweep run in\n"
    "shards (retrysim sweep --shard K/N), or two databases of the same experiment. Sweeps\n"
    "are matched by experiment and identity (text and inputs); a run already in OUT is\n"
    "skipped if its results are the same, and a conflict (different results) is an error.\n"
    "Each IN is merged whole or not at all; the summaries are brought up to date.\n"
    "Exit status: 0 merged, 1 a conflict or a database error, 2 bad input.\n";

/* The sweeps to summarise after a merge, once each. */
static int add_unique(int64_t *ids, int n, const int64_t *more, int nmore)
{
    for (int k = 0; k < nmore; k++) {
        int seen = 0;
        for (int i = 0; i < n && !seen; i++)
            seen = ids[i] == more[k];
        if (!seen)
            ids[n++] = more[k];
    }
    return n;
}

static int cmd_merge(int argc, char **argv)
{
    char err[1024];
    struct stat a, b;
    opts_cmd_t oc = {"merge", usage_merge, "", NULL, 2, -1, 0};
    const char *arg;
    int code = opts_next(&oc, argc, argv, &arg);
    if (code == OPTS_HELP)
        return 0;
    if (code != OPTS_END || !(argv = opts_args(&oc, argc, argv, &argc)))
        return EXIT_BAD_INPUT;
    for (int i = 1; i < argc; i++) {
        if (stat(argv[i], &a) != 0 || !S_ISREG(a.st_mode)) {
            fprintf(stderr, "retrysim merge: %s: no such database file\n", argv[i]);
            return EXIT_BAD_INPUT;
        }
        if (stat(argv[0], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            fprintf(stderr, "retrysim merge: %s is the output database itself\n", argv[i]);
            return EXIT_BAD_INPUT;
        }
    }
    rec_t *r = NULL;
    if (rec_open(&r, argv[0], NULL, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim merge: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    int rc = 0, nsum = 0, added = 0, same = 0, sweeps = 0;
    int64_t *sum = calloc((size_t)argc * 64 + 64, sizeof *sum); /* grows below when needed */
    int capsum = argc * 64 + 64;
    for (int i = 1; i < argc && rc == 0 && sum; i++) {
        rec_merge_stats_t st;
        int64_t *touched = NULL;
        int nt = 0;
        if (rec_merge(r, argv[i], &st, &touched, &nt, err, sizeof err) < 0) {
            fprintf(stderr, "retrysim merge: %s\n", err);
            rc = strstr(err, "not a database of this retrysim") ? EXIT_BAD_INPUT : EXIT_RUN_FAILED;
        } else {
            added += st.runs_added;
            same += st.runs_same;
            sweeps += st.sweeps_added;
            if (nsum + nt > capsum) {
                int64_t *g = realloc(sum, (size_t)(nsum + nt) * sizeof *g);
                if (g)
                    sum = g, capsum = nsum + nt;
            }
            if (nsum + nt <= capsum)
                nsum = add_unique(sum, nsum, touched, nt);
        }
        free(touched);
    }
    for (int i = 0; i < nsum && rc == 0; i++)
        if (rec_summarise(r, sum[i], err, sizeof err) < 0) {
            fprintf(stderr, "retrysim merge: summary: %s\n", err);
            rc = EXIT_RUN_FAILED;
        }
    if (rec_close(r, err, sizeof err) < 0 && rc == 0) {
        fprintf(stderr, "retrysim merge: %s\n", err);
        rc = EXIT_RUN_FAILED;
    }
    if (rc == 0)
        printf("merged %d runs into %s (%d already there with the same results; %d new sweeps; %d summaries "
               "brought up to date)\n",
               added, argv[0], same, sweeps, nsum);
    free(sum);
    return rc;
}

/* The commands that take no file: keys, metrics, version. */
static int cmd_keys(int argc, char **argv)
{
    static const struct option longs[] = {{"markdown", no_argument, NULL, 'm'}, {"json", no_argument, NULL, 'J'},
                                          {NULL, 0, NULL, 0}};
    opts_cmd_t oc = {"keys", "usage: retrysim keys [--markdown | --json]\n\nEvery configuration key: section, type, "
                             "unit, default, range and meaning; as text, Markdown tables (the README's) or JSON.\n",
                     "", longs, 0, 0, 0};
    const char *arg;
    int code, format = 0, n;
    while ((code = opts_next(&oc, argc, argv, &arg)) >= 0)
        format = code;
    if (code == OPTS_HELP)
        return 0;
    if (code != OPTS_END || !opts_args(&oc, argc, argv, &n))
        return EXIT_BAD_INPUT;
    if (format == 'J')
        cfg_print_reference_json(stdout);
    else
        cfg_print_reference(stdout, format == 'm');
    return 0;
}

static int cmd_metrics(int argc, char **argv)
{
    static const struct option longs[] = {{"markdown", no_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
    opts_cmd_t oc = {"metrics", "usage: retrysim metrics [--markdown]\n\nEvery column of the series table and "
                                "every scalar of a run: unit and meaning.\n",
                     "", longs, 0, 0, 0};
    const char *arg;
    int code, markdown = 0, n;
    while ((code = opts_next(&oc, argc, argv, &arg)) >= 0)
        markdown = 1;
    if (code == OPTS_HELP)
        return 0;
    if (code != OPTS_END || !opts_args(&oc, argc, argv, &n))
        return EXIT_BAD_INPUT;
    print_metrics(markdown);
    return 0;
}

static int cmd_presets(int argc, char **argv)
{
    static const struct option longs[] = {{"markdown", no_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
    opts_cmd_t oc = {"presets", "usage: retrysim presets [--markdown] [NAME]\n\nThe client library presets "
                                "([retry] preset = NAME), or the keys one of them sets (docs/clients.md).\n",
                     "", longs, 0, 1, 0};
    const char *arg;
    int code, markdown = 0, n;
    while ((code = opts_next(&oc, argc, argv, &arg)) >= 0)
        markdown = 1;
    if (code == OPTS_HELP)
        return 0;
    char **args;
    if (code != OPTS_END || !(args = opts_args(&oc, argc, argv, &n)))
        return EXIT_BAD_INPUT;
    return presets_print(stdout, n ? args[0] : NULL, markdown) < 0 ? EXIT_BAD_INPUT : 0;
}

static int cmd_version(int argc, char **argv)
{
    opts_cmd_t oc = {"version", "usage: retrysim version\n\nThe version and the pending event set compiled in.\n", "",
                     NULL, 0, 0, 0};
    const char *arg;
    int code = opts_next(&oc, argc, argv, &arg), n;
    if (code == OPTS_HELP)
        return 0;
    if (code != OPTS_END || !opts_args(&oc, argc, argv, &n))
        return EXIT_BAD_INPUT;
    printf("retrysim %s (pending event set: %s)\n", RETRYSIM_VERSION, pes_design());
    return 0;
}

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the command's name */
} command_t;

static const command_t commands[] = {
    {"run", cmd_run},         {"sweep", sweep_cmd},         {"search", search_cmd},
    {"merge", cmd_merge},     {"summary", inspect_summary}, {"export", inspect_export},
    {"compare", inspect_compare}, {"report", report_cmd},   {"keys", cmd_keys},
    {"metrics", cmd_metrics}, {"presets", cmd_presets}, {"version", cmd_version},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const command_t *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

/* A sweep runs thousands of short simulations in one process, each
 * allocating its world and freeing it. glibc gives the heap's top back to
 * the kernel whenever more than 128 KB is free there, so every run grew the
 * heap again with brk and faulted its pages in afresh (23,000 brk calls in
 * Brooker's 9,500-run table). Keeping up to 256 MB spares both. */
static void keep_freed_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int main(int argc, char **argv)
{
    keep_freed_memory();
    if (argc < 2) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version"))
        cmd = "version";
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 3) {
            fprintf(stderr, "retrysim help: one command at a time\n");
            return EXIT_BAD_INPUT;
        }
        if (argc == 2) {
            usage(stdout);
            return 0;
        }
        const command_t *c = find_command(argv[2]);
        if (!c) {
            fprintf(stderr, "retrysim help: unknown command '%s' (see retrysim help)\n", argv[2]);
            return EXIT_BAD_INPUT;
        }
        static char help_flag[] = "--help";
        char *args[] = {argv[2], help_flag, NULL};
        return c->fn(2, args);
    }
    const command_t *c = find_command(cmd);
    if (!c) {
        fprintf(stderr, "retrysim: unknown command '%s' (see retrysim help)\n", cmd);
        return EXIT_BAD_INPUT;
    }
    return c->fn(argc - 1, argv + 1);
}
