/*
 * metrics: every per-bucket series a run records, declared once. The
 * recorder creates one column per entry of the series table from this list
 * and the README's metric reference is generated from it, so a new series
 * is one line here plus the code that counts it.
 *
 * kind SUM: events counted in the bucket. kind MAX: the largest value a
 * level (queue length, calls in flight) reached during the bucket.
 * New entries go at the end: a database made by an older version gets them
 * as added columns, which SQLite appends.
 */
#ifndef RETRYSIM_METRICS_H
#define RETRYSIM_METRICS_H

/*  X(id,               column name,          kind,      unit,     help) */
#define METRICS_SERIES(X)                                                                           \
    X(M_CALLS,          "calls",              STATS_SUM, "calls",    "logical calls started")      \
    X(M_ATTEMPTS_FIRST, "attempts_first",     STATS_SUM, "attempts", "first attempts sent")        \
    X(M_ATTEMPTS_RETRY, "attempts_retry",     STATS_SUM, "attempts", "retries sent")               \
    X(M_ARRIVALS,       "server_arrivals",    STATS_SUM, "requests", "requests reaching the server (limiter included)") \
    X(M_ADMITTED,       "admitted",           STATS_SUM, "requests", "requests let in by the limiter and the queue") \
    X(M_REJ_LIMITER,    "rejected_limiter",   STATS_SUM, "requests", "rejected by the rate limiter") \
    X(M_REJ_QUEUE,      "rejected_queue",     STATS_SUM, "requests", "rejected because the waiting room was full") \
    X(M_REJ_OUTAGE,     "rejected_outage",    STATS_SUM, "requests", "rejected or dropped by a scheduled outage") \
    X(M_SERVED_OK,      "served_ok",          STATS_SUM, "requests", "served successfully")       \
    X(M_SERVED_ERR,     "served_error",       STATS_SUM, "requests", "served with an injected error or conflict") \
    X(M_WASTED,         "served_wasted",      STATS_SUM, "requests", "served for nobody (attempt over) or for an orphan retry loop") \
    X(M_EXPIRED,        "dropped_expired",    STATS_SUM, "requests", "discarded at the server: client gone (drop_expired) or deadline passed (deadline_propagation)") \
    X(M_SUCCEEDED,      "calls_ok",           STATS_SUM, "calls",    "calls that succeeded")       \
    X(M_FAIL_EXHAUSTED, "calls_exhausted",    STATS_SUM, "calls",    "calls failed: attempts exhausted") \
    X(M_FAIL_DEADLINE,  "calls_deadline",     STATS_SUM, "calls",    "calls failed: overall deadline") \
    X(M_FAIL_NOTRETRY,  "calls_not_retryable", STATS_SUM, "calls",   "calls failed: outcome not retryable") \
    X(M_FAIL_NONREPLAY, "calls_nonreplayable", STATS_SUM, "calls",   "calls failed: body already consumed (seed 1.1)") \
    X(M_ORPHAN_ATTEMPTS,"orphan_attempts",    STATS_SUM, "attempts", "attempts sent after the caller gave up") \
    X(M_INFLIGHT,       "calls_in_flight",    STATS_MAX, "calls",    "calls not yet ended (max in bucket)") \
    X(M_ORPHANS,        "orphans_alive",      STATS_MAX, "calls",    "calls still retrying after their caller gave up (max in bucket)") \
    X(M_QUEUE,          "queue_length",       STATS_MAX, "requests", "requests waiting at the server (max in bucket)") \
    X(M_BUSY,           "busy_workers",       STATS_MAX, "workers",  "workers serving (max in bucket)") \
    X(M_DENIED_QUOTA,   "calls_denied_quota", STATS_SUM, "calls",    "calls failed: the retry token bucket denied a retry") \
    X(M_DENIED_BUDGET,  "calls_denied_budget", STATS_SUM, "calls",   "calls failed: the retry budget denied a retry") \
    X(M_FAIL_THROTTLED, "calls_throttled",    STATS_SUM, "calls",    "calls failed: adaptive throttling rejected an attempt locally") \
    X(M_FAIL_BREAKER,   "calls_breaker_open", STATS_SUM, "calls",    "calls failed: the circuit breaker rejected an attempt locally") \
    X(M_REJ_LOCAL,      "attempts_rejected_local", STATS_SUM, "attempts", "attempts rejected at the client (breaker or throttling), never sent") \
    X(M_BREAKER,        "breaker_state",      STATS_MAX, "state",    "circuit breaker: 0 closed, 1 open, 2 half-open (the highest of any breaker, max in bucket)") \
    X(M_GMP_RUNQ_GLOBAL, "gmp_runq_global",   STATS_MAX, "goroutines", "GMP model: runnable goroutines in the global run queue (max in bucket)") \
    X(M_GMP_RUNQ_LOCAL, "gmp_runq_local",     STATS_MAX, "goroutines", "GMP model: runnable goroutines in the local run queues and runnext slots of all Ps (max in bucket)") \
    X(M_GMP_WAKEUPS,    "gmp_wakeups",        STATS_SUM, "sleeps",   "GMP model: measured sleeps (client backoffs, sleepers) that ended: their goroutine ran again") \
    X(M_GMP_LATE_P50,   "gmp_lateness_p50_us", STATS_MAX, "us",      "GMP model: timer lateness (realised - nominal sleep) of the sleeps ending in the bucket, median") \
    X(M_GMP_LATE_P90,   "gmp_lateness_p90_us", STATS_MAX, "us",      "GMP model: timer lateness of the sleeps ending in the bucket, p90") \
    X(M_GMP_LATE_P99,   "gmp_lateness_p99_us", STATS_MAX, "us",      "GMP model: timer lateness of the sleeps ending in the bucket, p99") \
    X(M_GMP_LATE_MAX,   "gmp_lateness_max_us", STATS_MAX, "us",      "GMP model: timer lateness of the sleeps ending in the bucket, largest") \
    X(M_GMP_STW,        "gmp_stw_us",         STATS_SUM, "us",       "GMP model: stop-the-world pause time starting in the bucket") \
    X(M_GMP_CPU_CLIENT, "gmp_cpu_client_us",  STATS_SUM, "us",       "GMP model: CPU time of client goroutines (sending, handling responses), by burst end") \
    X(M_SHED,           "shed",               STATS_SUM, "requests", "rejected (503) by load shedding ([shed]: CoDel or the in-flight limit)") \
    X(M_RESP_LOST,      "responses_lost",     STATS_SUM, "responses", "responses to served requests lost in the network (network.response_loss)") \
    X(M_IDEM_DUP,       "idem_duplicates",    STATS_SUM, "requests", "idempotency: executions beyond the first of a non-idempotent call") \
    X(M_IDEM_REFUSED,   "idem_refused",       STATS_SUM, "requests", "idempotency: requests refused with 409 by the key store (key claimed, in flight)") \
    X(M_IDEM_STORED,    "idem_stored",        STATS_SUM, "requests", "idempotency: stored responses served by the key store (no work)") \
    X(M_CONN_RESETS,    "conn_resets",        STATS_SUM, "attempts", "connections: attempts failed by reusing a connection the server had closed") \
    X(M_CONN_NEW,       "conn_new",           STATS_SUM, "connections", "connections: new connections opened (= handshakes)") \
    X(M_CONN_OPEN,      "conn_open",          STATS_MAX, "connections", "connections: pooled connections open (max in bucket)")

