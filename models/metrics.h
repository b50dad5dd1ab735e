/*
 * metrics: the core's per-bucket series and per-run scalars, declared once,
 * and the whole list a run records: the core's, then each optional model's
 * (model.h, in the order of models.def). The recorder makes one column per
 * entry (tables series and scalars), the summary covers every scalar, and
 * `retrysim metrics` and the README's metric reference are generated from
 * the list, so a new metric is one declaration plus the code that counts it.
 *
 * Series kind SUM: events counted in the bucket. MAX: the largest value a
 * level (queue length, calls in flight) reached during the bucket. A
 * METRIC_CALL_FAILURE counter counts calls that ended in failure (success
 * rate and recovery time take every such column into account).
 * Scalars: an undefined value (the p99 of no sample) is NaN, stored as
 * NULL; a model that is off leaves its scalars NaN. The core's have fixed
 * ids (M_..., S_...), so a misspelt name cannot compile; a model's ids are
 * its info->series0 / scalar0 plus its own index.
 */
#ifndef RETRYSIM_METRICS_H
#define RETRYSIM_METRICS_H

#include "model.h"

/*  X(id, column name, kind, unit, help, flags) */
#define METRICS_SERIES(X)                                                                           \
    X(M_CALLS, "calls",              STATS_SUM, "calls",    "logical calls started", 0) \
    X(M_ATTEMPTS_FIRST, "attempts_first",     STATS_SUM, "attempts", "first attempts sent", 0) \
    X(M_ATTEMPTS_RETRY, "attempts_retry",     STATS_SUM, "attempts", "retries sent", 0) \
    X(M_ARRIVALS, "server_arrivals",    STATS_SUM, "requests", "requests reaching the server (limiter included)", 0) \
    X(M_ADMITTED, "admitted",           STATS_SUM, "requests", "requests let in by the limiter and the queue", 0) \
    X(M_REJ_LIMITER, "rejected_limiter",   STATS_SUM, "requests", "rejected by the rate limiter", METRIC_SERVER_LOST) \
    X(M_REJ_QUEUE, "rejected_queue",     STATS_SUM, "requests", "rejected because the waiting room was full", METRIC_SERVER_LOST) \
    X(M_REJ_OUTAGE, "rejected_outage",    STATS_SUM, "requests", "rejected or dropped by a scheduled outage", METRIC_SERVER_LOST) \
    X(M_SERVED_OK, "served_ok",          STATS_SUM, "requests", "served successfully", 0) \
    X(M_SERVED_ERR, "served_error",       STATS_SUM, "requests", "served with an injected error or conflict", 0) \
    X(M_WASTED, "served_wasted",      STATS_SUM, "requests", "served for nobody (attempt over) or for an orphan retry loop", METRIC_SERVER_LOST) \
    X(M_EXPIRED, "dropped_expired",    STATS_SUM, "requests", "discarded at the server: client gone (drop_expired) or deadline passed (deadline_propagation)", 0) \
    X(M_SUCCEEDED, "calls_ok",           STATS_SUM, "calls",    "calls that succeeded", 0) \
    X(M_FAIL_EXHAUSTED, "calls_exhausted",    STATS_SUM, "calls",    "calls failed: attempts exhausted", METRIC_CALL_FAILURE) \
    X(M_FAIL_DEADLINE, "calls_deadline",     STATS_SUM, "calls",    "calls failed: overall deadline", METRIC_CALL_FAILURE) \
    X(M_FAIL_NOTRETRY, "calls_not_retryable", STATS_SUM, "calls",   "calls failed: outcome not retryable", METRIC_CALL_FAILURE) \
    X(M_FAIL_NONREPLAY, "calls_nonreplayable", STATS_SUM, "calls",   "calls failed: body already consumed (seed 1.1)", METRIC_CALL_FAILURE) \
    X(M_ORPHAN_ATTEMPTS, "orphan_attempts",    STATS_SUM, "attempts", "attempts sent after the caller gave up", 0) \
    X(M_INFLIGHT, "calls_in_flight",    STATS_MAX, "calls",    "calls not yet ended (max in bucket)", 0) \
    X(M_ORPHANS, "orphans_alive",      STATS_MAX, "calls",    "calls still retrying after their caller gave up (max in bucket)", 0) \
    X(M_QUEUE, "queue_length",       STATS_MAX, "requests", "requests waiting at the server (max in bucket)", 0) \
    X(M_BUSY, "busy_workers",       STATS_MAX, "workers",  "workers serving (max in bucket)", 0) \
    X(M_REJ_LOCAL, "attempts_rejected_local", STATS_SUM, "attempts", "attempts rejected at the client (breaker or throttling), never sent", 0) \
    X(M_RESP_LOST, "responses_lost",     STATS_SUM, "responses", "responses to served requests lost in the network (network.response_loss)", 0)

#define METRICS_ID(id, name, kind, unit, help, flags) id,
typedef enum { METRICS_SERIES(METRICS_ID) M_CORE_COUNT } metrics_id_t;
#undef METRICS_ID

/*  X(id, name, unit, help) */
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

#define METRICS_SCALAR_ID(id, name, unit, help) id,
typedef enum { METRICS_SCALARS_CORE(METRICS_SCALAR_ID) S_CORE_COUNT } metrics_scalar_id_t;
#undef METRICS_SCALAR_ID

/* The whole list: the core's, then every model's. */
int metrics_nseries(void);
const metrics_def_t *metrics_series_def(int id);
int metrics_nscalars(void);
const metrics_scalar_t *metrics_scalar_def(int id);
/* Who declares scalar / series id: "core" or a model's name. */
const char *metrics_scalar_owner(int id);
const char *metrics_series_owner(int id);

/* Every column name in id order (NULL if out of memory at first use). */
const char *const *metrics_series_names(void);
const char *const *metrics_scalar_names(void);

/* The id of the scalar (series column) called name, or -1. */
int metrics_scalar_find(const char *name);
int metrics_series_find(const char *name);

#endif
