/*
 * Tests of sim/stats: the log-linear histogram against exact sorted data
 * (uniform, exponential, lognormal heavy tail from ns to minutes, small
 * integers; GSL mt19937 with fixed seeds), its bucket layout over
 * 0..INT64_MAX, edge values, the exact 128-bit sum, merge; and the
 * bucketed series against a naive reference array, bucket edges, growth
 * past the hint, the sticky failure flag and bad init arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "stats.h"

/* ---------------------------------------------------------------- helpers */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The r-th smallest of sorted x[0..n-1] with r = ceil(q n) clamped to
 * 1..n: the definition stats.h documents. */
static int64_t exact_quantile(const int64_t *sorted, size_t n, double q)
{
    double r = ceil(q * (double)n);
    size_t rank = r < 1.0 ? 1 : r >= (double)n ? n : (size_t)r;
    return sorted[rank - 1];
}

/* |est - exact| <= exact * 2^-(p+1). For integers d >= 0 and x >= 0,
 * d * 2^(p+1) <= x  <=>  d <= floor(x / 2^(p+1)), which cannot overflow. */
static void assert_within_bound(int64_t est, int64_t exact, int p, double q)
{
    int64_t d = est > exact ? est - exact : exact - est;
    if (d > (exact >> (p + 1)))
        fail_msg("p=%d q=%g: estimate %lld, exact %lld, error %lld > bound %lld", p, q, (long long)est,
                 (long long)exact, (long long)d, (long long)(exact >> (p + 1)));
}

typedef enum { D_UNIFORM, D_EXPONENTIAL, D_LOGNORMAL, D_SMALLINT } dist_t;

/* n samples in ns (or small counts), from a fixed seed per distribution. */
static int64_t *make_samples(dist_t d, size_t n, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(r);
    gsl_rng_set(r, seed);
    int64_t *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) {
        double v = 0;
        switch (d) {
        case D_UNIFORM: v = gsl_rng_uniform(r) * 1e9; break;             /* 0 .. 1 s */
        case D_EXPONENTIAL: v = gsl_ran_exponential(r, 1e6); break;      /* mean 1 ms */
        case D_LOGNORMAL: v = gsl_ran_lognormal(r, log(1e5), 3.0); break; /* median 100 us, ns .. minutes */
        case D_SMALLINT: v = gsl_ran_geometric(r, 0.3); break;           /* attempts: 1, 2, ... */
        }
        x[i] = (int64_t)llround(v);
    }
    gsl_rng_free(r);
    return x;
}

/* Histogram of x with p sub-bucket bits checked against the sorted data. */
static void check_distribution(const int64_t *x, size_t n, int p)
{
    stats_hist_t h;
    assert_int_equal(stats_hist_init(&h, p), 0);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        stats_hist_add(&h, x[i]);
        assert_false(__builtin_add_overflow(sum, x[i], &sum));
    }
    int64_t *s = malloc(n * sizeof *s);
    assert_non_null(s);
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_i64);

    assert_int_equal(stats_hist_count(&h), (int64_t)n);
    assert_int_equal(stats_hist_min(&h), s[0]);
    assert_int_equal(stats_hist_max(&h), s[n - 1]);
    double mean = (double)sum / (double)n;
    assert_true(fabs(stats_hist_mean(&h) - mean) <= 1e-12 * mean);

    static const double qs[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1};
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        int64_t exact = exact_quantile(s, n, qs[k]);
        int64_t est = stats_hist_quantile(&h, qs[k]);
        assert_within_bound(est, exact, p, qs[k]);
        if (exact < ((int64_t)2 << p)) /* width-1 buckets: exact */
            assert_int_equal(est, exact);
    }
    assert_int_equal(stats_hist_quantile(&h, 0), s[0]);
    assert_int_equal(stats_hist_quantile(&h, 1), s[n - 1]);

    /* Every non-empty bucket holds exactly the samples in [lower, upper]
     * (counted by walking the sorted data), and nothing else is non-empty. */
    size_t j = 0;
    int64_t total = 0;
    for (int i = stats_hist_next(&h, 0); i >= 0; i = stats_hist_next(&h, i + 1)) {
        int64_t lo = 0, hi = 0, c = 0;
        assert_int_equal(stats_hist_bucket(&h, i, &lo, &hi, &c), 0);
        assert_true(c > 0);
        assert_true(j < n);
        assert_true(s[j] >= lo); /* no sample skipped below this bucket */
        int64_t k = 0;
        while (j < n && s[j] <= hi) {
            j++;
            k++;
        }
        assert_int_equal(k, c);
        total += c;
    }
    assert_int_equal(j, n);
    assert_int_equal(total, (int64_t)n);

    free(s);
    stats_hist_free(&h);
}

