/*
 * Tests specific to the ladder queue (sim/ladder/pes_ladder.c, compiled into
 * this file so its internals can be inspected); tests/test_pes_ladder.c runs
 * the generic pes tests against it. Each test drives the queue against a
 * reference (a binary heap of (time, sequence)), and check() verifies the
 * ladder's structure after operations:
 *   - order: every Bottom key < every rung key < every Top key, Bottom is
 *     sorted, lower rungs lie below higher ones;
 *   - buckets: every key lies inside its bucket's [lo, lo + width) and its
 *     rung's [rcur, upper), computed in 128-bit arithmetic (the paper's
 *     floating-point width pitfall would show here), buckets before cur are
 *     empty, rcur/upper chain from top_start down;
 *   - counts: keys = n = live + dead, one key per used slot, live slots = live;
 *   - arena: live and free blocks lie inside it and never overlap, and the
 *     free blocks add up to afree.
 * The cases: many equal times, a huge time spread (the whole int64 range),
 * INT64_MAX itself, nested clusters that spawn all 8 rungs, pushes earlier
 * than Bottom and into the past of the current epoch, bucket-edge times,
 * reuse after the queue empties (Up/Down), and the bound on lazily
 * cancelled keys; arena compactions happen along the way and are checked.
 */
#include "../sim/ladder/pes_ladder.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

static const pes_fnptr_t FN = (pes_fnptr_t)sort_keys; /* any non-null handler */

/* ---- structure check ------------------------------------------------------ */

typedef __int128 i128;

static int less_or_none(const pes_key_t *a, pes_key_t b) { return !a || key_less(*a, b); }

/* Mark arena[off, off + len) used; fail on overlap or overrun. */
static void mark(uint8_t *used, size_t atop, uint32_t off, size_t len, const char *what)
{
    if ((size_t)off + len > atop)
        fail_msg("%s block [%u, +%zu) beyond the arena's %zu keys", what, off, len, atop);
    for (size_t i = off; i < off + len; i++) {
        if (used[i])
            fail_msg("%s block [%u, +%zu) overlaps another block at %zu", what, off, len, i);
        used[i] = 1;
    }
}

