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
#include <time.h>

#include "cfg.h"
#include "pes.h"
#include "rec.h"
#include "run.h"

#define RETRYSIM_VERSION "0.2.0"

enum { EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: retrysim COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  run FILE.ini [options]   simulate one run, record it in SQLite, print a summary\n"
            "  keys [--markdown]        every configuration key: unit, default, range\n"
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

/* The directory that will hold the database must exist: checked before the
 * run so a typo costs nothing. */
static int check_db_dir(const char *db, char *err, size_t errlen)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", db);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    if (slash == dir)
        slash[1] = 0;
    else
        *slash = 0;
    struct stat sb;
    if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "results database %.400s: directory %.400s does not exist", db, dir);
        return -1;
    }
    return 0;
}

static void print_summary(const run_cfg_t *c, const run_result_t *res, int64_t run_id, const char *db)
{
    double amp = run_scalar(res, "amplification"), sr = run_scalar(res, "success_rate");
    double p99 = run_scalar(res, "latency_p99_s"), poc = run_scalar(res, "peak_over_capacity");
    double rec = run_scalar(res, "recovery_time_s");
    printf("run %" PRId64 " of '%s' (seed %" PRIu64 ", replication %u) -> %s\n", run_id, c->output.experiment,
           c->run.seed, c->run.replication, db);
    printf("  %-22s %14.0f\n", "calls", run_scalar(res, "calls"));
    printf("  %-22s %14.0f\n", "attempts", run_scalar(res, "attempts"));
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
    printf("  %-22s %14" PRIu64 "\n", "events", res->events);
    printf("  %-22s %12.2fM/s\n", "events/s", res->wall_s > 0 ? (double)res->events / res->wall_s / 1e6 : 0.0);
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
    if (cfg_apply(&doc, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim: %s\n", err);
        goto out;
    }
    if (db)
        snprintf(cfg.output.db, sizeof cfg.output.db, "%s", db);
    if (check_db_dir(cfg.output.db, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim: %s\n", err);
        goto out;
    }
    rec_param_t *params = NULL;
    int nparams = 0;
    if (cfg_params(&cfg, &params, &nparams, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim: %s\n", err);
        goto out;
    }
    char started[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);

    run_result_t res;
    int run_rc = run_execute(&cfg, &res);
    rec_run_t rr = {.experiment = cfg.output.experiment,
                    .config_text = doc.text,
                    .config_path = file,
                    .params = params,
                    .nparams = nparams,
                    .version = RETRYSIM_VERSION,
                    .started = started,
                    .cfg = &cfg,
                    .res = &res};
    int64_t run_id = -1;
    if (run_rc == RUN_BAD_INPUT) {
        fprintf(stderr, "retrysim: %s\n", res.message);
        run_result_free(&res);
        cfg_params_free(params, nparams);
        goto out;
    }
    if (rec_write(cfg.output.db, &rr, &run_id, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim: %s\n", err);
        rc = EXIT_RUN_FAILED;
    } else if (run_rc < 0) {
        fprintf(stderr, "retrysim: %s: run failed: %s (recorded as run %" PRId64 ")\n", file, res.message, run_id);
        rc = EXIT_RUN_FAILED;
    } else {
        if (!quiet)
            print_summary(&cfg, &res, run_id, cfg.output.db);
        rc = 0;
    }
    run_result_free(&res);
    cfg_params_free(params, nparams);
out:
    cfg_doc_free(&doc);
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
    if (!strcmp(cmd, "keys")) {
        cfg_print_reference(stdout, argc > 2 && !strcmp(argv[2], "--markdown"));
        return 0;
    }
    fprintf(stderr, "retrysim: unknown command '%s' (see retrysim help)\n", cmd);
    return EXIT_BAD_INPUT;
}
