/*
 * gmp: the Go runtime on the client side, as a discrete-event model of its
 * scheduler (G goroutines, P processors, the global run queue, sysmon, the
 * network poller and GC pauses), so that a backoff sleep wakes when a real
 * Go process would wake it rather than when it is due.
 *
 * Rules, from the Go runtime source (checked at go1.19.8; docs/go-runtime.md
 * gives each with its function, where a later release differs, where the
 * model simplifies, and the figures and measurements behind the defaults):
 *   src/runtime/proc.go     schedule/findRunnable: own timers first, one
 *                           global G every 61 schedticks, runnext, local
 *                           queue, global batch, steal (runqs, then the due
 *                           timers of other Ps into the stealer's runnext);
 *                           runqput (runnext kicks the old one to the tail,
 *                           a full queue spills half to the global queue);
 *                           wakep / startIdle; sysmon and retake (a P whose
 *                           schedtick sysmon saw unchanged for >= 10 ms is
 *                           preempted; the G goes to the global queue);
 *                           sysmon's 20 us sleep doubling after 50 idle
 *                           rounds up to 10 ms, and its long sleep while
 *                           every P is idle.
 *   src/runtime/time.go     per-P timer heaps; a new earliest timer wakes
 *                           the poller (wakeNetPoller, in proc.go) or an
 *                           idle P.
 *   src/runtime/netpoll_epoll.go  epoll_wait's timeout in whole ms: under
 *                           1 ms -> 1 ms, longer -> rounded down; Linux adds
 *                           timer slack max(50 us, timeout / 1000), at most
 *                           100 ms (fs/select.c select_estimate_accuracy).
 *   src/runtime/mgc.go, mgcpacer.go  GC cycle: STW, concurrent mark with
 *                           int(0.25 P + 0.5) dedicated non-preemptible
 *                           workers (dropped to 0 when that is more than
 *                           30% off 0.25 P, as gcControllerState.startCycle
 *                           does; fractional workers are not modelled), STW;
 *                           the pacer (go1.19.8: commit, trigger): goal =
 *                           live x (1 + GOGC/100), at least heapMinimum =
 *                           4 MiB x GOGC/100; the cycle starts when the
 *                           heap reaches the trigger, 61/64 of the way from
 *                           live to goal (maxTriggerRatioNum / triggerRatioDen:
 *                           a small heap's runway is below it), or goal -
 *                           4 MiB for a large heap; or every 2 minutes.
 *                           The heap grows by the background rate, the
 *                           client's allocations and cpu_alloc per
 *                           CPU-second of each running CPU-bound goroutine.
 *   src/runtime/proc.go, go1.19.8: newproc  a goroutine started with `go f()`
 *                           goes to its creator's P's runnext (the old
 *                           runnext to that P's local queue's tail) and a
 *                           spinning P is woken (wakep): the timer-slop
 *                           workload's main goroutine starts the sleepers,
 *                           then the CPU-bound goroutines, on P0 so.
 *
 * The host (host_cpus > 0): the process's threads share host_cpus CPUs.
 * Linux's scheduler (CFS, EEVDF since 6.6) is reduced to two rules: a
 * thread that wakes (a P started by wakep or startIdle, the poller
 * returning from epoll, sysmon) while every CPU runs a P's thread waits
 * busy_wakeup more (the rest of a running thread's time slice, measured on
 * the machine by tools/go-timer/wake/wake.c); when more Ps run than there are
 * CPUs they share them equally: a burst is stretched by running/host_cpus
 * (the ratio when it starts), and a sysmon preemption finds the thread off
 * its CPU with probability 1 - host_cpus/running and then lands
 * busy_wakeup later. host_cpus = 0: a CPU for every thread.
 *   https://github.com/golang/go/issues/38860,
 *   https://github.com/golang/go/issues/44343 and
 *   https://go.dev/cl/232298 (Go 1.16: sysmon no longer runs timers; a new
 *   timer wakes an idle P).
 *
 * The engine knows nothing of goroutines: every scheduler transition is an
 * ordinary event (a burst's end, a thread's wake-up, the poller's return,
 * a sysmon round, a GC phase). G and P state live in fixed arrays and
 * pools that grow by doubling, never per event.
 *
 * The client goes through four calls, each one branch when the model is
 * off (m == NULL): gmp_sleep (backoff: eng_after when off), gmp_cancel
 * (eng_cancel when off), gmp_cpu (CPU work then a continuation: a direct
 * call when off) and gmp_exit. With the model off a timer fires exactly
 * when due (the zero-slop baseline, like Go's testing/synctest clock).
 *
 * Units: times and durations are simtime_t ns; heap sizes MiB, allocation
 * KiB per attempt and MiB/s.
 */