static void check_dist_all_p(dist_t d, unsigned long seed)
{
    const size_t n = 200000;
    int64_t *x = make_samples(d, n, seed);
    static const int ps[] = {1, 3, 7, 10, 12};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
        check_distribution(x, n, ps[k]);
    free(x);
}

/* ------------------------------------------------------------ histogram */

static void test_hist_init_rejects_bad_bits(void **state)
{
    (void)state;
    static const int bad[] = {-1, 0, 13, 64};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        stats_hist_t h;
        assert_int_equal(stats_hist_init(&h, bad[k]), -1);
        assert_non_null(h.error);
        assert_null(h.counts);
        stats_hist_free(&h); /* safe after a failed init */
    }
    assert_int_equal(stats_hist_init(NULL, 7), -1);

    /* (64 - p) * 2^p buckets, worked out by hand for three p. */
    static const struct { int p, nb; } ok[] = {{1, 126}, {7, 7296}, {12, 212992}};
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        stats_hist_t h;
        assert_int_equal(stats_hist_init(&h, ok[k].p), 0);
        assert_null(h.error);
        assert_int_equal(stats_hist_nbuckets(&h), ok[k].nb);
        assert_int_equal(stats_hist_count(&h), 0);
        stats_hist_free(&h);
    }
}

/* For every p: buckets are contiguous from 0 to INT64_MAX, widths are
 * powers of two no wider than 2^-p of the lower edge (1 below 2^(p+1)),
 * and index() maps both edges of bucket i to i. */
static void test_hist_bucket_layout(void **state)
{
    (void)state;
    for (int p = STATS_HIST_MIN_BITS; p <= STATS_HIST_MAX_BITS; p++) {
        stats_hist_t h;
        assert_int_equal(stats_hist_init(&h, p), 0);
        int nb = stats_hist_nbuckets(&h);
        uint64_t next_lower = 0;
        for (int i = 0; i < nb; i++) {
            int64_t lo = 0, hi = 0, c = 0;
            assert_int_equal(stats_hist_bucket(&h, i, &lo, &hi, &c), 0);
            assert_true(lo >= 0 && hi >= lo);
            assert_true((uint64_t)lo == next_lower);
            assert_int_equal(c, 0);
            uint64_t w = (uint64_t)hi - (uint64_t)lo + 1;
            assert_true((w & (w - 1)) == 0);
            if ((uint64_t)lo < (UINT64_C(2) << p))
                assert_true(w == 1);
            else
                assert_true(w <= ((uint64_t)lo >> p));
            assert_int_equal(stats_hist_index(&h, lo), i);
            assert_int_equal(stats_hist_index(&h, hi), i);
            next_lower = (uint64_t)hi + 1;
        }
        assert_true(next_lower == UINT64_C(1) << 63); /* last upper is INT64_MAX */
        assert_int_equal(stats_hist_bucket(&h, nb, NULL, NULL, NULL), -1);
        assert_int_equal(stats_hist_bucket(&h, -1, NULL, NULL, NULL), -1);
        assert_int_equal(stats_hist_index(&h, INT64_MAX), nb - 1);
        stats_hist_free(&h);
    }
}

