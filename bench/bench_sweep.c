/*
 * bench_sweep: the whole results path, end to end, side by side with the
 * Python simulator it reproduces.
 *
 *   1. Brooker's 2015 contention table (experiments/jitter-contention.ini:
 *      19 client counts x 5 strategies x 100 runs = 9,500 runs) through
 *      `retrysim sweep -j 1`: CPU seconds (user + system, the sweep and its
 *      worker), against his script (aws-samples/aws-arch-backoff-simulator,
 *      src/backoff_simulator.py, Python 2) when $BROOKER_PY names a copy of
 *      it and `python` runs Python 2 (PYENV_VERSION=2.7.18 is set for
 *      pyenv). Rounds alternate; medians. Goal: >= 50x faster.
 *   2. From the same sweep (--timing): the writer's CPU as a share of the
 *      simulation (goal <= 10%) and database bytes per run (goal <= 2 KB).
 *   3. The same table's throughput (runs/s, wall clock) with -j 1, -j 2
 *      (goal >= 1.9x on 2 cores) and, with make MPI=1 and mpirun, MPI
 *      ranks -np 2, 3, 4 (rank 0 writes; beyond the cores oversubscribed);
 *      then the same command again with nothing left to run.
 *   4. The writer alone: 100,000 runs (1,000 points x 100 replications)
 *      recorded through rec_put (its ceiling in runs/s: where one writer,
 *      MPI's rank 0, saturates), then the summary of all of them from
 *      scratch (goal < 2 s), then after 100 more runs of one point.
 *
 *   5. Where one writer stops: for every shipped experiment, a few of its
 *      points simulated (one worker's pace) and the writer's time to record
 *      such a run with and without its series and histograms, and the
 *      worker count at which the writer would saturate.
 *
 * Run from the repository root (make bench does): it executes ./retrysim.
 * Usage: bench_sweep [--rounds N] (default 3) [--capacity] (section 5 alone)
 */
#define _GNU_SOURCE /* wait4 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "metrics.h"
#include "pack.h"
#include "rec.h"
#include "run.h"
#include "sweep.h"

#define MAX_ROUNDS 9
#define EXPERIMENT "experiments/jitter-contention.ini"

typedef struct {
    double cpu_s;    /* user + system of the process and its reaped children */
    double wall_s;
    int status;      /* exit status, -1 if it did not exit */
} proc_t;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Run argv (in dir, if not NULL) with stdout to /dev/null and stderr to
 * errfile (if not NULL); measure it. */
