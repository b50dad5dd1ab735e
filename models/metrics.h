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

#endif