static void test_hist_edge_values(void **state)
{
    (void)state;
    stats_hist_t h;
    assert_int_equal(stats_hist_init(&h, 7), 0);
    int nb = stats_hist_nbuckets(&h);
    assert_int_equal(stats_hist_index(&h, 0), 0);
    assert_int_equal(stats_hist_index(&h, 1), 1);
    assert_int_equal(stats_hist_index(&h, -5), 0);

    stats_hist_add(&h, 0);
    stats_hist_add(&h, 1);
    stats_hist_add(&h, INT64_MAX);
    assert_int_equal(stats_hist_count(&h), 3);
    assert_int_equal(stats_hist_min(&h), 0);
    assert_int_equal(stats_hist_max(&h), INT64_MAX);
    assert_int_equal(stats_hist_quantile(&h, 0.0), 0);
    assert_int_equal(stats_hist_quantile(&h, 0.5), 1);  /* rank 2 */
    assert_int_equal(stats_hist_quantile(&h, 0.34), 1); /* ceil(1.02) = 2 */
    assert_int_equal(stats_hist_quantile(&h, 0.67), INT64_MAX);
    assert_int_equal(stats_hist_quantile(&h, 1.0), INT64_MAX);
    double m = ldexp(1.0, 63) / 3.0; /* (0 + 1 + 2^63 - 1) / 3 */
    assert_true(fabs(stats_hist_mean(&h) - m) <= m * 1e-15);

    stats_hist_add(&h, -5); /* clamped to 0 */
    assert_int_equal(h.nclamped, 1);
    assert_int_equal(stats_hist_count(&h), 4);
    assert_int_equal(stats_hist_min(&h), 0);

    int64_t c = 0;
    assert_int_equal(stats_hist_next(&h, 0), 0);
    assert_int_equal(stats_hist_bucket(&h, 0, NULL, NULL, &c), 0);
    assert_int_equal(c, 2);
    assert_int_equal(stats_hist_next(&h, 1), 1);
    assert_int_equal(stats_hist_next(&h, 2), nb - 1);
    assert_int_equal(stats_hist_next(&h, nb), -1);
    stats_hist_free(&h);
}

/* The sum is an exact 128-bit integer: carries between the words, and
 * add_n's 64 x 64 product, against values worked out by hand. */
static void test_hist_exact_sum(void **state)
{
    (void)state;
    stats_hist_t a, b, c;
    assert_int_equal(stats_hist_init(&a, 4), 0);
    assert_int_equal(stats_hist_init(&b, 4), 0);
    assert_int_equal(stats_hist_init(&c, 4), 0);

    for (int i = 0; i < 4; i++)
        stats_hist_add(&a, INT64_MAX);
    stats_hist_add(&a, 4);
    /* 4 (2^63 - 1) + 4 = 2^65 */
    assert_true(a.sum_hi == 2 && a.sum_lo == 0);
    assert_true(stats_hist_mean(&a) == ldexp(1.0, 65) / 5.0);

    assert_int_equal(stats_hist_add_n(&b, INT64_MAX, 4), 0);
    assert_int_equal(stats_hist_add_n(&b, 4, 1), 0);
    assert_true(b.sum_hi == 2 && b.sum_lo == 0);
    assert_int_equal(stats_hist_count(&b), 5);

    /* (2^63 - 1)^2 = 2^126 - 2^64 + 1: hi = 2^62 - 1, lo = 1 */
    assert_int_equal(stats_hist_add_n(&c, INT64_MAX, INT64_MAX), 0);
    assert_true(c.sum_hi == (UINT64_C(1) << 62) - 1 && c.sum_lo == 1);
    assert_int_equal(stats_hist_count(&c), INT64_MAX);
    assert_true(stats_hist_mean(&c) == (double)INT64_MAX);
    /* the count is full: nothing more fits, and nothing changes */
    assert_int_equal(stats_hist_add_n(&c, 0, 1), -1);
    assert_non_null(c.error);
    assert_int_equal(stats_hist_count(&c), INT64_MAX);
    assert_int_equal(stats_hist_merge(&c, &a), -1);
    assert_int_equal(stats_hist_count(&c), INT64_MAX);

    assert_int_equal(stats_hist_add_n(&b, 7, -1), -1);
    assert_int_equal(stats_hist_add_n(&b, 7, 0), 0);
    assert_int_equal(stats_hist_count(&b), 5);
    assert_int_equal(stats_hist_add_n(&b, -3, 2), 0); /* clamped, counted */
    assert_int_equal(b.nclamped, 2);
    assert_int_equal(stats_hist_min(&b), 0);

    stats_hist_free(&a);
    stats_hist_free(&b);
    stats_hist_free(&c);
}

/* The documented representative: the bucket midpoint lower + width/2,
 * clamped to [min, max]. p = 2: 1000 lies in [896, 1023] (width 128). */