#define METRICS_ID(id, name, kind, unit, help) id,
typedef enum { METRICS_SERIES(METRICS_ID) M_COUNT } metrics_id_t;
#undef METRICS_ID

typedef struct {
    const char *name;  /* column name in the series table */
    int kind;          /* STATS_SUM or STATS_MAX */
    const char *unit;
    const char *help;
} metrics_def_t;

extern const metrics_def_t metrics_series[M_COUNT];

/*
 * Per-run scalars, declared once: the recorder stores one column per entry
 * (table scalars), the summary covers every one, `retrysim metrics` and the
 * README's list are generated from here, and code names a scalar by its id
 * (S_...), so a misspelt name cannot compile. An undefined value (the p99
 * of no sample) is NaN, stored as NULL; a model that is off leaves its
 * scalars NaN. New entries may go anywhere: the recorder matches columns
 * by name (an older database gets them as added columns).
 *
 *  X(id,                  name,                        unit,            help)
 */
#define METRICS_SCALARS_CORE(X)                                                                   \
    X(S_CALLS,             "calls",                     "calls",         "logical calls started (counts cover the whole run, warm-up included)") \
    X(S_ATTEMPTS,          "attempts",                  "attempts",      "attempts sent (first attempts and retries)") \
    X(S_ATTEMPTS_FIRST,    "attempts_first",            "attempts",      "first attempts sent") \
    X(S_RETRIES,           "retries",                   "attempts",      "retries sent") \
    X(S_ATTEMPTS_PER_CALL, "attempts_per_call",         "attempts/call", "attempts / calls") \
    X(S_SERVER_ARRIVALS,   "server_arrivals",           "requests",      "requests reaching the server (the bottom tier with [layers])") \
    X(S_AMPLIFICATION,     "amplification",             "requests/call", "server arrivals / calls") \
    X(S_PEAK_ARRIVALS,     "peak_arrivals_per_bucket",  "requests",      "most server arrivals in one bucket (after [run] warmup)") \
    X(S_PEAK_OVER_CAPACITY,"peak_over_capacity",        "ratio",         "peak arrivals per bucket / (capacity x bucket), after the warm-up; NULL without a fixed capacity") \
    X(S_CALLS_OK,          "calls_ok",                  "calls",         "calls that succeeded") \
    X(S_SUCCESS_RATE,      "success_rate",              "ratio",         "calls_ok / calls") \
    X(S_GOODPUT,           "goodput",                   "calls/s",       "calls_ok / duration") \
    X(S_CALLS_EXHAUSTED,   "calls_exhausted",           "calls",         "calls failed: attempts exhausted") \
    X(S_CALLS_DEADLINE,    "calls_deadline",            "calls",         "calls failed: overall deadline") \
    X(S_CALLS_DEADLINE_CUT,"calls_deadline_cut",        "calls",         "calls the deadline ended with attempts left") \
    X(S_CALLS_NOTRETRY,    "calls_not_retryable",       "calls",         "calls failed: outcome not retryable") \
    X(S_CALLS_NONREPLAY,   "calls_nonreplayable",       "calls",         "calls failed: body consumed by attempt 1") \
    X(S_CALLS_DENIED_QUOTA,"calls_denied_quota",        "calls",         "calls failed: the retry token bucket denied a retry") \
    X(S_CALLS_DENIED_BUDGET,"calls_denied_budget",      "calls",         "calls failed: the retry budget denied a retry") \
    X(S_CALLS_THROTTLED,   "calls_throttled",           "calls",         "calls failed: adaptive throttling rejected an attempt") \
    X(S_CALLS_BREAKER,     "calls_breaker_open",        "calls",         "calls failed: the circuit breaker rejected an attempt") \
    X(S_REJ_LOCAL,         "attempts_rejected_local",   "attempts",      "attempts rejected at the client, never sent") \
    X(S_CALLS_UNFINISHED,  "calls_unfinished",          "calls",         "retry loops still running when the run ended") \
    X(S_SERVER_UNFINISHED, "server_unfinished",         "requests",      "requests still queued or in service when the run ended") \
    X(S_LAT_MEAN,          "latency_mean_s",            "s",             "mean latency of successful calls") \
    X(S_LAT_P50,           "latency_p50_s",             "s",             "median latency of successful calls") \
    X(S_LAT_P90,           "latency_p90_s",             "s",             "p90 latency of successful calls") \
    X(S_LAT_P99,           "latency_p99_s",             "s",             "p99 latency of successful calls") \
    X(S_LAT_P999,          "latency_p999_s",            "s",             "p99.9 latency of successful calls") \
    X(S_LAT_MAX,           "latency_max_s",             "s",             "largest latency of a successful call") \
    X(S_REJ_LIMITER,       "rejected_limiter",          "requests",      "requests rejected by the rate limiter") \
    X(S_REJ_QUEUE,         "rejected_queue",            "requests",      "requests rejected: waiting room full") \
    X(S_SHED,              "shed",                      "requests",      "requests rejected by load shedding") \
    X(S_BLOCKING,          "blocking_fraction",         "ratio",         "rejected_queue / server arrivals") \
    X(S_SERVED,            "served",                    "requests",      "requests served") \
    X(S_SERVED_WASTED,     "served_wasted",             "requests",      "requests served for nobody or for an orphan loop") \
    X(S_WASTED_FRACTION,   "wasted_fraction",           "ratio",         "served_wasted / served") \
    X(S_ORPHAN_ATTEMPTS,   "orphan_attempts",           "attempts",      "attempts sent after the caller gave up") \
    X(S_RECOVERY,          "recovery_time_s",           "s",             "from the end of the last outage until the success rate stays >= recovery_threshold for recovery_hold; NULL if no outage or never") \
    X(S_BUSY_FRACTION,     "busy_fraction",             "ratio",         "time-average busy workers / workers over [warmup, duration)") \
    X(S_MEAN_ORBIT,        "mean_orbit",                "calls",         "time-average calls backing off over [warmup, duration)") \
    X(S_P_EMPTY,           "p_empty",                   "ratio",         "share of [warmup, duration) with no request at the server and no call backing off") \
    X(S_MEAN_QUEUE,        "mean_queue",                "requests",      "time-average requests waiting over [warmup, duration)") \
    X(S_EVENTS,            "events",                    "events",        "events the engine dispatched")

