/*
 * stats: bucketed time series and a log-linear latency histogram (see
 * stats.h for the model, the quantile definition and its error bound).
 *
 * Written for the hot path: recording is O(1) and allocation-free except
 * for a series' amortised doubling; failures are counted or flagged in the
 * structure, never fatal.
 */
#include "stats.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===========================================================================
 * Series
 */

#define SERIES_PREALLOC 256 /* buckets allocated at init, at most */

/* Buckets a series of k counters may hold: STATS_SERIES_MAX_CELLS / k, and
 * never more than an int can index (or a size_t can size). */

static int64_t series_max_buckets(int k)
{
    int64_t m = STATS_SERIES_MAX_CELLS / k;
    if (m > INT_MAX)
        m = INT_MAX;
    if ((uint64_t)m > SIZE_MAX / sizeof(int64_t) / (uint64_t)k)
        m = (int64_t)(SIZE_MAX / sizeof(int64_t) / (uint64_t)k);
    return m;
}

int stats_series_init(stats_series_t *s, int ncounters, const int *kinds, int64_t bucket_ns,
                      int64_t horizon_ns_hint)
{
    if (!s)
        return -1;
    memset(s, 0, sizeof *s);
    s->cur_lo = 1; /* empty cache interval: the first record divides */
    s->cur_hi = 0;
    s->fail_t = -1;
    if (ncounters < 1 || ncounters > STATS_SERIES_MAX_CELLS) {
        s->error = "stats_series_init: ncounters must be >= 1 and <= STATS_SERIES_MAX_CELLS";
        return -1;
    }
    if (bucket_ns <= 0) {
        s->error = "stats_series_init: bucket_ns must be > 0";
        return -1;
    }
    if (kinds)
        for (int c = 0; c < ncounters; c++)
            if (kinds[c] != STATS_SUM && kinds[c] != STATS_MAX) {
                s->error = "stats_series_init: a counter kind is neither STATS_SUM nor STATS_MAX";
                return -1;
            }

    int64_t maxb = series_max_buckets(ncounters);
    int64_t cap = 16; /* default when there is no hint */
    if (horizon_ns_hint > 0)
        cap = horizon_ns_hint / bucket_ns + (horizon_ns_hint % bucket_ns != 0);
    if (cap > maxb) {
        s->error = "stats_series_init: horizon / bucket_ns x ncounters exceeds STATS_SERIES_MAX_CELLS";
        return -1;
    }
    /* The hint is an upper bound (a drain of an hour is common: "until the
     * last call ends"), and most runs end far sooner: zeroing an hour of
     * 1 s buckets for a run that lasts 3 s cost more than the run itself
     * in Brooker's table. Preallocate at most SERIES_PREALLOC buckets; the
     * rest arrives by doubling, if the run gets there. */
    if (cap > SERIES_PREALLOC)
        cap = SERIES_PREALLOC;

    s->v = calloc((size_t)cap * (size_t)ncounters, sizeof *s->v);
    s->kinds = malloc((size_t)ncounters);
    if (!s->v || !s->kinds) {
        free(s->v);
        free(s->kinds);
        s->v = NULL;
        s->kinds = NULL;
        s->error = "stats_series_init: out of memory";
        return -1;
    }
    for (int c = 0; c < ncounters; c++)
        s->kinds[c] = (unsigned char)(kinds ? kinds[c] : STATS_SUM);
    s->ncounters = ncounters;
    s->cap = (int)cap;
    s->bucket_ns = bucket_ns;
    return 0;
}

void stats_series_free(stats_series_t *s)
{
    if (!s)
        return;
    free(s->v);
    free(s->kinds);
    s->v = NULL;
    s->kinds = NULL;
    s->ncounters = s->nbuckets = s->cap = 0;
    s->cur_row = NULL;
    s->cur_lo = 1;
    s->cur_hi = 0;
}

static void series_fail(stats_series_t *s, int64_t t, const char *why)
{
    if (!s->failed) {
        s->failed = 1;
        s->fail_t = t;
        s->error = why;
    }
}

/* Make room for bucket b (>= cap): at least double, so n records reaching
 * n buckets cost O(n) copying in all. An allocation failure is sticky (no
 * retry on every later record); a time past the limit is not, since the
 * next record may be a sane one. */
