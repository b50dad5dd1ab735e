/*
 * sweep_cmd: `retrysim sweep FILE.ini`: expand the experiment into its runs
 * (config/sweep.c), check every point's configuration before running any,
 * skip runs the database already holds (resume), and run the rest in -j
 * worker processes.
 *
 * One writer: the parent process alone opens the database (results/rec.h).
 * Workers claim run numbers from a counter in shared memory (fast and slow
 * runs balance), simulate, and send each finished run to the parent as one
 * packed message (results/pack.h) through their own pipe; the parent
 * records them, many per transaction, while the workers go on simulating.
 * A process per worker keeps a crash from taking the sweep down.
 *
 * Interruption: Ctrl-C (SIGINT) or SIGTERM stops the workers; the parent
 * records the runs that arrived whole, commits, and exits 130. A run cut
 * short leaves nothing. If the parent is killed outright (kill -9), the
 * transaction it had open is rolled back by SQLite when the database is
 * next opened: the runs committed before stay, the others are run again by
 * the same command (resume), with the same results.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, F_SETPIPE_SZ */
#include "sweep_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cfg.h"
#include "exec.h"
#include "pack.h"
#include "rec.h"
#include "sweep.h"

#define COMMIT_RUNS 1024       /* commit after this many runs ... */
#define COMMIT_SECONDS 0.5     /* ... or this long after the first uncommitted one */
#define COMMIT_BYTES (64 << 20) /* ... or when they take this much memory */
#define PIPE_BYTES (1 << 20)   /* worker pipe capacity asked for (Linux): workers rarely wait */
#define GATHER_NS 2000000L     /* the writer sleeps this long between batches */
#define PROGRESS_SECONDS 5.0   /* a progress line this often when stderr is not a terminal */
#define LOCK_NOTICE_MS 5000    /* say that the database is locked after waiting this long */

/* What precedes each packed run on a worker's pipe. */
typedef struct {
    int32_t run;               /* run number */
    int32_t status;            /* EXEC_OK, EXEC_RUN_FAILED (recorded as failed), EXEC_BAD_INPUT (not recorded) */
    uint64_t len;              /* bytes of the packed run that follow; 0 with EXEC_BAD_INPUT */
    char msg[200];             /* why it failed */
} frame_t;

typedef struct {
    int run;
    char msg[200];
} failure_t;

