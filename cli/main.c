/*
 * retrysim: the command line. main() parses the command and decides exit
 * codes: 0 ok, 1 the run failed (event budget, model error), 2 bad input
 * (command line, configuration, results path). The library never exits.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "exec.h"
#include "inspect.h"
#include "report.h"
#include "metrics.h"
#include "stats.h"
#include "sweep_cmd.h"
#include "pes.h"
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
            "  version                  the version and the engine design\n"
            "  help [COMMAND]           this text, or a command's\n"
            "\n"
            "retrysim is a discrete-event simulator of client retry storms.\n");
}

static void usage_run(FILE *f)
{
    fprintf(f,
            "usage: retrysim run FILE.ini [--db PATH] [--seed N] [--set section.key=value]... [--quiet]\n"
            "\n"
            "  --db PATH      results database (default: [output] db, results/retrysim.db)\n"
            "  --seed N       base seed (same as --set run.seed=N)\n"
            "  --set S.K=V    override one configuration key; repeatable\n"
            "  --quiet        no summary table\n"
            "\n"
            "Exit status: 0 ok, 1 the run failed (recorded as failed), 2 bad input (nothing written).\n");
}

static void print_summary(const run_cfg_t *c, const run_result_t *res, int64_t run_id, const char *db)
{
    const double *s = res->scalar;
    double amp = s[S_AMPLIFICATION], sr = s[S_SUCCESS_RATE];
    double p99 = s[S_LAT_P99], poc = s[S_PEAK_OVER_CAPACITY];
    double rec = s[S_RECOVERY];
    printf("run %" PRId64 " of '%s' (seed %" PRIu64 ", replication %u) -> %s\n", run_id, c->output.experiment,
           c->run.seed, c->run.replication, db);
    printf("  %-22s %14.0f\n", "calls", s[S_CALLS]);
    printf("  %-22s %14.0f\n", "attempts", s[S_ATTEMPTS]);
    printf("  %-22s %14.3f\n", "amplification", amp);
    printf("  %-22s %13.2f%%\n", "success rate", 100 * sr);
    if (isnan(p99))
        printf("  %-22s %14s\n", "p99 latency", "-");
    else
        printf("  %-22s %12.1fms\n", "p99 latency", p99 * 1e3);
    if (isnan(poc))
        printf("  %-22s %14s\n", "peak / capacity", "-");
    else
        printf("  %-22s %14.2f\n", "peak / capacity", poc);
    if (c->server.noutages) {
        if (isnan(rec))
            printf("  %-22s %14s\n", "recovery after outage", "never");
        else
            printf("  %-22s %13.1fs\n", "recovery after outage", rec);
    }
    if (protect_any(&c->protect)) {
        printf("  %-22s %14.0f\n", "retries denied",
               s[S_CALLS_DENIED_QUOTA] + s[S_CALLS_DENIED_BUDGET]);
        printf("  %-22s %14.0f\n", "rejected locally", s[S_REJ_LOCAL]);
    }
    printf("  %-22s %14" PRIu64 "\n", "events", res->events);
    printf("  %-22s %12.2fM/s\n", "events/s", res->wall_s > 0 ? (double)res->events / res->wall_s / 1e6 : 0.0);
}

/* The metric declarations (models/metrics.h): the series table's columns
 * and the scalars table's, as the README lists them. */
static void print_metrics(int markdown)
{
    if (markdown) {
        printf("Series (table `series`, one row per bucket; *sum* counts events in the bucket, *max* is the largest "
               "value a level reached in it):\n\n| column | kind | unit | meaning |\n|---|---|---|---|\n");
        for (int i = 0; i < M_COUNT; i++)
            printf("| `%s` | %s | %s | %s |\n", metrics_series[i].name, metrics_series[i].kind == STATS_SUM ? "sum" : "max",
                   metrics_series[i].unit, metrics_series[i].help);
        printf("\nScalars (table `scalars`, one row per run; NULL = undefined, or the model is off):\n\n"
               "| column | unit | meaning |\n|---|---|---|\n");
        for (int i = 0; i < S_COUNT; i++)
            printf("| `%s` | %s | %s |\n", metrics_scalars[i].name, metrics_scalars[i].unit, metrics_scalars[i].help);
        return;
    }
    for (int i = 0; i < M_COUNT; i++)
        printf("series  %-26s %-4s %-12s %s\n", metrics_series[i].name, metrics_series[i].kind == STATS_SUM ? "sum" : "max",
               metrics_series[i].unit, metrics_series[i].help);
    for (int i = 0; i < S_COUNT; i++)
        printf("scalar  %-26s      %-12s %s\n", metrics_scalars[i].name, metrics_scalars[i].unit, metrics_scalars[i].help);
}

