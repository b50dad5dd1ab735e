/*
 * farm: workers that simulate a sweep's runs, one writer that records them
 * (see farm.h), and the local transport: -j worker processes.
 *
 * Local workers claim run numbers from a counter in shared memory (fast and
 * slow runs balance), simulate, and send each finished run to the parent as
 * a frame and a packed run through their own pipe. The parent lets messages
 * gather (it sleeps a couple of milliseconds between batches, so the cores
 * stay with the workers), drains every pipe, and writes a batch in one
 * short transaction every half second. A process per worker keeps a crash
 * from taking the sweep down: its run in progress is lost and named, the
 * others go on.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, F_SETPIPE_SZ, strsignal */
#include "farm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "exec.h"

#define COMMIT_RUNS 1024        /* write a batch after this many runs ... */
#define COMMIT_SECONDS 0.5      /* ... or this long after its first arrived ... */
#define COMMIT_BYTES (64 << 20) /* ... or when it takes this much memory */
#define PIPE_BYTES (1 << 20)    /* worker pipe capacity asked for (Linux): workers rarely wait */
#define GATHER_NS 2000000L      /* the parent sleeps this long between batches */
#define PROGRESS_SECONDS 5.0    /* a progress line this often when stderr is not a terminal */

volatile sig_atomic_t farm_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    farm_interrupted = 1;
}

void farm_catch_signals(struct sigaction *old_int, struct sigaction *old_term)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
}

void farm_restore_signals(const struct sigaction *old_int, const struct sigaction *old_term)
{
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGTERM, old_term, NULL);
}

double farm_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- a worker ------------------------------------------------------------ */

int farm_resolve(const sweep_plan_t *plan, const char *db, int i, run_cfg_t *c, const char **vals, char *err,
                 size_t errlen)
{
    cfg_doc_t d;
    memset(&d, 0, sizeof d);
    int rc = sweep_run(plan, i, &d, NULL, NULL, vals, err, errlen) < 0 ? EXEC_BAD_INPUT
                                                                       : exec_resolve(&d, db, c, err, errlen);
    cfg_doc_free(&d);
    return rc;
}

void farm_worker_init(farm_worker_t *w, const sweep_plan_t *plan, const char *db)
{
    memset(w, 0, sizeof *w);
    w->plan = plan;
    w->db = db;
    w->cached_point = -1;
}

void farm_worker_free(farm_worker_t *w) { pack_buf_free(&w->buf); }

const unsigned char *farm_simulate(farm_worker_t *w, int i, farm_frame_t *fr)
{
    char err[1024];
    int rep = sweep_repeat(w->plan), point = i / rep;
    memset(fr, 0, sizeof *fr);
    fr->run = i;
    fr->status = EXEC_OK;
    if (point != w->cached_point) {
        w->cached_point = -1;
        fr->status = farm_resolve(w->plan, w->db, i, &w->cfg, NULL, err, sizeof err);
        if (fr->status == EXEC_OK)
            w->cached_point = point;
    }
    if (fr->status == EXEC_OK) {
        run_result_t res;
        run_cfg_t *c = &w->cfg;
        if (rep > 1) /* [sweep] repeat gives run i replication i % repeat */
            c->run.replication = (uint32_t)(i % rep);
        int rc = run_execute(c, &res);
        if (rc == RUN_BAD_INPUT) {
            fr->status = EXEC_BAD_INPUT;
            snprintf(err, sizeof err, "%s", res.message);
        } else {
            int detail = c->output.keep == OUTPUT_KEEP_ALL || (c->output.keep == OUTPUT_KEEP_FIRST && i % rep == 0);
            if (rc < 0) {
                fr->status = EXEC_RUN_FAILED;
                snprintf(err, sizeof err, "%s", res.message);
            }
            if (pack_run(&w->buf, i, point, detail, c, &res) < 0) {
                fr->status = EXEC_BAD_INPUT;
                snprintf(err, sizeof err, "out of memory packing the run");
            } else {
                fr->len = w->buf.len;
            }
        }
        run_result_free(&res);
    }
    if (fr->status != EXEC_OK)
        snprintf(fr->msg, sizeof fr->msg, "%.199s", err);
    if (fr->status == EXEC_BAD_INPUT)
        fr->len = 0;
    return fr->len ? w->buf.p : NULL;
}