static int series_grow(stats_series_t *s, int64_t b, int64_t t)
{
    if (s->nomem)
        return -1;
    int64_t maxb = series_max_buckets(s->ncounters);
    if (b >= maxb) {
        series_fail(s, t, "series growth: time beyond STATS_SERIES_MAX_CELLS buckets");
        return -1;
    }
    int64_t ncap = (int64_t)s->cap * 2;
    if (ncap <= b)
        ncap = b + 1;
    if (ncap > maxb)
        ncap = maxb;
    size_t k = (size_t)s->ncounters;
    int64_t *nv = realloc(s->v, (size_t)ncap * k * sizeof *nv);
    if (!nv) {
        s->nomem = 1;
        series_fail(s, t, "series growth: out of memory");
        return -1;
    }
    memset(nv + (size_t)s->cap * k, 0, (size_t)(ncap - s->cap) * k * sizeof *nv);
    s->v = nv;
    s->cap = (int)ncap;
    return 0;
}

/* The slow path of record: divide, grow if needed, point the cache at
 * t's bucket. Returns 0, or -1 (t < 0, no room) with the cache unchanged. */
static int series_locate(stats_series_t *s, int64_t t)
{
    if (t < 0 || !s->v)
        return -1;
    int64_t b = t / s->bucket_ns;
    if (b >= s->cap && series_grow(s, b, t) < 0)
        return -1;
    s->cur_row = s->v + (size_t)b * (size_t)s->ncounters;
    s->cur_lo = b * s->bucket_ns; /* <= t, no overflow */
    s->cur_hi = s->cur_lo > INT64_MAX - s->bucket_ns ? INT64_MAX : s->cur_lo + s->bucket_ns;
    if (b >= s->nbuckets)
        s->nbuckets = (int)b + 1;
    return 0;
}

void stats_series_record_slow(stats_series_t *s, int counter, int64_t t_ns, int64_t value)
{
    if ((unsigned)counter >= (unsigned)s->ncounters ||
        ((t_ns < s->cur_lo || t_ns >= s->cur_hi) && series_locate(s, t_ns) < 0)) {
        s->dropped++;
        return;
    }
    int64_t *cell = s->cur_row + counter;
    if (s->kinds[counter] == STATS_SUM) {
        if (__builtin_add_overflow(*cell, value, cell)) {
            *cell = value > 0 ? INT64_MAX : INT64_MIN;
            series_fail(s, t_ns, "series: a bucket sum overflowed int64 (saturated)");
        }
    } else if (value > *cell) {
        *cell = value;
    }
}

int stats_series_nbuckets(const stats_series_t *s) { return s->nbuckets; }

int64_t stats_series_get(const stats_series_t *s, int counter, int bucket)
{
    if ((unsigned)counter >= (unsigned)s->ncounters || bucket < 0 || bucket >= s->nbuckets)
        return 0;
    return s->v[(size_t)bucket * (size_t)s->ncounters + (size_t)counter];
}

const int64_t *stats_series_row(const stats_series_t *s, int bucket)
{
    if (bucket < 0 || bucket >= s->nbuckets)
        return NULL;
    return s->v + (size_t)bucket * (size_t)s->ncounters;
}

int64_t stats_series_bucket_of(const stats_series_t *s, int64_t t_ns)
{
    if (t_ns < 0 || s->bucket_ns <= 0)
        return -1;
    return t_ns / s->bucket_ns;
}

int stats_series_kind(const stats_series_t *s, int counter)
{
    if ((unsigned)counter >= (unsigned)s->ncounters)
        return -1;
    return s->kinds[counter];
}

void stats_series_set_names(stats_series_t *s, const char *const *names) { s->names = names; }

const char *stats_series_name(const stats_series_t *s, int counter)
{
    if (!s->names || (unsigned)counter >= (unsigned)s->ncounters)
        return NULL;
    return s->names[counter];
}

int stats_series_find(const stats_series_t *s, const char *name)
{
    if (!s->names || !name)
        return -1;
    for (int c = 0; c < s->ncounters; c++)
        if (s->names[c] && strcmp(s->names[c], name) == 0)
            return c;
    return -1;
}

int stats_series_status(const stats_series_t *s, char *err, size_t errlen)
{
    if (!s->failed)
        return 0;
    if (err && errlen)
        snprintf(err, errlen, "%s (first at t = %lld ns; %lld records dropped)",
                 s->error ? s->error : "series failed", (long long)s->fail_t, (long long)s->dropped);
    return -1;
}

