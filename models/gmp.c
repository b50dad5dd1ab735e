/*
 * gmp: the Go scheduler on the client side (see gmp.h for the rules and
 * their sources in the Go runtime, and docs/go-runtime.md).
 *
 * A P runs one G at a time for a CPU burst; the burst's end is an engine
 * event. Every other transition is an engine event too: an OS thread waking
 * an idle P (wakep, startIdle), the network poller returning from epoll, a
 * sysmon round, a GC phase. Between events the scheduler's own work
 * (schedule, findRunnable, stealing) takes no simulated time.
 *
 * A G's life: blocked (new, or waiting for the network) -> runnable (a run
 * queue) -> running (a burst on a P; at its end the G's continuation runs,
 * which may extend the burst, sleep, yield or return) -> waiting on a timer
 * in its P's heap -> runnable when a scheduling point runs the timer -> ...
 * Lateness of a measured sleep = (time the G runs again - time it slept) -
 * nominal duration.
 *
 * Units: simtime_t ns; series values in us; heap in MiB.
 */
#include "gmp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "model.h"
#include "world.h"

#define NONE UINT32_MAX
#define FOREVER ((simtime_t)1000 * SIMTIME_HOUR) /* a burst that never yields */
#define SYSMON_LONG_SLEEP (60 * SIMTIME_S)       /* forcegcperiod / 2 */
#define IDLE_ROUNDS 50                           /* sysmon doubles its sleep after these */
#define SLACK_MAX (100 * SIMTIME_MS)             /* fs/select.c MAX_SLACK */
#define HB_BITS 4                                /* per-bucket lateness histogram: 3% quantiles */

enum { P_IDLE, P_WAKING, P_RUNNING, P_GCWORK, P_STOPPED };
enum { G_FREE, G_BLOCKED, G_RUNNABLE, G_RUNNING, G_WAITING };
enum { K_CLIENT, K_SLEEPER, K_CPU };

typedef struct {
    simtime_t burst;       /* ns of CPU left before the continuation runs, >= 0 */
    simtime_t when;        /* ns, timer due time while G_WAITING */
    simtime_t sleep_start; /* ns, when the current sleep began */
    simtime_t sleep_d;     /* ns, its nominal length */
    simtime_t runnable_at; /* ns, when the G last became runnable */
    eng_fn fn;             /* continuation after the burst; NULL: the G blocks */
    void *ctx;             /* fn's context */
    uint64_t arg;          /* fn's argument */
    int64_t aux[2];        /* the owner's words (gmp_cpu) */
    uint32_t hidx;         /* index in its P's timer heap while G_WAITING */
    uint32_t sleep_gen;    /* bumped per sleep; a handle of an older sleep is stale */
    uint32_t next_free;    /* free list */
    uint16_t lastp;        /* P it last ran on: its timers go to that P's heap */
    uint16_t timer_p;      /* P whose heap holds its timer */
    uint8_t state;         /* G_* */
    uint8_t kind;          /* K_* */
    uint8_t measure;       /* 1: record this sleep's lateness */
    uint8_t woken;         /* 1: its timer ran, it has not run since */
    uint8_t dead;          /* 1: returned while running or queued; freed when it leaves */
    uint8_t sleep_fn;      /* 1: fn is a sleep's continuation (gmp_cancel may drop it) */
} gmp_g_t;

typedef struct {
    uint32_t runq[GMP_RUNQ]; /* local run queue ring, entries head .. tail - 1 (mod GMP_RUNQ) */
    uint32_t head, tail;     /* ring positions, free-running (wrap mod 2^32, a multiple of GMP_RUNQ) */
    uint32_t runnext;        /* G index or NONE */
    uint32_t cur;            /* running G or NONE */
    uint32_t *heap;          /* timer heap: G indices, 4-ary, keyed on when */
    uint32_t nheap, heap_cap; /* timers in the heap, slots allocated */
    uint32_t schedtick;      /* incremented per G started without inheriting a time slice */
    uint32_t sm_tick;        /* sysmon's last view of schedtick (pd.schedtick) */
    simtime_t sm_when;       /* ns, when sysmon saw it change (pd.schedwhen) */
    simtime_t run_start;     /* ns, start of the current burst or GC work */
    eng_ev_t ev;             /* the burst's end, or the thread's wake-up while P_WAKING */
    eng_ev_t pre_ev;         /* a sysmon preemption landing on a thread off its CPU (host_cpus) */
    uint32_t pre_tick;       /* schedtick when that preemption was sent */
    uint32_t pre_g;          /* the G it was sent to (gp.preempt is per G) */
    double stretch;          /* wall ns per CPU ns of the current burst (host CPUs shared), >= 1 */
    uint8_t os_waited;       /* its thread's wake-up already waited for a busy host CPU */
    uint8_t state;           /* P_* */
    uint8_t spinning;        /* woken by wakep: counted in nmspinning */
    uint8_t drained;         /* GC worker whose queue was kicked to the global queue */
} gmp_p_t;

struct gmp {
    gmp_cfg_t c;
    eng_t *e;
    gsl_rng *r;
    gmp_sinks_t sk;
    simtime_t bucket_ns;     /* the series' bucket width, 0 = no series */

    gmp_p_t *p;
    int np;
    int idle[GMP_MAX_PROCS]; /* idle Ps, a LIFO stack like sched.pidle */
    int nidle;
    int nmspinning;          /* Ps woken by wakep, not yet settled */

    gmp_g_t *g;              /* G pool */
    uint32_t gcap, gused, gfree; /* free head + 1, 0 = none */

    uint32_t *gq;            /* global run queue ring, capacity a power of 2 */
    uint32_t gqcap, gqhead, gqlen;
    int64_t nlocal;          /* Gs in local run queues and runnext slots */

    int poll_active;         /* a thread sleeps in epoll (sched.lastpoll == 0) */
    int poll_breaking;       /* netpollBreak sent, not yet returned */
    simtime_t poll_until;    /* ns, its deadline (sched.pollUntil); SIMTIME_NEVER = none */
    simtime_t poll_wake_at;  /* ns, when its pending event fires */
    eng_ev_t poll_ev;
    int poll_os_waited;      /* its return already waited for a busy host CPU */

    simtime_t sm_delay;      /* ns, sysmon's current sleep */
    int64_t sm_idle;         /* sysmon's idle rounds */
    int sm_waiting;          /* in its long sleep while every P is idle */
    int sm_os_waited;        /* this round already waited for a busy host CPU */
    eng_ev_t sm_ev;

    int stw;                 /* the world is stopped */
    int mark;                /* concurrent mark running */
    int gc_active;           /* a cycle is in progress */
    int gc_pending;          /* a trigger event is queued at the current time */
    int gc_owner;            /* P whose allocating CPU-bound G stops the world and keeps running, -1 */
    simtime_t stw_start;     /* ns */
    simtime_t cycle_start;   /* ns */
    eng_ev_t gc_ev;          /* the next trigger */
    double heap_mib;         /* heap at heap_t */
    simtime_t heap_t;
    double heap_rate;        /* MiB/s the heap grows at from heap_t: background + running CPU-bound Gs */

    uint32_t in_cont;        /* G whose continuation is running, NONE */

    stats_hist_t hb;         /* lateness of the current bucket */
    int64_t hb_bucket;       /* its bucket index, -1 = none */

    gmp_totals_t tot;
    int failed;
    char err[160];
};

static void schedule(gmp_t *m, int pi);
static void on_burst_end(eng_t *e, void *ctx, uint64_t pi);
static void on_p_wake(eng_t *e, void *ctx, uint64_t pi);
static void on_poll_wake(eng_t *e, void *ctx, uint64_t arg);
static void on_sysmon(eng_t *e, void *ctx, uint64_t waited);
static void on_gc_trigger(eng_t *e, void *ctx, uint64_t arg);
static void on_stw_end(eng_t *e, void *ctx, uint64_t phase);
static void on_mark_end(eng_t *e, void *ctx, uint64_t arg);
static void on_bucket(eng_t *e, void *ctx, uint64_t b);
static void cpu_loop(eng_t *e, void *ctx, uint64_t gi);
static void sleeper_wake(eng_t *e, void *ctx, uint64_t gi);
static void sleeper_sleep(eng_t *e, void *ctx, uint64_t gi);
static void on_preempt_land(eng_t *e, void *ctx, uint64_t pi);
static void heap_note(gmp_t *m);

/* ------------------------------------------------------------------ */
/* Configuration                                                        */
/* ------------------------------------------------------------------ */

