/*
 * sweep_cmd: `retrysim sweep FILE.ini`: expand the experiment into its runs
 * (config/sweep.c), check every run's configuration before running any,
 * skip runs the database already holds (resume), and run the rest in -j
 * worker processes, all writing to one SQLite database (each run is one
 * transaction; SQLite's busy timeout serialises the writers).
 *
 * Work is handed out through a counter in shared memory, so fast and slow
 * runs balance; workers report each finished run through a pipe with one
 * fixed-size record (atomic below PIPE_BUF). A process per worker keeps a
 * crash from taking the sweep down. Ctrl-C: the workers die with the
 * signal; a run interrupted mid-write is rolled back by SQLite's journal,
 * so finished runs stay and nothing is half-written. Running the same sweep
 * again resumes.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "sweep_cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "exec.h"
#include "rec.h"
#include "sweep.h"

typedef struct {
    int run;        /* run number */
    int status;     /* EXEC_OK, EXEC_RUN_FAILED, EXEC_BAD_INPUT */
    char msg[200];  /* why it failed */
} report_t;         /* < PIPE_BUF: one write is atomic */

typedef struct {
    const char *file, *db, *select;
    int jobs, list, quiet;
    cfg_doc_t doc;
} opts_t;

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

void sweep_usage(FILE *f)
{
    fprintf(f, "usage: retrysim sweep FILE.ini [-j N] [--db PATH] [-r RUNS] [--set section.key=value]... [--list]\n"
               "\n"
               "  -j N        worker processes (default: number of cores)\n"
               "  --db PATH   results database (default: [output] db)\n"
               "  -r RUNS     only these run numbers, e.g. 1,2,5-10\n"
               "  --set S.K=V override a key in every run\n"
               "  --list      print the runs and their variables, run nothing\n"
               "  --quiet     no progress line\n"
               "\n"
               "Runs are numbered 0..N-1: iteration variables nest in the order they first appear\n"
               "in the file, the last one innermost; replications ([sweep] repeat) innermost of all.\n"
               "Replication r of every configuration uses the same seeds (common random numbers).\n"
               "Runs already in the database for the same experiment text are skipped.\n"
               "Exit status: 0 all ran, 1 some failed (recorded as failed), 2 bad input, 130 interrupted.\n");
}

static int parse_args(int argc, char **argv, opts_t *o, char *err, size_t errlen)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = ncpu > 0 ? (int)ncpu : 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int takes = !strcmp(a, "-j") || !strcmp(a, "--db") || !strcmp(a, "-r") || !strcmp(a, "--set");
        if (takes && i + 1 >= argc) {
            snprintf(err, errlen, "%s needs a value", a);
            return -1;
        }
        if (!strcmp(a, "-j")) {
            char *end;
            long j = strtol(argv[++i], &end, 10);
            if (*end || j < 1 || j > 1024) {
                snprintf(err, errlen, "-j takes a number of workers from 1 to 1024, not '%s'", argv[i]);
                return -1;
            }
            o->jobs = (int)j;
        } else if (!strcmp(a, "--db")) {
            o->db = argv[++i];
        } else if (!strcmp(a, "-r")) {
            o->select = argv[++i];
        } else if (!strcmp(a, "--set")) {
            i++; /* applied after the file is read */
        } else if (!strcmp(a, "--list")) {
            o->list = 1;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (a[0] == '-') {
            snprintf(err, errlen, "unknown option '%s' (see retrysim help sweep)", a);
            return -1;
        } else if (o->file) {
            snprintf(err, errlen, "one experiment file at a time ('%s' and '%s')", o->file, a);
            return -1;
        } else {
            o->file = a;
        }
    }
    if (!o->file) {
        snprintf(err, errlen, "no experiment file (see retrysim help sweep)");
        return -1;
    }
    if (cfg_doc_load(&o->doc, o->file, err, errlen) < 0)
        return -1;
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--set") && cfg_doc_set(&o->doc, argv[++i], err, errlen) < 0)
            return -1;
        else if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--db") || !strcmp(argv[i], "-r"))
            i++;
    return 0;
}

/* Resolve every run before running any, so a bad value in the 300th
 * combination costs nothing. Fills the experiment name and database. */