static void check(const pes_t *q)
{
    const ladder_t *L = lad(q);
    size_t keys = 0, live = 0;
    uint8_t *seen = calloc(q->nused ? q->nused : 1, 1);
    uint8_t *used = calloc(L->atop ? L->atop : 1, 1);
    assert_non_null(seen);
    assert_non_null(used);
#define SEE(k)                                                                                     \
    do {                                                                                           \
        uint32_t s_ = key_slot(k);                                                                 \
        assert_true(s_ < q->nused);                                                                \
        if (seen[s_])                                                                              \
            fail_msg("slot %u appears twice", s_);                                                 \
        seen[s_] = 1;                                                                              \
        assert_int_not_equal(q->slots[s_].state, SLOT_FREE);                                       \
        live += q->slots[s_].state == SLOT_LIVE;                                                   \
        keys++;                                                                                    \
    } while (0)

    /* Bottom: sorted; its last key is the lower limit for everything else. */
    const pes_key_t *below = NULL; /* largest key seen in the tiers below */
    uint32_t bc = blk_cnt(L->bot);
    if (L->bhead < bc) {
        assert_true(blk_cap(L->bot) >= bc);
        mark(used, L->atop, L->bot.off, blk_cap(L->bot), "Bottom");
        const pes_key_t *a = L->arena + L->bot.off;
        for (uint32_t i = L->bhead; i < bc; i++) {
            SEE(a[i]);
            if (i > L->bhead && !key_less(a[i - 1], a[i]))
                fail_msg("Bottom not sorted at %u", i);
        }
        below = &a[bc - 1];
    } else {
        assert_int_equal(L->bot.meta, 0); /* an empty Bottom holds no block */
        assert_int_equal(L->bhead, 0);
    }

    /* Rungs, lowest first: each key inside its bucket and its rung. */
    assert_true(L->nrung >= 0 && L->nrung <= MAX_RUNGS);
    for (int r = L->nrung - 1; r >= 0; r--) {
        const rung_t *R = &L->rung[r];
        simtime_t up = r ? L->rung[r - 1].rcur : L->top_start;
        assert_int_equal(R->upper, up);
        assert_true(R->cur <= R->nb && R->nb <= R->bcap);
        assert_true(R->shift < 63);
        assert_true((i128)R->start + ((i128)(R->nb - 1) << R->shift) < (i128)R->upper);
        assert_int_equal(R->rcur, R->cur < R->nb ? bucket_lo(R, R->cur) : R->upper);
        const pes_key_t *hi = NULL;
        for (uint32_t i = 0; i < R->nb; i++) {
            blk_t b = R->b[i];
            uint32_t c = blk_cnt(b);
            if (i < R->cur && (c || b.meta))
                fail_msg("rung %d bucket %u before cur %u is not empty", r, i, R->cur);
            if (!c) {
                assert_int_equal(b.meta, 0);
                continue;
            }
            assert_true(blk_cap(b) >= c);
            mark(used, L->atop, b.off, blk_cap(b), "bucket");
            i128 lo = (i128)R->start + ((i128)i << R->shift), end = lo + ((i128)1 << R->shift);
            for (uint32_t j = 0; j < c; j++) {
                pes_key_t k = L->arena[b.off + j];
                SEE(k);
                if ((i128)k.t < lo || (i128)k.t >= end || k.t < R->rcur || k.t >= R->upper)
                    fail_msg("rung %d (start %lld, shift %u, rcur %lld, upper %lld): "
                             "time %lld in bucket %u",
                             r, (long long)R->start, R->shift, (long long)R->rcur,
                             (long long)R->upper, (long long)k.t, i);
                if (!less_or_none(below, k))
                    fail_msg("rung %d key (%lld) not after the tiers below", r, (long long)k.t);
                if (!hi || key_less(*hi, k))
                    hi = &L->arena[b.off + j];
                /* a bucket keeps the keys of one time in sequence order */
                for (uint32_t x = 0; x < j; x++) {
                    pes_key_t e = L->arena[b.off + x];
                    if (e.t == k.t && e.key > k.key)
                        fail_msg("bucket with one time out of sequence order");
                }
            }
        }
        if (hi)
            below = hi;
    }

    /* Top: everything at or after top_start, within its bounds, after the rest. */
    for (size_t i = 0; i < L->ntop; i++) {
        pes_key_t k = L->top[i];
        SEE(k);
        assert_true(k.t >= L->top_start);
        assert_true(k.t >= L->top_min && k.t <= L->top_max);
        if (!less_or_none(below, k))
            fail_msg("Top key (%lld) not after the rungs and Bottom", (long long)k.t);
    }
    assert_true(L->ntop <= L->topcap);

    /* Free blocks: inside the arena, no overlap with anything. */
    size_t afree = 0;
    for (unsigned c = 0; c < NCLS; c++)
        for (uint32_t h = L->freel[c]; h != NONE; h = (uint32_t)L->arena[h].key) {
            mark(used, L->atop, h, (size_t)1 << c, "free");
            afree += (size_t)1 << c;
        }
    assert_int_equal(afree, L->afree);
    assert_true(L->atop <= L->acap);

    assert_int_equal(keys, q->n);
    assert_int_equal(live, q->live);
    assert_int_equal(q->n, q->live + q->dead);
    free(seen);
    free(used);
#undef SEE
}

/* ---- reference: a binary heap of (t, seq, id) with lazy cancellation ------ */

typedef struct {
    simtime_t t;
    uint64_t seq, id;
} ref_ev_t;

typedef struct {
    ref_ev_t *h;
    size_t n, cap;
    uint64_t seq;
    uint8_t *dead;          /* by id */
    pes_handle_t *handle;   /* by id */
    uint64_t *live_ids;     /* ids pending, unordered */
    size_t *pos;            /* by id: index in live_ids */
    size_t nlive, idcap;
} ref_t;