int gmp_validate(const gmp_cfg_t *c, const char **key, char *err, size_t errlen)
{
    const char *k = NULL, *msg = NULL;
    if (c->sysmon_min > c->sysmon_max)
        k = "gmp.sysmon_min", msg = "sysmon_min is above sysmon_max";
    else if (c->procs < 1 || c->procs > GMP_MAX_PROCS)
        k = "gmp.procs", msg = "procs must be 1 .. 256";
    if (!k)
        return 0;
    if (key)
        *key = k;
    snprintf(err, errlen, "%s", msg);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static void fail(gmp_t *m, const char *what)
{
    if (!m->failed) {
        snprintf(m->err, sizeof m->err, "gmp: out of memory for %s", what);
        if (m->sk.fail_flag)
            *m->sk.fail_flag = 1;
        if (m->sk.fail_msg && m->sk.fail_len)
            snprintf(m->sk.fail_msg, m->sk.fail_len, "%s", m->err);
    }
    m->failed = 1;
    eng_stop(m->e);
}

static inline simtime_t now_of(const gmp_t *m) { return eng_now(m->e); }

/* The model's series columns, counted from its first (model.h); rec() adds it. */
enum {
    M_GMP_RUNQ_GLOBAL,
    M_GMP_RUNQ_LOCAL,
    M_GMP_WAKEUPS,
    M_GMP_LATE_P50,
    M_GMP_LATE_P90,
    M_GMP_LATE_P99,
    M_GMP_LATE_MAX,
    M_GMP_STW,
    M_GMP_CPU_CLIENT,
};

static inline void rec(gmp_t *m, int id, simtime_t t, int64_t v)
{
    if (m->sk.series)
        stats_series_record(m->sk.series, m->sk.series0 + id, t, v);
}

static inline int64_t to_us(simtime_t ns) { return (ns + 500) / 1000; }

/* ---- the host's CPUs (host_cpus; see gmp.h) ---- */

/* Threads of the process that want a CPU now: one per P running a G or a
 * GC worker (a waking or idle P's thread is not running). */
static int running_ps(const gmp_t *m)
{
    int n = 0;
    for (int i = 0; i < m->np; i++)
        n += m->p[i].state == P_RUNNING || m->p[i].state == P_GCWORK;
    return n;
}

/* Every host CPU runs a P's thread: a thread waking now waits for one. */
static int cpus_full(const gmp_t *m) { return m->c.host_cpus > 0 && running_ps(m) >= m->c.host_cpus; }

/* A P's thread's share of a CPU: 1, or host_cpus / running when more Ps
 * run than there are CPUs (equal sharing). */
static double cpu_share(const gmp_t *m)
{
    int n = m->c.host_cpus > 0 ? running_ps(m) : 0;
    return n > m->c.host_cpus ? (double)m->c.host_cpus / n : 1.0;
}

static void account_cpu(gmp_t *m, const gmp_g_t *g, simtime_t ran)
{
    if (ran <= 0)
        return;
    if (g->kind == K_CLIENT) {
        m->tot.cpu_client_ns += ran;
        rec(m, M_GMP_CPU_CLIENT, now_of(m), to_us(ran));
    } else {
        m->tot.cpu_bg_ns += ran;
    }
}

/* Per-bucket lateness quantiles: the bucket's histogram is written out when
 * a sample lands in a later bucket, and at the end. */
static void flush_bucket(gmp_t *m)
{
    if (m->hb_bucket < 0 || stats_hist_count(&m->hb) == 0)
        return;
    simtime_t t = m->hb_bucket * m->bucket_ns;
    rec(m, M_GMP_LATE_P50, t, to_us(stats_hist_quantile(&m->hb, 0.5)));
    rec(m, M_GMP_LATE_P90, t, to_us(stats_hist_quantile(&m->hb, 0.9)));
    rec(m, M_GMP_LATE_P99, t, to_us(stats_hist_quantile(&m->hb, 0.99)));
    rec(m, M_GMP_LATE_MAX, t, to_us(stats_hist_max(&m->hb)));
    stats_hist_reset(&m->hb);
}

static void record_lateness(gmp_t *m, simtime_t late)
{
    simtime_t now = now_of(m);
    m->tot.wakeups++;
    if (m->sk.lateness)
        stats_hist_add(m->sk.lateness, late);
    if (!m->sk.series)
        return;
    int64_t b = now / m->bucket_ns;
    if (b != m->hb_bucket) {
        flush_bucket(m);
        m->hb_bucket = b;
    }
    stats_hist_add(&m->hb, late);
    rec(m, M_GMP_WAKEUPS, now, 1);
}

/* ------------------------------------------------------------------ */
/* G pool                                                               */
/* ------------------------------------------------------------------ */

static uint32_t g_alloc(gmp_t *m, int kind)
{
    uint32_t gi;
    if (m->gfree) {
        gi = m->gfree - 1;
        m->gfree = m->g[gi].next_free;
    } else {
        if (m->gused == m->gcap) {
            uint32_t ncap = m->gcap ? m->gcap * 2 : 1024;
            gmp_g_t *ng = ncap > m->gcap ? realloc(m->g, (size_t)ncap * sizeof *ng) : NULL;
            if (!ng) {
                fail(m, "goroutines");
                return NONE;
            }
            m->g = ng;
            m->gcap = ncap;
        }
        gi = m->gused++;
        m->g[gi].sleep_gen = 0;
    }
    gmp_g_t *g = &m->g[gi];
    uint32_t gen = g->sleep_gen;
    memset(g, 0, sizeof *g);
    g->sleep_gen = gen;
    g->state = G_BLOCKED;
    g->kind = (uint8_t)kind;
    return gi;
}

static void g_release(gmp_t *m, uint32_t gi)
{
    gmp_g_t *g = &m->g[gi];
    g->state = G_FREE;
    g->dead = 0;
    g->fn = NULL;
    g->sleep_gen++;
    g->next_free = m->gfree;
    m->gfree = gi + 1;
}

/* ------------------------------------------------------------------ */
/* Run queues (proc.go: runqput, runqputslow, runqget, globrunqget,     */
/* runqsteal)                                                           */
/* ------------------------------------------------------------------ */

static void runnable(gmp_t *m, uint32_t gi)
{
    m->g[gi].state = G_RUNNABLE;
    m->g[gi].runnable_at = now_of(m);
}

static void gq_push(gmp_t *m, uint32_t gi)
{
    if (m->gqlen == m->gqcap) {
        uint32_t ncap = m->gqcap * 2;
        uint32_t *n = ncap > m->gqcap ? malloc((size_t)ncap * sizeof *n) : NULL;
        if (!n) {
            fail(m, "the global run queue");
            return;
        }
        for (uint32_t i = 0; i < m->gqlen; i++)
            n[i] = m->gq[(m->gqhead + i) & (m->gqcap - 1)];
        free(m->gq);
        m->gq = n;
        m->gqcap = ncap;
        m->gqhead = 0;
    }
    m->gq[(m->gqhead + m->gqlen) & (m->gqcap - 1)] = gi;
    m->gqlen++;
    rec(m, M_GMP_RUNQ_GLOBAL, now_of(m), m->gqlen);
}

static uint32_t gq_pop(gmp_t *m)
{
    uint32_t gi = m->gq[m->gqhead];
    m->gqhead = (m->gqhead + 1) & (m->gqcap - 1);
    m->gqlen--;
    return gi;
}

static void runq_put(gmp_t *m, gmp_p_t *p, uint32_t gi, int next)
{
    m->nlocal++;
    if (next) {
        uint32_t old = p->runnext;
        p->runnext = gi;
        if (old == NONE)
            goto done;
        gi = old; /* the old runnext goes to the tail */
    }
    if (p->tail - p->head < GMP_RUNQ) {
        p->runq[p->tail++ % GMP_RUNQ] = gi;
        goto done;
    }
    /* runqputslow: half of the local queue and gi to the global queue */
    for (int i = 0; i < GMP_RUNQ / 2; i++) {
        gq_push(m, p->runq[p->head++ % GMP_RUNQ]);
        m->nlocal--;
    }
    gq_push(m, gi);
    m->nlocal--;
done:
    rec(m, M_GMP_RUNQ_LOCAL, now_of(m), m->nlocal);
}

/* runnext first (the G inherits the time slice), then the queue's head. */
static uint32_t runq_get(gmp_t *m, gmp_p_t *p, int *inherit)
{
    uint32_t gi = p->runnext;
    if (gi != NONE) {
        p->runnext = NONE;
        *inherit = 1;
    } else if (p->head != p->tail) {
        gi = p->runq[p->head++ % GMP_RUNQ];
        *inherit = 0;
    } else {
        return NONE;
    }
    m->nlocal--;
    return gi;
}

/* globrunqget: n = min(len, len / GOMAXPROCS + 1, max, 128); run one, the
 * rest to the local queue. */
static uint32_t gq_get(gmp_t *m, gmp_p_t *p, uint32_t max)
{
    uint32_t n = m->gqlen / (uint32_t)m->np + 1;
    if (n > m->gqlen)
        n = m->gqlen;
    if (max > 0 && n > max)
        n = max;
    if (n > GMP_RUNQ / 2)
        n = GMP_RUNQ / 2;
    uint32_t gi = gq_pop(m);
    while (--n > 0)
        runq_put(m, p, gq_pop(m), 0);
    return gi;
}

/* runqsteal: half (rounded up) of v's queue into p's; returns the last G
 * taken to run. With steal_next, v's runnext if its queue is empty. */
static uint32_t runq_steal(gmp_t *m, gmp_p_t *p, gmp_p_t *v, int steal_next)
{
    uint32_t n = v->tail - v->head;
    n -= n / 2;
    if (n == 0) {
        if (!steal_next || v->runnext == NONE)
            return NONE;
        uint32_t gi = v->runnext;
        v->runnext = NONE;
        m->nlocal--;
        return gi;
    }
    for (uint32_t i = 0; i + 1 < n; i++)
        p->runq[p->tail++ % GMP_RUNQ] = v->runq[v->head++ % GMP_RUNQ];
    m->nlocal--;
    return v->runq[v->head++ % GMP_RUNQ];
}

/* ------------------------------------------------------------------ */
/* Timer heaps (time.go: one 4-ary heap per P)                          */
/* ------------------------------------------------------------------ */

static void heap_set(gmp_t *m, gmp_p_t *p, uint32_t i, uint32_t gi)
{
    p->heap[i] = gi;
    m->g[gi].hidx = i;
}

static void heap_up(gmp_t *m, gmp_p_t *p, uint32_t i)
{
    uint32_t gi = p->heap[i];
    simtime_t w = m->g[gi].when;
    while (i > 0) {
        uint32_t up = (i - 1) / 4;
        if (m->g[p->heap[up]].when <= w)
            break;
        heap_set(m, p, i, p->heap[up]);
        i = up;
    }
    heap_set(m, p, i, gi);
}

static void heap_down(gmp_t *m, gmp_p_t *p, uint32_t i)
{
    uint32_t n = p->nheap, gi = p->heap[i];
    simtime_t w = m->g[gi].when;
    for (;;) {
        uint32_t c = 4 * i + 1, best;
        if (c >= n)
            break;
        best = c;
        for (uint32_t j = c + 1; j < c + 4 && j < n; j++)
            if (m->g[p->heap[j]].when < m->g[p->heap[best]].when)
                best = j;
        if (m->g[p->heap[best]].when >= w)
            break;
        heap_set(m, p, i, p->heap[best]);
        i = best;
    }
    heap_set(m, p, i, gi);
}

static int heap_push(gmp_t *m, int pi, uint32_t gi)
{
    gmp_p_t *p = &m->p[pi];
    if (p->nheap == p->heap_cap) {
        uint32_t ncap = p->heap_cap ? p->heap_cap * 2 : 64;
        uint32_t *h = ncap > p->heap_cap ? realloc(p->heap, (size_t)ncap * sizeof *h) : NULL;
        if (!h) {
            fail(m, "a timer heap");
            return -1;
        }
        p->heap = h;
        p->heap_cap = ncap;
    }
    m->g[gi].timer_p = (uint16_t)pi;
    p->heap[p->nheap++] = gi;
    heap_up(m, p, p->nheap - 1);
    return 0;
}

static void heap_remove(gmp_t *m, uint32_t gi)
{
    gmp_p_t *p = &m->p[m->g[gi].timer_p];
    uint32_t i = m->g[gi].hidx, last = p->heap[--p->nheap];
    if (i == p->nheap)
        return;
    heap_set(m, p, i, last);
    heap_down(m, p, i);
    heap_up(m, p, m->g[last].hidx);
}

static simtime_t earliest_timer(const gmp_t *m)
{
    simtime_t t = SIMTIME_NEVER;
    for (int i = 0; i < m->np; i++)
        if (m->p[i].nheap && m->g[m->p[i].heap[0]].when < t)
            t = m->g[m->p[i].heap[0]].when;
    return t;
}

/* ------------------------------------------------------------------ */
/* Threads: wakep, startIdle, the network poller                        */
/* ------------------------------------------------------------------ */

static int idle_pop(gmp_t *m) { return m->idle[--m->nidle]; }

static void start_p(gmp_t *m, int spinning)
{
    int pi = idle_pop(m);
    gmp_p_t *p = &m->p[pi];
    p->state = P_WAKING;
    p->os_waited = 0;
    p->spinning = (uint8_t)spinning;
    m->nmspinning += spinning;
    m->tot.thread_wakes++;
    p->ev = eng_after(m->e, dist_draw(&m->c.wakeup, m->r), on_p_wake, m, (uint64_t)pi);
}

/* wakep: one spinning thread at a time, if a P is idle. */
static void wakep(gmp_t *m)
{
    if (m->nidle > 0 && m->nmspinning == 0 && !m->stw)
        start_p(m, 1);
}

/* injectglist's startIdle for one G made runnable from outside any P. */
static void start_idle(gmp_t *m)
{
    if (m->nidle > 0 && !m->stw)
        start_p(m, 0);
}

/* The thread blocks in netpoll until `until` (netpoll_epoll.go: the wait is
 * in whole ms, under 1 ms -> 1 ms, longer -> rounded down; the kernel adds
 * slack), then takes the wake-up latency of a thread to run again. */
static void poll_sleep(gmp_t *m, simtime_t until)
{
    simtime_t now = now_of(m);
    m->poll_active = 1;
    m->poll_breaking = 0;
    m->poll_os_waited = 0;
    m->poll_until = until;
    m->poll_ev = 0;
    if (until == SIMTIME_NEVER)
        return; /* epoll_wait(-1): only netpollBreak ends it */
    simtime_t delay = until - now, t;
    if (delay <= 0)
        t = 0;
    else if (!m->c.epoll_rounding)
        t = delay;
    else if (delay <= SIMTIME_MS)
        t = SIMTIME_MS;
    else /* delay - 1: the M reads the clock after the timer's when was set
          * (time.Sleep: when = nanotime() + d), so a whole-ms delay is really
          * a hair under it and waitms = int32(delay / 1e6) one ms less */
        t = (delay - 1) / SIMTIME_MS * SIMTIME_MS;
    simtime_t slack = 0;
    if (t > 0) {
        slack = t / 1000 > m->c.timer_slack ? t / 1000 : m->c.timer_slack;
        if (slack > SLACK_MAX)
            slack = SLACK_MAX;
        slack += dist_draw(&m->c.wakeup, m->r);
    }
    m->poll_wake_at = now + t + slack;
    m->poll_ev = eng_at(m->e, m->poll_wake_at, on_poll_wake, m, 0);
}

/* netpollBreak: the poller returns after a thread's wake-up latency (or at
 * its own deadline if that is sooner). */
static void poll_break(gmp_t *m)
{
    if (m->poll_breaking)
        return;
    simtime_t t = now_of(m) + dist_draw(&m->c.wakeup, m->r);
    if (m->poll_ev && m->poll_wake_at <= t)
        return;
    eng_cancel(m->e, m->poll_ev);
    m->poll_breaking = 1;
    m->poll_os_waited = 0;
    m->poll_wake_at = t;
    m->poll_ev = eng_at(m->e, t, on_poll_wake, m, 0);
}

/* wakeNetPoller (time.go): a new earliest timer of a P. */
static void wake_netpoller(gmp_t *m, simtime_t when)
{
    if (m->poll_active) {
        if (m->poll_until > when)
            poll_break(m);
    } else {
        wakep(m);
    }
}

static void on_poll_wake(eng_t *e, void *ctx, uint64_t arg)
{
    (void)arg;
    gmp_t *m = ctx;
    if (!m->poll_os_waited && cpus_full(m)) {
        /* the thread is runnable, every host CPU is taken: it waits its turn */
        m->poll_os_waited = 1;
        m->poll_wake_at = eng_now(e) + dist_draw(&m->c.busy_wakeup, m->r);
        m->poll_ev = eng_at(e, m->poll_wake_at, on_poll_wake, m, 0);
        return;
    }
    m->poll_active = 0;
    m->poll_breaking = 0;
    m->poll_os_waited = 0;
    m->poll_ev = 0;
    m->tot.poller_wakes++;
    if (m->stw || m->nidle == 0)
        return; /* no P to run anything on: the thread stops (stopm) */
    int pi = idle_pop(m);
    m->p[pi].state = P_WAKING; /* acquired, running findRunnable */
    schedule(m, pi);
}

static void on_p_wake(eng_t *e, void *ctx, uint64_t pi)
{
    gmp_t *m = ctx;
    gmp_p_t *p = &m->p[pi];
    p->ev = 0;
    if (p->state != P_WAKING)
        return;
    if (!p->os_waited && cpus_full(m)) {
        p->os_waited = 1;
        p->ev = eng_after(e, dist_draw(&m->c.busy_wakeup, m->r), on_p_wake, m, pi);
        return;
    }
    schedule(m, (int)pi);
}

/* ------------------------------------------------------------------ */
/* Timers firing, G execution, schedule                                 */
/* ------------------------------------------------------------------ */

/* Run owner's due timers; each woken G goes to dest's runnext
 * (goready -> runqput(next = true)), then wakep as ready() does. */
static int run_timers(gmp_t *m, gmp_p_t *owner, gmp_p_t *dest)
{
    simtime_t now = now_of(m);
    int n = 0;
    while (owner->nheap && m->g[owner->heap[0]].when <= now) {
        uint32_t gi = owner->heap[0];
        heap_remove(m, gi);
        m->g[gi].woken = 1;
        runnable(m, gi);
        runq_put(m, dest, gi, 1);
        m->tot.timers_fired++;
        n++;
    }
    if (n)
        wakep(m);
    return n;
}

/* stealWork: a pass over the other Ps in random order stealing run queues,
 * then a pass that also runs their due timers (the woken G lands in our
 * runnext) and steals runnext. Go makes 4 passes, the last with timers. */
static uint32_t steal_work(gmp_t *m, int pi, int *inherit)
{
    if (m->np == 1)
        return NONE;
    gmp_p_t *p = &m->p[pi];
    int start = (int)gsl_rng_uniform_int(m->r, (unsigned long)m->np);
    for (int pass = 0; pass < 2; pass++) {
        for (int j = 0; j < m->np; j++) {
            int vi = (start + j) % m->np;
            gmp_p_t *v = &m->p[vi];
            if (vi == pi || v->state == P_STOPPED)
                continue;
            if (pass == 1 && v->nheap && m->g[v->heap[0]].when <= now_of(m) && run_timers(m, v, p)) {
                m->tot.steals++;
                uint32_t gi = runq_get(m, p, inherit);
                if (gi != NONE)
                    return gi;
            }
            if (v->state == P_IDLE || v->state == P_WAKING)
                continue;
            uint32_t gi = runq_steal(m, p, v, pass == 1);
            if (gi != NONE) {
                m->tot.steals++;
                *inherit = 0;
                return gi;
            }
        }
    }
    return NONE;
}

/* findRunnable: own timers, the 1-in-61 global pick, runnext, local queue,
 * a global batch, stealing. Dead Gs met on the way are freed. */
static uint32_t find_runnable(gmp_t *m, int pi, int *inherit)
{
    gmp_p_t *p = &m->p[pi];
    if (p->nheap)
        run_timers(m, p, p);
    for (;;) {
        uint32_t gi = NONE;
        *inherit = 0;
        if (p->schedtick % 61 == 0 && m->gqlen)
            gi = gq_get(m, p, 1);
        if (gi == NONE)
            gi = runq_get(m, p, inherit);
        if (gi == NONE && m->gqlen) {
            gi = gq_get(m, p, 0);
            *inherit = 0;
        }
        if (gi == NONE)
            gi = steal_work(m, pi, inherit);
        if (gi == NONE)
            return NONE;
        if (!m->g[gi].dead)
            return gi;
        g_release(m, gi);
    }
}

static void go_idle(gmp_t *m, int pi)
{
    gmp_p_t *p = &m->p[pi];
    p->state = P_IDLE;
    m->idle[m->nidle++] = pi;
    simtime_t until = earliest_timer(m);
    if (!m->poll_active)
        poll_sleep(m, until);
    else if (until < m->poll_until)
        poll_break(m);
}

/* The G on P pi runs: its burst, or its continuation when the burst is
 * done. Returns 1 if a burst is under way (an event is pending), 0 if the
 * G left the P (blocked, slept, yielded or returned). */
static int run_g(gmp_t *m, int pi)
{
    gmp_p_t *p = &m->p[pi];
    for (;;) {
        uint32_t gi = p->cur;
        gmp_g_t *g = &m->g[gi];
        if (g->dead) {
            g_release(m, gi);
            break;
        }
        if (g->state != G_RUNNING)
            break; /* slept or yielded in its continuation */
        if (g->burst > 0) {
            /* on a shared host the burst takes longer: CPU ns / share */
            double sh = cpu_share(m);
            simtime_t wall = g->burst;
            p->stretch = 1.0 / sh;
            if (sh < 1.0 && g->burst < FOREVER)
                wall = (simtime_t)((double)g->burst / sh + 0.5);
            p->run_start = now_of(m);
            p->ev = eng_after(m->e, wall, on_burst_end, m, (uint64_t)pi);
            return 1;
        }
        if (!g->fn) {
            g->state = G_BLOCKED;
            if (g->kind == K_CPU)
                heap_note(m);
            break;
        }
        eng_fn fn = g->fn;
        void *ctx = g->ctx;
        uint64_t arg = g->arg;
        g->fn = NULL;
        g->sleep_fn = 0;
        m->in_cont = gi;
        fn(m->e, ctx, arg);
        m->in_cont = NONE;
        p = &m->p[pi];
    }
    p->cur = NONE;
    return 0;
}

/* execute: the G starts running on P pi. */
static void start_g(gmp_t *m, int pi, uint32_t gi, int inherit)
{
    gmp_p_t *p = &m->p[pi];
    gmp_g_t *g = &m->g[gi];
    simtime_t now = now_of(m);
    if (!inherit)
        p->schedtick++;
    if (m->sk.schedlat)
        stats_hist_add(m->sk.schedlat, now - g->runnable_at);
    if (g->woken) {
        g->woken = 0;
        if (g->measure)
            record_lateness(m, now - g->sleep_start - g->sleep_d);
    }
    g->state = G_RUNNING;
    g->lastp = (uint16_t)pi;
    p->cur = gi;
    p->state = P_RUNNING;
    if (g->kind == K_CPU)
        heap_note(m);
}

/* P pi has no G: find one and run it, until a G is in a burst (an event is
 * pending) or the P goes idle or stops. */
static void schedule(gmp_t *m, int pi)
{
    for (;;) {
        gmp_p_t *p = &m->p[pi];
        if (m->stw) {
            p->state = P_STOPPED;
            return;
        }
        int inherit;
        uint32_t gi = find_runnable(m, pi, &inherit);
        p = &m->p[pi];
        if (p->spinning) {
            /* resetspinning: the last spinning thread to find work wakes another */
            p->spinning = 0;
            m->nmspinning--;
            if (gi != NONE)
                wakep(m);
        }
        if (gi == NONE) {
            go_idle(m, pi);
            return;
        }
        start_g(m, pi, gi, inherit);
        if (run_g(m, pi))
            return;
    }
}

static void on_burst_end(eng_t *e, void *ctx, uint64_t pi)
{
    gmp_t *m = ctx;
    gmp_p_t *p = &m->p[pi];
    gmp_g_t *g = &m->g[p->cur];
    p->ev = 0;
    account_cpu(m, g, (simtime_t)((double)(eng_now(e) - p->run_start) / p->stretch + 0.5));
    g->burst = 0;
    if (!run_g(m, (int)pi))
        schedule(m, (int)pi);
}

/* Take the running G off P pi (sysmon preemption or a stop-the-world): the
 * rest of its burst stays with it, it goes to the global queue. */
static void preempt(gmp_t *m, int pi)
{
    gmp_p_t *p = &m->p[pi];
    uint32_t gi = p->cur;
    gmp_g_t *g = &m->g[gi];
    simtime_t ran = (simtime_t)((double)(now_of(m) - p->run_start) / p->stretch + 0.5); /* CPU ns */
    account_cpu(m, g, ran);
    g->burst -= ran;
    if (g->burst < 0)
        g->burst = 0;
    eng_cancel(m->e, p->ev);
    p->ev = 0;
    if (p->pre_ev) {
        eng_cancel(m->e, p->pre_ev);
        p->pre_ev = 0;
    }
    p->cur = NONE;
    if (g->kind == K_CPU)
        heap_note(m);
    if (g->dead) {
        g_release(m, gi);
        return;
    }
    runnable(m, gi);
    gq_push(m, gi);
}

/* ------------------------------------------------------------------ */
/* sysmon (proc.go: sysmon, retake)                                     */
/* ------------------------------------------------------------------ */

static void retake(gmp_t *m, simtime_t now)
{
    for (int pi = 0; pi < m->np; pi++) {
        gmp_p_t *p = &m->p[pi];
        if (p->state != P_RUNNING && p->state != P_GCWORK)
            continue;
        if (p->sm_tick != p->schedtick) {
            p->sm_tick = p->schedtick;
            p->sm_when = now;
            continue;
        }
        if (p->sm_when + m->c.preempt_after > now)
            continue;
        if (p->state == P_GCWORK) {
            /* a dedicated mark worker ignores preemption but kicks its run
             * queue to the global queue (mgc.go gcBgMarkWorker) */
            if (!p->drained) {
                uint32_t gi;
                int inh;
                while ((gi = runq_get(m, p, &inh)) != NONE)
                    gq_push(m, gi);
                p->drained = 1;
                wakep(m);
            }
            continue;
        }
        if (p->pre_ev)
            continue; /* sent, not landed yet */
        double sh = cpu_share(m);
        if (sh < 1.0 && gsl_rng_uniform(m->r) >= sh) {
            /* the thread is off its CPU: the signal is handled when it runs again */
            p->pre_tick = p->schedtick;
            p->pre_g = p->cur;
            p->pre_ev = eng_after(m->e, dist_draw(&m->c.busy_wakeup, m->r), on_preempt_land, m, (uint64_t)pi);
            continue;
        }
        m->tot.preemptions++;
        preempt(m, pi);
        schedule(m, pi);
    }
}

static void on_preempt_land(eng_t *e, void *ctx, uint64_t pi)
{
    (void)e;
    gmp_t *m = ctx;
    gmp_p_t *p = &m->p[pi];
    p->pre_ev = 0;
    if (p->state != P_RUNNING || p->cur != p->pre_g || p->schedtick != p->pre_tick || m->stw)
        return; /* the G left on its own meanwhile */
    m->tot.preemptions++;
    preempt(m, (int)pi);
    schedule(m, (int)pi);
}

/* usleep(delay) takes the delay, the task's timer slack (nanosleep) and a
 * thread wake-up: ~10.1 ms at the 10 ms period, so preemption boundaries
 * drift instead of locking onto sleeps that are multiples of 20 ms. */
static simtime_t sysmon_sleep(gmp_t *m)
{
    return m->sm_delay + m->c.timer_slack + dist_draw(&m->c.wakeup, m->r);
}

static void on_sysmon(eng_t *e, void *ctx, uint64_t waited)
{
    gmp_t *m = ctx;
    simtime_t now = eng_now(e);
    m->sm_ev = 0;
    if (!m->sm_os_waited && cpus_full(m)) {
        /* sysmon's thread is runnable, every host CPU is taken */
        m->sm_os_waited = 1;
        m->sm_ev = eng_after(e, dist_draw(&m->c.busy_wakeup, m->r), on_sysmon, m, waited);
        return;
    }
    m->sm_os_waited = 0;
    if (!waited && (m->stw || m->nidle == m->np)) {
        /* every P idle (or GC waiting): sleep until the next timer */
        simtime_t next = earliest_timer(m);
        if (next > now) {
            simtime_t s = next - now < SYSMON_LONG_SLEEP ? next - now : SYSMON_LONG_SLEEP;
            m->sm_waiting = 1;
            m->sm_ev = eng_after(e, s, on_sysmon, m, 1);
            return;
        }
    }
    m->sm_waiting = 0;
    retake(m, now);
    m->sm_idle++; /* retake returns 0 without syscalls: idle only grows */
    if (m->sm_idle > IDLE_ROUNDS)
        m->sm_delay *= 2;
    if (m->sm_delay > m->c.sysmon_max)
        m->sm_delay = m->c.sysmon_max;
    m->sm_ev = eng_after(e, sysmon_sleep(m), on_sysmon, m, 0);
}

/* ------------------------------------------------------------------ */
/* GC (mgc.go, mgcpacer.go)                                             */
/* ------------------------------------------------------------------ */

/* The pacer (mgcpacer.go, go1.19.8: commit, trigger), heap sizes in MiB.
 * Goal: live x (1 + GOGC/100), at least heapMinimum = 4 MiB x GOGC/100
 * (defaultHeapMinimum scaled by setGCPercent); stacks and globals are not
 * modelled. */
static double heap_goal(const gmp_t *m)
{
    double g = m->c.heap_live * (1.0 + m->c.gogc / 100.0), min = 4.0 * m->c.gogc / 100.0;
    return g < min ? min : g;
}

/* Trigger: the runway the pacer wants (cons/mark x scan work) is clamped to
 * [45/64, 61/64] of the way from the live heap to the goal
 * (minTriggerRatioNum, maxTriggerRatioNum over triggerRatioDen), the upper
 * bound raised to goal - 4 MiB for a large heap. The scan work of the heaps
 * modelled here (a few MiB) gives a runway below the upper bound, so the
 * trigger is that bound. */
static double heap_trigger(const gmp_t *m)
{
    double live = m->c.heap_live, goal = heap_goal(m);
    double t = live + (goal - live) * 61.0 / 64.0;
    if (goal > 4.0 && goal - 4.0 > t)
        t = goal - 4.0;
    return t;
}

static double heap_now(const gmp_t *m)
{
    return m->heap_mib + m->heap_rate * simtime_to_sec(now_of(m) - m->heap_t);
}

/* The heap grows at the background rate plus cpu_alloc per CPU-second of
 * every CPU-bound goroutine on a P (times its thread's share of a CPU). */
static double heap_rate_now(const gmp_t *m)
{
    double r = m->c.alloc_rate;
    if (m->c.cpu_alloc > 0 && !m->stw) {
        int n = 0;
        for (int i = 0; i < m->np; i++)
            n += m->p[i].state == P_RUNNING && m->p[i].cur != NONE && m->g[m->p[i].cur].kind == K_CPU &&
                 m->g[m->p[i].cur].state == G_RUNNING;
        r += m->c.cpu_alloc * n * cpu_share(m);
    }
    return r;
}

static void gc_arm(gmp_t *m)
{
    simtime_t now = now_of(m), t;
    if (m->c.gc == GMP_GC_NONE)
        return;
    if (m->c.gc == GMP_GC_PERIODIC) {
        t = m->cycle_start + m->c.gc_period;
    } else {
        t = now + m->c.gc_period; /* forcegcperiod */
        double left = heap_trigger(m) - heap_now(m);
        if (left <= 0) {
            t = now;
        } else if (m->heap_rate > 0) {
            double s = left / m->heap_rate;
            if (s < simtime_to_sec(t - now))
                t = now + simtime_from_sec(s);
        }
    }
    if (t < now)
        t = now;
    m->gc_pending = t == now;
    m->gc_ev = eng_at(m->e, t, on_gc_trigger, m, 0);
}

/* A CPU-bound goroutine started or stopped running: the heap's growth rate
 * changes, and with it when the trigger is reached. */
static void heap_note(gmp_t *m)
{
    if (m->c.gc != GMP_GC_HEAP || m->c.cpu_alloc <= 0)
        return;
    double r = heap_rate_now(m);
    if (r == m->heap_rate)
        return;
    m->heap_mib = heap_now(m);
    m->heap_t = now_of(m);
    m->heap_rate = r;
    if (m->gc_active || m->gc_pending)
        return;
    eng_cancel(m->e, m->gc_ev);
    gc_arm(m);
}

static void add_alloc(gmp_t *m, double kib)
{
    if (m->c.gc != GMP_GC_HEAP || kib <= 0)
        return;
    m->heap_mib = heap_now(m) + kib / 1024.0;
    m->heap_t = now_of(m);
    if (!m->gc_active && !m->gc_pending && m->heap_mib >= heap_trigger(m)) {
        eng_cancel(m->e, m->gc_ev);
        m->gc_pending = 1;
        m->gc_ev = eng_at(m->e, now_of(m), on_gc_trigger, m, 0);
    }
}

/* Dedicated mark workers: int(share x P + 0.5), less one when that is more
 * than 30% above the goal (gcControllerState.startCycle). */
static int dedicated_workers(const gmp_t *m)
{
    double goal = m->c.gc_workers * m->np;
    int d = (int)(goal + 0.5);
    if (goal > 0 && fabs(d / goal - 1) > 0.3 && d > goal)
        d--;
    return d;
}

/* Who stops the world. A cycle starts in mallocgc of the goroutine whose
 * allocation crossed the trigger (mgc.go, go1.19.8: gcStart), and without
 * dedicated workers its mark ends in that goroutine's assist (mgcmark.go:
 * gcAssistAlloc -> gcMarkDone); the goroutine runs the pause on its own M
 * and goes on running after startTheWorld: its P has no scheduling point
 * there, only the other Ps' goroutines are preempted (preemptall). With
 * CPU-bound goroutines allocating (cpu_alloc) that is one of those running
 * (never yielding: the rule needs their endless burst), drawn uniformly;
 * otherwise (client or background allocation) every P is preempted. */
static int pick_gc_owner(gmp_t *m)
{
    int cand[GMP_MAX_PROCS], n = 0;
    if (m->c.cpu_alloc <= 0 || m->c.cpu_yield != GMP_YIELD_NEVER)
        return -1;
    for (int pi = 0; pi < m->np; pi++) {
        const gmp_p_t *p = &m->p[pi];
        if (p->state == P_RUNNING && p->cur != NONE && m->g[p->cur].kind == K_CPU &&
            m->g[p->cur].state == G_RUNNING && m->g[p->cur].burst >= FOREVER / 2)
            cand[n++] = pi;
    }
    return n == 0 ? -1 : cand[n == 1 ? 0 : gsl_rng_uniform_int(m->r, (unsigned long)n)];
}

static void stw_begin(gmp_t *m, int phase)
{
    simtime_t now = now_of(m);
    m->stw = 1;
    m->stw_start = now;
    for (int pi = 0; pi < m->np; pi++) {
        gmp_p_t *p = &m->p[pi];
        switch (p->state) {
        case P_RUNNING:
            if (pi != m->gc_owner)
                preempt(m, pi); /* the owner's G stays on its P, its burst goes on after */
            break;
        case P_WAKING:
            eng_cancel(m->e, p->ev);
            p->ev = 0;
            if (p->spinning) {
                p->spinning = 0;
                m->nmspinning--;
            }
            break;
        case P_GCWORK: m->tot.cpu_gc_ns += now - p->run_start; break;
        default: break;
        }
        p->state = P_STOPPED;
    }
    m->nidle = 0;
    eng_after(m->e, dist_draw(&m->c.stw, m->r), on_stw_end, m, (uint64_t)phase);
}

static void on_gc_trigger(eng_t *e, void *ctx, uint64_t arg)
{
    (void)arg;
    gmp_t *m = ctx;
    m->gc_ev = 0;
    m->gc_pending = 0;
    if (m->gc_active)
        return;
    m->gc_active = 1;
    m->tot.gc_cycles++;
    m->cycle_start = eng_now(e);
    m->gc_owner = pick_gc_owner(m);
    stw_begin(m, 1);
}

static void on_stw_end(eng_t *e, void *ctx, uint64_t phase)
{
    gmp_t *m = ctx;
    simtime_t now = eng_now(e), d = now - m->stw_start;
    m->stw = 0;
    m->tot.stw_ns += d;
    rec(m, M_GMP_STW, m->stw_start, to_us(d));
    if (phase == 1) {
        m->mark = 1;
        int nd = dedicated_workers(m);
        for (int pi = 0; pi < m->np && nd > 0; pi++) {
            gmp_p_t *p = &m->p[pi];
            if (pi == m->gc_owner)
                continue;
            nd--;
            p->state = P_GCWORK;
            p->schedtick++; /* the worker G was started */
            p->run_start = now;
            p->drained = 0;
        }
        eng_after(e, dist_draw(&m->c.mark, m->r), on_mark_end, m, 0);
    } else {
        m->mark = 0;
        m->gc_active = 0;
        m->heap_mib = m->c.heap_live;
        m->heap_t = now;
        m->heap_rate = heap_rate_now(m);
        gc_arm(m);
    }
    /* startTheWorld: the owner's G goes on; every other P back to its
     * scheduler (timers first) */
    if (m->gc_owner >= 0) {
        m->p[m->gc_owner].state = P_RUNNING;
        m->gc_owner = -1;
        heap_note(m);
    }
    for (int pi = 0; pi < m->np; pi++)
        if (m->p[pi].state == P_STOPPED && !m->stw)
            schedule(m, pi);
    if (m->sm_waiting) {
        eng_cancel(e, m->sm_ev);
        m->sm_ev = eng_at(e, now, on_sysmon, m, 1);
        m->sm_waiting = 0;
    }
}

static void on_mark_end(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    (void)arg;
    gmp_t *m = ctx;
    /* a dedicated worker ends the mark (its P schedules after); without
     * one, an allocating goroutine's assist does */
    m->gc_owner = dedicated_workers(m) > 0 ? -1 : pick_gc_owner(m);
    stw_begin(m, 2);
}

/* ------------------------------------------------------------------ */
/* Sleeps, background goroutines                                        */
/* ------------------------------------------------------------------ */

/* G gi sleeps d on its P's heap; fn runs when it runs again. */
static eng_ev_t sleep_on(gmp_t *m, uint32_t gi, simtime_t d, int measure, eng_fn fn, void *ctx, uint64_t arg)
{
    gmp_g_t *g = &m->g[gi];
    g->sleep_gen++;
    g->fn = fn;
    g->ctx = ctx;
    g->arg = arg;
    g->sleep_fn = 1;
    eng_ev_t h = (uint64_t)(gi + 1) << 32 | g->sleep_gen;
    if (d <= 0 && g->state == G_RUNNING)
        return h; /* time.Sleep(0) returns at once: the continuation runs next */
    g->when = now_of(m) + (d > 0 ? d : 0);
    g->sleep_start = now_of(m);
    g->sleep_d = d > 0 ? d : 0;
    g->measure = (uint8_t)measure;
    g->state = G_WAITING;
    if (heap_push(m, g->lastp, gi) < 0)
        return h;
    /* every new sleep, earliest on its P or not (time.go, go1.19.8: modtimer
     * -> doaddtimer, then wakeNetPoller(when) unconditionally) */
    wake_netpoller(m, m->g[gi].when);
    return h;
}

static void cpu_wake(eng_t *e, void *ctx, uint64_t gi)
{
    (void)e;
    gmp_t *m = ctx;
    m->g[gi].burst = dist_draw(&m->c.cpu_burst, m->r);
    m->g[gi].fn = cpu_loop;
    m->g[gi].ctx = m;
    m->g[gi].arg = gi;
}

/* A background goroutine's burst is over: loop (never yields), Gosched
 * (to the global queue), or sleep. */
static void cpu_loop(eng_t *e, void *ctx, uint64_t gi)
{
    gmp_t *m = ctx;
    gmp_g_t *g = &m->g[gi];
    switch (m->c.cpu_yield) {
    case GMP_YIELD_NEVER:
        g->burst = FOREVER;
        g->fn = cpu_loop;
        g->ctx = m;
        g->arg = gi;
        break;
    case GMP_YIELD_GOSCHED:
        cpu_wake(e, m, gi);
        runnable(m, (uint32_t)gi);
        gq_push(m, (uint32_t)gi);
        break;
    case GMP_YIELD_SLEEP: sleep_on(m, (uint32_t)gi, dist_draw(&m->c.cpu_sleep, m->r), 0, cpu_wake, m, gi); break;
    }
}

static void sleeper_wake(eng_t *e, void *ctx, uint64_t gi)
{
    (void)e;
    gmp_t *m = ctx;
    m->g[gi].burst = dist_draw(&m->c.sleeper_cpu, m->r);
    m->g[gi].fn = sleeper_sleep;
    m->g[gi].ctx = m;
    m->g[gi].arg = gi;
}

static void sleeper_sleep(eng_t *e, void *ctx, uint64_t gi)
{
    (void)e;
    gmp_t *m = ctx;
    sleep_on(m, (uint32_t)gi, m->c.sleep, 1, sleeper_wake, m, gi);
}

/* Levels at every bucket start, so a bucket without a change shows them. */
static void on_bucket(eng_t *e, void *ctx, uint64_t b)
{
    gmp_t *m = ctx;
    rec(m, M_GMP_RUNQ_GLOBAL, eng_now(e), m->gqlen);
    rec(m, M_GMP_RUNQ_LOCAL, eng_now(e), m->nlocal);
    eng_at(e, (simtime_t)(b + 1) * m->bucket_ns, on_bucket, m, b + 1);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                           */
/* ------------------------------------------------------------------ */

gmp_t *gmp_new(const gmp_cfg_t *c, eng_t *e, gsl_rng *r, const gmp_sinks_t *sinks, char *err, size_t errlen)
{
    const char *key = NULL;
    if (gmp_validate(c, &key, err, errlen) < 0)
        return NULL;
    gmp_t *m = calloc(1, sizeof *m);
    if (m)
        m->p = calloc((size_t)c->procs, sizeof *m->p);
    if (m && m->p)
        m->gq = malloc(1024 * sizeof *m->gq);
    if (!m || !m->p || !m->gq || stats_hist_init(&m->hb, HB_BITS) < 0) {
        if (m) {
            free(m->p);
            free(m->gq);
            stats_hist_free(&m->hb);
        }
        free(m);
        snprintf(err, errlen, "gmp: out of memory");
        return NULL;
    }
    m->c = *c;
    m->e = e;
    m->r = r;
    if (sinks)
        m->sk = *sinks;
    m->bucket_ns = m->sk.series ? m->sk.series->bucket_ns : 0;
    if (m->bucket_ns <= 0)
        m->sk.series = NULL;
    m->np = c->procs;
    m->gqcap = 1024;
    m->hb_bucket = -1;
    m->in_cont = NONE;
    m->poll_until = SIMTIME_NEVER;
    m->gc_owner = -1;
    m->tot.procs = m->np;
    for (int i = 0; i < m->np; i++) {
        m->p[i].runnext = NONE;
        m->p[i].cur = NONE;
        m->p[i].state = P_IDLE;
    }
    for (int i = m->np - 1; i >= 0; i--) /* P0 on top of the idle stack */
        m->idle[m->nidle++] = i;
    return m;
}

/* A sleeper's first run: its random phase, U(0, d) drawn when it was
 * created (aux[0]), not measured. */
static void sleeper_first(eng_t *e, void *ctx, uint64_t gi)
{
    (void)e;
    gmp_t *m = ctx;
    sleep_on(m, (uint32_t)gi, (simtime_t)m->g[gi].aux[0], 0, sleeper_wake, m, gi);
}

/* `go f()` from the main goroutine on P0 (proc.go, go1.19.8: newproc): the
 * new G goes to P0's runnext, the one there before to the tail of P0's
 * local queue (runqput with next = true), and a spinning P is woken
 * (wakep, main has started). Creation takes no simulated time. */
static void go_from_main(gmp_t *m, uint32_t gi)
{
    runnable(m, gi);
    runq_put(m, &m->p[0], gi, 1);
    wakep(m);
}

void gmp_start(gmp_t *m)
{
    simtime_t now = now_of(m);
    m->heap_mib = m->c.heap_live;
    m->heap_t = now;
    m->heap_rate = m->c.alloc_rate;
    m->cycle_start = now;
    m->sm_delay = m->c.sysmon_min;
    m->sm_ev = eng_after(m->e, sysmon_sleep(m), on_sysmon, m, 0);
    /* the main goroutine runs on P0 (the top of the idle stack) */
    int p0 = idle_pop(m);
    m->p[p0].state = P_RUNNING;
    m->p[p0].schedtick++;
    /* it starts the sleepers, then the CPU-bound goroutines */
    for (int i = 0; i < m->c.sleepers; i++) {
        uint32_t gi = g_alloc(m, K_SLEEPER);
        if (gi == NONE)
            return;
        m->g[gi].aux[0] = (int64_t)(gsl_rng_uniform(m->r) * (double)m->c.sleep);
        m->g[gi].fn = sleeper_first;
        m->g[gi].ctx = m;
        m->g[gi].arg = gi;
        go_from_main(m, gi);
    }
    for (int i = 0; i < m->c.cpu_goroutines; i++) {
        uint32_t gi = g_alloc(m, K_CPU);
        if (gi == NONE)
            return;
        cpu_wake(m->e, m, gi);
        if (m->c.cpu_yield == GMP_YIELD_NEVER)
            m->g[gi].burst = FOREVER;
        go_from_main(m, gi);
    }
    gc_arm(m);
    if (m->sk.series)
        eng_at(m->e, now / m->bucket_ns * m->bucket_ns + m->bucket_ns, on_bucket, m,
               (uint64_t)(now / m->bucket_ns + 1));
    /* then main blocks (it waits for the end): P0 schedules, runnext first;
     * with nothing to run it goes idle and its thread sleeps in the poller */
    schedule(m, p0);
}

void gmp_finish(gmp_t *m)
{
    if (m)
        flush_bucket(m);
}

void gmp_free(gmp_t *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->np; i++)
        free(m->p[i].heap);
    free(m->p);
    free(m->g);
    free(m->gq);
    stats_hist_free(&m->hb);
    free(m);
}

gmp_totals_t gmp_totals(const gmp_t *m) { return m->tot; }

const char *gmp_error(const gmp_t *m) { return m->failed ? m->err : NULL; }

int gmp_inspect_p(const gmp_t *m, int pi, uint32_t *runnext, uint32_t *q, int max)
{
    const gmp_p_t *p = &m->p[pi];
    *runnext = p->runnext == NONE ? 0 : p->runnext + 1;
    int n = (int)(p->tail - p->head);
    for (int i = 0; i < n && i < max; i++)
        q[i] = p->runq[(p->head + (uint32_t)i) % GMP_RUNQ] + 1;
    return n;
}

void gmp_inspect_heap(const gmp_t *m, double *trigger, double *goal)
{
    *trigger = heap_trigger(m);
    *goal = heap_goal(m);
}

/* ------------------------------------------------------------------ */
/* The client's layer                                                   */
/* ------------------------------------------------------------------ */

uint32_t gmp_go(gmp_t *m)
{
    uint32_t gi = g_alloc(m, K_CLIENT);
    return gi == NONE ? 0 : gi + 1;
}

void gmp_exit_slow(gmp_t *m, uint32_t g)
{
    if (!g)
        return;
    uint32_t gi = g - 1;
    gmp_g_t *x = &m->g[gi];
    x->fn = NULL;
    x->sleep_fn = 0;
    switch (x->state) {
    case G_RUNNING:
    case G_RUNNABLE: x->dead = 1; break; /* freed when it leaves its P or queue */
    case G_WAITING:
        heap_remove(m, gi);
        g_release(m, gi);
        break;
    case G_BLOCKED: g_release(m, gi); break;
    default: break;
    }
}

eng_ev_t gmp_sleep_slow(gmp_t *m, uint32_t g, simtime_t d, eng_fn fn, void *ctx, uint64_t arg)
{
    return sleep_on(m, g - 1, d, 1, fn, ctx, arg);
}

int gmp_cancel_slow(gmp_t *m, uint32_t g, eng_ev_t h)
{
    if (!g || !h || (uint32_t)(h >> 32) != g)
        return 0;
    gmp_g_t *x = &m->g[g - 1];
    if (x->sleep_gen != (uint32_t)h || x->state == G_FREE)
        return 0;
    if (x->state == G_WAITING) {
        heap_remove(m, g - 1);
        x->state = G_BLOCKED;
    } else if (!(x->sleep_fn && x->fn)) {
        return 0; /* its continuation already ran */
    }
    x->fn = NULL;
    x->sleep_fn = 0;
    x->woken = 0;
    return 1;
}

void gmp_cpu_slow(gmp_t *m, uint32_t g, gmp_cost_t cost, eng_fn fn, void *ctx, uint64_t arg, int64_t aux0,
                  int64_t aux1)
{
    uint32_t gi = g - 1;
    simtime_t b = dist_draw(cost == GMP_COST_SEND ? &m->c.send_cpu : &m->c.response_cpu, m->r);
    if (cost == GMP_COST_SEND)
        add_alloc(m, m->c.alloc_per_attempt);
    gmp_g_t *x = &m->g[gi];
    x->aux[0] = aux0;
    x->aux[1] = aux1;
    x->fn = fn;
    x->ctx = ctx;
    x->arg = arg;
    x->sleep_fn = 0;
    if (x->state == G_RUNNING && m->in_cont == gi) {
        x->burst += b; /* called from its own continuation: the burst goes on */
    } else if (x->state == G_BLOCKED) {
        x->burst = b; /* the network poller made it runnable (injectglist) */
        runnable(m, gi);
        gq_push(m, gi);
        start_idle(m);
    } else {
        m->tot.anomalies++;
        x->burst += b;
    }
}

const int64_t *gmp_aux(const gmp_t *m, uint32_t g) { return m->g[g - 1].aux; }

/* ------------------------------------------------------------------ */
/* The model                                                            */
/* ------------------------------------------------------------------ */

static model_info_t info;

static const key_name_t gmp_yields[] = {
    {"never", GMP_YIELD_NEVER}, {"gosched", GMP_YIELD_GOSCHED}, {"sleep", GMP_YIELD_SLEEP}, {NULL, 0}};
static const key_name_t gmp_gcs[] = {{"none", GMP_GC_NONE}, {"periodic", GMP_GC_PERIODIC}, {"heap", GMP_GC_HEAP}, {NULL, 0}};

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(gmp_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "model the client's Go scheduler: backoff timers fire at scheduling points, sends and responses cost CPU; "
     "off: timers fire exactly when due"},
    {"procs", KEY_INT, KEY_AT(gmp_cfg_t, procs), "Ps", "4", KEY_IN(1, GMP_MAX_PROCS), NULL, "GOMAXPROCS"},
    {"preempt_after", KEY_DURATION, KEY_AT(gmp_cfg_t, preempt_after), "", "10ms", KEY_GT(0), NULL,
     "sysmon preempts a G that has held its P this long (forcePreemptNS)"},
    {"sysmon_min", KEY_DURATION, KEY_AT(gmp_cfg_t, sysmon_min), "", "20us", KEY_GT(0), NULL,
     "sysmon's first sleep; it doubles after 50 idle rounds"},
    {"sysmon_max", KEY_DURATION, KEY_AT(gmp_cfg_t, sysmon_max), "", "10ms", KEY_GT(0), NULL,
     "sysmon's longest sleep; >= sysmon_min"},
    {"epoll_rounding", KEY_BOOL, KEY_AT(gmp_cfg_t, epoll_rounding), "", "true", KEY_ANY, NULL,
     "the poller's epoll timeout is whole ms (under 1 ms -> 1 ms, longer rounded down)"},
    {"timer_slack", KEY_DURATION, KEY_AT(gmp_cfg_t, timer_slack), "", "50us", KEY_ANY, NULL,
     "Linux timer slack of the poller's wait: max(timer_slack, timeout / 1000)"},
    {"wakeup", KEY_DIST, KEY_AT(gmp_cfg_t, wakeup), "", "uniform(10us, 100us)", KEY_ANY, NULL,
     "an OS thread's wake-up latency (an idle P started, the poller woken)"},
    {"send_cpu", KEY_DIST, KEY_AT(gmp_cfg_t, send_cpu), "", "const(20us)", KEY_ANY, NULL,
     "CPU a call's goroutine spends sending one attempt"},
    {"response_cpu", KEY_DIST, KEY_AT(gmp_cfg_t, response_cpu), "", "const(20us)", KEY_ANY, NULL,
     "CPU it spends handling one attempt's response or timeout"},
    {"cpu_goroutines", KEY_INT, KEY_AT(gmp_cfg_t, cpu_goroutines), "goroutines", "0", KEY_IN(0, 100000), NULL,
     "background CPU-bound goroutines (client CPU load)"},
    {"cpu_yield", KEY_ENUM, KEY_AT(gmp_cfg_t, cpu_yield), "", "never", KEY_ANY, gmp_yields,
     "after each cpu_burst: never yield (only preemption stops them), runtime.Gosched, or sleep cpu_sleep"},
    {"cpu_burst", KEY_DIST, KEY_AT(gmp_cfg_t, cpu_burst), "", "const(10ms)", KEY_ANY, NULL,
     "CPU between yields of a background goroutine"},
    {"cpu_sleep", KEY_DIST, KEY_AT(gmp_cfg_t, cpu_sleep), "", "const(1ms)", KEY_ANY, NULL,
     "sleep between bursts when cpu_yield = sleep"},
    {"sleepers", KEY_INT, KEY_AT(gmp_cfg_t, sleepers), "goroutines", "0", KEY_IN(0, 1000000), NULL,
     "goroutines each sleeping gmp.sleep in a loop (timer-slop workload; for no calls set arrivals kind = schedule, "
     "schedule = 0s:0)"},
    {"sleep", KEY_DURATION, KEY_AT(gmp_cfg_t, sleep), "", "1ms", KEY_GT(0), NULL, "each sleeper's time.Sleep"},
    {"sleeper_cpu", KEY_DIST, KEY_AT(gmp_cfg_t, sleeper_cpu), "", "const(1us)", KEY_ANY, NULL,
     "CPU a sleeper spends between sleeps"},
    {"gc", KEY_ENUM, KEY_AT(gmp_cfg_t, gc), "", "none", KEY_ANY, gmp_gcs,
     "GC cycles (two STW pauses around a mark): none, every gc_period, or heap: at the pacer's trigger, "
     "61/64 of the way from heap_live to the goal heap_live x (1 + gogc/100), >= 4 MiB x gogc/100"},
    {"gc_period", KEY_DURATION, KEY_AT(gmp_cfg_t, gc_period), "", "2m", KEY_GT(0), NULL,
     "periodic: interval between cycle starts; heap: a cycle is forced after this long"},
    {"gogc", KEY_INT, KEY_AT(gmp_cfg_t, gogc), "percent", "100", KEY_IN(1, 100000), NULL, "GOGC"},
    {"heap_live", KEY_DOUBLE, KEY_AT(gmp_cfg_t, heap_live), "MiB", "4", KEY_GT(0), NULL, "live heap after a cycle"},
    {"alloc_rate", KEY_DOUBLE, KEY_AT(gmp_cfg_t, alloc_rate), "MiB/s", "0", KEY_GE(0), NULL,
     "background allocation rate (gc = heap)"},
    {"alloc_per_attempt", KEY_DOUBLE, KEY_AT(gmp_cfg_t, alloc_per_attempt), "KiB", "32", KEY_GE(0), NULL,
     "allocated per attempt, send and response (gc = heap)"},
    {"stw", KEY_DIST, KEY_AT(gmp_cfg_t, stw), "", "lognormal(50us, 1)", KEY_ANY, NULL,
     "each of a cycle's two stop-the-world pauses: nothing runs, no timer fires"},
    {"mark", KEY_DIST, KEY_AT(gmp_cfg_t, mark), "", "const(2ms)", KEY_ANY, NULL,
     "concurrent mark between the pauses"},
    {"gc_workers", KEY_DOUBLE, KEY_AT(gmp_cfg_t, gc_workers), "per P", "0.25", KEY_IN(0, 1), NULL,
     "dedicated non-preemptible mark workers per P: int(x P + 0.5), less one if 30% above x P"},
    {"cpu_alloc", KEY_DOUBLE, KEY_AT(gmp_cfg_t, cpu_alloc), "MiB/s", "0", KEY_GE(0), NULL,
     "allocated by each CPU-bound goroutine per second of CPU it gets (gc = heap: drives the pacer)"},
    {"host_cpus", KEY_INT, KEY_AT(gmp_cfg_t, host_cpus), "CPUs", "0", KEY_IN(0, 4096), NULL,
     "CPUs the process's threads share: a thread woken while all run Ps waits busy_wakeup, more Ps share "
     "them; 0 = one per thread"},
    {"busy_wakeup", KEY_DIST, KEY_AT(gmp_cfg_t, busy_wakeup), "", "lognormal(500us, 3)", KEY_ANY, NULL,
     "extra wait of a thread woken while every host CPU runs a P's thread (host_cpus > 0); measured by "
     "tools/go-timer/wake/wake.c on a 2-CPU VM"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

static const metrics_def_t series[] = {
    {"gmp_runq_global", STATS_MAX, "goroutines", "GMP model: runnable goroutines in the global run queue (max in bucket)", 0},
    {"gmp_runq_local", STATS_MAX, "goroutines", "GMP model: runnable goroutines in the local run queues and runnext slots of all Ps (max in bucket)", 0},
    {"gmp_wakeups", STATS_SUM, "sleeps", "GMP model: measured sleeps (client backoffs, sleepers) that ended: their goroutine ran again", 0},
    {"gmp_lateness_p50_us", STATS_MAX, "us", "GMP model: timer lateness (realised - nominal sleep) of the sleeps ending in the bucket, median", 0},
    {"gmp_lateness_p90_us", STATS_MAX, "us", "GMP model: timer lateness of the sleeps ending in the bucket, p90", 0},
    {"gmp_lateness_p99_us", STATS_MAX, "us", "GMP model: timer lateness of the sleeps ending in the bucket, p99", 0},
    {"gmp_lateness_max_us", STATS_MAX, "us", "GMP model: timer lateness of the sleeps ending in the bucket, largest", 0},
    {"gmp_stw_us", STATS_SUM, "us", "GMP model: stop-the-world pause time starting in the bucket", 0},
    {"gmp_cpu_client_us", STATS_SUM, "us", "GMP model: CPU time of client goroutines (sending, handling responses), by burst end", 0},
};
enum { S_GMP_LATE_MEAN, S_GMP_LATE_P50, S_GMP_LATE_P90, S_GMP_LATE_P99, S_GMP_LATE_MAX, S_GMP_WAKEUPS, S_GMP_SCHED_P50, S_GMP_SCHED_P99, S_GMP_STW, S_GMP_GC_CYCLES, S_GMP_PREEMPTIONS, S_GMP_CLIENT_CPU, S_GMP_CPU };
static const metrics_scalar_t scalars[] = {
    {"lateness_mean_s", "s", "GMP: mean timer lateness (realised - nominal sleep)"},
    {"lateness_p50_s", "s", "GMP: median timer lateness"},
    {"lateness_p90_s", "s", "GMP: p90 timer lateness"},
    {"lateness_p99_s", "s", "GMP: p99 timer lateness"},
    {"lateness_max_s", "s", "GMP: largest timer lateness"},
    {"timer_wakeups", "sleeps", "GMP: measured sleeps that ended"},
    {"sched_latency_p50_s", "s", "GMP: median scheduling latency (runnable to running)"},
    {"sched_latency_p99_s", "s", "GMP: p99 scheduling latency"},
    {"stw_time_s", "s", "GMP: stop-the-world time"},
    {"gc_cycles", "cycles", "GMP: GC cycles"},
    {"preemptions", "preemptions", "GMP: sysmon preemptions"},
    {"client_cpu_util", "ratio", "GMP: client goroutines' CPU / (GOMAXPROCS x run time)"},
    {"cpu_util", "ratio", "GMP: all CPU / (GOMAXPROCS x run time)"},
};

/* A call's goroutine (gmp_go), 0 = none yet. */
typedef struct {
    uint32_t g;
} gmp_ext_t;

static uint32_t g_of(const world_t *w, uint32_t call)
{
    return ((const gmp_ext_t *)world_call_ext(w, call, &info))->g;
}

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const gmp_cfg_t *)cfg)->enabled;
}