/* ---- the writer ---------------------------------------------------------- */

int farm_writer_init(farm_writer_t *wr, int nruns, int quiet)
{
    memset(wr, 0, sizeof *wr);
    wr->nruns = nruns;
    wr->got = calloc((size_t)(nruns > 0 ? nruns : 1), 1);
    wr->failures = calloc((size_t)(nruns > 0 ? nruns : 1), sizeof *wr->failures);
    wr->quiet = quiet;
    wr->tty = isatty(2);
    wr->t0 = wr->last_progress = farm_now();
    return wr->got && wr->failures ? 0 : -1;
}

void farm_writer_free(farm_writer_t *wr)
{
    pack_buf_free(&wr->batch);
    free(wr->msg);
    free(wr->got);
    free(wr->failures);
}

unsigned char *farm_reserve(farm_writer_t *wr, size_t len)
{
    pack_buf_t *b = &wr->batch;
    size_t start = (b->len + 7) & ~(size_t)7; /* pack_read wants 8-byte alignment */
    if (len > ((size_t)1 << 40))
        return NULL;
    if (wr->nbatch == wr->capbatch) {
        int ncap = wr->capbatch ? 2 * wr->capbatch : 256;
        void *m = realloc(wr->msg, (size_t)ncap * sizeof *wr->msg);
        if (!m)
            return NULL;
        wr->msg = m;
        wr->capbatch = ncap;
    }
    if (b->cap < start + len) {
        size_t ncap = b->cap ? b->cap : 1 << 20;
        while (ncap < start + len)
            ncap *= 2;
        unsigned char *q = realloc(b->p, ncap);
        if (!q)
            return NULL;
        b->p = q;
        b->cap = ncap;
    }
    wr->reserved = start;
    return b->p + start;
}

void farm_received(farm_writer_t *wr, const farm_frame_t *fr)
{
    if (fr->len > 0) {
        wr->msg[wr->nbatch].at = wr->reserved;
        wr->msg[wr->nbatch++].len = fr->len;
        wr->batch.len = wr->reserved + fr->len;
        if (wr->first_pending == 0)
            wr->first_pending = farm_now();
    }
    if (fr->run >= 0 && fr->run < wr->nruns)
        wr->got[fr->run] = 1;
    if (fr->status != EXEC_OK && wr->nfail < wr->nruns) {
        wr->failures[wr->nfail].run = fr->run;
        snprintf(wr->failures[wr->nfail].msg, sizeof wr->failures[wr->nfail].msg, "%s", fr->msg);
        wr->nfail++;
    }
    wr->done++;
}

/* The write lock is held only while a batch is written, so other writers
 * of the database (another experiment's sweep) get their turns. */