static int ref_less(ref_ev_t a, ref_ev_t b) { return a.t < b.t || (a.t == b.t && a.seq < b.seq); }

static void ref_init(ref_t *r, size_t ids)
{
    memset(r, 0, sizeof *r);
    r->idcap = ids;
    r->cap = 1024;
    r->h = malloc(r->cap * sizeof *r->h);
    r->dead = calloc(ids, 1);
    r->handle = calloc(ids, sizeof *r->handle);
    r->live_ids = malloc(ids * sizeof *r->live_ids);
    r->pos = malloc(ids * sizeof *r->pos);
    assert_true(r->h && r->dead && r->handle && r->live_ids && r->pos);
}

static void ref_free(ref_t *r)
{
    free(r->h);
    free(r->dead);
    free(r->handle);
    free(r->live_ids);
    free(r->pos);
}

static void ref_push(ref_t *r, simtime_t t, uint64_t id, pes_handle_t hd)
{
    assert_true(id < r->idcap);
    if (r->n == r->cap) {
        r->cap *= 2;
        r->h = realloc(r->h, r->cap * sizeof *r->h);
        assert_non_null(r->h);
    }
    size_t i = r->n++;
    ref_ev_t e = {t, r->seq++, id};
    while (i && ref_less(e, r->h[(i - 1) / 2])) {
        r->h[i] = r->h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->h[i] = e;
    r->handle[id] = hd;
    r->pos[id] = r->nlive;
    r->live_ids[r->nlive++] = id;
}

static void ref_unlive(ref_t *r, uint64_t id)
{
    size_t p = r->pos[id];
    uint64_t last = r->live_ids[--r->nlive];
    r->live_ids[p] = last;
    r->pos[last] = p;
}

/* Earliest pending event (cancelled ones are skipped and dropped). */
static int ref_pop(ref_t *r, ref_ev_t *out)
{
    for (;;) {
        if (!r->n)
            return 0;
        ref_ev_t top = r->h[0], last = r->h[--r->n];
        size_t i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= r->n)
                break;
            if (c + 1 < r->n && ref_less(r->h[c + 1], r->h[c]))
                c++;
            if (!ref_less(r->h[c], last))
                break;
            r->h[i] = r->h[c];
            i = c;
        }
        if (r->n)
            r->h[i] = last;
        if (r->dead[top.id])
            continue;
        ref_unlive(r, top.id);
        *out = top;
        return 1;
    }
}

static void ref_cancel(ref_t *r, uint64_t id)
{
    r->dead[id] = 1;
    ref_unlive(r, id);
}

/* ---- the driver ----------------------------------------------------------- */

typedef simtime_t (*time_fn)(gsl_rng *g, simtime_t now, uint64_t step);

typedef struct {
    pes_t q;
    ref_t r;
    uint64_t next_id;
    simtime_t now; /* time of the last pop */
} drv_t;

static void drv_init(drv_t *d, size_t ids)
{
    assert_int_equal(pes_init(&d->q, 0), 0);
    ref_init(&d->r, ids);
    d->next_id = 0;
    d->now = INT64_MIN;
}

static void drv_push(drv_t *d, simtime_t t)
{
    pes_event_t ev = {FN, NULL, d->next_id};
    pes_handle_t h = pes_push(&d->q, t, &ev);
    assert_int_not_equal(h, 0);
    ref_push(&d->r, t, d->next_id++, h);
}

/* Pop from both and compare; returns 0 when both are empty. */
static int drv_pop(drv_t *d)
{
    ref_ev_t e;
    int have = ref_pop(&d->r, &e);
    assert_int_equal(pes_peek(&d->q), have ? e.t : SIMTIME_NEVER);
    simtime_t t = 0;
    pes_event_t ev = {NULL, NULL, 0};
    int got = pes_pop(&d->q, &t, &ev);
    assert_int_equal(got, have);
    if (!have)
        return 0;
    if (t != e.t || ev.arg != e.id)
        fail_msg("popped (%lld, id %llu), expected (%lld, id %llu)", (long long)t,
                 (unsigned long long)ev.arg, (long long)e.t, (unsigned long long)e.id);
    assert_false(pes_pending(&d->q, d->r.handle[e.id]));
    d->now = t;
    return 1;
}