static int check_all(const sweep_plan_t *plan, const opts_t *o, run_cfg_t *first, char *err, size_t errlen)
{
    int n = sweep_count(plan);
    for (int i = 0; i < n; i++) {
        cfg_doc_t d;
        int point, rep;
        const char *vals[SWEEP_MAX_VARS];
        run_cfg_t c;
        memset(&d, 0, sizeof d);
        int rc = sweep_run(plan, i, &d, &point, &rep, vals, err, errlen) < 0 ? EXEC_BAD_INPUT
                                                                             : exec_resolve(&d, o->db, &c, err, errlen);
        cfg_doc_free(&d);
        if (rc != EXEC_OK) {
            char why[900];
            snprintf(why, sizeof why, "%.899s", err);
            snprintf(err, errlen, "run %d: %s", i, why);
            return -1;
        }
        if (i == 0)
            *first = c;
        else if (strcmp(c.output.db, first->output.db) || strcmp(c.output.experiment, first->output.experiment)) {
            snprintf(err, errlen, "run %d: [output] db and experiment must be the same for every run of a sweep", i);
            return -1;
        }
    }
    return 0;
}

static void list_runs(const sweep_plan_t *plan)
{
    int nv = sweep_nvars(plan);
    printf("run\tpoint\treplication");
    for (int v = 0; v < nv; v++)
        printf("\t%s", sweep_var_name(plan, v));
    printf("\n");
    for (int i = 0; i < sweep_count(plan); i++) {
        cfg_doc_t d;
        int point, rep;
        const char *vals[SWEEP_MAX_VARS];
        char err[256];
        memset(&d, 0, sizeof d);
        if (sweep_run(plan, i, &d, &point, &rep, vals, err, sizeof err) == 0) {
            printf("%d\t%d\t%d", i, point, rep);
            for (int v = 0; v < nv; v++)
                printf("\t%s", vals[v]);
            printf("\n");
        }
        cfg_doc_free(&d);
    }
}

/* A worker: claim run numbers from the shared counter until none is left. */
static void worker(const sweep_plan_t *plan, const opts_t *o, const int *todo, int ntodo, atomic_int *next,
                   const char *hash, int out_fd)
{
    int k;
    signal(SIGINT, SIG_DFL);
    while ((k = atomic_fetch_add(next, 1)) < ntodo) {
        report_t rp;
        memset(&rp, 0, sizeof rp);
        rp.run = todo[k];
        cfg_doc_t d;
        int point, rep;
        const char *vals[SWEEP_MAX_VARS];
        char err[1024];
        run_cfg_t c;
        memset(&d, 0, sizeof d);
        rp.status = EXEC_BAD_INPUT;
        if (sweep_run(plan, rp.run, &d, &point, &rep, vals, err, sizeof err) == 0 &&
            exec_resolve(&d, o->db, &c, err, sizeof err) == EXEC_OK) {
            const char *names[SWEEP_MAX_VARS];
            int nv = sweep_nvars(plan);
            for (int v = 0; v < nv; v++)
                names[v] = sweep_var_name(plan, v);
            rec_sweep_t sw = {hash, rp.run, point, nv, names, vals};
            run_result_t res;
            int64_t id;
            rp.status = exec_run(&d, &c, &sw, &res, &id, err, sizeof err);
            run_result_free(&res);
        }
        cfg_doc_free(&d);
        if (rp.status != EXEC_OK)
            snprintf(rp.msg, sizeof rp.msg, "%.199s", err);
        if (write(out_fd, &rp, sizeof rp) != (ssize_t)sizeof rp)
            break;
    }
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress(int done, int total, int failed, double t0, int final)
{
    double el = now_s() - t0;
    double eta = done > 0 ? el / done * (total - done) : 0;
    fprintf(stderr, "\r[sweep] %d/%d runs, %d failed, %02d:%02d elapsed, ETA %02d:%02d%s", done, total, failed,
            (int)el / 60, (int)el % 60, (int)eta / 60, (int)eta % 60, final ? "\n" : "  ");
}

/* Run todo[0..ntodo) in jobs workers; returns failures, or -1 if interrupted. */
static int run_all(const sweep_plan_t *plan, const opts_t *o, const int *todo, int ntodo, const char *hash,
                   report_t *failures, int *nfail)
{
    atomic_int *next = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int fds[2];
    if (next == MAP_FAILED || pipe(fds) < 0) {
        fprintf(stderr, "retrysim sweep: cannot set up workers: %s\n", strerror(errno));
        return -1;
    }
    atomic_init(next, 0);
    int jobs = o->jobs < ntodo ? o->jobs : ntodo;
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    fflush(NULL);
    for (int w = 0; w < jobs; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            close(fds[0]);
            worker(plan, o, todo, ntodo, next, hash, fds[1]);
            _exit(0);
        }
    }
    close(fds[1]);
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    int tty = isatty(2) && !o->quiet, done = 0;
    double t0 = now_s();
    report_t rp;
    while (done < ntodo) {
        ssize_t r = read(fds[0], &rp, sizeof rp);
        if (r == (ssize_t)sizeof rp) {
            done++;
            if (rp.status != EXEC_OK)
                failures[(*nfail)++] = rp;
            if (tty)
                progress(done, ntodo, *nfail, t0, 0);
            continue;
        }
        if (r < 0 && errno == EINTR && !interrupted)
            continue;
        break; /* interrupted, or every worker gone */
    }
    if (interrupted)
        for (int w = 0; w < jobs; w++)
            if (pids[w] > 0)
                kill(pids[w], SIGINT);
    for (int w = 0; w < jobs; w++)
        if (pids[w] > 0)
            waitpid(pids[w], NULL, 0);
    if (tty)
        progress(done, ntodo, *nfail, t0, 1);
    close(fds[0]);
    free(pids);
    munmap(next, sizeof *next);
    signal(SIGINT, SIG_DFL);
    if (interrupted || done < ntodo) {
        fprintf(stderr, "retrysim sweep: %s after %d of %d runs; the finished runs are recorded, run the same "
                        "command again to resume\n",
                interrupted ? "interrupted" : "workers ended", done, ntodo);
        return -1;
    }
    return *nfail;
}