static void test_hist_quantile_representative(void **state)
{
    (void)state;
    stats_hist_t h;
    assert_int_equal(stats_hist_init(&h, 2), 0);
    int64_t lo = 0, hi = 0;
    assert_int_equal(stats_hist_bucket(&h, stats_hist_index(&h, 1000), &lo, &hi, NULL), 0);
    assert_int_equal(lo, 896);
    assert_int_equal(hi, 1023);

    stats_hist_add(&h, 0);
    stats_hist_add(&h, 1000);
    stats_hist_add(&h, 100000);
    assert_int_equal(stats_hist_quantile(&h, 0.5), 960);

    stats_hist_reset(&h);
    stats_hist_add(&h, 1000);
    stats_hist_add(&h, 1000);
    stats_hist_add(&h, 1001);
    assert_int_equal(stats_hist_quantile(&h, 0.5), 1000); /* 960 clamped up to min */

    stats_hist_reset(&h);
    stats_hist_add(&h, 0);
    for (int i = 0; i < 3; i++)
        stats_hist_add(&h, 900);
    assert_int_equal(stats_hist_quantile(&h, 0.5), 900); /* 960 clamped down to max */

    /* ranks on a small sample, all in width-1 buckets (p = 7) */
    stats_hist_t e;
    assert_int_equal(stats_hist_init(&e, 7), 0);
    static const int64_t v[] = {40, 10, 30, 20};
    for (int i = 0; i < 4; i++)
        stats_hist_add(&e, v[i]);
    assert_int_equal(stats_hist_quantile(&e, 0.25), 10); /* rank 1 */
    assert_int_equal(stats_hist_quantile(&e, 0.26), 20); /* rank 2 */
    assert_int_equal(stats_hist_quantile(&e, 0.5), 20);
    assert_int_equal(stats_hist_quantile(&e, 0.75), 30);
    assert_int_equal(stats_hist_quantile(&e, 0.76), 40);
    assert_true(stats_hist_mean(&e) == 25.0);

    /* bad q, and an empty histogram */
    assert_int_equal(stats_hist_quantile(&e, -0.01), -1);
    assert_int_equal(stats_hist_quantile(&e, 1.01), -1);
    assert_int_equal(stats_hist_quantile(&e, NAN), -1);
    stats_hist_reset(&e);
    assert_int_equal(stats_hist_quantile(&e, 0.5), -1);
    assert_int_equal(stats_hist_min(&e), -1);
    assert_int_equal(stats_hist_max(&e), -1);
    assert_true(isnan(stats_hist_mean(&e)));
    assert_int_equal(stats_hist_next(&e, 0), -1);

    stats_hist_free(&h);
    stats_hist_free(&e);
}

static void test_hist_uniform(void **state)
{
    (void)state;
    check_dist_all_p(D_UNIFORM, 11);
}

static void test_hist_exponential(void **state)
{
    (void)state;
    check_dist_all_p(D_EXPONENTIAL, 12);
}

static void test_hist_lognormal_heavy_tail(void **state)
{
    (void)state;
    const size_t n = 200000;
    int64_t *x = make_samples(D_LOGNORMAL, n, 13);
    int64_t mn = INT64_MAX, mx = 0;
    for (size_t i = 0; i < n; i++) {
        mn = x[i] < mn ? x[i] : mn;
        mx = x[i] > mx ? x[i] : mx;
    }
    /* the data really spans ns to beyond a second */
    assert_true(mn < 100);
    assert_true(mx > 1000000000);
    free(x);
    check_dist_all_p(D_LOGNORMAL, 13);
}

static void test_hist_small_integers(void **state)
{
    (void)state;
    check_dist_all_p(D_SMALLINT, 14);
}

