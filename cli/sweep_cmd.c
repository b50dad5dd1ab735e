/*
 * sweep_cmd: `retrysim sweep FILE.ini`: expand the experiment into its runs
 * (config/sweep.c), check the configuration of every point to run before
 * running any, skip runs the database already holds (resume), and farm the
 * rest out (cli/farm.h): to -j worker processes, or to MPI ranks when
 * started by mpirun (make MPI=1). This process (rank 0) alone writes the
 * database. --shard K/N keeps every N-th run, for job arrays whose tasks
 * write a database each (`retrysim merge` joins them).
 *
 * Interruption: Ctrl-C (SIGINT) or SIGTERM stops the workers; the runs that
 * arrived whole are recorded, and the exit status is 130. A run cut short
 * leaves nothing. If the writer is killed outright (kill -9), the runs of
 * its last half second are lost and SQLite discards a transaction it had
 * open; the same command runs them again (resume), with the same results.
 */
#define _GNU_SOURCE /* strsignal */
#include "sweep_cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "exec.h"
#include "farm.h"
#include "opts.h"
#include "rec.h"
#include "search.h"
#include "sweep.h"
#ifdef RETRYSIM_MPI
#include <mpi.h>
#endif

#define PROGRESS_SECONDS 5.0   /* a line while checking a huge sweep, this often */
#define LOCK_NOTICE_MS 5000    /* say that the database is locked after waiting this long */

typedef struct {
    const char *file, *db, *select;
    int jobs, list, quiet, timing;
    int shard, nshards;        /* --shard K/N: runs i with i % N == K - 1; 0/0 = all */
    cfg_doc_t doc;
} opts_t;

static const char sweep_text[] =
    "usage: retrysim sweep FILE.ini [-j N] [--db PATH] [-r RUNS] [--shard K/N] [--set section.key=value]...\n"
    "                      [--list] [--quiet] [--timing]\n"
    "\n"
    "  -j, --jobs N      worker processes (default: number of cores)\n"
    "  --db PATH         results database (default: [output] db)\n"
    "  -r, --runs RUNS   only these run numbers, e.g. 1,2,5-10\n"
    "  --shard K/N       only every N-th run, the K-th of N shares (1 <= K <= N): one task\n"
    "                    of a job array, writing its own database (then: retrysim merge)\n"
    "  --set S.K=V       override a key in every run; repeatable\n"
    "  --list            print the (selected) runs and their variables, run nothing\n"
    "  -q, --quiet       no progress line\n"
    "  --timing          print where the time went: simulation, recording, summary\n"
    "\n"
    "Runs are numbered 0..N-1: iteration variables nest in the order they first appear\n"
    "in the file, the last one innermost; replications ([sweep] repeat) innermost of all.\n"
    "Replication r of every configuration uses the same seeds (common random numbers).\n"
    "Runs already in the database for the same experiment text are skipped.\n"
    "Started by mpirun (built with make MPI=1), rank 0 writes and the other ranks simulate.\n"
    "Exit status: 0 all ran, 1 some failed (recorded as failed), 2 bad input, 130 interrupted.\n";

static const char search_text[] =
    "usage: retrysim search FILE.ini [-j N] [--db PATH] [--set section.key=value]... [--quiet]\n"
    "\n"
    "  -j, --jobs N      worker processes (default: number of cores)\n"
    "  --db PATH         results database (default: [output] db)\n"
    "  --set S.K=V       override a key in every run; repeatable\n"
    "  -q, --quiet       no progress lines\n"
    "\n"
    "Finds, for every point of the other variables, the value of one variable at which a goal\n"
    "over the runs' scalars starts to be met: a noisy bisection over the variable's values\n"
    "(in the order written) that adds replications only where the answer is uncertain.\n"
    "The experiment's [search] section says what:\n"
    "  variable     = NAME          a ${NAME=...} variable of the experiment\n"
    "  goal         = EXPR          over one run's scalars, e.g. $recovery_time_s <= 30\n"
    "  statistic    = share         share: the goal holds in at least `share` of replications\n"
    "                               (Wald's SPRT); mean: $scalar <= NUMBER holds for the mean\n"
    "  share        = 0.95\n"
    "  tolerance    = 0.04          indifference half-width of the share test\n"
    "  confidence   = 0.95          of each candidate's verdict\n"
    "  replications = 10..100       per candidate: a batch, at most\n"
    "  passes       = above|below   optional: the goal holds from the boundary upwards (or\n"
    "                               downwards) in the order written; else inferred per group\n"
    "Every run goes into the database like a sweep's (resumable; replication r of every\n"
    "candidate uses the same seeds); the answers into the tables search and search_probe.\n"
    "Exit status: 0 done, 1 a run or the database failed, 2 bad input, 130 interrupted.\n";