/* ===========================================================================
 * Histogram
 *
 * Layout for p = sub_bits. Let shift(v) = max(0, floor(log2 v) - p), i.e.
 * 0 for v < 2^(p+1). Then
 *     index(v) = shift * 2^p + (v >> shift).
 * For v < 2^(p+1) this is v itself (width-1 buckets); above, v >> shift
 * lies in [2^p, 2^(p+1)), so each shift owns the 2^p indices
 * [(shift + 1) * 2^p, (shift + 2) * 2^p), in order, without gaps. The
 * largest value, 2^63 - 1, has shift 62 - p and index (64 - p) * 2^p - 1.
 *
 * shift without a branch: OR-ing v with 2^(p+1) - 1 makes every v below
 * 2^(p+1) look like 2^(p+1) - 1, whose floor(log2) is p.
 */

static inline unsigned hist_shift(unsigned p, uint64_t u)
{
    /* floor(log2 x) = 63 - clz(x) for x != 0; the OR makes x != 0. */
    return (unsigned)(63 - __builtin_clzll(u | ((UINT64_C(2) << p) - 1))) - p;
}

static inline int hist_index(unsigned p, uint64_t u)
{
    unsigned sh = hist_shift(p, u);
    return (int)(((uint64_t)sh << p) + (u >> sh));
}

/* Inverse: the integers [*lo, *hi] of bucket i. */
static void hist_bounds(unsigned p, int i, uint64_t *lo, uint64_t *hi)
{
    unsigned g = (unsigned)i >> p;
    unsigned sh = g ? g - 1 : 0;
    uint64_t sub = (uint64_t)i - ((uint64_t)sh << p);
    *lo = sub << sh;
    *hi = *lo + ((UINT64_C(1) << sh) - 1);
}

int stats_hist_init(stats_hist_t *h, int sub_bucket_bits)
{
    if (!h)
        return -1;
    memset(h, 0, sizeof *h);
    h->min = INT64_MAX;
    h->max = -1;
    if (sub_bucket_bits < STATS_HIST_MIN_BITS || sub_bucket_bits > STATS_HIST_MAX_BITS) {
        h->error = "stats_hist_init: sub_bucket_bits must be in 1..12";
        return -1;
    }
    int n = (64 - sub_bucket_bits) << sub_bucket_bits;
    h->counts = calloc((size_t)n, sizeof *h->counts);
    if (!h->counts) {
        h->error = "stats_hist_init: out of memory";
        return -1;
    }
    h->nbuckets = n;
    h->sub_bits = sub_bucket_bits;
    return 0;
}

void stats_hist_free(stats_hist_t *h)
{
    if (!h)
        return;
    free(h->counts);
    h->counts = NULL;
    h->nbuckets = 0;
    h->count = 0;
}

void stats_hist_reset(stats_hist_t *h)
{
    if (h->counts)
        memset(h->counts, 0, (size_t)h->nbuckets * sizeof *h->counts);
    h->count = 0;
    h->min = INT64_MAX;
    h->max = -1;
    h->sum_lo = h->sum_hi = 0;
    h->nclamped = 0;
    h->error = NULL;
}

void stats_hist_add(stats_hist_t *h, int64_t v)
{
    if (v < 0) {
        h->nclamped++;
        v = 0;
    }
    uint64_t u = (uint64_t)v;
    h->counts[hist_index((unsigned)h->sub_bits, u)]++;
    h->count++;
    h->sum_lo += u;
    h->sum_hi += h->sum_lo < u; /* carry */
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

/* Full 64 x 64 -> 128-bit product from 32-bit halves (schoolbook). */
static void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu); /* < 3 * 2^32 */
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

int stats_hist_add_n(stats_hist_t *h, int64_t v, int64_t n)
{
    if (n < 0) {
        h->error = "stats_hist_add_n: n < 0";
        return -1;
    }
    if (n > INT64_MAX - h->count) {
        h->error = "stats_hist_add_n: count would pass INT64_MAX";
        return -1;
    }
    if (n == 0)
        return 0;
    if (v < 0) {
        h->nclamped += n;
        v = 0;
    }
    uint64_t u = (uint64_t)v, phi, plo;
    h->counts[hist_index((unsigned)h->sub_bits, u)] += n;
    h->count += n;
    mul_64x64(u, (uint64_t)n, &phi, &plo);
    h->sum_lo += plo;
    h->sum_hi += phi + (h->sum_lo < plo);
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    return 0;
}

