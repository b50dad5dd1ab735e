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
 *   3. The same table with -j 2 against -j 1, wall clock (goal >= 1.9x on
 *      2 cores), and the same command again with nothing left to run.
 *   4. The writer alone: 100,000 runs (1,000 points x 100 replications)
 *      recorded through rec_put, then the summary of all of them from
 *      scratch (goal < 2 s), then after 100 more runs of one point.
 *
 * Run from the repository root (make bench does): it executes ./retrysim.
 * Usage: bench_sweep [--rounds N] (default 3)
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

#include "metrics.h"
#include "rec.h"

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
static proc_t run_proc(char *const argv[], const char *dir, const char *errfile)
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
        execvp(argv[0], argv);
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
    char aux[600];
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
    char *argv[] = {"./retrysim", "sweep", EXPERIMENT, "--db", (char *)db, "-j", (char *)jobs, "--quiet", "--timing", NULL};
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
    char *argv[] = {"python", "-c", "import sys; sys.exit(0 if sys.version_info[0] == 2 else 1)", NULL};
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
        double sim = 0, wr = 0, mb = 0;
        const char *t = strstr(timing, "simulated in ");
        const char *w = strstr(timing, "writer ");
        const char *d = strstr(timing, "database ");
        if (t && w && d && sscanf(t, "simulated in %lf", &sim) == 1 && sscanf(w, "writer %lf", &wr) == 1 &&
            sscanf(d, "database %lf", &mb) == 1) {
            share[r] = sim > 0 ? 100 * wr / sim : NAN;
            bytes[r] = mb * 1e6 / 9500;
        } else {
            share[r] = bytes[r] = NAN;
        }
        printf("   round %d: retrysim %.2f s", r + 1, cpu[r]);
        if (with_py) {
            char *argv[] = {"python", (char *)py, NULL};
            proc_t q = run_proc(argv, tmp, "/dev/null");
            pycpu[r] = q.status == 0 ? q.cpu_s : NAN;
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

    double w1[MAX_ROUNDS], w2[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        remove_db(db);
        w1[r] = sweep(db, "1", tmp, NULL, 0).wall_s;
        remove_db(db);
        w2[r] = sweep(db, "2", tmp, NULL, 0).wall_s;
    }
    double m1 = median(w1, rounds), m2 = median(w2, rounds);
    printf("3. -j 2 vs -j 1, wall: %.2f s vs %.2f s = %.2fx (goal >= 1.9x on 2 cores: %s)", m2, m1, m1 / m2,
           m1 / m2 >= 1.9 ? "met" : "NOT met");
    double again[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        again[r] = sweep(db, "2", tmp, NULL, 0).wall_s;
    printf("; again with nothing to run: %.3f s\n", median(again, rounds));
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
    for (int i = 0; i < S_COUNT; i++)
        run.h.scalar[i] = i < S_CORE_COUNT ? 0 : NAN;
    double t0 = now_s();
    for (int i = 0; i < POINTS * REPS; i++) {
        run.h.sweep_run = i;
        run.h.point = i / REPS;
        run.h.replication = i % REPS;
        for (int k = 0; k < S_CORE_COUNT; k++)
            run.h.scalar[k] = (double)((i * 7919 + k * 104729) % 1000) / 7.0;
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
    printf("4. writer: %d runs recorded in %.2f s (%.0f runs/s, %d scalars each); summary of all of them %.2f s "
           "(goal < 2 s: %s); after %d more runs of one point %.3f s\n",
           POINTS * REPS, t1 - t0, POINTS * REPS / (t1 - t0), S_COUNT, t2 - t1, t2 - t1 < 2 ? "met" : "NOT met", REPS,
           t4 - t3);
    remove_db(db);
}

int main(int argc, char **argv)
{
    int rounds = 3;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_sweep [--rounds 1..%d]\n", MAX_ROUNDS);
        return 2;
    }
    char tmp[] = "/tmp/retrysim-bench-sweep-XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("bench_sweep: mkdtemp");
        return 1;
    }
    bench_table(rounds, tmp);
    bench_writer(tmp);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    return system(cmd) == 0 ? 0 : 1;
}