static void drv_cancel_random(drv_t *d, gsl_rng *g)
{
    if (!d->r.nlive)
        return;
    uint64_t id = d->r.live_ids[gsl_rng_uniform_int(g, d->r.nlive)];
    pes_handle_t h = d->r.handle[id];
    assert_true(pes_pending(&d->q, h));
    assert_int_equal(pes_cancel(&d->q, h), 1);
    assert_int_equal(pes_cancel(&d->q, h), 0);
    ref_cancel(&d->r, id);
}

static void drv_drain_free(drv_t *d)
{
    while (drv_pop(d))
        ;
    check(&d->q);
    assert_int_equal(pes_size(&d->q), 0);
    pes_free(&d->q);
    ref_free(&d->r);
}

/* Random mix: fill to `fill`, then nops of push (50%), pop, cancel
 * (cancel_pct); times from tf. check() every `every` ops. */
static void run_mix(time_fn tf, size_t fill, int nops, unsigned cancel_pct, int every,
                    unsigned long seed)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, seed);
    drv_t d;
    drv_init(&d, fill + (size_t)nops + 1);
    for (size_t i = 0; i < fill; i++)
        drv_push(&d, tf(g, 0, i));
    check(&d.q);
    for (int op = 0; op < nops; op++) {
        unsigned k = (unsigned)gsl_rng_uniform_int(g, 100);
        if (k < 50 || !d.r.nlive)
            drv_push(&d, tf(g, d.now, (uint64_t)op));
        else if (k < 50 + cancel_pct)
            drv_cancel_random(&d, g);
        else
            drv_pop(&d);
        assert_int_equal(pes_size(&d.q), d.r.nlive);
        if (op % every == 0)
            check(&d.q);
    }
    check(&d.q);
    drv_drain_free(&d);
    gsl_rng_free(g);
}

/* ---- time generators ------------------------------------------------------ */

static simtime_t now0(simtime_t now) { return now == INT64_MIN ? 0 : now; }

/* A hold-like increment, exponential with mean 1 ms. */
static simtime_t t_exp(gsl_rng *g, simtime_t now, uint64_t step)
{
    (void)step;
    return now0(now) + (simtime_t)(-1e6 * log(1 - gsl_rng_uniform(g)));
}

/* Any int64 at all, uniformly: buckets 2^57 ns wide and wider. */
static simtime_t t_anything(gsl_rng *g, simtime_t now, uint64_t step)
{
    (void)now;
    (void)step;
    uint64_t hi = gsl_rng_get(g), lo = gsl_rng_get(g); /* mt19937: 32 bits each */
    return (simtime_t)(hi << 32 | lo);
}

/* Mostly the extremes: INT64_MIN/MAX and their neighbours, some ordinary. */
static simtime_t t_extremes(gsl_rng *g, simtime_t now, uint64_t step)
{
    (void)now;
    (void)step;
    switch (gsl_rng_uniform_int(g, 6)) {
    case 0: return INT64_MAX;
    case 1: return INT64_MAX - (simtime_t)gsl_rng_uniform_int(g, 100);
    case 2: return INT64_MIN + (simtime_t)gsl_rng_uniform_int(g, 100);
    case 3: return INT64_MIN;
    case 4: return (simtime_t)gsl_rng_uniform_int(g, 1000) - 500;
    default: return t_anything(g, now, step);
    }
}

/* Few distinct times: long FIFO runs of equal keys. */
static simtime_t t_ties(gsl_rng *g, simtime_t now, uint64_t step)
{
    (void)step;
    return now0(now) + (simtime_t)gsl_rng_uniform_int(g, 3);
}

/* The engine's patterns around the current time: zero delay, a little
 * later, before everything queued (into the past of the epoch, as a pes
 * caller may), and far ahead (timeouts). */