static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    (void)run;
    return gmp_validate(cfg, key, err, errlen);
}

/* ---- the client's runtime (world_runtime_t) ---- */

static void rt_cpu(world_t *w, void *rt, uint32_t call, int cost, eng_fn fn, uint64_t arg, int64_t aux0, int64_t aux1)
{
    gmp_cpu_slow(rt, g_of(w, call), cost == WORLD_COST_SEND ? GMP_COST_SEND : GMP_COST_RESPONSE, fn, w, arg, aux0,
                 aux1);
}

static const int64_t *rt_aux(world_t *w, void *rt, uint32_t call)
{
    return gmp_aux(rt, g_of(w, call));
}

static eng_ev_t rt_sleep(world_t *w, void *rt, uint32_t call, simtime_t d, eng_fn fn, uint64_t arg)
{
    return gmp_sleep_slow(rt, g_of(w, call), d, fn, w, arg);
}

static int rt_cancel(world_t *w, void *rt, uint32_t call, eng_ev_t ev)
{
    return gmp_cancel_slow(rt, g_of(w, call), ev);
}

static void rt_call_end(world_t *w, void *rt, uint32_t call)
{
    gmp_exit_slow(rt, g_of(w, call));
}

static const world_runtime_t runtime = {rt_cpu, rt_aux, rt_sleep, rt_cancel, rt_call_end};