/* Merging equals adding everything to one histogram, bucket by bucket. */
static void test_hist_merge(void **state)
{
    (void)state;
    const size_t n = 100000;
    int64_t *x = make_samples(D_LOGNORMAL, n, 21);
    for (size_t i = 0; i < n; i += 997)
        x[i] = -(int64_t)i; /* some negatives, to merge nclamped too */
    stats_hist_t a, b, all, other;
    assert_int_equal(stats_hist_init(&a, 7), 0);
    assert_int_equal(stats_hist_init(&b, 7), 0);
    assert_int_equal(stats_hist_init(&all, 7), 0);
    assert_int_equal(stats_hist_init(&other, 6), 0);
    for (size_t i = 0; i < n; i++) {
        stats_hist_add(i < n / 3 ? &a : &b, x[i]);
        stats_hist_add(&all, x[i]);
    }
    assert_int_equal(stats_hist_merge(&a, &b), 0);
    assert_int_equal(a.count, all.count);
    assert_int_equal(a.min, all.min);
    assert_int_equal(a.max, all.max);
    assert_true(a.sum_lo == all.sum_lo && a.sum_hi == all.sum_hi);
    assert_int_equal(a.nclamped, all.nclamped);
    assert_true(all.nclamped > 0);
    assert_memory_equal(a.counts, all.counts, (size_t)all.nbuckets * sizeof *all.counts);
    static const double qs[] = {0.5, 0.9, 0.99, 0.999};
    for (int k = 0; k < 4; k++)
        assert_int_equal(stats_hist_quantile(&a, qs[k]), stats_hist_quantile(&all, qs[k]));

    /* different p: refused, dst unchanged */
    stats_hist_add(&other, 5);
    assert_int_equal(stats_hist_merge(&a, &other), -1);
    assert_non_null(a.error);
    assert_int_equal(a.count, all.count);
    assert_memory_equal(a.counts, all.counts, (size_t)all.nbuckets * sizeof *all.counts);

    /* empty source: no change; empty destination: becomes a copy */
    stats_hist_reset(&b);
    assert_int_equal(stats_hist_merge(&a, &b), 0);
    assert_int_equal(a.count, all.count);
    assert_int_equal(stats_hist_merge(&b, &all), 0);
    assert_int_equal(b.count, all.count);
    assert_int_equal(b.min, all.min);
    assert_int_equal(b.max, all.max);
    assert_memory_equal(b.counts, all.counts, (size_t)all.nbuckets * sizeof *all.counts);

    /* into itself: everything doubles */
    assert_int_equal(stats_hist_merge(&b, &b), 0);
    assert_int_equal(b.count, 2 * all.count);
    for (int i = 0; i < all.nbuckets; i++)
        if (b.counts[i] != 2 * all.counts[i])
            fail_msg("bucket %d: %lld after self-merge, want %lld", i, (long long)b.counts[i],
                     (long long)(2 * all.counts[i]));

    free(x);
    stats_hist_free(&a);
    stats_hist_free(&b);
    stats_hist_free(&all);
    stats_hist_free(&other);
}

static void test_hist_reset(void **state)
{
    (void)state;
    stats_hist_t h;
    assert_int_equal(stats_hist_init(&h, 5), 0);
    for (int64_t v = 0; v < 100000; v += 37)
        stats_hist_add(&h, v);
    stats_hist_add(&h, -1);
    stats_hist_reset(&h);
    assert_int_equal(stats_hist_count(&h), 0);
    assert_int_equal(h.nclamped, 0);
    assert_true(h.sum_lo == 0 && h.sum_hi == 0);
    for (int i = 0; i < stats_hist_nbuckets(&h); i++)
        assert_int_equal(h.counts[i], 0);
    assert_int_equal(stats_hist_next(&h, 0), -1);
    stats_hist_add(&h, 42);
    assert_int_equal(stats_hist_min(&h), 42);
    assert_int_equal(stats_hist_max(&h), 42);
    assert_int_equal(stats_hist_quantile(&h, 0.5), 42);
    stats_hist_free(&h);
    stats_hist_free(&h); /* twice is harmless */
}

static void test_hist_bits_for_error(void **state)
{
    (void)state;
    assert_int_equal(stats_hist_bits_for_error(1.0), 1);
    assert_int_equal(stats_hist_bits_for_error(0.25), 1);
    assert_int_equal(stats_hist_bits_for_error(0.2), 2);    /* 2^-3 = 0.125 */
    assert_int_equal(stats_hist_bits_for_error(0.01), 6);   /* 2^-7 = 0.0078 */
    assert_int_equal(stats_hist_bits_for_error(0.005), 7);  /* 2^-8 = 0.0039 */
    assert_int_equal(stats_hist_bits_for_error(ldexp(1.0, -13)), 12);
    assert_int_equal(stats_hist_bits_for_error(1e-4), -1);  /* below 2^-13 */
    assert_int_equal(stats_hist_bits_for_error(0.0), -1);
    assert_int_equal(stats_hist_bits_for_error(-1.0), -1);
    assert_int_equal(stats_hist_bits_for_error(NAN), -1);
    stats_hist_t h;
    assert_int_equal(stats_hist_init(&h, 7), 0);
    assert_true(stats_hist_rel_error(&h) == 1.0 / 256);
    stats_hist_free(&h);
}