/* [gmp] on: the client's Go runtime (models/gmp.c). */
#define METRICS_SCALARS_GMP(X)                                                                    \
    X(S_GMP_LATE_MEAN,     "lateness_mean_s",           "s",             "GMP: mean timer lateness (realised - nominal sleep)") \
    X(S_GMP_LATE_P50,      "lateness_p50_s",            "s",             "GMP: median timer lateness") \
    X(S_GMP_LATE_P90,      "lateness_p90_s",            "s",             "GMP: p90 timer lateness") \
    X(S_GMP_LATE_P99,      "lateness_p99_s",            "s",             "GMP: p99 timer lateness") \
    X(S_GMP_LATE_MAX,      "lateness_max_s",            "s",             "GMP: largest timer lateness") \
    X(S_GMP_WAKEUPS,       "timer_wakeups",             "sleeps",        "GMP: measured sleeps that ended") \
    X(S_GMP_SCHED_P50,     "sched_latency_p50_s",       "s",             "GMP: median scheduling latency (runnable to running)") \
    X(S_GMP_SCHED_P99,     "sched_latency_p99_s",       "s",             "GMP: p99 scheduling latency") \
    X(S_GMP_STW,           "stw_time_s",                "s",             "GMP: stop-the-world time") \
    X(S_GMP_GC_CYCLES,     "gc_cycles",                 "cycles",        "GMP: GC cycles") \
    X(S_GMP_PREEMPTIONS,   "preemptions",               "preemptions",   "GMP: sysmon preemptions") \
    X(S_GMP_CLIENT_CPU,    "client_cpu_util",           "ratio",         "GMP: client goroutines' CPU / (GOMAXPROCS x run time)") \
    X(S_GMP_CPU,           "cpu_util",                  "ratio",         "GMP: all CPU / (GOMAXPROCS x run time)")