static proc_t run_proc(const char *const argv[], const char *dir, const char *errfile)
{
    proc_t p = {0, 0, -1};
    double t0 = now_s();
    fflush(NULL); /* the child must not print what the parent has buffered */
    pid_t pid = fork();
    if (pid == 0) {
        if (dir && chdir(dir) != 0)
            _exit(126);
        if (!freopen("/dev/null", "w", stdout) || (errfile && !freopen(errfile, "w", stderr)))
            _exit(126);
        execvp(argv[0], (char *const *)argv); /* execvp does not change them */
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
        return p;
    p.wall_s = now_s() - t0;
    p.cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    p.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void remove_db(const char *path)
{
    char aux[1024];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

/* The sweep of the table into db with -j jobs; the --timing line into
 * timing (may be NULL). */
static proc_t sweep(const char *db, const char *jobs, const char *tmp, char *timing, size_t len)
{
    char errfile[512];
    snprintf(errfile, sizeof errfile, "%s/sweep.err", tmp);
    const char *argv[] = {"./retrysim", "sweep", EXPERIMENT, "--db", db, "-j", jobs, "--quiet", "--timing", NULL};
    proc_t p = run_proc(argv, NULL, errfile);
    if (timing) {
        timing[0] = '\0';
        FILE *f = fopen(errfile, "r");
        char line[1024];
        while (f && fgets(line, sizeof line, f))
            if (strstr(line, "[sweep] timing:"))
                snprintf(timing, len, "%s", line);
        if (f)
            fclose(f);
    }
    return p;
}

static int have_python2(void)
{
    setenv("PYENV_VERSION", "2.7.18", 0); /* pyenv's python 2, where pyenv is how it is installed */
    const char *argv[] = {"python", "-c", "import sys; sys.exit(0 if sys.version_info[0] == 2 else 1)", NULL};
    return run_proc(argv, NULL, "/dev/null").status == 0;
}

/* ---- 1 to 3: the table ---------------------------------------------------- */

static void bench_table(int rounds, const char *tmp)
{
    const char *py = getenv("BROOKER_PY");
    struct stat sb;
    int with_py = py && stat(py, &sb) == 0 && have_python2();
    double cpu[MAX_ROUNDS], pycpu[MAX_ROUNDS], share[MAX_ROUNDS], bytes[MAX_ROUNDS];
    char db[512], timing[1024] = "";
    snprintf(db, sizeof db, "%s/table.db", tmp);

    printf("1. Brooker's table (%s, 9,500 runs), one core, CPU seconds:\n", EXPERIMENT);
    if (!with_py)
        printf("   (his script not run: set BROOKER_PY to a copy of aws-samples/aws-arch-backoff-simulator"
               " src/backoff_simulator.py and have Python 2 as `python`)\n");
    for (int r = 0; r < rounds; r++) {
        remove_db(db);
        proc_t p = sweep(db, "1", tmp, timing, sizeof timing);
        if (p.status != 0) {
            fprintf(stderr, "bench_sweep: retrysim sweep failed (exit %d)\n", p.status);
            exit(1);
        }
        cpu[r] = p.cpu_s;
        double sim = 0, wr = 0;
        const char *t = strstr(timing, "simulated in ");
        const char *w = strstr(timing, "writer ");
        share[r] = t && w && sscanf(t, "simulated in %lf", &sim) == 1 && sscanf(w, "writer %lf", &wr) == 1 && sim > 0
                       ? 100 * wr / sim
                       : (double)NAN;
        bytes[r] = stat(db, &sb) == 0 ? (double)sb.st_size / 9500 : (double)NAN; /* the file as the sweep left it */
        printf("   round %d: retrysim %.2f s", r + 1, cpu[r]);
        if (with_py) {
            const char *argv[] = {"python", py, NULL};
            proc_t q = run_proc(argv, tmp, "/dev/null");
            pycpu[r] = q.status == 0 ? q.cpu_s : (double)NAN;
            printf(", his script %.2f s", pycpu[r]);
        }
        printf("\n");
    }
    double m = median(cpu, rounds);
    printf("   median: retrysim %.2f s", m);
    if (with_py) {
        double mp = median(pycpu, rounds);
        printf(", his script %.2f s: %.1fx faster (goal >= 50x: %s)", mp, mp / m, mp / m >= 50 ? "met" : "NOT met");
    }
    printf("\n");
    double ms = median(share, rounds), mbytes = median(bytes, rounds);
    printf("2. recording (the writer's CPU) %.1f%% of the simulation time (goal <= 10%%: %s); database %.0f bytes per "
           "run (goal <= 2048: %s)\n",
           ms, ms <= 10 ? "met" : "NOT met", mbytes, mbytes <= 2048 ? "met" : "NOT met");

    /* Throughput: local -j 1, -j 2, and MPI ranks (rank 0 writes, the
     * others simulate) when build-mpi/retrysim and mpirun are there;
     * beyond 2 ranks of simulators this machine is oversubscribed. */
    static const char *const ways[] = {"-j 1", "-j 2", "mpirun -np 2", "mpirun -np 3", "mpirun -np 4"};
    int nways = stat("build-mpi/retrysim", &sb) == 0 && run_proc((const char *[]){"mpirun", "--version", NULL}, NULL,
                                                                  "/dev/null").status == 0
                    ? 5
                    : 2;
    double wall[5][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        for (int w = 0; w < nways; w++) {
            remove_db(db);
            if (w < 2) {
                wall[w][r] = sweep(db, w == 0 ? "1" : "2", tmp, NULL, 0).wall_s;
                continue;
            }
            char np[8];
            snprintf(np, sizeof np, "%d", w);
            const char *argv[] = {"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", np, "build-mpi/retrysim",
                            "sweep", EXPERIMENT, "--db", db, "--quiet", NULL};
            proc_t p = run_proc(argv, NULL, "/dev/null");
            wall[w][r] = p.status == 0 ? p.wall_s : (double)NAN;
        }
    printf("3. throughput, wall clock (median of %d), %d cores:\n", rounds, (int)sysconf(_SC_NPROCESSORS_ONLN));
    double m1 = median(wall[0], rounds);
    for (int w = 0; w < nways; w++) {
        double mw = median(wall[w], rounds);
        printf("   %-14s %6.2f s  %7.0f runs/s  %.2fx -j 1%s\n", ways[w], mw, 9500 / mw, m1 / mw,
               w == 1 ? (m1 / mw >= 1.9 ? "  (goal >= 1.9x: met)" : "  (goal >= 1.9x: NOT met)") : "");
    }
    if (nways == 2)
        printf("   (MPI rows: make MPI=1 and OpenMPI's mpirun)\n");
    double again[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        again[r] = sweep(db, "2", tmp, NULL, 0).wall_s;
    printf("   the same sweep again, nothing left to run: %.3f s\n", median(again, rounds));
    remove_db(db);
}

/* ---- 4: the writer alone -------------------------------------------------- */

static int describe(void *ctx, int point, const rec_param_t **params, int *nparams, const char **values, char *err,
                    size_t errlen)
{
    static rec_param_t p[2];
    static char v[32];
    (void)ctx, (void)err, (void)errlen;
    snprintf(v, sizeof v, "%d", point);
    p[0] = (rec_param_t){"server.workers", v};
    p[1] = (rec_param_t){"run.replication", "0"};
    *params = p;
    *nparams = 2;
    if (values)
        values[0] = v;
    return 0;
}

static void bench_writer(const char *tmp)
{
    enum { POINTS = 1000, REPS = 100 };
    char db[512], err[1024];
    static const char *const names[] = {"workers"};
    snprintf(db, sizeof db, "%s/writer.db", tmp);
    remove_db(db);
    rec_t *r = NULL;
    int64_t sweep_id;
    rec_sweep_t sw = {.experiment = "bench", .config_hash = "0", .version = "bench", .runs = POINTS * REPS,
                      .points = POINTS, .repeat = REPS, .nvars = 1, .var_names = names, .describe = describe};
    static rec_run_t run;
    if (rec_open(&r, db, NULL, NULL, err, sizeof err) < 0 || rec_sweep(r, &sw, &sweep_id, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "bench_sweep: %s\n", err);
        exit(1);
    }
    run.h.has_scalars = 1;
    run.h.bucket_ns = 1000000000;
    run.h.nscalars = metrics_nscalars();
    double *scalar = malloc((size_t)run.h.nscalars * sizeof *scalar);
    if (!scalar) {
        fprintf(stderr, "bench_sweep: out of memory\n");
        exit(1);
    }
    run.scalar = scalar;
    for (int i = 0; i < metrics_nscalars(); i++)
        scalar[i] = i < S_CORE_COUNT ? 0 : (double)NAN;
    double t0 = now_s();
    for (int i = 0; i < POINTS * REPS; i++) {
        run.h.sweep_run = i;
        run.h.point = i / REPS;
        run.h.replication = i % REPS;
        for (int k = 0; k < S_CORE_COUNT; k++)
            scalar[k] = (double)((i * 7919 + k * 104729) % 1000) / 7.0;
        if (rec_put(r, sweep_id, &run, NULL, err, sizeof err) < 0 ||
            (i % 1024 == 1023 && rec_commit(r, err, sizeof err) < 0)) {
            fprintf(stderr, "bench_sweep: %s\n", err);
            exit(1);
        }
    }
    if (rec_commit(r, err, sizeof err) < 0) {
        fprintf(stderr, "bench_sweep: %s\n", err);
        exit(1);
    }
    double t1 = now_s();
    if (rec_summarise(r, sweep_id, err, sizeof err) < 0) {
        fprintf(stderr, "bench_sweep: %s\n", err);
        exit(1);
    }
    double t2 = now_s();
    for (int i = 0; i < REPS; i++) {
        run.h.sweep_run = POINTS * REPS + i;
        run.h.point = 7;
        if (rec_put(r, sweep_id, &run, NULL, err, sizeof err) < 0) {
            fprintf(stderr, "bench_sweep: %s\n", err);
            exit(1);
        }
    }
    double t3 = now_s();
    if (rec_summarise(r, sweep_id, err, sizeof err) < 0 || rec_close(r, err, sizeof err) < 0) {
        fprintf(stderr, "bench_sweep: %s\n", err);
        exit(1);
    }
    double t4 = now_s();
    free(scalar);
    printf("4. writer: %d runs recorded in %.2f s (%.0f runs/s, %d scalars each); summary of all of them %.2f s "
           "(goal < 2 s: %s); after %d more runs of one point %.3f s\n",
           POINTS * REPS, t1 - t0, POINTS * REPS / (t1 - t0), metrics_nscalars(), t2 - t1, t2 - t1 < 2 ? "met" : "NOT met", REPS,
           t4 - t3);
    remove_db(db);
}

/* ---- 5: where one writer stops ------------------------------------------- */

/* Simulate run i of the plan; pack it with and without detail; *keep is
 * its [output] keep. Returns the simulation's wall seconds, or -1. */
static double simulate_packed(const sweep_plan_t *plan, int i, pack_buf_t *with, pack_buf_t *without, int *keep)
{
    cfg_doc_t d;
    run_cfg_t c;
    run_result_t res;
    char err[1024];
    memset(&d, 0, sizeof d);
    int ok = sweep_run(plan, i, &d, NULL, NULL, NULL, err, sizeof err) == 0 && cfg_apply(&d, &c, err, sizeof err) == 0;
    cfg_doc_free(&d);
    if (!ok || run_execute(&c, &res) == RUN_BAD_INPUT) {
        if (ok)
            run_result_free(&res);
        return -1;
    }
    double wall = res.wall_s;
    *keep = c.output.keep;
    ok = pack_run(with, i, 0, 1, &c, &res) == 0 && pack_run(without, i, 0, 0, &c, &res) == 0;
    run_result_free(&res);
    return ok ? wall : -1;
}

/* The writer's time per run for this packed message: unpack and put,
 * `copies` times, committed every 1024 as a sweep does. */
static double writer_cost(const char *db, const pack_buf_t *msg, int copies)
{
    char err[1024];
    rec_t *r = NULL;
    int64_t sweep_id;
    static const char *const names[] = {"workers"};
    rec_sweep_t sw = {.experiment = "capacity", .config_hash = "0", .version = "bench", .runs = copies,
                      .points = 1, .repeat = copies, .nvars = 1, .var_names = names, .describe = describe};
    remove_db(db);
    if (rec_open(&r, db, NULL, NULL, err, sizeof err) < 0 || rec_sweep(r, &sw, &sweep_id, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "bench_sweep: %s\n", err);
        exit(1);
    }
    double t0 = now_s();
    for (int i = 0; i < copies; i++) {
        rec_run_t rr;
        if (pack_read(msg->p, msg->len, &rr, err, sizeof err) < 0)
            break;
        rr.h.sweep_run = i;
        rr.h.point = 0;
        if (rec_put(r, sweep_id, &rr, NULL, err, sizeof err) < 0 ||
            (i % 1024 == 1023 && rec_commit(r, err, sizeof err) < 0)) {
            fprintf(stderr, "bench_sweep: %s\n", err);
            exit(1);
        }
    }
    rec_commit(r, err, sizeof err);
    double t = (now_s() - t0) / copies;
    rec_close(r, err, sizeof err);
    remove_db(db);
    return t;
}

/* For each shipped experiment: a few of its points simulated (one worker's
 * pace), and the writer's time to record such a run with its series and
 * histograms (the first replication of each point, by default) and without
 * (the others). The writer saturates when the workers together deliver runs
 * faster than it records them: at about (writer runs/s) / (one worker's
 * runs/s) workers. */
static void bench_capacity(const char *tmp)
{
    static const char *const exps[] = {"backoff-sweep", "collapse",  "deadline",   "idempotency", "jitter-contention",
                                       "keepalive",     "layers",    "orphans",    "outage-capacity", "policies",
                                       "protections",   "seed-table", "shedding",  "slop-storm", "status-codes",
                                       "timer-slop"};
    char db[600];
    snprintf(db, sizeof db, "%s/capacity.db", tmp);
    printf("5. where one writer (rank 0) saturates: per experiment, 4 points spread over it\n");
    printf("   %-18s %9s %9s %13s %13s %13s\n", "experiment", "ms/run", "msg bytes", "us/run detail", "us/run plain",
           "saturates at");
    for (size_t e = 0; e < sizeof exps / sizeof exps[0]; e++) {
        char file[256], err[1024];
        cfg_doc_t doc;
        sweep_plan_t plan;
        memset(&doc, 0, sizeof doc);
        memset(&plan, 0, sizeof plan);
        snprintf(file, sizeof file, "experiments/%s.ini", exps[e]);
        if (cfg_doc_load(&doc, file, err, sizeof err) < 0 || sweep_plan(&doc, &plan, err, sizeof err) < 0) {
            printf("   %-18s (%s)\n", exps[e], err);
            cfg_doc_free(&doc);
            continue;
        }
        int points = sweep_points(&plan), repeat = sweep_repeat(&plan), k = points < 4 ? points : 4;
        pack_buf_t with = {0}, without = {0};
        double sim = 0, detail = 0, plain = 0, bytes = 0;
        int done = 0, keep = OUTPUT_KEEP_FIRST;
        for (int j = 0; j < k; j++) {
            int p = (int)((long)j * points / k);
            double w = simulate_packed(&plan, p * repeat, &with, &without, &keep);
            if (w < 0)
                continue;
            sim += w;
            detail += writer_cost(db, &with, 200);
            plain += writer_cost(db, &without, 1000);
            bytes += keep == OUTPUT_KEEP_ALL       ? (double)with.len
                     : keep == OUTPUT_KEEP_SCALARS ? (double)without.len
                                                   : (double)with.len / repeat + (double)without.len * (repeat - 1) / repeat;
            done++;
        }
        if (done) {
            sim /= done, detail /= done, plain /= done, bytes /= done;
            double per_run = keep == OUTPUT_KEEP_ALL       ? detail
                             : keep == OUTPUT_KEEP_SCALARS ? plain
                                                           : (detail + plain * (repeat - 1)) / repeat;
            printf("   %-18s %9.2f %9.0f %13.1f %13.1f %9.0f workers\n", exps[e], sim * 1e3, bytes, detail * 1e6,
                   plain * 1e6, sim / per_run);
        }
        pack_buf_free(&with);
        pack_buf_free(&without);
        sweep_plan_free(&plan);
        cfg_doc_free(&doc);
    }
}

int main(int argc, char **argv)
{
    int rounds = 3, only = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--capacity"))
            only = 1;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_sweep [--rounds 1..%d]\n", MAX_ROUNDS);
        return 2;
    }
    char tmp[] = "/tmp/retrysim-bench-sweep-XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("bench_sweep: mkdtemp");
        return 1;
    }
    if (!only) {
        bench_table(rounds, tmp);
        bench_writer(tmp);
    }
    bench_capacity(tmp);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    return system(cmd) == 0 ? 0 : 1;
}