int stats_hist_merge(stats_hist_t *dst, const stats_hist_t *src)
{
    if (!dst->counts || !src->counts) {
        dst->error = "stats_hist_merge: histogram not initialised";
        return -1;
    }
    if (dst->sub_bits != src->sub_bits) {
        dst->error = "stats_hist_merge: different sub_bucket_bits";
        return -1;
    }
    if (src->count > INT64_MAX - dst->count) {
        dst->error = "stats_hist_merge: count would pass INT64_MAX";
        return -1;
    }
    if (src->count == 0)
        return 0;
    /* Read src's totals before writing: dst may be src. */
    uint64_t slo = src->sum_lo, shi = src->sum_hi;
    int64_t scount = src->count, smin = src->min, smax = src->max, sclamped = src->nclamped;
    int first = hist_index((unsigned)src->sub_bits, (uint64_t)smin);
    int last = hist_index((unsigned)src->sub_bits, (uint64_t)smax);
    for (int i = first; i <= last; i++)
        dst->counts[i] += src->counts[i];
    dst->count += scount;
    dst->sum_lo += slo;
    dst->sum_hi += shi + (dst->sum_lo < slo);
    dst->nclamped += sclamped;
    if (smin < dst->min)
        dst->min = smin;
    if (smax > dst->max)
        dst->max = smax;
    return 0;
}

int64_t stats_hist_count(const stats_hist_t *h) { return h->count; }

int64_t stats_hist_min(const stats_hist_t *h) { return h->count ? h->min : -1; }

int64_t stats_hist_max(const stats_hist_t *h) { return h->count ? h->max : -1; }

double stats_hist_mean(const stats_hist_t *h)
{
    if (h->count == 0)
        return NAN;
    /* The sum is exact; converting its two words, adding them and dividing
     * round four times in all: a few ulp, whatever the count. */
    return (ldexp((double)h->sum_hi, 64) + (double)h->sum_lo) / (double)h->count;
}

int64_t stats_hist_quantile(const stats_hist_t *h, double q)
{
    if (h->count == 0 || !(q >= 0.0 && q <= 1.0))
        return -1;
    double x = ceil(q * (double)h->count);
    int64_t rank = x < 1.0 ? 1 : x >= (double)h->count ? h->count : (int64_t)x;
    if (rank == 1)
        return h->min;
    if (rank == h->count)
        return h->max;
    unsigned p = (unsigned)h->sub_bits;
    int i = hist_index(p, (uint64_t)h->min);
    int last = hist_index(p, (uint64_t)h->max);
    int64_t seen = 0;
    for (; i < last; i++) {
        seen += h->counts[i];
        if (seen >= rank)
            break;
    }
    uint64_t lo, hi;
    hist_bounds(p, i, &lo, &hi);
    uint64_t mid = lo + ((hi - lo + 1) >> 1); /* lower + width/2; <= hi */
    if (mid < (uint64_t)h->min)
        return h->min;
    if (mid > (uint64_t)h->max)
        return h->max;
    return (int64_t)mid;
}

double stats_hist_rel_error(const stats_hist_t *h) { return ldexp(1.0, -(h->sub_bits + 1)); }

int stats_hist_bits_for_error(double rel_err)
{
    for (int p = STATS_HIST_MIN_BITS; p <= STATS_HIST_MAX_BITS; p++)
        if (ldexp(1.0, -(p + 1)) <= rel_err)
            return p;
    return -1; /* too small, <= 0, or NaN (every comparison false) */
}

int stats_hist_nbuckets(const stats_hist_t *h) { return h->nbuckets; }

int stats_hist_bucket(const stats_hist_t *h, int i, int64_t *lower, int64_t *upper, int64_t *count)
{
    if (i < 0 || i >= h->nbuckets)
        return -1;
    uint64_t lo, hi;
    hist_bounds((unsigned)h->sub_bits, i, &lo, &hi);
    if (lower)
        *lower = (int64_t)lo;
    if (upper)
        *upper = (int64_t)hi;
    if (count)
        *count = h->counts[i];
    return 0;
}

int stats_hist_next(const stats_hist_t *h, int i)
{
    if (h->count == 0)
        return -1;
    unsigned p = (unsigned)h->sub_bits;
    int first = hist_index(p, (uint64_t)h->min);
    int last = hist_index(p, (uint64_t)h->max);
    if (i < first)
        i = first;
    for (; i <= last; i++)
        if (h->counts[i])
            return i;
    return -1;
}

int stats_hist_index(const stats_hist_t *h, int64_t v)
{
    return hist_index((unsigned)h->sub_bits, v < 0 ? 0 : (uint64_t)v);
}