static simtime_t t_engine(gsl_rng *g, simtime_t now, uint64_t step)
{
    (void)step;
    simtime_t n = now0(now);
    switch (gsl_rng_uniform_int(g, 8)) {
    case 0: return n;
    case 1: return n - 1 - (simtime_t)gsl_rng_uniform_int(g, 5000);
    case 2: return n + 1;
    case 3: return n + SIMTIME_S + (simtime_t)gsl_rng_uniform_int(g, 1000);
    default: return n + (simtime_t)gsl_rng_uniform_int(g, 20000);
    }
}

/* Bucket edges: multiples of powers of two and their neighbours, where a
 * bucket index computed with a rounded width would go wrong. */
static simtime_t t_edges(gsl_rng *g, simtime_t now, uint64_t step)
{
    (void)now;
    (void)step;
    unsigned p = (unsigned)gsl_rng_uniform_int(g, 40);
    simtime_t m = (simtime_t)gsl_rng_uniform_int(g, 64) << p;
    return m + (simtime_t)gsl_rng_uniform_int(g, 3) - 1;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_mixes_checked(void **state)
{
    (void)state;
    const time_fn fns[] = {t_exp, t_anything, t_extremes, t_ties, t_engine, t_edges};
    for (unsigned i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        run_mix(fns[i], 3000, 30000, 10, 97, 100 + i);   /* steady */
        run_mix(fns[i], 200, 20000, 40, 53, 200 + i);    /* cancel-heavy, small */
        run_mix(fns[i], 60000, 20000, 5, 4999, 300 + i); /* large */
    }
}

/* 100,000 events at one time (between two others, so that they land in
 * one crowded bucket of rung 1) leave in push order, without any spawn (no
 * width separates them); then a zero-delay chain (each pop pushes at the
 * same time) keeps FIFO order behind them. */
static void test_many_equal_times(void **state)
{
    (void)state;
    drv_t d;
    drv_init(&d, 300000);
    const simtime_t T = SIMTIME_S / 2;
    drv_push(&d, 0);
    for (int i = 0; i < 100000; i++)
        drv_push(&d, T);
    drv_push(&d, SIMTIME_S);
    drv_pop(&d);
    check(&d.q);
    for (int i = 0; i < 150000; i++) {
        drv_pop(&d);
        if (i < 50000)
            drv_push(&d, T);
        if (i % 20011 == 0)
            check(&d.q);
    }
    assert_int_equal(lad(&d.q)->spawns, 0); /* one time: never split */
    drv_drain_free(&d);
}

/* Nested clusters: 60 events at each 2^j, j = 0..62. Every bucket holding
 * the low end is crowded and splittable, so rungs spawn down to the limit
 * of 8, where a crowded bucket of mixed times goes to Bottom as it is. */
static void test_spawn_to_max_rungs(void **state)
{
    (void)state;
    drv_t d;
    drv_init(&d, 10000);
    for (int rep = 0; rep < 60; rep++)
        for (int j = 0; j < 63; j++)
            drv_push(&d, (simtime_t)1 << j);
    drv_pop(&d);
    check(&d.q);
    const ladder_t *L = lad(&d.q);
    assert_true(L->spawns >= 3);
    assert_int_equal(L->max_rungs, MAX_RUNGS);
    int steps = 0;
    while (drv_pop(&d))
        if (++steps % 97 == 0)
            check(&d.q);
    drv_drain_free(&d);
}

/* Events pushed below Bottom's front and into the past of the current epoch
 * (before the last popped time): they must come out next, in order, and a
 * burst of them spreads Bottom over a new rung (the paper's Bottom overflow). */
static void test_push_below_bottom(void **state)
{
    (void)state;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 7);
    drv_t d;
    drv_init(&d, 200000);
    for (int i = 0; i < 20000; i++)
        drv_push(&d, 1000000 + (simtime_t)gsl_rng_uniform_int(g, 100000000));
    for (int round = 0; round < 200; round++) {
        drv_pop(&d);
        /* 120 events scattered below the current time, then some at it */
        for (int j = 0; j < 120; j++)
            drv_push(&d, d.now - (simtime_t)gsl_rng_uniform_int(g, 1000000));
        for (int j = 0; j < 5; j++)
            drv_push(&d, d.now);
        check(&d.q);
        for (int j = 0; j < 100; j++)
            drv_pop(&d);
    }
    assert_true(lad(&d.q)->bottom_spawns > 0);
    drv_drain_free(&d);
    gsl_rng_free(g);
}

