/*
 * stats: the two accumulators a run's metrics are made of.
 *
 *   stats_series_t  K counters per fixed-width time bucket (calls started
 *                   per second, largest queue length per second, ...) for
 *                   the time-series plots and the recorder's series table.
 *   stats_hist_t    a log-linear histogram of non-negative integers
 *                   (latencies in ns, attempts per call) whose quantiles
 *                   carry a bounded relative error, so any number of
 *                   samples costs a fixed amount of memory and O(1) each.
 *
 * Both sit on the simulation's hot path: recording a sample never
 * allocates (a series only grows, by doubling, when a later bucket is
 * reached), never exits, and reports misuse by counting it in a field
 * rather than crashing. Times are int64 nanoseconds from the start of the
 * run (the engine's simtime_t; this header does not depend on it).
 */
#ifndef RETRYSIM_STATS_H
#define RETRYSIM_STATS_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------
 * Bucketed series
 *
 * Bucket b covers the half-open interval [b * bucket_ns, (b + 1) * bucket_ns),
 * so a record at t = k * bucket_ns lands in bucket k. Each counter has a kind
 * fixed at init:
 *   STATS_SUM  the bucket holds the sum of the values recorded in it
 *              (events counted: record(s, c, t, 1)).
 *   STATS_MAX  the bucket holds the largest value recorded in it, or 0 if
 *              none (levels are non-negative: queue length, in flight). A
 *              level that should show in buckets where it did not change
 *              must also be recorded at each bucket start (models/run.c
 *              does this from a per-bucket event).
 * Values are stored bucket-major in one int64 array: the K counters of
 * bucket b are adjacent (stats_series_row), one row per bucket for the
 * recorder.
 */

enum { STATS_SUM = 0, STATS_MAX = 1 };

/* Upper bound on buckets x counters held by one series (2 GiB of int64).
 * A record past it is dropped and marks the series failed: it means a
 * time far beyond any sensible horizon (a units bug), not a long run. */
#ifndef STATS_SERIES_MAX_CELLS
#define STATS_SERIES_MAX_CELLS ((int64_t)1 << 28)
#endif

typedef struct {
    int64_t *v;           /* values, v[b * ncounters + c]; cap * ncounters entries */
    unsigned char *kinds; /* per counter: STATS_SUM or STATS_MAX; ncounters entries */
    const char *const *names; /* optional counter names (caller-owned), or NULL */
    int ncounters;        /* K, 1 .. STATS_SERIES_MAX_CELLS */
    int nbuckets;         /* buckets in use: 1 + the latest bucket recorded, 0 .. cap */
    int cap;              /* buckets allocated, >= 1 after a successful init */
    int64_t bucket_ns;    /* bucket width, ns, > 0 */
    int64_t *cur_row;     /* cache: the counters of the last bucket located
                             (v + bucket * ncounters), NULL before the first */
    int64_t cur_lo;       /* ns; cur_row's bucket covers [cur_lo, cur_hi); lo > hi = no cache */
    int64_t cur_hi;       /* ns; saves a 64-bit division per record */
    int64_t dropped;      /* records ignored: t < 0, counter out of range, or no room */
    int failed;           /* sticky: 1 once a record was lost to a failed growth or
                             a sum overflowed (then saturated); see stats_series_status */
    int64_t fail_t;       /* ns, time of the first such record; -1 if none */
    int nomem;            /* 1 once an allocation failed: growth is not retried */
    const char *error;    /* static text of the first failure (init or sticky), or NULL */
} stats_series_t;

/* Set up K = ncounters counters of width bucket_ns (> 0). kinds[c] is
 * STATS_SUM or STATS_MAX (kinds == NULL: all STATS_SUM); the array is
 * copied. horizon_ns_hint (may be <= 0) preallocates ceil(hint / bucket_ns)
 * buckets, at most 256; later times still work, by doubling. Returns 0, or -1 with
 * s->error set (bad argument, hint beyond STATS_SERIES_MAX_CELLS, out of
 * memory); s is then safe to free. */
int stats_series_init(stats_series_t *s, int ncounters, const int *kinds, int64_t bucket_ns,
                      int64_t horizon_ns_hint);