int farm_commit(farm_writer_t *wr, int force)
{
    if (wr->nbatch == 0)
        return rec_heartbeat(wr->rec, wr->err, sizeof wr->err);
    if (!force && wr->nbatch < COMMIT_RUNS && wr->batch.len < COMMIT_BYTES &&
        farm_now() - wr->first_pending < COMMIT_SECONDS)
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

void farm_progress(farm_writer_t *wr, int ntodo, int final)
{
    double now = farm_now(), el = now - wr->t0;
    if (wr->quiet || (!final && !wr->tty && now - wr->last_progress < PROGRESS_SECONDS))
        return;
    wr->last_progress = now;
    double eta = wr->done > 0 ? el / wr->done * (ntodo - wr->done) : 0;
    fprintf(stderr, "%s[sweep] %d/%d runs, %d failed, %.1f M events/s, %02d:%02d elapsed, ETA %02d:%02d%s",
            wr->tty ? "\r" : "", wr->done, ntodo, wr->nfail, el > 0 ? (double)wr->events / el / 1e6 : 0.0,
            (int)el / 60, (int)el % 60, (int)eta / 60, (int)eta % 60, wr->tty && !final ? "  " : "\n");
}

void farm_report_missing(const farm_writer_t *wr, const int *todo, int ntodo, const char *why)
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

/* ---- the local transport ------------------------------------------------- */

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

/* A forked worker: claim run numbers until none is left. */
static void local_worker(const sweep_plan_t *plan, const char *db, const int *todo, int ntodo, atomic_int *next,
                         int out_fd)
{
    farm_worker_t w;
    int k;
    farm_worker_init(&w, plan, db);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    while ((k = atomic_fetch_add(next, 1)) < ntodo) {
        farm_frame_t fr;
        const unsigned char *bytes = farm_simulate(&w, todo[k], &fr);
        if (write_all(out_fd, &fr, sizeof fr) < 0 || (bytes && write_all(out_fd, bytes, fr.len) < 0))
            break; /* the parent is gone */
    }
    farm_worker_free(&w);
}

/* Read one frame and its run from fd into the batch. 1 when a run was
 * handled, 0 at the end of the pipe or a message cut short (a worker
 * killed while writing: its run is not recorded). */
static int receive(farm_writer_t *wr, int fd)
{
    farm_frame_t fr;
    if (read_all(fd, &fr, sizeof fr) < 0)
        return 0;
    if (fr.len > 0) {
        unsigned char *at = farm_reserve(wr, fr.len);
        if (!at || read_all(fd, at, fr.len) < 0)
            return 0;
    }
    farm_received(wr, &fr);
    return 1;
}

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

int farm_local(const sweep_plan_t *plan, const char *db, int jobs, const int *todo, int ntodo, farm_writer_t *wr)
{
    int nlive = 0, rc = 0;
    if (jobs > ntodo)
        jobs = ntodo;
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
            local_worker(plan, db, todo, ntodo, next, fds[1]);
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
    const struct timespec gather = {0, GATHER_NS};
    while (nlive > 0 && !farm_interrupted) {
        int n = poll(pfd, (nfds_t)jobs, 250);
        if (n < 0 && errno != EINTR)
            break;
        for (int w = 0; n > 0 && w < jobs; w++) {
            if (pfd[w].fd < 0 || !(pfd[w].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int got;
            do /* every whole message waiting in this pipe */
                got = receive(wr, pfd[w].fd);
            while (got == 1 && readable(pfd[w].fd));
            if (got == 0) { /* this worker is done (or died) */
                close(pfd[w].fd);
                pfd[w].fd = -1;
                nlive--;
            }
        }
        farm_progress(wr, ntodo, 0);
        if (farm_commit(wr, 0) < 0) {
            rc = EXEC_RUN_FAILED;
            farm_interrupted = 1; /* stop the workers: the database refuses runs */
        }
        /* Let messages gather in the pipes: one wake-up per batch, not per run. */
        if (nlive > 0 && !farm_interrupted)
            nanosleep(&gather, NULL);
    }
    if (farm_interrupted)
        for (int w = 0; w < jobs; w++)
            if (pids[w] > 0)
                kill(pids[w], SIGTERM);
    int died = 0, sig = 0;
    for (int w = 0; w < jobs; w++) {
        int st = 0;
        if (pfd[w].fd >= 0)
            close(pfd[w].fd);
        if (pids[w] > 0 && waitpid(pids[w], &st, 0) == pids[w] && !farm_interrupted &&
            (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0))) {
            died++;
            sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        }
    }
    if (rc == 0 && farm_commit(wr, 1) < 0)
        rc = EXEC_RUN_FAILED;
    farm_progress(wr, ntodo, 1);
    if (rc == 0 && wr->done < ntodo) {
        farm_report_missing(wr, todo, ntodo, farm_interrupted ? NULL : died ? "a worker died" : "the workers ended");
        if (died && sig)
            fprintf(stderr, "retrysim sweep: %d worker%s ended by signal %d (%s)\n", died, died > 1 ? "s" : "", sig,
                    strsignal(sig));
        rc = farm_interrupted ? 130 : EXEC_RUN_FAILED;
    }
out:
    if (next != MAP_FAILED)
        munmap(next, sizeof *next);
    free(pids);
    free(pfd);
    return rc;
}