void sweep_usage(FILE *f) { fputs(sweep_text, f); }
void search_usage(FILE *f) { fputs(search_text, f); }

/* The command line: options, then the file, then the --set overrides in
 * the order given. A search takes no run selection, shard or listing. */
static int parse_args(int argc, char **argv, int searching, opts_t *o)
{
    static const struct option longs[] = {
        {"jobs", required_argument, NULL, 'j'},  {"db", required_argument, NULL, 'd'},
        {"runs", required_argument, NULL, 'r'},  {"shard", required_argument, NULL, 'k'},
        {"set", required_argument, NULL, 'S'},   {"list", no_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},       {"timing", no_argument, NULL, 't'},
        {NULL, 0, NULL, 0}};
    static const struct option search_longs[] = {
        {"jobs", required_argument, NULL, 'j'}, {"db", required_argument, NULL, 'd'},
        {"set", required_argument, NULL, 'S'},  {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0}};
    opts_cmd_t oc = {searching ? "search" : "sweep", searching ? search_text : sweep_text, searching ? "j:q" : "j:r:q",
                     searching ? search_longs : longs, 1, 1, 0};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = ncpu > 0 ? (int)ncpu : 1;
    const char **sets = calloc((size_t)argc, sizeof *sets), *arg;
    int nsets = 0, code, npos, rc = -1;
    char err[1024];
    if (!sets)
        return -1;
    while ((code = opts_next(&oc, argc, argv, &arg)) >= 0) {
        char *end;
        long j;
        int k, n, used = 0;
        switch (code) {
        case 'j':
            j = strtol(arg, &end, 10);
            if (*end || end == arg || j < 1 || j > 1024) {
                opts_bad_value(&oc, "-j", "takes a number of workers from 1 to 1024");
                goto out;
            }
            o->jobs = (int)j;
            break;
        case 'd': o->db = arg; break;
        case 'r': o->select = arg; break;
        case 'k':
            if (sscanf(arg, "%d/%d%n", &k, &n, &used) != 2 || arg[used] || n < 1 || k < 1 || k > n) {
                opts_bad_value(&oc, "--shard", "takes K/N with 1 <= K <= N (e.g. 3/16)");
                goto out;
            }
            o->shard = k;
            o->nshards = n;
            break;
        case 'S': sets[nsets++] = arg; break;
        case 'l': o->list = 1; break;
        case 'q': o->quiet = 1; break;
        case 't': o->timing = 1; break;
        }
    }
    if (code == OPTS_HELP) {
        rc = 1;
        goto out;
    }
    char **pos = code == OPTS_END ? opts_args(&oc, argc, argv, &npos) : NULL;
    if (!pos)
        goto out;
    o->file = pos[0];
    if (cfg_doc_load(&o->doc, o->file, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim %s: %s\n", oc.name, err);
        goto out;
    }
    for (int i = 0; i < nsets; i++)
        if (cfg_doc_set(&o->doc, sets[i], err, sizeof err) < 0) {
            fprintf(stderr, "retrysim %s: %s\n", oc.name, err);
            goto out;
        }
    rc = 0;
out:
    free(sets);
    return rc;
}

/* Check point 0 and every point with a selected run before running any,
 * so a bad value in the 300th combination costs nothing. The runs of a
 * point differ only in run.replication (0 .. repeat-1, always in range), so
 * a point's first run stands for all of them. Fills point 0's
 * configuration (the database, the experiment). Says how far it got every
 * few seconds when it takes long (millions of points). */
static int check_all(const sweep_plan_t *plan, const opts_t *o, const unsigned char *sel, run_cfg_t *first,
                     char *err, size_t errlen)
{
    int np = sweep_points(plan), rep = sweep_repeat(plan);
    double t0 = farm_now(), told = t0;
    for (int p = 0; p < np; p++) {
        int wanted = p == 0;
        for (int k = 0; k < rep && !wanted; k++)
            wanted = sel[p * rep + k];
        if (!wanted)
            continue;
        run_cfg_t c;
        if (farm_resolve(plan, o->db, p * rep, p == 0 ? first : &c, NULL, err, errlen) != EXEC_OK) {
            char why[900];
            snprintf(why, sizeof why, "%.899s", err);
            snprintf(err, errlen, "run %d: %s", p * rep, why);
            return -1;
        }
        if (p > 0 && (strcmp(c.output.db, first->output.db) || strcmp(c.output.experiment, first->output.experiment))) {
            snprintf(err, errlen, "run %d: [output] db and experiment must be the same for every run of a sweep",
                     p * rep);
            return -1;
        }
        if (!o->quiet && farm_now() - told >= PROGRESS_SECONDS) {
            told = farm_now();
            fprintf(stderr, "[sweep] checking the configuration: %d of %d points, %.0f s\n", p + 1, np, told - t0);
        }
    }
    return 0;
}

static void list_runs(const sweep_plan_t *plan, const unsigned char *sel)
{
    int nv = sweep_nvars(plan);
    printf("run\tpoint\treplication");
    for (int v = 0; v < nv; v++)
        printf("\t%s", sweep_var_name(plan, v));
    printf("\n");
    for (int i = 0; i < sweep_count(plan); i++) {
        if (!sel[i])
            continue;
        int point, rep;
        const char *vals[SWEEP_MAX_VARS];
        char err[256];
        if (sweep_run(plan, i, NULL, &point, &rep, vals, err, sizeof err) == 0) {
            printf("%d\t%d\t%d", i, point, rep);
            for (int v = 0; v < nv; v++)
                printf("\t%s", vals[v]);
            printf("\n");
        }
    }
}

/* ---- the sweep's description for the recorder ---------------------------- */

typedef struct {
    const sweep_plan_t *plan;
    const opts_t *o;
    exec_params_t ps;
} describe_ctx_t;

static int describe_point(void *ctx, int point, const rec_param_t **params, int *nparams, const char **values,
                          char *err, size_t errlen)
{
    describe_ctx_t *dc = ctx;
    run_cfg_t c;
    if (farm_resolve(dc->plan, dc->o->db, point * sweep_repeat(dc->plan), &c, values, err, errlen) != EXEC_OK ||
        exec_params(&dc->ps, &c, err, errlen) < 0)
        return -1;
    *params = dc->ps.p;
    *nparams = dc->ps.n;
    return 0;
}

/* The writer waits for another process's lock as long as it must (a
 * finished run is never dropped for contention), saying so every few
 * seconds; Ctrl-C ends the wait. */
static int wait_for_lock(void *ctx, int64_t waited_ms)
{
    int64_t *said = ctx;
    if (farm_interrupted)
        return 0;
    if (waited_ms - *said >= LOCK_NOTICE_MS) {
        *said = waited_ms;
        fprintf(stderr, "[sweep] the results database is locked by another process: waited %.0f s, waiting on "
                        "(Ctrl-C stops; finished runs are kept)\n",
                (double)waited_ms / 1e3);
    }
    return 1;
}

/* CPU seconds (user + system) of this process alone: the writer. */
static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* This process's place in an MPI job: rank and size (0 and 1 without MPI,
 * or when not started by an MPI launcher). */