void stats_series_free(stats_series_t *s);

/* Add value to counter c's bucket at time t_ns (STATS_SUM) or raise the
 * bucket's maximum to it (STATS_MAX). O(1): two compares and a store when t
 * falls in the same bucket as the previous record, else one division. A
 * negative t or a bad counter is ignored and counted in s->dropped; so is a
 * record whose bucket cannot be allocated, which also sets s->failed. */
void stats_series_record_slow(stats_series_t *s, int counter, int64_t t_ns, int64_t value);

/* The common case inline (a model records two or three times per event):
 * a good counter, t in the cached bucket, and a sum that does not
 * overflow. Everything else, including that overflow, takes the full
 * path above, which finds the state untouched. */
static inline void stats_series_record(stats_series_t *s, int counter, int64_t t_ns, int64_t value)
{
    if (__builtin_expect((unsigned)counter < (unsigned)s->ncounters && t_ns >= s->cur_lo && t_ns < s->cur_hi, 1)) {
        int64_t *cell = s->cur_row + counter;
        if (s->kinds[counter] != STATS_SUM) {
            if (value > *cell)
                *cell = value;
            return;
        }
        int64_t sum;
        if (!__builtin_add_overflow(*cell, value, &sum)) {
            *cell = sum;
            return;
        }
    }
    stats_series_record_slow(s, counter, t_ns, value);
}

/* Buckets in use (1 + the latest bucket recorded; 0 before any record). */
int stats_series_nbuckets(const stats_series_t *s);
/* Counter c in bucket b; 0 for a bucket not reached or out of range. */
int64_t stats_series_get(const stats_series_t *s, int counter, int bucket);
/* The ncounters values of bucket b, or NULL if b is not in use. */
const int64_t *stats_series_row(const stats_series_t *s, int bucket);
/* Bucket holding time t_ns (t_ns / bucket_ns), or -1 for t_ns < 0. */
int64_t stats_series_bucket_of(const stats_series_t *s, int64_t t_ns);
/* STATS_SUM or STATS_MAX, or -1 for a bad counter. */
int stats_series_kind(const stats_series_t *s, int counter);

/* Optional names: names[c] for each counter, caller-owned, must outlive s
 * (the array is not copied). stats_series_find returns the counter called
 * name, or -1. stats_series_name returns NULL if unnamed or out of range. */
void stats_series_set_names(stats_series_t *s, const char *const *names);
const char *stats_series_name(const stats_series_t *s, int counter);
int stats_series_find(const stats_series_t *s, const char *name);

/* 0 if no record was lost to a failure (dropped programming errors are not
 * failures: read s->dropped), else -1 with a message in err (may be NULL). */
int stats_series_status(const stats_series_t *s, char *err, size_t errlen);

/* ---------------------------------------------------------------------------
 * Log-linear histogram
 *
 * With p = sub_bucket_bits, values 0 .. 2^(p+1) - 1 each get a bucket of
 * their own; above that every power-of-two range [2^e, 2^(e+1)) is split
 * into 2^p equal buckets of width 2^(e-p). So a bucket's width is at most
 * 2^-p of its lower edge, there are (64 - p) * 2^p buckets covering 0 ..
 * INT64_MAX, and a value's bucket is found with one count-leading-zeros
 * and two shifts.
 *
 * Quantiles: stats_hist_quantile(h, q) looks for the sample of rank
 * r = ceil(q * count) (evaluated in double, clamped to 1 .. count), i.e.
 * the r-th smallest. Ranks 1 and count return the exact min and max. Any
 * other rank returns the midpoint lower + width/2 of the bucket holding
 * that sample, clamped to [min, max]. Error bound: if x is the true r-th
 * smallest sample, |result - x| <= x * 2^-(p+1) (the half-width over the
 * smallest value in the bucket; clamping only moves toward x). Exact for
 * x < 2^(p+1). p = 7 gives 0.39%, p = 6 gives 0.78%.
 * Mean: the sum is kept exactly as a 128-bit integer in two uint64 words
 * (no __int128, no floating-point accumulation), so the mean is the exact
 * sum divided by count, evaluated in double at the end (relative error
 * < 1e-15, independent of the number of samples).
 */