#ifndef RETRYSIM_GMP_H
#define RETRYSIM_GMP_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "dist.h"
#include "eng.h"
#include "simtime.h"
#include "stats.h"

#define GMP_MAX_PROCS 256
#define GMP_RUNQ 256 /* local run queue capacity (runtime2.go: p.runq [256]guintptr) */

typedef enum { GMP_YIELD_NEVER, GMP_YIELD_GOSCHED, GMP_YIELD_SLEEP } gmp_yield_t;
typedef enum { GMP_GC_NONE, GMP_GC_PERIODIC, GMP_GC_HEAP } gmp_gc_kind_t;

typedef struct {
    int enabled;              /* 0: timers fire when due, no goroutine exists */
    int procs;                /* GOMAXPROCS, 1 .. GMP_MAX_PROCS */
    simtime_t preempt_after;  /* ns, forcePreemptNS: a G holding its P this long is preempted, > 0 (10 ms) */
    simtime_t sysmon_min;     /* ns, sysmon's shortest sleep, > 0 (20 us) */
    simtime_t sysmon_max;     /* ns, sysmon's longest sleep, >= sysmon_min (10 ms) */
    int epoll_rounding;       /* 1: the poller's timeout is in whole ms (netpoll_epoll.go) */
    simtime_t timer_slack;    /* ns, Linux timer_slack_ns: slack = max(this, timeout / 1000), >= 0 (50 us) */
    dist_t wakeup;            /* ns, an OS thread's wake-up latency (futex wake to running) */
    dist_t send_cpu;          /* ns, CPU a client goroutine spends to send one attempt */
    dist_t response_cpu;      /* ns, CPU it spends handling one attempt's response or timeout */
    int cpu_goroutines;       /* k background CPU-bound goroutines, >= 0 */
    gmp_yield_t cpu_yield;    /* what they do after a burst: never yield, runtime.Gosched, or sleep */
    dist_t cpu_burst;         /* ns, CPU between yields (gosched, sleep) */
    dist_t cpu_sleep;         /* ns, sleep between bursts (cpu_yield = sleep) */
    int sleepers;             /* S goroutines sleeping `sleep` in a loop (timer-slop workload), >= 0 */
    simtime_t sleep;          /* ns, each sleeper's time.Sleep(d), > 0 */
    dist_t sleeper_cpu;       /* ns, CPU a sleeper spends between sleeps */
    gmp_gc_kind_t gc;         /* none, periodic (every gc_period), heap (GOGC pacing) */
    simtime_t gc_period;      /* ns, periodic: interval; heap: forced cycle at most this far apart (2 min) */
    int gogc;                 /* heap: GOGC percent, 1 .. 100000 */
    double heap_live;         /* MiB live after a cycle, > 0 */
    double alloc_rate;        /* MiB/s allocated by the process in the background, >= 0 */
    double alloc_per_attempt; /* KiB allocated per attempt (send and response), >= 0 */
    dist_t stw;               /* ns, each of a cycle's two stop-the-world pauses */
    dist_t mark;              /* ns, concurrent mark between them */
    double gc_workers;        /* dedicated mark workers per P (Go: 0.25), [0, 1] */
    double cpu_alloc;         /* MiB allocated per CPU-second by each CPU-bound goroutine (gc = heap), >= 0 */
    int host_cpus;            /* CPUs the process's threads share; 0 = one per thread (no contention) */
    dist_t busy_wakeup;       /* ns, extra wait of a thread woken while every host CPU is busy */
} gmp_cfg_t;

/* What a CPU burst of a client goroutine is for (its cost distribution). */
typedef enum { GMP_COST_SEND, GMP_COST_RESPONSE } gmp_cost_t;

typedef struct gmp gmp_t;

/* Cross-key checks; -1 with a message and *key = "gmp.<key>" to blame. */
int gmp_validate(const gmp_cfg_t *c, const char **key, char *err, size_t errlen);

/* Where the model's measurements go; every pointer may be NULL. Its series
 * columns are series0 + 0 .. 8 (gmp.c's descriptor declares them). */
typedef struct {
    stats_series_t *series;
    int series0;              /* the id of the model's first series column (model.h) */
    stats_hist_t *lateness;   /* measured sleeps: realised - nominal, ns */
    stats_hist_t *schedlat;   /* runnable -> running, ns, every G */
    int *fail_flag;           /* set to 1 on a failure (out of memory) */
    char *fail_msg;           /* gets the failure's message */
    size_t fail_len;
} gmp_sinks_t;