int sweep_cmd(int argc, char **argv)
{
    opts_t o;
    memset(&o, 0, sizeof o);
    char err[1024];
    sweep_plan_t plan;
    memset(&plan, 0, sizeof plan);
    int rc = EXEC_BAD_INPUT;
    int *todo = NULL;
    unsigned char *sel = NULL, *done = NULL;
    report_t *failures = NULL;
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            sweep_usage(stdout);
            return 0;
        }
    if (parse_args(argc, argv, &o, err, sizeof err) < 0 || sweep_plan(&o.doc, &plan, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim sweep: %s\n", err);
        goto out;
    }
    if (o.list) {
        list_runs(&plan);
        rc = 0;
        goto out;
    }
    int n = sweep_count(&plan);
    run_cfg_t first;
    if (check_all(&plan, &o, &first, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim sweep: %s\n", err);
        goto out;
    }
    sel = calloc((size_t)n, 1);
    done = calloc((size_t)n, 1);
    todo = calloc((size_t)n, sizeof *todo);
    failures = calloc((size_t)n, sizeof *failures);
    if (!sel || !done || !todo || !failures) {
        fprintf(stderr, "retrysim sweep: out of memory for %d runs\n", n);
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
    char hash[17];
    exec_doc_hash(&o.doc, hash);
    const char *db = first.output.db, *exp = first.output.experiment;
    if (rec_done_runs(db, exp, hash, done, n, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim sweep: %s\n", err);
        rc = EXEC_RUN_FAILED;
        goto out;
    }
    int ntodo = 0, nsel = 0;
    for (int i = 0; i < n; i++) {
        nsel += sel[i];
        if (sel[i] && !done[i])
            todo[ntodo++] = i;
    }
    if (!o.quiet)
        fprintf(stderr, "[sweep] %s: %d runs (%d points x %d replications), %d selected, %d already in %s, %d to run\n",
                exp, n, sweep_points(&plan), sweep_repeat(&plan), nsel, nsel - ntodo, db, ntodo);
    int nfail = 0;
    int r = ntodo ? run_all(&plan, &o, todo, ntodo, hash, failures, &nfail) : 0;
    if (r < 0) {
        rc = 130;
        goto out;
    }
    for (int i = 0; i < nfail; i++)
        fprintf(stderr, "retrysim sweep: run %d failed: %s\n", failures[i].run, failures[i].msg);
    if (rec_summarise(db, exp, hash, err, sizeof err) < 0 && ntodo + (nsel - ntodo) > 0) {
        fprintf(stderr, "retrysim sweep: summary: %s\n", err);
        rc = EXEC_RUN_FAILED;
        goto out;
    }
    rc = nfail ? EXEC_RUN_FAILED : 0;
out:
    free(sel);
    free(done);
    free(todo);
    free(failures);
    sweep_plan_free(&plan);
    cfg_doc_free(&o.doc);
    return rc;
}