/* Each call is a goroutine. */
static int call_start(world_t *w, void *state, uint32_t call)
{
    gmp_ext_t *x = world_call_ext(w, call, &info);
    x->g = gmp_go(state);
    return x->g ? 0 : -1;
}

/* Build and start the model: the "gmp" random stream, the timer_lateness
 * and sched_latency histograms, the client's runtime. */
static int attach(world_t *w, void **state)
{
    run_result_t *res = w->res;
    gsl_rng *r = rng_stream(&res->rng, "gmp", w->err, sizeof w->err);
    if (!r)
        return -1;
    if (res->nhists + 2 > RUN_MAX_HISTS) {
        snprintf(w->err, sizeof w->err, "gmp: no room for its histograms (RUN_MAX_HISTS)");
        return -1;
    }
    int i = res->nhists;
    res->hists[i].name = "timer_lateness";
    res->hists[i].unit = "ns";
    res->hists[i + 1].name = "sched_latency";
    res->hists[i + 1].unit = "ns";
    for (int k = i; k < i + 2; k++)
        if (stats_hist_init(&res->hists[k].h, 7) < 0) {
            snprintf(w->err, sizeof w->err, "gmp: cannot allocate a histogram");
            return -1;
        }
    res->nhists += 2;
    gmp_sinks_t sk = {.series = &res->series,
                      .series0 = info.series0,
                      .lateness = &res->hists[i].h,
                      .schedlat = &res->hists[i + 1].h,
                      .fail_flag = &w->failed,
                      .fail_msg = w->err,
                      .fail_len = sizeof w->err};
    gmp_t *m = gmp_new(world_cfg(w, &info), &w->eng, r, &sk, w->err, sizeof w->err);
    if (!m)
        return -1;
    gmp_start(m);
    w->rt = &runtime;
    w->rt_state = m;
    *state = m;
    return 0;
}