typedef struct {
    const char *file, *db, *select;
    int jobs, list, quiet, timing;
    cfg_doc_t doc;
} opts_t;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
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
               "  --timing    print where the time went: simulation, recording, summary\n"
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
        } else if (!strcmp(a, "--timing")) {
            o->timing = 1;
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

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Resolve run i: its document through the configuration layer. */
static int resolve_run(const sweep_plan_t *plan, const opts_t *o, int i, run_cfg_t *c, int *point,
                       const char **vals, char *err, size_t errlen)
{
    cfg_doc_t d;
    memset(&d, 0, sizeof d);
    int rc = sweep_run(plan, i, &d, point, NULL, vals, err, errlen) < 0 ? EXEC_BAD_INPUT
                                                                       : exec_resolve(&d, o->db, c, err, errlen);
    cfg_doc_free(&d);
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
    double t0 = now_s(), told = t0;
    for (int p = 0; p < np; p++) {
        int wanted = p == 0;
        for (int k = 0; k < rep && !wanted; k++)
            wanted = sel[p * rep + k];
        if (!wanted)
            continue;
        run_cfg_t c;
        if (resolve_run(plan, o, p * rep, p == 0 ? first : &c, NULL, NULL, err, errlen) != EXEC_OK) {
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
        if (!o->quiet && now_s() - told >= PROGRESS_SECONDS) {
            told = now_s();
            fprintf(stderr, "[sweep] checking the configuration: %d of %d points, %.0f s\n", p + 1, np, told - t0);
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
    if (resolve_run(dc->plan, dc->o, point * sweep_repeat(dc->plan), &c, NULL, values, err, errlen) != EXEC_OK ||
        exec_params(&dc->ps, &c, err, errlen) < 0)
        return -1;
    *params = dc->ps.p;
    *nparams = dc->ps.n;
    return 0;
}

/* ---- workers -------------------------------------------------------------- */

static int write_all(int fd, const void *p, size_t n)
{
    const char *q = p;
    while (n > 0) {
        ssize_t w = write(fd, q, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        q += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *q = p;
    while (n > 0) {
        ssize_t r = read(fd, q, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        q += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One worker: claim run numbers from the shared counter until none is
 * left; simulate each and send it packed. The runs of a point share its
 * configuration but for run.replication, so a point is resolved once. */
static void worker(const sweep_plan_t *plan, const opts_t *o, const int *todo, int ntodo, atomic_int *next,
                   int out_fd)
{
    pack_buf_t buf = {0};
    run_cfg_t c;
    int cached_point = -1, k, rep = sweep_repeat(plan);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    while ((k = atomic_fetch_add(next, 1)) < ntodo) {
        frame_t fr;
        char err[1024];
        run_result_t res;
        int i = todo[k], point = i / rep;
        memset(&fr, 0, sizeof fr);
        fr.run = i;
        fr.status = EXEC_OK;
        if (point != cached_point) {
            cached_point = -1;
            fr.status = resolve_run(plan, o, i, &c, NULL, NULL, err, sizeof err);
            if (fr.status == EXEC_OK)
                cached_point = point;
        }
        if (fr.status == EXEC_OK) {
            if (rep > 1) /* [sweep] repeat gives run i replication i % repeat */
                c.run.replication = (uint32_t)(i % rep);
            int rc = run_execute(&c, &res);
            if (rc == RUN_BAD_INPUT) {
                fr.status = EXEC_BAD_INPUT;
                snprintf(err, sizeof err, "%s", res.message);
            } else {
                int detail = c.output.keep == OUTPUT_KEEP_ALL || (c.output.keep == OUTPUT_KEEP_FIRST && i % rep == 0);
                if (rc < 0) {
                    fr.status = EXEC_RUN_FAILED;
                    snprintf(err, sizeof err, "%s", res.message);
                }
                if (pack_run(&buf, i, point, detail, &c, &res) < 0) {
                    fr.status = EXEC_BAD_INPUT;
                    snprintf(err, sizeof err, "out of memory packing the run");
                } else {
                    fr.len = buf.len;
                }
            }
            run_result_free(&res);
        }
        if (fr.status != EXEC_OK)
            snprintf(fr.msg, sizeof fr.msg, "%.199s", err);
        if (fr.status == EXEC_BAD_INPUT)
            fr.len = 0;
        if (write_all(out_fd, &fr, sizeof fr) < 0 || (fr.len && write_all(out_fd, buf.p, fr.len) < 0))
            break; /* the parent is gone */
    }
    pack_buf_free(&buf);
}

/* ---- the parent: the one writer ------------------------------------------- */


/* CPU seconds (user + system) of this process alone: the writer. */
static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* One progress line: rewritten in place on a terminal, a new line every
 * PROGRESS_SECONDS into a file or pipe (so a log shows the sweep moving). */
typedef struct {
    int on, tty;               /* print at all; stderr is a terminal */
    double t0, last;           /* start, last line (monotonic s) */
} progress_t;

static void progress(progress_t *pg, int done, int total, int failed, uint64_t events, int final)
{
    double now = now_s(), el = now - pg->t0;
    if (!pg->on || (!final && !pg->tty && now - pg->last < PROGRESS_SECONDS))
        return;
    pg->last = now;
    double eta = done > 0 ? el / done * (total - done) : 0;
    fprintf(stderr, "%s[sweep] %d/%d runs, %d failed, %.1f M events/s, %02d:%02d elapsed, ETA %02d:%02d%s",
            pg->tty ? "\r" : "", done, total, failed, el > 0 ? (double)events / el / 1e6 : 0.0, (int)el / 60,
            (int)el % 60, (int)eta / 60, (int)eta % 60, pg->tty && !final ? "  " : "\n");
}

typedef struct {
    rec_t *rec;
    int64_t sweep;
    pack_buf_t batch;          /* runs received, not yet written: packed, each at a multiple of 8 bytes */
    struct {
        size_t at, len;        /* where a run starts in batch, its bytes */
    } *msg;
    int nbatch, capbatch;
    failure_t *failures;
    int nfail, done;
    unsigned char *got;        /* per run number: its message arrived */
    int nruns;                 /* entries of got */
    uint64_t events;           /* events of the runs received */
    double sim_s;              /* wall-clock seconds the recorded runs simulated, summed */
    double first_pending;      /* when the oldest uncommitted run arrived; 0 = none */
    char err[1024];            /* a database error, which ends the sweep */
} writer_t;

/* Read one frame and its run from fd into the batch. Returns 1 when a run
 * was handled, 0 at the end of the pipe (or a message cut short: a worker
 * killed while writing; its run is not recorded). */
static int receive(writer_t *wr, int fd)
{
    frame_t fr;
    if (read_all(fd, &fr, sizeof fr) < 0)
        return 0;
    if (fr.len > 0) {
        pack_buf_t *b = &wr->batch;
        size_t start = (b->len + 7) & ~(size_t)7;
        if (fr.len > ((uint64_t)1 << 40))
            return 0;
        if (wr->nbatch == wr->capbatch) {
            int ncap = wr->capbatch ? 2 * wr->capbatch : 256;
            void *m = realloc(wr->msg, (size_t)ncap * sizeof *wr->msg);
            if (!m)
                return 0;
            wr->msg = m;
            wr->capbatch = ncap;
        }
        if (b->cap < start + fr.len) {
            size_t ncap = b->cap ? b->cap : 1 << 20;
            while (ncap < start + fr.len)
                ncap *= 2;
            unsigned char *q = realloc(b->p, ncap);
            if (!q)
                return 0;
            b->p = q;
            b->cap = ncap;
        }
        if (read_all(fd, b->p + start, fr.len) < 0)
            return 0;
        b->len = start + fr.len;
        wr->msg[wr->nbatch].at = start;
        wr->msg[wr->nbatch++].len = fr.len;
        if (wr->first_pending == 0)
            wr->first_pending = now_s();
    }
    if (fr.run >= 0 && fr.run < wr->nruns)
        wr->got[fr.run] = 1;
    if (fr.status != EXEC_OK) {
        wr->failures[wr->nfail].run = fr.run;
        snprintf(wr->failures[wr->nfail].msg, sizeof wr->failures[wr->nfail].msg, "%s", fr.msg);
        wr->nfail++;
    }
    wr->done++;
    return 1;
}

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

/* Write the batch in one transaction, when it is large or old enough (or
 * forced). The write lock is held only while writing, so other writers of
 * the database (another experiment's sweep) get their turns. */
static int maybe_commit(writer_t *wr, int force)
{
    if (wr->nbatch == 0)
        return 0;
    if (!force && wr->nbatch < COMMIT_RUNS && wr->batch.len < COMMIT_BYTES &&
        now_s() - wr->first_pending < COMMIT_SECONDS)
        return 0;
    for (int i = 0; i < wr->nbatch; i++) {
        rec_run_t rr;
        if (pack_read(wr->batch.p + wr->msg[i].at, wr->msg[i].len, &rr, wr->err, sizeof wr->err) < 0 ||
            rec_put(wr->rec, wr->sweep, &rr, NULL, wr->err, sizeof wr->err) < 0)
            return -1;
        wr->sim_s += rr.h.wall_s;
        wr->events += rr.h.events;
    }
    wr->nbatch = 0;
    wr->batch.len = 0;
    wr->first_pending = 0;
    return rec_commit(wr->rec, wr->err, sizeof wr->err);
}

/* The runs of todo that never arrived, named (the first few) and counted. */
static void report_missing(const writer_t *wr, const int *todo, int ntodo, const char *why)
{
    int missing = 0;
    char list[256] = "";
    size_t at = 0;
    for (int k = 0; k < ntodo; k++) {
        if (wr->got[todo[k]])
            continue;
        if (++missing <= 8 && at < sizeof list)
            at += (size_t)snprintf(list + at, sizeof list - at, "%s%d", missing > 1 ? ", " : "", todo[k]);
    }
    fprintf(stderr, "retrysim sweep: %s after %d of %d runs; not recorded: %d run%s (%s%s). The finished runs are "
                    "recorded: run the same command again to run the rest\n",
            why ? why : "interrupted", wr->done, ntodo, missing, missing == 1 ? "" : "s", list,
            missing > 8 ? ", ..." : "");
}

/* Run todo[0..ntodo) in o->jobs workers and record them. Returns 0; 130
 * when interrupted; EXEC_RUN_FAILED after a database error (wr->err, not
 * yet printed) or when runs were lost with a worker (printed). */
static int run_all(const sweep_plan_t *plan, const opts_t *o, const int *todo, int ntodo, writer_t *wr)
{
    int jobs = o->jobs < ntodo ? o->jobs : ntodo, nlive = 0, rc = 0;
    atomic_int *next = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    struct pollfd *pfd = calloc((size_t)jobs, sizeof *pfd);
    if (next == MAP_FAILED || !pids || !pfd) {
        snprintf(wr->err, sizeof wr->err, "cannot set up workers: %s", strerror(errno));
        rc = EXEC_RUN_FAILED;
        goto out;
    }
    atomic_init(next, 0);
    signal(SIGPIPE, SIG_IGN);
    fflush(NULL);
    for (int w = 0; w < jobs; w++) {
        int fds[2];
        pfd[w].fd = -1;
        if (pipe(fds) < 0)
            continue;
#ifdef F_SETPIPE_SZ
        fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES); /* best effort */
#endif
        pids[w] = fork();
        if (pids[w] == 0) {
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* no worker outlives a killed parent */
#endif
            signal(SIGPIPE, SIG_DFL);
            close(fds[0]);
            for (int v = 0; v < w; v++)
                if (pfd[v].fd >= 0)
                    close(pfd[v].fd);
            worker(plan, o, todo, ntodo, next, fds[1]);
            _exit(0);
        }
        close(fds[1]);
        if (pids[w] < 0) {
            close(fds[0]);
            continue;
        }
        pfd[w] = (struct pollfd){fds[0], POLLIN, 0};
        nlive++;
    }
    progress_t pg = {!o->quiet, isatty(2), now_s(), now_s()};
    const struct timespec gather = {0, GATHER_NS};
    while (nlive > 0 && !interrupted) {
        int n = poll(pfd, (nfds_t)jobs, 250);
        if (n < 0 && errno != EINTR)
            break;
        for (int w = 0; n > 0 && w < jobs && rc == 0; w++) {
            if (pfd[w].fd < 0 || !(pfd[w].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int got;
            do /* every whole message waiting in this pipe */
                got = receive(wr, pfd[w].fd);
            while (got == 1 && readable(pfd[w].fd));
            if (got < 0) {
                rc = EXEC_RUN_FAILED;
                interrupted = 1; /* stop the workers: the database refuses runs */
            } else if (got == 0) { /* this worker is done (or died) */
                close(pfd[w].fd);
                pfd[w].fd = -1;
                nlive--;
            }
        }
        progress(&pg, wr->done, ntodo, wr->nfail, wr->events, 0);
        if (rc == 0 && (maybe_commit(wr, 0) < 0 || rec_heartbeat(wr->rec, wr->err, sizeof wr->err) < 0)) {
            rc = EXEC_RUN_FAILED;
            interrupted = 1;
        }
        /* Let messages gather in the pipes: one wake-up per batch, not per
         * run, leaves the cores to the workers. */
        if (nlive > 0 && !interrupted)
            nanosleep(&gather, NULL);
    }
    if (interrupted)
        for (int w = 0; w < jobs; w++)
            if (pids[w] > 0)
                kill(pids[w], SIGTERM);
    int died = 0, sig = 0;
    for (int w = 0; w < jobs; w++) {
        int st = 0;
        if (pfd[w].fd >= 0)
            close(pfd[w].fd);
        if (pids[w] > 0 && waitpid(pids[w], &st, 0) == pids[w] && !interrupted &&
            (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0))) {
            died++;
            sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        }
    }
    if (rc == 0 && maybe_commit(wr, 1) < 0)
        rc = EXEC_RUN_FAILED;
    progress(&pg, wr->done, ntodo, wr->nfail, wr->events, 1);
    if (rc == 0 && wr->done < ntodo) {
        report_missing(wr, todo, ntodo, interrupted ? NULL : died ? "a worker died" : "the workers ended");
        if (died && sig)
            fprintf(stderr, "retrysim sweep: %d worker%s ended by signal %d (%s)\n", died, died > 1 ? "s" : "", sig,
                    strsignal(sig));
        rc = interrupted ? 130 : EXEC_RUN_FAILED;
    }
out:
    if (next != MAP_FAILED)
        munmap(next, sizeof *next);
    free(pids);
    free(pfd);
    return rc;
}

/* The writer waits for another process's lock as long as it must (a
 * finished run is never dropped for contention), saying so every few
 * seconds; Ctrl-C ends the wait. */
static int wait_for_lock(void *ctx, int64_t waited_ms)
{
    int64_t *said = ctx;
    if (interrupted)
        return 0;
    if (waited_ms - *said >= LOCK_NOTICE_MS) {
        *said = waited_ms;
        fprintf(stderr, "[sweep] the results database is locked by another process: waited %.0f s, waiting on "
                        "(Ctrl-C stops; finished runs are kept)\n",
                (double)waited_ms / 1e3);
    }
    return 1;
}

int sweep_cmd(int argc, char **argv)
{
    opts_t o;
    memset(&o, 0, sizeof o);
    char err[1024], hash[17];
    sweep_plan_t plan;
    memset(&plan, 0, sizeof plan);
    writer_t wr;
    memset(&wr, 0, sizeof wr);
    describe_ctx_t dc = {&plan, &o, {0}};
    int rc = EXEC_BAD_INPUT;
    int *todo = NULL;
    unsigned char *sel = NULL, *done = NULL;
    char *overrides = NULL;
    int64_t lock_said = 0;
    struct sigaction sa = {0}, old_int, old_term;
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            sweep_usage(stdout);
            return 0;
        }
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
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
    sel = calloc((size_t)n, 1);
    done = calloc((size_t)n, 1);
    todo = calloc((size_t)n, sizeof *todo);
    wr.got = calloc((size_t)n, 1);
    wr.nruns = n;
    wr.failures = calloc((size_t)n, sizeof *wr.failures);
    if (!sel || !done || !todo || !wr.failures || !wr.got) {
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
    run_cfg_t first;
    if (check_all(&plan, &o, sel, &first, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim sweep: %s\n", err);
        goto out;
    }

    /* Everything is checked: from here on, the database is written. A
     * database that cannot be opened is bad input too (exit 2): nothing
     * has run yet. */
    exec_identity(&o.doc, &plan, hash);
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
        fprintf(stderr, "retrysim sweep: %s\n", err);
        rc = interrupted ? 130 : EXEC_BAD_INPUT;
        goto out;
    }
    rc = EXEC_RUN_FAILED;
    if (rec_sweep(wr.rec, &desc, &wr.sweep, NULL, err, sizeof err) < 0 ||
        rec_claim(wr.rec, wr.sweep, err, sizeof err) < 0 || rec_done_runs(wr.rec, wr.sweep, done, n, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim sweep: %s\n", err);
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
    double cpu0 = self_cpu_s(), t0 = now_s();
    int r = ntodo && !interrupted ? run_all(&plan, &o, todo, ntodo, &wr) : interrupted ? 130 : 0;
    if (r == EXEC_RUN_FAILED && wr.err[0]) {
        fprintf(stderr, "retrysim sweep: %s\n", wr.err);
        goto out;
    }
    for (int i = 0; i < wr.nfail; i++)
        fprintf(stderr, "retrysim sweep: run %d failed: %s\n", wr.failures[i].run, wr.failures[i].msg);
    double cpu1 = self_cpu_s(), t1 = now_s();
    if (rec_summarise(wr.rec, wr.sweep, err, sizeof err) < 0) {
        fprintf(stderr, "retrysim sweep: summary: %s\n", err);
        goto out;
    }
    if (o.timing) {
        struct stat sb;
        char wal[sizeof first.output.db + 8];
        double t2 = now_s(), mb = stat(db, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
        snprintf(wal, sizeof wal, "%s-wal", db); /* not yet folded into the file: that happens at close */
        mb += stat(wal, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
        fprintf(stderr,
                "[sweep] timing: %d runs simulated in %.3f s (summed over runs); writer %.3f s CPU recording them "
                "(%.1f%% of the simulation), summary %.3f s; wall %.3f s; database %.2f MB\n",
                wr.done, wr.sim_s, cpu1 - cpu0, wr.sim_s > 0 ? 100 * (cpu1 - cpu0) / wr.sim_s : 0.0, t2 - t1,
                t2 - t0, mb);
    }
    rc = r ? r : wr.nfail ? EXEC_RUN_FAILED : 0;
out:
    if (rec_close(wr.rec, err, sizeof err) < 0 && rc != EXEC_BAD_INPUT) {
        fprintf(stderr, "retrysim sweep: %s\n", err);
        rc = EXEC_RUN_FAILED;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    exec_params_free(&dc.ps);
    free(overrides);
    pack_buf_free(&wr.batch);
    free(wr.msg);
    free(wr.failures);
    free(wr.got);
    free(sel);
    free(done);
    free(todo);
    sweep_plan_free(&plan);
    cfg_doc_free(&o.doc);
    return rc;
}