typedef struct {
    int rank, size, inited;
    int served;                /* rank 0: the workers were handed their runs and told to stop */
} mpi_place_t;

static mpi_place_t mpi_start(int *argc, char ***argv)
{
    mpi_place_t m = {0, 1, 0, 0};
#ifdef RETRYSIM_MPI
    /* Only under a launcher (mpirun, srun): a plain run stays a plain run. */
    if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK")) {
        MPI_Init(argc, argv);
        MPI_Comm_rank(MPI_COMM_WORLD, &m.rank);
        MPI_Comm_size(MPI_COMM_WORLD, &m.size);
        m.inited = 1;
    }
#else
    (void)argc, (void)argv;
#endif
    return m;
}

/* Rank 0 of an MPI job: one round of runs through the other ranks. */
static int mpi_round(const mpi_place_t *m, const int *todo, int ntodo, farm_writer_t *wr)
{
#ifdef RETRYSIM_MPI
    if (m->size > 1 && m->rank == 0)
        return farm_mpi_round(todo, ntodo, wr);
#endif
    (void)m, (void)todo, (void)ntodo, (void)wr;
    return EXEC_RUN_FAILED;
}

/* Rank 0: tell the other ranks to stop (once, whatever happened). */
static void mpi_stop(mpi_place_t *m)
{
    if (m->size < 2 || m->rank != 0 || m->served)
        return;
    m->served = 1;
#ifdef RETRYSIM_MPI
    farm_mpi_stop();
#endif
}