/* Bottom overflow that must not spawn a rung: keys at INT64_MAX (at
 * top_start itself, which no rung can cover), keys too close together for
 * the overflow rung's width to separate, and 8 rungs already in use. Also a
 * purge that empties Bottom. */
static void test_bottom_guards(void **state)
{
    (void)state;
    drv_t d;
    drv_init(&d, 100000);
    /* INT64_MAX: Top goes straight to Bottom (one time), then pushes land
     * in front of a full Bottom whose front is at 0 */
    for (int i = 0; i < 100; i++)
        drv_push(&d, INT64_MAX);
    assert_int_equal(pes_peek(&d.q), INT64_MAX);
    for (int i = 0; i < 60; i++)
        drv_push(&d, INT64_MAX - 1 - i);
    check(&d.q);
    assert_int_equal(lad(&d.q)->bottom_spawns, 0);
    while (drv_pop(&d))
        ;
    /* 80 keys at 1000 (one crowded bucket that cannot split, so it becomes
     * Bottom), then pushes at 999 in front of them: the overflow rung would
     * put everything in one bucket */
    for (int i = 0; i < 80; i++)
        drv_push(&d, 1000);
    drv_push(&d, SIMTIME_HOUR);
    assert_int_equal(pes_peek(&d.q), 1000);
    assert_int_equal(blk_cnt(lad(&d.q)->bot) - lad(&d.q)->bhead, 80);
    for (int i = 0; i < 10; i++)
        drv_push(&d, 999);
    check(&d.q);
    assert_int_equal(lad(&d.q)->bottom_spawns, 0);
    /* a purge that empties Bottom: cancel everything pending */
    uint64_t spawns = lad(&d.q)->bottom_spawns;
    for (int i = 0; i < 5000; i++) /* into Top */
        drv_push(&d, 2 * SIMTIME_HOUR + i);
    for (uint64_t id = 0; id < d.next_id; id++) /* oldest first: Bottom's */
        if (pes_pending(&d.q, d.r.handle[id])) {
            assert_int_equal(pes_cancel(&d.q, d.r.handle[id]), 1);
            ref_cancel(&d.r, id);
        }
    assert_true(d.q.compactions > 0);
    assert_int_equal(lad(&d.q)->bot.meta, 0);
    check(&d.q);
    assert_int_equal(lad(&d.q)->bottom_spawns, spawns);
    drv_drain_free(&d);

    /* 8 rungs in use (nested clusters as below), then inserts into the
     * middle of the crowded Bottom at the finest rung */
    drv_init(&d, 100000);
    for (int rep = 0; rep < 60; rep++)
        for (int j = 0; j < 63; j++)
            drv_push(&d, (simtime_t)1 << j);
    drv_pop(&d);
    assert_int_equal(lad(&d.q)->nrung, MAX_RUNGS);
    for (int i = 0; i < 100; i++)
        drv_push(&d, 3);
    check(&d.q);
    assert_int_equal(lad(&d.q)->bottom_spawns, 0);
    drv_drain_free(&d);
}

/* The queue empties completely, then is reused with earlier times than
 * before: the next epoch starts from scratch. */