/* [idempotency] on (models/idem.c). */
#define METRICS_SCALARS_IDEM(X)                                                                   \
    X(S_IDEM_NONIDEM,      "idem_calls_non_idempotent", "calls",         "idempotency: non-idempotent calls") \
    X(S_IDEM_EXEC,         "idem_executions",           "requests",      "idempotency: executions of non-idempotent calls") \
    X(S_IDEM_DUP,          "idem_duplicates",           "requests",      "idempotency: executions beyond the first") \
    X(S_IDEM_DUP_PER_CALL, "idem_duplicates_per_call",  "requests/call", "idempotency: duplicates / non-idempotent calls") \
    X(S_IDEM_REFUSED,      "idem_refused",              "requests",      "idempotency: 409s from the key store") \
    X(S_IDEM_REFUSED_PER_CALL, "idem_refused_per_call", "requests/call", "idempotency: 409s / non-idempotent calls") \
    X(S_IDEM_STORED,       "idem_stored_served",        "requests",      "idempotency: stored responses served")

/* [connections] on (models/conn.c). */
#define METRICS_SCALARS_CONN(X)                                                                   \
    X(S_CONN_NEW,          "conn_new",                  "connections",   "connections opened") \
    X(S_CONN_HANDSHAKE,    "conn_handshake_s",          "s",             "time spent in handshakes") \
    X(S_CONN_REUSED,       "conn_reused",               "attempts",      "attempts sent on a pooled connection") \
    X(S_CONN_RESETS,       "conn_resets",               "attempts",      "attempts reset: the server had closed the connection") \
    X(S_CONN_RESET_RATE,   "conn_reset_rate",           "ratio",         "resets / attempts sent") \
    X(S_CONN_RESETS_PER_CALL, "conn_resets_per_call",   "attempts/call", "resets / calls") \
    X(S_CONN_NEW_PER_CALL, "conn_new_per_call",         "connections/call", "connections opened / calls") \
    X(S_CONN_CLOSED_IDLE,  "conn_closed_client_idle",   "connections",   "connections the client closed after client_idle")