/* --------------------------------------------------------------- series */

static void test_series_init_rejects_bad_args(void **state)
{
    (void)state;
    stats_series_t s;
    static const int bad_kind[] = {STATS_SUM, 2};
    static const int neg_kind[] = {-1};
    assert_int_equal(stats_series_init(NULL, 1, NULL, 1000, 0), -1);
    struct {
        int k;
        const int *kinds;
        int64_t w, hint;
    } bad[] = {
        {0, NULL, 1000, 0},
        {-3, NULL, 1000, 0},
        {1, NULL, 0, 0},
        {1, NULL, -1000, 0},
        {2, bad_kind, 1000, 0},
        {1, neg_kind, 1000, 0},
        {1, NULL, 1, INT64_MAX},                       /* hint beyond the cell limit */
        {4, NULL, 1, STATS_SERIES_MAX_CELLS / 4 + 1},  /* just past it */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        if (stats_series_init(&s, bad[k].k, bad[k].kinds, bad[k].w, bad[k].hint) != -1)
            fail_msg("bad init case %zu accepted", k);
        assert_non_null(s.error);
        assert_null(s.v);
        stats_series_record(&s, 0, 5, 1); /* dropped, no crash */
        assert_int_equal(stats_series_nbuckets(&s), 0);
        stats_series_free(&s);
    }
    /* kinds == NULL: every counter sums; hint 0 is fine */
    assert_int_equal(stats_series_init(&s, 3, NULL, 1000, 0), 0);
    assert_null(s.error);
    for (int c = 0; c < 3; c++)
        assert_int_equal(stats_series_kind(&s, c), STATS_SUM);
    assert_int_equal(stats_series_kind(&s, 3), -1);
    assert_int_equal(stats_series_nbuckets(&s), 0);
    assert_int_equal(stats_series_status(&s, NULL, 0), 0);
    stats_series_free(&s);
}

/* t = k * w lands in bucket k, t = k * w - 1 in bucket k - 1; records
 * alternate between buckets so the cached bucket is both hit and missed. */
static void test_series_bucket_edges(void **state)
{
    (void)state;
    static const int64_t widths[] = {1, 7, 1000, 1000000000};
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        int64_t w = widths[wi];
        stats_series_t s;
        assert_int_equal(stats_series_init(&s, 1, NULL, w, 10 * w), 0);
        const int K = 50;
        for (int64_t k = 0; k <= K; k++) {
            assert_int_equal(stats_series_bucket_of(&s, k * w), k);
            stats_series_record(&s, 0, k * w, 1);
            stats_series_record(&s, 0, k * w, 1); /* same bucket again */
            if (k > 0) {
                assert_int_equal(stats_series_bucket_of(&s, k * w - 1), k - 1);
                stats_series_record(&s, 0, k * w - 1, 100);
            }
        }
        assert_int_equal(stats_series_bucket_of(&s, -1), -1);
        assert_int_equal(stats_series_nbuckets(&s), K + 1);
        for (int k = 0; k <= K; k++) {
            /* w = 1: k * w - 1 = (k - 1) * w, the same instant */
            int64_t want = 2 + (k < K ? 100 : 0);
            if (stats_series_get(&s, 0, k) != want)
                fail_msg("w=%lld bucket %d: %lld, want %lld", (long long)w, k,
                         (long long)stats_series_get(&s, 0, k), (long long)want);
        }
        assert_int_equal(s.dropped, 0);
        stats_series_free(&s);
    }
}

/* Random records, in time order for half the counters' traffic and at
 * random times for the rest, against a naive 2-D array; the hint covers
 * 10 of the 2000 buckets, so the series grows many times. */