#define STATS_HIST_MIN_BITS 1
#define STATS_HIST_MAX_BITS 12

typedef struct {
    int64_t *counts;   /* samples per bucket; nbuckets entries */
    int nbuckets;      /* (64 - p) * 2^p: 126 (p = 1) .. 212992 (p = 12) */
    int sub_bits;      /* p, STATS_HIST_MIN_BITS .. STATS_HIST_MAX_BITS */
    int64_t count;     /* samples, 0 .. INT64_MAX */
    int64_t min;       /* smallest sample; INT64_MAX when empty */
    int64_t max;       /* largest sample; -1 when empty */
    uint64_t sum_lo;   /* exact sum of the samples is sum_hi * 2^64 + sum_lo, */
    uint64_t sum_hi;   /* < 2^126 (count < 2^63 samples, each < 2^63) */
    int64_t nclamped;  /* negative samples, recorded as 0 */
    const char *error; /* static text of the last failure, or NULL */
} stats_hist_t;

/* Allocate the buckets (once) for p = sub_bucket_bits in 1..12. Returns 0,
 * or -1 with h->error set (then h is safe to free). */
int stats_hist_init(stats_hist_t *h, int sub_bucket_bits);
void stats_hist_free(stats_hist_t *h);
/* Forget every sample, keep the buckets. */
void stats_hist_reset(stats_hist_t *h);

/* Record one sample (a negative v is recorded as 0 and counted in
 * h->nclamped). O(1): a clz, two shifts, an increment, the 128-bit sum
 * and min/max. h must be initialised. */
void stats_hist_add(stats_hist_t *h, int64_t v);
/* Record n >= 0 samples of value v. Returns 0, or -1 (nothing recorded,
 * h->error set) if n < 0 or the count would pass INT64_MAX. */
int stats_hist_add_n(stats_hist_t *h, int64_t v, int64_t n);
/* Add src's samples to dst (same p). Returns 0, or -1 with dst->error set
 * and dst unchanged. */
int stats_hist_merge(stats_hist_t *dst, const stats_hist_t *src);

int64_t stats_hist_count(const stats_hist_t *h);
/* Exact extremes; -1 when empty. */
int64_t stats_hist_min(const stats_hist_t *h);
int64_t stats_hist_max(const stats_hist_t *h);
/* Mean of the samples (see above); NaN when empty. */
double stats_hist_mean(const stats_hist_t *h);
/* q in [0, 1] (see above for the definition and error bound); -1 when
 * empty or q is outside [0, 1] or NaN. O(nbuckets) worst case. */
int64_t stats_hist_quantile(const stats_hist_t *h, double q);

/* Relative error bound of quantiles, 2^-(p+1). */
double stats_hist_rel_error(const stats_hist_t *h);
/* Smallest p in 1..12 whose bound 2^-(p+1) is <= rel_err, or -1 if none
 * (rel_err < 2^-13, <= 0 or NaN). */
int stats_hist_bits_for_error(double rel_err);

/* Buckets, for a recorder writing (lower, upper, count) rows:
 *   for (int i = stats_hist_next(h, 0); i >= 0; i = stats_hist_next(h, i + 1))
 *       stats_hist_bucket(h, i, &lo, &hi, &n);
 * Bucket i holds the integers lower .. upper (inclusive); buckets are
 * contiguous and ordered, bucket 0 starts at 0, the last ends at INT64_MAX. */
int stats_hist_nbuckets(const stats_hist_t *h);
/* Returns 0, or -1 if i is out of range; any out pointer may be NULL. */
int stats_hist_bucket(const stats_hist_t *h, int i, int64_t *lower, int64_t *upper, int64_t *count);
/* First non-empty bucket >= i, or -1. Scans only between the buckets of
 * min and max, so a full walk costs O(buckets in that span). */
int stats_hist_next(const stats_hist_t *h, int i);
/* Bucket holding value v (v < 0: the bucket of 0). */
int stats_hist_index(const stats_hist_t *h, int64_t v);

#endif