static int cmd_run(int argc, char **argv)
{
    const char *file = NULL, *db = NULL;
    int quiet = 0;
    char err[1024];
    cfg_doc_t doc;
    memset(&doc, 0, sizeof doc);
    /* first pass: find the file, so --set applies on top of it */
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_run(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--db") || !strcmp(argv[i], "--seed") || !strcmp(argv[i], "--set")) {
            i++;
            continue;
        }
        if (argv[i][0] == '-' && strcmp(argv[i], "--quiet")) {
            fprintf(stderr, "retrysim run: unknown option '%s' (see retrysim run --help)\n", argv[i]);
            return EXIT_BAD_INPUT;
        }
        if (argv[i][0] != '-') {
            if (file) {
                fprintf(stderr, "retrysim run: one configuration file at a time ('%s' and '%s')\n", file, argv[i]);
                return EXIT_BAD_INPUT;
            }
            file = argv[i];
        }
    }
    if (!file) {
        usage_run(stderr);
        return EXIT_BAD_INPUT;
    }
    if (cfg_doc_load(&doc, file, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_BAD_INPUT;
    for (int i = 0; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--db") && strcmp(opt, "--seed") && strcmp(opt, "--set")) {
            if (!strcmp(opt, "--quiet"))
                quiet = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "retrysim run: %s needs a value\n", opt);
            goto out;
        }
        const char *val = argv[++i];
        if (!strcmp(opt, "--db")) {
            db = val;
        } else {
            char assign[600];
            snprintf(assign, sizeof assign, "%s%s", !strcmp(opt, "--seed") ? "run.seed=" : "", val);
            if (cfg_doc_set(&doc, assign, err, sizeof err) < 0) {
                fprintf(stderr, "retrysim: %s\n", err);
                goto out;
            }
        }
    }
    run_cfg_t cfg;
    rc = exec_resolve(&doc, db, &cfg, err, sizeof err);
    if (rc != EXEC_OK) {
        fprintf(stderr, "retrysim: %s\n", err);
        goto out;
    }
    run_result_t res;
    int64_t run_id = -1;
    rc = exec_run(&doc, &cfg, &res, &run_id, err, sizeof err);
    if (rc != EXEC_OK)
        fprintf(stderr, "retrysim: %s: %s\n", file, err);
    else if (!quiet)
        print_summary(&cfg, &res, run_id, cfg.output.db);
    run_result_free(&res);
out:
    cfg_doc_free(&doc);
    return rc;
}

static void usage_merge(FILE *f)
{
    fprintf(f, "usage: retrysim merge OUT.db IN.db...\n"
               "\n"
               "Adds the runs of each IN to OUT (created if needed): the databases of a sweep run in\n"
               "shards (retrysim sweep --shard K/N), or two databases of the same experiment. Sweeps\n"
               "are matched by experiment and identity (text and inputs); a run already in OUT is\n"
               "skipped if its results are the same, and a conflict (different results) is an error.\n"
               "Each IN is merged whole or not at all; the summaries are brought up to date.\n"
               "Exit status: 0 merged, 1 a conflict or a database error, 2 bad input.\n");
}

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
    if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        usage_merge(stdout);
        return 0;
    }
    if (argc < 2) {
        usage_merge(stderr);
        return EXIT_BAD_INPUT;
    }
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

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 2 && !strcmp(argv[2], "run"))
            usage_run(stdout);
        else if (argc > 2 && !strcmp(argv[2], "sweep"))
            sweep_usage(stdout);
        else if (argc > 2 && !strcmp(argv[2], "merge"))
            usage_merge(stdout);
        else if (argc > 2 && !strcmp(argv[2], "search"))
            search_usage(stdout);
        else
            usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("retrysim %s (pending event set: %s)\n", RETRYSIM_VERSION, pes_design());
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "sweep"))
        return sweep_cmd(argc - 2, argv + 2);
    if (!strcmp(cmd, "merge"))
        return cmd_merge(argc - 2, argv + 2);
    if (!strcmp(cmd, "search"))
        return search_cmd(argc - 2, argv + 2);
    if (!strcmp(cmd, "summary"))
        return inspect_summary(argc - 2, argv + 2);
    if (!strcmp(cmd, "report"))
        return report_cmd(argc - 2, argv + 2);
    if (!strcmp(cmd, "export"))
        return inspect_export(argc - 2, argv + 2);
    if (!strcmp(cmd, "compare"))
        return inspect_compare(argc - 2, argv + 2);
    if (!strcmp(cmd, "metrics")) {
        print_metrics(argc > 2 && !strcmp(argv[2], "--markdown"));
        return 0;
    }
    if (!strcmp(cmd, "keys")) {
        cfg_print_reference(stdout, argc > 2 && !strcmp(argv[2], "--markdown"));
        return 0;
    }
    fprintf(stderr, "retrysim: unknown command '%s' (see retrysim help)\n", cmd);
    return EXIT_BAD_INPUT;
}