/* Totals for scalars and tests. */
typedef struct {
    int64_t cpu_client_ns;    /* CPU of client goroutines */
    int64_t cpu_bg_ns;        /* CPU of background CPU-bound goroutines and sleepers */
    int64_t cpu_gc_ns;        /* dedicated GC workers */
    int64_t stw_ns;           /* stop-the-world time */
    int64_t gc_cycles;
    int64_t preemptions;      /* by sysmon */
    int64_t wakeups;          /* measured sleeps completed */
    int64_t timers_fired;     /* every timer run (measured or not) */
    int64_t steals;           /* Gs taken from other Ps' queues or timers */
    int64_t poller_wakes;     /* the netpoller thread returned */
    int64_t thread_wakes;     /* idle Ps started (wakep, startIdle) */
    int64_t anomalies;        /* gmp_cpu on a G that was not blocked or running: 0 expected */
    int procs;
} gmp_totals_t;

/* A model on engine e drawing from r. Returns NULL (message in err) on a
 * bad configuration or no memory. gmp_start schedules its first events at
 * the engine's current time: sysmon, the poller, background goroutines and
 * sleepers, GC. */
gmp_t *gmp_new(const gmp_cfg_t *c, eng_t *e, gsl_rng *r, const gmp_sinks_t *sinks, char *err, size_t errlen);
void gmp_start(gmp_t *m);
/* Flush the last bucket's per-bucket quantiles. */
void gmp_finish(gmp_t *m);
void gmp_free(gmp_t *m);
gmp_totals_t gmp_totals(const gmp_t *m);
/* Non-NULL after a failure (out of memory); the engine was stopped. */
const char *gmp_error(const gmp_t *m);

/* For tests: P pi's runnext and local run queue (head first) as goroutine
 * numbers in creation order (sleepers 1..S, then the CPU-bound goroutines
 * S+1..S+k; 0 = none), at most max of the queue into q; returns the queue's
 * length. The GC pacer's trigger and goal (MiB) go to *trigger, *goal. */
int gmp_inspect_p(const gmp_t *m, int pi, uint32_t *runnext, uint32_t *q, int max);
void gmp_inspect_heap(const gmp_t *m, double *trigger, double *goal);

/* ---- the client's layer ------------------------------------------------ */

/* A new goroutine (blocked, with nothing to do yet); its id, > 0, or 0 when
 * out of memory (then gmp_error says so). */
uint32_t gmp_go(gmp_t *m);
void gmp_exit_slow(gmp_t *m, uint32_t g);
/* The goroutine returns: its pending continuation, timer and queue places
 * are dropped (a running burst ends first). Off: nothing. */
static inline void gmp_exit(gmp_t *m, uint32_t g)
{
    if (m)
        gmp_exit_slow(m, g);
}

eng_ev_t gmp_sleep_slow(gmp_t *m, uint32_t g, simtime_t d, eng_fn fn, void *ctx, uint64_t arg);
int gmp_cancel_slow(gmp_t *m, uint32_t g, eng_ev_t h);
void gmp_cpu_slow(gmp_t *m, uint32_t g, gmp_cost_t cost, eng_fn fn, void *ctx, uint64_t arg, int64_t aux0,
                  int64_t aux1);

/* Goroutine g sleeps d (time.Sleep / a timer channel), then fn(e, ctx, arg)
 * runs on g once g is running again. Returns a handle for gmp_cancel. */
static inline eng_ev_t gmp_sleep(gmp_t *m, eng_t *e, uint32_t g, simtime_t d, eng_fn fn, void *ctx, uint64_t arg)
{
    if (!m)
        return eng_after(e, d, fn, ctx, arg);
    return gmp_sleep_slow(m, g, d, fn, ctx, arg);
}

/* Stop g's sleep h before its continuation ran: 1 if it had not, else 0. */
static inline int gmp_cancel(gmp_t *m, eng_t *e, uint32_t g, eng_ev_t h)
{
    if (!m)
        return eng_cancel(e, h);
    return gmp_cancel_slow(m, g, h);
}

/* g spends a CPU burst drawn for `cost`, then runs fn(e, ctx, arg). If g is
 * blocked it becomes runnable (woken by the network poller: global queue);
 * if it is running (called from its continuation) the burst extends it. The
 * two aux words travel with g for fn to read (gmp_aux). Off: fn at once. */
static inline void gmp_cpu(gmp_t *m, eng_t *e, uint32_t g, gmp_cost_t cost, eng_fn fn, void *ctx, uint64_t arg,
                           int64_t aux0, int64_t aux1)
{
    if (!m) {
        fn(e, ctx, arg);
        return;
    }
    gmp_cpu_slow(m, g, cost, fn, ctx, arg, aux0, aux1);
}

/* The aux words of g's last gmp_cpu (two int64). */
const int64_t *gmp_aux(const gmp_t *m, uint32_t g);

/* The model ([gmp], models.def) is gmp.c's descriptor; it carries the
 * client's CPU work and sleeps (world_runtime_t). */

#endif