static double q_s(const stats_hist_t *h, double q)
{
    return stats_hist_count(h) > 0 ? simtime_to_sec(stats_hist_quantile(h, q)) : (double)NAN;
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    (void)w;
    gmp_t *m = state;
    gmp_finish(m);
    const stats_hist_t *lh = m->sk.lateness, *sh = m->sk.schedlat;
    int have = stats_hist_count(lh) > 0, b = info.scalar0;
    double span = (double)m->np * (double)now_of(m);
    const gmp_totals_t *t = &m->tot;
    run_set_scalar(res, b + S_GMP_LATE_MEAN, have ? stats_hist_mean(lh) / 1e9 : (double)NAN);
    run_set_scalar(res, b + S_GMP_LATE_P50, q_s(lh, 0.5));
    run_set_scalar(res, b + S_GMP_LATE_P90, q_s(lh, 0.9));
    run_set_scalar(res, b + S_GMP_LATE_P99, q_s(lh, 0.99));
    run_set_scalar(res, b + S_GMP_LATE_MAX, have ? simtime_to_sec(stats_hist_max(lh)) : (double)NAN);
    run_set_scalar(res, b + S_GMP_WAKEUPS, (double)t->wakeups);
    run_set_scalar(res, b + S_GMP_SCHED_P50, q_s(sh, 0.5));
    run_set_scalar(res, b + S_GMP_SCHED_P99, q_s(sh, 0.99));
    run_set_scalar(res, b + S_GMP_STW, simtime_to_sec(t->stw_ns));
    run_set_scalar(res, b + S_GMP_GC_CYCLES, (double)t->gc_cycles);
    run_set_scalar(res, b + S_GMP_PREEMPTIONS, (double)t->preemptions);
    run_set_scalar(res, b + S_GMP_CLIENT_CPU, span > 0 ? (double)t->cpu_client_ns / span : (double)NAN);
    run_set_scalar(res, b + S_GMP_CPU,
                   span > 0 ? (double)(t->cpu_client_ns + t->cpu_bg_ns + t->cpu_gc_ns) / span : (double)NAN);
}

static void detach(world_t *w, void *state)
{
    if (w->rt_state == state) {
        w->rt = NULL;
        w->rt_state = NULL;
    }
    gmp_free(state);
}

const model_desc_t model_gmp = {
    .name = "gmp",
    .help = "the Go runtime on the client: goroutines, Ps, sysmon, the poller, GC",
    .info = &info,
    .section = "gmp",
    .keys = keys,
    .cfg_size = sizeof(gmp_cfg_t),
    .enabled = enabled,
    .validate = validate,
    .series = series,
    .nseries = 9,
    .scalars = scalars,
    .nscalars = 13,
    .call_extra = sizeof(gmp_ext_t),
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
    .call_start = call_start,
};