static int mpi_end(const mpi_place_t *m, int rc)
{
#ifdef RETRYSIM_MPI
    if (m->inited)
        MPI_Finalize();
#else
    (void)m;
#endif
    return rc;
}

/* Print where the time went (--timing). */
static void print_timing(const farm_writer_t *wr, const char *db, double cpu, double summary_s, double wall_s)
{
    struct stat sb;
    char wal[600];
    double mb = stat(db, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
    snprintf(wal, sizeof wal, "%s-wal", db); /* not yet folded into the file: that happens at close */
    mb += stat(wal, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
    fprintf(stderr,
            "[sweep] timing: %d runs simulated in %.3f s (summed over runs); writer %.3f s CPU recording them "
            "(%.1f%% of the simulation), summary %.3f s; wall %.3f s; database %.2f MB\n",
            wr->done, wr->sim_s, cpu, wr->sim_s > 0 ? 100 * cpu / wr->sim_s : 0.0, summary_s, wall_s, mb);
}

/* Take the [search] section out of the document (retrysim search needs
 * one, retrysim sweep refuses one), and for a search set the sweep's
 * replications to the most the search may use. */
static int take_search(opts_t *o, int searching, cfg_doc_t *section, search_t **srch, char *err, size_t errlen)
{
    int n = cfg_doc_take_section(&o->doc, SEARCH_SECTION, section), repeat;
    if (n < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!searching) {
        if (n > 0)
            snprintf(err, errlen, "%s: [search] section: run it with retrysim search (retrysim sweep runs every "
                                  "combination)", o->file);
        return n > 0 ? -1 : 0;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s: no [search] section (see retrysim help search)", o->file);
        return -1;
    }
    if (o->select || o->nshards) {
        snprintf(err, errlen, "-r and --shard select runs of a sweep; a search chooses its own");
        return -1;
    }
    const cfg_entry_t *rep = cfg_doc_find(&o->doc, "sweep", "repeat");
    if (rep) {
        snprintf(err, errlen, "%s:%d: [sweep] repeat: a search sets its replications with [search] replications = "
                              "MIN..MAX", rep->file, rep->line);
        return -1;
    }
    if (search_parse(section, srch, &repeat, err, errlen) < 0)
        return -1;
    char set[64];
    snprintf(set, sizeof set, "sweep.repeat=%d", repeat);
    return cfg_doc_set(&o->doc, set, err, errlen);
}

typedef struct {
    const sweep_plan_t *plan;
    const opts_t *o;
    mpi_place_t *mpi;
    farm_writer_t *wr;
} round_ctx_t;

/* One round of a search: its runs through the farm. */
static int run_round(void *ctx, const int *runs, int n)
{
    round_ctx_t *rc = ctx;
    rc->wr->done = 0;  /* the farm counts this round's runs */
    rc->wr->quiet = 1; /* the search says how far it got */
    int r = rc->mpi->size > 1 ? mpi_round(rc->mpi, runs, n, rc->wr)
                              : farm_local(rc->plan, rc->o->db, rc->o->jobs, runs, n, rc->wr);
    if (r == EXEC_RUN_FAILED && rc->wr->err[0])
        fprintf(stderr, "retrysim search: %s\n", rc->wr->err);
    return r;
}

static int drive(int argc, char **argv, int searching)
{
    const char *cmd = searching ? "retrysim search" : "retrysim sweep";
    cfg_doc_t section;
    memset(&section, 0, sizeof section);
    search_t *srch = NULL;
    opts_t o;
    memset(&o, 0, sizeof o);
    char err[1024], hash[17];
    sweep_plan_t plan;
    memset(&plan, 0, sizeof plan);
    farm_writer_t wr;
    memset(&wr, 0, sizeof wr);
    describe_ctx_t dc = {&plan, &o, {0}};
    int rc = EXEC_BAD_INPUT;
    int *todo = NULL;
    unsigned char *sel = NULL, *done = NULL;
    char *overrides = NULL;
    int64_t lock_said = 0;
    struct sigaction old_int, old_term;
    int parsed = parse_args(argc, argv, searching, &o);
    if (parsed != 0) {
        cfg_doc_free(&o.doc);
        return parsed > 0 ? 0 : EXEC_BAD_INPUT; /* --help, or said why */
    }
    mpi_place_t mpi = mpi_start(&argc, &argv);
    farm_catch_signals(&old_int, &old_term);
    if (take_search(&o, searching, &section, &srch, err, sizeof err) < 0 || sweep_plan(&o.doc, &plan, err, sizeof err) < 0 ||
        (srch && search_plan(srch, &plan, err, sizeof err) < 0)) {
        if (mpi.rank == 0)
            fprintf(stderr, "%s: %s\n", cmd, err);
        goto out;
    }
#ifdef RETRYSIM_MPI
    if (mpi.rank > 0) { /* a worker rank: simulate what rank 0 hands out */
        rc = farm_mpi_worker(&plan, o.db);
        goto out;
    }
#endif
    int n = sweep_count(&plan);
    sel = calloc((size_t)n, 1);
    done = calloc((size_t)n, 1);
    todo = calloc((size_t)n, sizeof *todo);
    if (!sel || !done || !todo || farm_writer_init(&wr, n, o.quiet) < 0) {
        fprintf(stderr, "%s: out of memory for %d runs\n", cmd, n);
        goto out;
    }
    if (o.select) {
        if (sweep_parse_selection(o.select, n, sel, err, sizeof err) < 0) {
            fprintf(stderr, "retrysim sweep: -r: %s\n", err);
            goto out;
        }
    } else {
        memset(sel, 1, (size_t)n);
    }
    if (o.nshards)
        for (int i = 0; i < n; i++)
            sel[i] &= i % o.nshards == o.shard - 1;
    if (o.list) {
        list_runs(&plan, sel);
        rc = 0;
        goto out;
    }
    run_cfg_t first;
    if (check_all(&plan, &o, sel, &first, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        goto out;
    }

    /* Everything is checked: from here on, the database is written. A
     * database that cannot be opened is bad input too (exit 2): nothing
     * has run yet. */
    exec_identity(&o.doc, &section, &plan, hash);
    overrides = exec_doc_overrides(&o.doc);
    const char *names[SWEEP_MAX_VARS];
    for (int v = 0; v < sweep_nvars(&plan); v++)
        names[v] = sweep_var_name(&plan, v);
    rec_sweep_t desc = {.experiment = first.output.experiment,
                        .config_hash = hash,
                        .config_path = o.doc.path,
                        .config_text = o.doc.text,
                        .overrides = overrides,
                        .version = RETRYSIM_VERSION,
                        .runs = n,
                        .points = sweep_points(&plan),
                        .repeat = sweep_repeat(&plan),
                        .nvars = sweep_nvars(&plan),
                        .var_names = names,
                        .describe = describe_point,
                        .ctx = &dc};
    const char *db = first.output.db, *exp = first.output.experiment;
    if (rec_open(&wr.rec, db, wait_for_lock, &lock_said, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        rc = farm_interrupted ? 130 : EXEC_BAD_INPUT;
        goto out;
    }
    rc = EXEC_RUN_FAILED;
    if (rec_sweep(wr.rec, &desc, &wr.sweep, NULL, err, sizeof err) < 0 ||
        rec_claim(wr.rec, wr.sweep, err, sizeof err) < 0 || rec_done_runs(wr.rec, wr.sweep, done, n, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        goto out;
    }
    int ntodo = 0, nsel = 0;
    for (int i = 0; i < n; i++) {
        nsel += sel[i];
        if (sel[i] && !done[i])
            todo[ntodo++] = i;
    }
    if (!o.quiet) {
        char where[64] = "";
        if (mpi.size > 1)
            snprintf(where, sizeof where, " on %d MPI ranks", mpi.size - 1);
        fprintf(stderr, "[sweep] %s: %d runs (%d points x %d replications), %d selected, %d already in %s, %d to run%s\n",
                exp, n, sweep_points(&plan), sweep_repeat(&plan), nsel, nsel - ntodo, db, ntodo, where);
    }
    double cpu0 = self_cpu_s(), t0 = farm_now();
    int r = farm_interrupted ? 130 : 0;
    if (!r && srch) {
        round_ctx_t rctx = {&plan, &o, &mpi, &wr};
        r = search_run(srch, wr.rec, wr.sweep, done, run_round, &rctx, o.quiet, err, sizeof err);
        if (r == EXEC_RUN_FAILED && err[0])
            snprintf(wr.err, sizeof wr.err, "%s", err);
    } else if (!r && mpi.size > 1) {
        r = mpi_round(&mpi, todo, ntodo, &wr);
    } else if (!r && ntodo) {
        r = farm_local(&plan, o.db, o.jobs, todo, ntodo, &wr);
    }
    if (r == EXEC_RUN_FAILED && wr.err[0]) {
        fprintf(stderr, "%s: %s\n", cmd, wr.err);
        goto out;
    }
    for (int i = 0; i < wr.nfail; i++)
        fprintf(stderr, "%s: run %d failed: %s\n", cmd, wr.failures[i].run, wr.failures[i].msg);
    double cpu1 = self_cpu_s(), t1 = farm_now();
    if (rec_summarise(wr.rec, wr.sweep, err, sizeof err) < 0) {
        fprintf(stderr, "%s: summary: %s\n", cmd, err);
        goto out;
    }
    if (o.timing)
        print_timing(&wr, db, cpu1 - cpu0, farm_now() - t1, farm_now() - t0);
    rc = r ? r : wr.nfail ? EXEC_RUN_FAILED : 0;
out:
    if (rec_close(wr.rec, err, sizeof err) < 0 && rc != EXEC_BAD_INPUT) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        rc = EXEC_RUN_FAILED;
    }
    search_free(srch);
    cfg_doc_free(&section);
    mpi_stop(&mpi);
    farm_restore_signals(&old_int, &old_term);
    exec_params_free(&dc.ps);
    free(overrides);
    farm_writer_free(&wr);
    free(sel);
    free(done);
    free(todo);
    sweep_plan_free(&plan);
    cfg_doc_free(&o.doc);
    return mpi_end(&mpi, rc);
}

int sweep_cmd(int argc, char **argv) { return drive(argc, argv, 0); }

int search_cmd(int argc, char **argv) { return drive(argc, argv, 1); }