static void test_series_vs_reference(void **state)
{
    (void)state;
    enum { K = 4, NB = 2000, N = 200000 };
    static const int kinds[K] = {STATS_SUM, STATS_MAX, STATS_SUM, STATS_MAX};
    const int64_t w = 997;
    int64_t(*ref)[K] = calloc(NB, sizeof *ref);
    assert_non_null(ref);
    stats_series_t s;
    assert_int_equal(stats_series_init(&s, K, kinds, w, 10 * w), 0);
    assert_int_equal(s.cap, 10);

    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(r);
    gsl_rng_set(r, 31);
    int64_t clock = 0, maxb = -1, dropped = 0;
    for (int i = 0; i < N; i++) {
        int64_t t;
        if (gsl_rng_uniform(r) < 0.5) {
            clock += (int64_t)gsl_ran_exponential(r, (double)(NB - 1) * (double)w / (N / 2.0));
            if (clock >= NB * w)
                clock = NB * w - 1;
            t = clock;
        } else {
            t = (int64_t)gsl_rng_uniform_int(r, (unsigned long)(NB * w));
        }
        int c = (int)gsl_rng_uniform_int(r, K);
        int64_t v = kinds[c] == STATS_SUM ? (int64_t)gsl_rng_uniform_int(r, 106) - 5
                                          : (int64_t)gsl_rng_uniform_int(r, 1000000);
        stats_series_record(&s, c, t, v);
        int64_t b = t / w;
        if (kinds[c] == STATS_SUM)
            ref[b][c] += v;
        else if (v > ref[b][c])
            ref[b][c] = v;
        if (b > maxb)
            maxb = b;
        if (i % 1000 == 0) { /* programming errors: ignored and counted */
            stats_series_record(&s, c, -1 - i, 1);
            stats_series_record(&s, -1, t, 1);
            stats_series_record(&s, K, t, 1);
            dropped += 3;
        }
    }
    gsl_rng_free(r);

    assert_int_equal(s.dropped, dropped);
    assert_int_equal(stats_series_nbuckets(&s), maxb + 1);
    assert_true(s.cap >= s.nbuckets && s.cap > 10);
    for (int b = 0; b < stats_series_nbuckets(&s); b++) {
        const int64_t *row = stats_series_row(&s, b);
        assert_non_null(row);
        for (int c = 0; c < K; c++) {
            if (stats_series_get(&s, c, b) != ref[b][c])
                fail_msg("bucket %d counter %d: %lld, want %lld", b, c, (long long)stats_series_get(&s, c, b),
                         (long long)ref[b][c]);
            assert_int_equal(row[c], ref[b][c]); /* bucket-major row */
        }
    }
    assert_null(stats_series_row(&s, stats_series_nbuckets(&s)));
    assert_null(stats_series_row(&s, -1));
    assert_int_equal(stats_series_get(&s, 0, stats_series_nbuckets(&s)), 0);
    assert_int_equal(stats_series_get(&s, K, 0), 0);
    assert_int_equal(stats_series_status(&s, NULL, 0), 0);
    stats_series_free(&s);
    free(ref);
}

/* From a one-bucket hint: step by step past it, then one far jump. */
static void test_series_growth(void **state)
{
    (void)state;
    static const int kinds[2] = {STATS_SUM, STATS_MAX};
    stats_series_t s;
    assert_int_equal(stats_series_init(&s, 2, kinds, 1000, 1), 0);
    assert_int_equal(s.cap, 1);
    for (int64_t b = 0; b < 5000; b++) {
        stats_series_record(&s, 0, b * 1000 + 500, b);
        stats_series_record(&s, 1, b * 1000 + 999, 2 * b);
    }
    assert_int_equal(stats_series_nbuckets(&s), 5000);
    stats_series_record(&s, 0, 1000000LL * 1000, 7); /* bucket 10^6 */
    assert_int_equal(stats_series_nbuckets(&s), 1000001);
    for (int b = 0; b < 5000; b++) {
        assert_int_equal(stats_series_get(&s, 0, b), b);
        assert_int_equal(stats_series_get(&s, 1, b), 2 * b);
    }
    for (int b = 5000; b < 1000000; b += 9973)
        assert_int_equal(stats_series_get(&s, 0, b) + stats_series_get(&s, 1, b), 0);
    assert_int_equal(stats_series_get(&s, 0, 1000000), 7);
    assert_int_equal(stats_series_status(&s, NULL, 0), 0);
    stats_series_free(&s);
}

/* MAX: the largest value recorded in the bucket, 0 when none (so negative
 * levels never show). */