/* [layers] count > 1 (models/layers.c): tier i's scalars exist for the
 * tiers of the run (rejected and wasted for upper tiers only). */
#define METRICS_TIER(X, i)                                                                        \
    X(S_ATTEMPTS_TIER##i,  "attempts_tier" #i,          "attempts",      "attempts sent to tier " #i) \
    X(S_AMP_TIER##i,       "amplification_tier" #i,     "attempts/call", "attempts sent to tier " #i " per caller's call") \
    X(S_REJ_TIER##i,       "rejected_tier" #i,          "requests",      "upper tier " #i ": 503s, every worker busy") \
    X(S_WASTED_TIER##i,    "wasted_tier" #i,            "requests",      "upper tier " #i ": requests finished after their attempt was over")
#define METRICS_SCALARS_LAYERS(X)                                                                 \
    METRICS_TIER(X, 0) METRICS_TIER(X, 1) METRICS_TIER(X, 2) METRICS_TIER(X, 3)                   \
    METRICS_TIER(X, 4) METRICS_TIER(X, 5) METRICS_TIER(X, 6) METRICS_TIER(X, 7)                   \
    X(S_AMP_BOTTOM,        "amplification_bottom",      "attempts/call", "attempts sent to the bottom tier per caller's call")

#define METRICS_SCALARS(X) \
    METRICS_SCALARS_CORE(X) METRICS_SCALARS_GMP(X) METRICS_SCALARS_IDEM(X) METRICS_SCALARS_CONN(X) METRICS_SCALARS_LAYERS(X)

#define METRICS_SCALAR_ID(id, name, unit, help) id,
typedef enum { METRICS_SCALARS(METRICS_SCALAR_ID) S_COUNT } metrics_scalar_id_t;
#undef METRICS_SCALAR_ID
/* Core scalars are ids 0 .. S_CORE_COUNT - 1: every run has them (NULL when
 * undefined); a model's scalars exist only where they have a value. */
#define METRICS_SCALAR_ONE(id, name, unit, help) +1
enum { S_CORE_COUNT = 0 METRICS_SCALARS_CORE(METRICS_SCALAR_ONE) };
#undef METRICS_SCALAR_ONE

typedef struct {
    const char *name;  /* column name in the scalars table */
    const char *unit;
    const char *help;
} metrics_scalar_t;

extern const metrics_scalar_t metrics_scalars[S_COUNT];

/* The id of the scalar called name, or -1. */
int metrics_scalar_find(const char *name);

#endif