static void test_reuse_after_empty(void **state)
{
    (void)state;
    drv_t d;
    drv_init(&d, 100000);
    for (int cycle = 0; cycle < 5; cycle++) {
        simtime_t base = (simtime_t)(5 - cycle) * 1000000000;
        for (int i = 0; i < 10000; i++)
            drv_push(&d, base + (simtime_t)((i * 7919) % 10007) * 1000);
        check(&d.q);
        while (drv_pop(&d))
            ;
        assert_int_equal(lad(&d.q)->top_start, INT64_MIN);
        check(&d.q);
    }
    /* Up/Down: pop exactly what was pushed (no pop finds it empty), then
     * refill with earlier times: they must start a new epoch in Top, not
     * pile into Bottom below the old epoch's rungs. */
    for (int cycle = 0; cycle < 3; cycle++) {
        for (int i = 0; i < 10000; i++)
            drv_push(&d, (simtime_t)((i * 7919) % 10007) * 1000);
        assert_int_equal(lad(&d.q)->ntop, 10000);
        assert_int_equal(lad(&d.q)->bottom_spawns, 0);
        for (int i = 0; i < 10000; i++)
            drv_pop(&d);
        check(&d.q);
    }
    drv_drain_free(&d);
}

/* Timeouts armed far ahead and cancelled at once (a response always
 * arrives): without the purge their dead keys would pile up in Top. Keys
 * stay below 2 * live + PURGE_MIN, and the arena stays bounded. */
static void test_dead_keys_bounded(void **state)
{
    (void)state;
    drv_t d;
    drv_init(&d, 2000000);
    for (int i = 0; i < 1000; i++)
        drv_push(&d, (simtime_t)i * 1000);
    size_t max_keys = 0;
    for (int i = 0; i < 500000; i++) {
        drv_pop(&d);
        drv_push(&d, d.now + 1000000);       /* the next request */
        drv_push(&d, d.now + SIMTIME_HOUR); /* its timeout */
        uint64_t id = d.next_id - 1;
        assert_int_equal(pes_cancel(&d.q, d.r.handle[id]), 1);
        ref_cancel(&d.r, id);
        if (d.q.n > max_keys)
            max_keys = d.q.n;
        assert_true(d.q.n <= 2 * d.q.live + PURGE_MIN + 1);
        if (i % 50021 == 0)
            check(&d.q);
    }
    assert_true(d.q.compactions > 0);
    assert_true(lad(&d.q)->arena_compactions > 0); /* long epoch: the arena was compacted */
    assert_true(lad(&d.q)->atop < 64 * 1024);      /* keys, for ~1000 live */
    drv_drain_free(&d);
}

/* Hold model with each distribution of bench_hold at a moderate size: the
 * structure stays valid through several epochs. */
static void test_hold_epochs(void **state)
{
    (void)state;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 11);
    for (int dist = 0; dist < 4; dist++) {
        drv_t d;
        drv_init(&d, 400000);
        for (int i = 0; i < 5000; i++)
            drv_push(&d, (simtime_t)(1e6 * gsl_rng_uniform(g)));
        for (int i = 0; i < 200000; i++) {
            double u = gsl_rng_uniform(g), x;
            switch (dist) {
            case 0: x = -log(1 - u); break;
            case 1: x = 2 * u; break;
            case 2: x = gsl_rng_uniform(g) < 0.1 ? 9.5238 + 0.95238 * u : 0.95238 * u; break;
            default: x = (1.0 / 3.0) / pow(1 - u, 1 / 1.5); break;
            }
            drv_pop(&d);
            drv_push(&d, d.now + (simtime_t)(x * 1e6));
            if (i % 10007 == 0)
                check(&d.q);
        }
        assert_true(lad(&d.q)->epochs > 1);
        drv_drain_free(&d);
    }
    gsl_rng_free(g);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixes_checked),     cmocka_unit_test(test_many_equal_times),
        cmocka_unit_test(test_spawn_to_max_rungs), cmocka_unit_test(test_push_below_bottom),
        cmocka_unit_test(test_bottom_guards),     cmocka_unit_test(test_reuse_after_empty),
        cmocka_unit_test(test_dead_keys_bounded), cmocka_unit_test(test_hold_epochs),
    };
    printf("ladder queue: THRES %d, %d rungs, rung 1 width x2^%d, spawned x2^%d\n", THRES,
           MAX_RUNGS, RUNG1_WIDTH_LOG2, SPAWN_WIDTH_LOG2);
    return cmocka_run_group_tests_name("ladder", tests, NULL, NULL);
}