static void test_series_max_semantics(void **state)
{
    (void)state;
    static const int kinds[1] = {STATS_MAX};
    stats_series_t s;
    assert_int_equal(stats_series_init(&s, 1, kinds, 10, 100), 0);
    stats_series_record(&s, 0, 0, 3);
    stats_series_record(&s, 0, 5, 7);
    stats_series_record(&s, 0, 9, 5);
    stats_series_record(&s, 0, 25, -4);
    stats_series_record(&s, 0, 31, 2);
    assert_int_equal(stats_series_nbuckets(&s), 4);
    assert_int_equal(stats_series_get(&s, 0, 0), 7);
    assert_int_equal(stats_series_get(&s, 0, 1), 0);
    assert_int_equal(stats_series_get(&s, 0, 2), 0);
    assert_int_equal(stats_series_get(&s, 0, 3), 2);
    stats_series_free(&s);
}

/* A time past the cell limit and a sum overflow are lost/saturated, flagged
 * (sticky), and leave everything else working. */
static void test_series_failures_are_sticky(void **state)
{
    (void)state;
    stats_series_t s;
    char err[200];
    assert_int_equal(stats_series_init(&s, 2, NULL, 1, 100), 0);
    stats_series_record(&s, 0, 5, 11);
    stats_series_record(&s, 1, INT64_MAX, 1);
    assert_int_equal(s.dropped, 1);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.fail_t, INT64_MAX);
    assert_int_equal(stats_series_status(&s, err, sizeof err), -1);
    assert_non_null(strstr(err, "beyond"));
    stats_series_record(&s, 1, STATS_SERIES_MAX_CELLS / 2, 1); /* the first bucket past the limit */
    assert_int_equal(s.dropped, 2);
    assert_int_equal(stats_series_get(&s, 0, 5), 11);
    stats_series_record(&s, 0, 500, 3); /* growth within the limit still works */
    assert_int_equal(stats_series_get(&s, 0, 500), 3);
    assert_int_equal(stats_series_nbuckets(&s), 501);
    assert_int_equal(stats_series_status(&s, NULL, 0), -1);
    stats_series_free(&s);

    assert_int_equal(stats_series_init(&s, 1, NULL, 1000, 1000), 0);
    stats_series_record(&s, 0, 1, INT64_MAX);
    assert_int_equal(stats_series_status(&s, NULL, 0), 0);
    stats_series_record(&s, 0, 2, 1);
    assert_int_equal(stats_series_get(&s, 0, 0), INT64_MAX);
    assert_int_equal(stats_series_status(&s, err, sizeof err), -1);
    assert_non_null(strstr(err, "overflow"));
    stats_series_free(&s);
    stats_series_record(&s, 0, 1, 1); /* after free: dropped, no crash */
    stats_series_free(&s);
}

static void test_series_names(void **state)
{
    (void)state;
    static const int kinds[3] = {STATS_SUM, STATS_MAX, STATS_SUM};
    static const char *const names[3] = {"calls", "queue_length", "retries"};
    stats_series_t s;
    assert_int_equal(stats_series_init(&s, 3, kinds, 1000, 0), 0);
    assert_null(stats_series_name(&s, 0));
    assert_int_equal(stats_series_find(&s, "calls"), -1);
    stats_series_set_names(&s, names);
    assert_string_equal(stats_series_name(&s, 1), "queue_length");
    assert_null(stats_series_name(&s, 3));
    assert_int_equal(stats_series_find(&s, "retries"), 2);
    assert_int_equal(stats_series_find(&s, "nope"), -1);
    assert_int_equal(stats_series_kind(&s, stats_series_find(&s, "queue_length")), STATS_MAX);
    stats_series_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_init_rejects_bad_bits),
        cmocka_unit_test(test_hist_bucket_layout),
        cmocka_unit_test(test_hist_edge_values),
        cmocka_unit_test(test_hist_exact_sum),
        cmocka_unit_test(test_hist_quantile_representative),
        cmocka_unit_test(test_hist_uniform),
        cmocka_unit_test(test_hist_exponential),
        cmocka_unit_test(test_hist_lognormal_heavy_tail),
        cmocka_unit_test(test_hist_small_integers),
        cmocka_unit_test(test_hist_merge),
        cmocka_unit_test(test_hist_reset),
        cmocka_unit_test(test_hist_bits_for_error),
        cmocka_unit_test(test_series_init_rejects_bad_args),
        cmocka_unit_test(test_series_bucket_edges),
        cmocka_unit_test(test_series_vs_reference),
        cmocka_unit_test(test_series_growth),
        cmocka_unit_test(test_series_max_semantics),
        cmocka_unit_test(test_series_failures_are_sticky),
        cmocka_unit_test(test_series_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
