/*
 * pes_ladder: the pending event set as a ladder queue (Tang, Goh & Thng,
 * "Ladder Queue: An O(1) Priority Queue Structure for Large-Scale Discrete
 * Event Simulation", ACM TOMACS 15(3):175-204, 2005), behind the same
 * interface and semantics as the 4-ary heap of sim/pes.c (sim/pes.h): events
 * leave in (time, insertion sequence) order, so equal times are FIFO; push,
 * pop, peek, cancel, pending and handles behave identically. It is compiled
 * instead of sim/pes.c when chosen (it lives in sim/ladder/ because the
 * library build compiles sim/ but not its subdirectories); until then
 * bench/pes_ladder.c and the tests compile it under other names or alone.
 *
 * Why: a heap's pop walks ~log4(n) levels, each a cache miss once the queue
 * outgrows the caches (n = 1e6: ~4 M holds/s against the 10 M goal of
 * docs/engine.md). The ladder moves each event a bounded number of times for any
 * increment distribution with a finite positive mean (the paper's O(1)
 * amortised result), and most of those moves are sequential.
 *
 * The three tiers of the paper, all holding 16-byte (time, seq<<24|slot)
 * keys by value, the payloads living in a slot pool as in sim/pes.c:
 *   Top     unsorted array of every key with t >= top_start (the far future).
 *   Rungs   up to MAX_RUNGS = 8. Rung r covers the times [rcur, upper) with
 *           buckets 2^shift ns wide; a bucket is an unsorted block of keys.
 *           rcur ("RCur") is the lower edge of the first bucket not yet
 *           consumed; rung r+1 always lies below rung r's rcur.
 *   Bottom  sorted array of the earliest keys; pop takes its front.
 * push: Top if t >= top_start; else the first rung whose rcur <= t (bucket
 * (t - start) >> shift); else Bottom, by binary search.
 * pop: Bottom's front. When Bottom is empty, the lowest rung's next
 * non-empty bucket comes down: if it holds more than THRES = 50 keys (and
 * could be split), it is spread over a new, finer rung ("spawning");
 * otherwise it becomes Bottom and is sorted by (time, key). When the rungs
 * are exhausted, Top moves into a new rung 1 (one "epoch"), or straight
 * into Bottom when it holds THRES keys or fewer or all at one time.
 *
 * The paper's rules, and where this file departs from them:
 *   bucket width  paper: rung 1 gets (MaxTS - MinTS) / NTop, a spawned rung
 *                 its bucket's width / its number of events: about one
 *                 event per bucket. Here a spawned rung starts at its
 *                 bucket's earliest key (a later push below that goes to
 *                 Bottom, which precedes it) and takes span / count. Each
 *                 width is rounded down to a power of two ns, so a bucket
 *                 index is an exact integer shift of (t - start): no
 *                 floating-point width, so an event can never land in a
 *                 bucket it does not belong to (the pitfall the paper warns
 *                 of; tests/test_ladder.c checks every key against its
 *                 bucket's edges in 128-bit arithmetic), and no division per
 *                 push. Then the widths are multiplied by 2^RUNG1_WIDTH_LOG2
 *                 = 32 (rung 1) and 2^SPAWN_WIDTH_LOG2 = 8 (spawned rungs),
 *                 chosen by measurement (bench/bench_hold): with one event
 *                 per bucket every bucket is a separate cache miss and a
 *                 separate trip down to Bottom; with ~32 per rung-1 bucket,
 *                 pushes touch 32x fewer bucket headers (they stay cached),
 *                 a crowded bucket spawns a child rung that is small and
 *                 cache-resident, and Bottom sorts ~8 keys at a time.
 *                 n = 1e6, Exp(1): 6.9 M holds/s with the paper's widths,
 *                 11.5 M with these; n = 1e3, Pareto: 0.7x the heap with the
 *                 paper's, 1.7x with these. -DRUNG1_WIDTH_LOG2=0
 *                 -DSPAWN_WIDTH_LOG2=0 restores the paper's rules.
 *                 Widths stop at 1 ns: a 1 ns bucket (one time) goes to
 *                 Bottom whatever its size, already in sequence order.
 *   spawning      a bucket with more than THRES keys spawns a child rung at
 *                 dequeue time, as in the paper, unless all its keys share
 *                 one time (no width can split them) or 8 rungs exist.
 *   Bottom        the paper's Bottom is a linked list (sorted insert is a
 *                 linear walk) and spawns a rung when it exceeds THRES
 *                 events. Here Bottom is an array: insert = binary search +
 *                 shifting the shorter side. The overflow rule is applied
 *                 when an insert shifts more than THRES keys; appends at
 *                 the end (zero-delay events, FIFO ties) never pay it.
 *   ties          the ladder orders only by time; here Bottom is sorted by
 *                 (time, key) and every bucket keeps keys of one time in
 *                 sequence order, so equal times stay FIFO.
 *   times         int64 ns, any value including INT64_MIN/MAX: every
 *                 difference is taken in uint64 (exact when t >= start) and
 *                 no upper edge is ever computed past the largest key.
 *   empty queue   when the last key leaves, the ladder forgets its epoch
 *                 (top_start, exhausted rungs): the next keys start a new
 *                 one in Top even if they are earlier (Up/Down refills).
 *
 * Memory: no allocation per event. Bucket blocks hold 2^k keys and come
 * from one arena (an array grown by 1.5x; blocks are named by 32-bit
 * offsets, so growth may move it), with a free list per size class; a
 * bucket that fills moves to a block twice the size (in place if it is the
 * arena's last block). When a new epoch starts nothing in the arena is
 * live, so it restarts empty and rung 1 is laid out sequentially in time
 * order. Within a long epoch, blocks freed in one size class cannot serve
 * another; when the arena must grow while 1/4 of it is free blocks, the
 * live blocks are slid down instead (arena_compact), so the arena stays
 * within a small multiple of the keys it holds. Bottom is always one arena
 * block: a bucket becomes Bottom in place, without a copy. Top is its own
 * array. pop never allocates except to spawn (and a spawn that cannot get
 * memory sends its bucket to Bottom): whenever Top grows, push reserves
 * what moving the whole of Top into rung 1 needs.
 *
 * Cache: every pop reads its event's slot, and slots are reused LIFO, so
 * their order is random in time. Once the slots outgrow a 1 MB cache, a
 * bucket coming down has look_ahead() prefetch the slots of the next
 * bucket and the block of the one after, and each pop prefetches the slot
 * of the key behind it.
 *
 * Cancellation is lazy: cancel() marks the slot dead and makes the handle
 * stale at once; a dead key is dropped when its bucket comes down to Bottom
 * or when it reaches Bottom's front. Dead keys would otherwise grow without
 * bound (a timeout armed one hour ahead and cancelled every ms), so when
 * they exceed both PURGE_MIN and a quarter of the live count, purge() walks
 * Top, every unconsumed bucket and Bottom and drops them all: keys stay
 * below 1.25 * live + PURGE_MIN, and each purge is paid for by the live / 4
 * cancels that made it necessary (O(1) amortised: about 5 keys walked per
 * cancel). A quarter rather than the lazy heap's whole live count: in a
 * retry storm every attempt arms a timeout and cancels it, and the dead
 * keys and their slots were most of the ladder's memory (bench_storm: 291
 * bytes per call in flight with the live count, 252 with a quarter, and
 * 2% faster). pes_t.compactions counts purges.
 *
 * pes_t is shared with sim/pes.c: this design keeps its ladder in
 * heap_mem, and sets cap so that eng_memory()'s cap * 16 bytes is the
 * memory it holds besides the slot pool.
 */
#include "../pes.h"
#include "../pes_slots.h"

#include <stdlib.h>
#include <string.h>

#define THRES 50        /* a bucket with more keys spawns a rung (paper: 50) */
#define MAX_RUNGS 8     /* paper: 8 */
/* Bucket widths, as log2 multiples of the paper's (0 = the paper's rules):
 * rung 1 gets the paper's width (MaxTS - MinTS)/NTop times 2^RUNG1_WIDTH_LOG2,
 * a spawned rung its span/count times 2^SPAWN_WIDTH_LOG2 (see the file
 * comment for why, and bench/bench_hold for the measurements). */
#ifndef RUNG1_WIDTH_LOG2
#define RUNG1_WIDTH_LOG2 5
#endif
#ifndef SPAWN_WIDTH_LOG2
#define SPAWN_WIDTH_LOG2 3
#endif
#define BUCKET_MIN_CLS 2 /* log2 keys of a bucket's first block (one cache line) */
#define BOTTOM_MIN_CLS 3 /* log2 keys of Bottom's block when a push starts it */
#define SORT_SMALL 64   /* insertion sort up to this many keys, heapsort above */
#define PURGE_MIN 1024  /* dead keys tolerated before a purge, whatever live is */
#define COMPACT_AT 4    /* compact rather than grow the arena when 1/4 of it is free */
#define LOOK_SCAN 64    /* bucket headers look_ahead() scans for the next bucket */
#define LOOK_KEYS 64    /* slots it prefetches */
#define PREFETCH_MIN_SLOTS 32768 /* prefetch only past this many 32-byte slots
                                  * (1 MB): fewer stay cached, and the hints
                                  * only cost (Brooker's table, ~200 pending,
                                  * was 4% slower with them) */

#define SLOT_MASK (((uint64_t)1 << PES_SLOT_BITS) - 1)
#define SEQ_LIMIT ((uint64_t)1 << (64 - PES_SLOT_BITS))

/* A block reference: meta packs the key count (low CNT_BITS) and the size
 * class + 1 (high bits; 0 = no block, capacity 0). Classes go up to 2^25
 * keys, beyond PES_MAX_PENDING. */
#define CNT_BITS 27
#define CNT_MASK ((UINT32_C(1) << CNT_BITS) - 1)
#define NCLS 26
#define NONE UINT32_MAX
#define ARENA_MAX ((size_t)UINT32_MAX - 1) /* keys; offsets are 32-bit */

/* A function whose only effect is prefetching looks side-effect free to
 * GCC (12, -O2): its interprocedural analysis marks it pure, and a call to
 * a pure function returning nothing is dropped. The helpers that only
 * prefetch are therefore PREFETCHER: inlined before that analysis runs,
 * so the hints stay in their callers (without it GCC removed every one). */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define PREFETCHER static inline __attribute__((always_inline))
#else
#define PREFETCH(p) ((void)(p))
#define LIKELY(x) (x)
#define PREFETCHER static inline
#endif


typedef struct {
    uint32_t off;  /* arena index of the block's first key (if it has one) */
    uint32_t meta; /* count | (class + 1) << CNT_BITS */
} blk_t;

typedef struct {
    simtime_t rcur;  /* RCur, ns: lower edge of bucket cur; = upper once cur == nb */
    simtime_t start; /* ns, lower edge of bucket 0 */
    simtime_t upper; /* ns, exclusive upper edge of the rung's range */
    blk_t *b;        /* bucket headers [0, nb) */
    uint32_t nb;     /* buckets */
    uint32_t cur;    /* first bucket not yet moved down (those below are empty) */
    uint32_t bcap;   /* headers allocated */
    unsigned shift;  /* bucket width = 2^shift ns */
} rung_t;

typedef struct {
    pes_key_t *arena;  /* bucket and Bottom blocks */
    blk_t bot;         /* Bottom: sorted keys at arena[bot.off + bhead .. + count) */
    uint32_t bhead;    /* Bottom's front (keys before it have been popped) */
    int nrung;         /* rungs in use; rung[nrung - 1] is the lowest (finest) */
    simtime_t top_start; /* ns: keys with t >= top_start go to Top */
    rung_t rung[MAX_RUNGS];
    pes_key_t *top;    /* Top, unsorted, in push order */
    size_t ntop, topcap;
    simtime_t top_min, top_max; /* bounds of Top's times (INT64_MAX/MIN when empty) */
    size_t atop, acap; /* arena: keys handed out by bumping, keys allocated */
    size_t afree;      /* keys in free blocks */
    uint32_t freel[NCLS]; /* free blocks per class, linked through key.key */
    /* statistics, for tests and reports */
    uint64_t epochs;        /* Top moved down */
    uint64_t spawns;        /* crowded buckets spread over a child rung */
    uint64_t bottom_spawns; /* Bottom spread over a new rung */
    uint64_t arena_compactions;
    int max_rungs;          /* most rungs in use at once */
} ladder_t;

/* ---- small helpers ------------------------------------------------------- */

static inline ladder_t *lad(const pes_t *q) { return (ladder_t *)q->heap_mem; }

static inline int key_less(pes_key_t a, pes_key_t b)
{
    return a.t < b.t || (a.t == b.t && a.key < b.key);
}

static inline uint32_t key_slot(pes_key_t k) { return (uint32_t)(k.key & SLOT_MASK); }

static inline uint32_t blk_cnt(blk_t b) { return b.meta & CNT_MASK; }
static inline uint32_t blk_cap(blk_t b) { return (UINT32_C(1) << (b.meta >> CNT_BITS)) >> 1; }
static inline unsigned blk_cls(blk_t b) { return (b.meta >> CNT_BITS) - 1; }
static inline uint32_t cls_bits(unsigned cls) { return (uint32_t)(cls + 1) << CNT_BITS; }

static inline unsigned floor_log2(uint64_t x) /* x > 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return 63u - (unsigned)__builtin_clzll(x);
#else
    unsigned r = 0;
    while (x >>= 1)
        r++;
    return r;
#endif
}

static inline unsigned ceil_log2(uint64_t x) { return x <= 1 ? 0 : floor_log2(x - 1) + 1; }

/* Bucket width, as log2 ns, for `count` keys over `span` ns: the paper's
 * span / count rounded down to a power of two (at least 1 ns), times
 * 2^bias, at most 2^62. */
static unsigned width_shift(uint64_t span, uint64_t count, unsigned bias)
{
    uint64_t w = span / count;
    unsigned s = w > 1 ? floor_log2(w) : 0;
    return s + bias < 63 ? s + bias : 62;
}

/* Lower edge of bucket i of R. Exact: i < nb, so the edge is <= upper - 1. */
static inline simtime_t bucket_lo(const rung_t *R, uint32_t i)
{
    return (simtime_t)((uint64_t)R->start + ((uint64_t)i << R->shift));
}

/* Bucket of time t in R; requires R->start <= t < R->upper. */
static inline uint32_t bucket_of(const rung_t *R, simtime_t t)
{
    return (uint32_t)(((uint64_t)t - (uint64_t)R->start) >> R->shift);
}

/* Memory held besides the slot pool, in 16-byte units (see the file comment). */
static void account(pes_t *q, const ladder_t *L)
{
    size_t bytes = sizeof *L + (L->topcap + L->acap) * sizeof(pes_key_t);
    for (int r = 0; r < MAX_RUNGS; r++)
        bytes += (size_t)L->rung[r].bcap * sizeof(blk_t);
    q->cap = (bytes + sizeof(pes_key_t) - 1) / sizeof(pes_key_t);
}

/* ---- the slot pool (event payloads), as in sim/pes.c -------------------- */


/* Drop the dead keys of a[0..c) in place (order kept), freeing their slots.
 * Returns the number kept. */
static uint32_t drop_dead(pes_t *q, pes_key_t *a, uint32_t c)
{
    uint32_t w = 0;
    for (uint32_t j = 0; j < c; j++) {
        uint32_t s = key_slot(a[j]);
        if (q->slots[s].state == SLOT_DEAD)
            slot_release(q, s);
        else
            a[w++] = a[j];
    }
    q->dead -= c - w;
    q->n -= c - w;
    return w;
}

/* ---- the arena of blocks ------------------------------------------------- */

/* Make the arena hold at least `need` keys. It may move. */
static int arena_reserve(pes_t *q, ladder_t *L, size_t need)
{
    if (need <= L->acap)
        return 0;
    if (need > ARENA_MAX)
        return -1;
    size_t nc = L->acap ? L->acap + L->acap / 2 : 256; /* x1.5: the arena dominates memory */
    if (nc < need)
        nc = need;
    if (nc > ARENA_MAX)
        nc = ARENA_MAX;
    pes_key_t *a = realloc(L->arena, nc * sizeof *a);
    if (!a)
        return -1;
    L->arena = a;
    L->acap = nc;
    account(q, L);
    return 0;
}

/* Nothing in the arena is live: hand it out again from the start. */
static void arena_reset(ladder_t *L)
{
    L->atop = 0;
    L->afree = 0;
    for (int c = 0; c < NCLS; c++)
        L->freel[c] = NONE;
}

static int by_off(const void *a, const void *b)
{
    uint32_t x = (*(blk_t *const *)a)->off, y = (*(blk_t *const *)b)->off;
    return (x > y) - (x < y);
}

/* Slide every live block down over the free ones (which the free lists of
 * other size classes could not reuse: a long epoch whose buckets grow
 * through all sizes leaves one of each behind). Every live block must be
 * named by Bottom, a bucket header of an active rung, or *extra (a block
 * the caller is moving, or NULL), and the caller must hold no other arena
 * offset: all of them are updated. */
static void arena_compact(ladder_t *L, blk_t *extra)
{
    if (extra && !blk_cap(*extra))
        extra = NULL;
    size_t nref = (L->bot.meta ? 1 : 0) + (extra ? 1 : 0);
    for (int r = 0; r < L->nrung; r++)
        for (uint32_t i = L->rung[r].cur; i < L->rung[r].nb; i++)
            nref += L->rung[r].b[i].meta != 0;
    blk_t **ref = malloc((nref ? nref : 1) * sizeof *ref);
    if (!ref)
        return; /* the arena grows instead */
    size_t k = 0;
    if (L->bot.meta)
        ref[k++] = &L->bot;
    if (extra)
        ref[k++] = extra;
    for (int r = 0; r < L->nrung; r++)
        for (uint32_t i = L->rung[r].cur; i < L->rung[r].nb; i++)
            if (L->rung[r].b[i].meta)
                ref[k++] = &L->rung[r].b[i];
    qsort(ref, nref, sizeof *ref, by_off);
    size_t top = 0;
    for (k = 0; k < nref; k++) { /* ascending: a block never lands on one not yet moved */
        blk_t *b = ref[k];
        if (k && b == ref[k - 1]) /* *extra may also be Bottom: move it once */
            continue;
        if (b->off != top)
            memmove(L->arena + top, L->arena + b->off, blk_cnt(*b) * sizeof(pes_key_t));
        b->off = (uint32_t)top;
        top += blk_cap(*b);
    }
    free(ref);
    arena_reset(L);
    L->atop = top;
    L->arena_compactions++;
}

/* Make room for `need` more keys at the arena's top, compacting first if
 * at least 1/COMPACT_AT of it is free blocks (arena_compact's conditions apply,
 * with *extra; may_compact = 0 where they do not). */
static int arena_room(pes_t *q, ladder_t *L, size_t need, int may_compact, blk_t *extra)
{
    if (L->atop + need > L->acap && may_compact && L->afree >= L->atop / COMPACT_AT)
        arena_compact(L, extra);
    return arena_reserve(q, L, L->atop + need);
}

/* A block of 2^cls keys (a recycled one first), or NONE without memory.
 * may_compact: see arena_room. */
static uint32_t blk_alloc(pes_t *q, ladder_t *L, unsigned cls, int may_compact)
{
    uint32_t h = L->freel[cls];
    size_t sz = (size_t)1 << cls;
    if (h != NONE) {
        L->freel[cls] = (uint32_t)L->arena[h].key;
        L->afree -= sz;
        return h;
    }
    if (arena_room(q, L, sz, may_compact, NULL) < 0)
        return NONE;
    h = (uint32_t)L->atop;
    L->atop += sz;
    return h;
}

static void blk_free(ladder_t *L, blk_t b)
{
    if (!blk_cap(b))
        return;
    unsigned c = blk_cls(b);
    L->arena[b.off].key = L->freel[c];
    L->freel[c] = b.off;
    L->afree += (size_t)1 << c;
}

/* Move *b's keys [from, count) to the start of a block one class larger
 * (min_cls if it has none). *b is Bottom or a bucket of an active rung at
 * or after its cur (a push's bucket), so a compaction updates it. */
static int blk_grow(pes_t *q, ladder_t *L, blk_t *b, uint32_t from, unsigned min_cls)
{
    uint32_t c = blk_cnt(*b) - from;
    unsigned cls = blk_cap(*b) ? blk_cls(*b) + 1 : min_cls;
    if (cls >= NCLS)
        return -1;
    if (!from && blk_cap(*b) && b->off + (size_t)blk_cap(*b) == L->atop &&
        L->atop + blk_cap(*b) <= L->acap) {
        /* the last block of the arena grows where it is: no copy, no free
         * block left behind (a crowded bucket filling up) */
        L->atop += blk_cap(*b);
        b->meta = c | cls_bits(cls);
        return 0;
    }
    uint32_t off = blk_alloc(q, L, cls, 1); /* may move *b: it is read below */
    if (off == NONE)
        return -1;
    if (c)
        memcpy(L->arena + off, L->arena + b->off + from, c * sizeof(pes_key_t));
    blk_free(L, *b);
    b->off = off;
    b->meta = c | cls_bits(cls);
    return 0;
}

/* ---- sorting (Bottom) ---------------------------------------------------- */

static void sift(pes_key_t *a, size_t i, size_t n)
{
    pes_key_t k = a[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && key_less(a[c], a[c + 1]))
            c++;
        if (!key_less(k, a[c]))
            break;
        a[i] = a[c];
        i = c;
    }
    a[i] = k;
}

/* Sort by (time, key). Buckets are usually small (insertion sort) or, when
 * large, hold one time in sequence order (already sorted: the first scan
 * returns); heapsort only guards the rare large mixed bucket (8 rungs). */
static void sort_keys(pes_key_t *a, size_t n)
{
    size_t i = 1;
    while (i < n && key_less(a[i - 1], a[i]))
        i++;
    if (i >= n)
        return;
    if (n <= SORT_SMALL) {
        for (; i < n; i++) {
            pes_key_t k = a[i];
            size_t j = i;
            for (; j > 0 && key_less(k, a[j - 1]); j--)
                a[j] = a[j - 1];
            a[j] = k;
        }
        return;
    }
    for (size_t h = n / 2; h-- > 0;)
        sift(a, h, n);
    for (size_t e = n - 1; e > 0; e--) {
        pes_key_t k = a[0];
        a[0] = a[e];
        a[e] = k;
        sift(a, 0, e);
    }
}

/* ---- rungs --------------------------------------------------------------- */

static int rung_reserve(pes_t *q, ladder_t *L, rung_t *R, size_t nb)
{
    if (nb <= R->bcap)
        return 0;
    if (nb > UINT32_MAX)
        return -1;
    size_t nc = R->bcap ? R->bcap : 64;
    while (nc < nb)
        nc *= 2;
    if (nc > UINT32_MAX)
        nc = UINT32_MAX;
    blk_t *b = realloc(R->b, nc * sizeof *b);
    if (!b)
        return -1;
    R->b = b;
    R->bcap = (uint32_t)nc;
    account(q, L);
    return 0;
}

/* Spread the keys src[0..c) with t < R->upper (a counting sort by bucket)
 * over R (not yet active), whose start, upper, shift and nb are set. src
 * is ext, or keys [from, from + c) of the arena block *sb (compaction may
 * move it: re-read after allocating). All memory is obtained before any
 * key moves, so on failure (-1) the keys are where they were. Blocks are
 * exactly the power of two >= the bucket's count: at most 2c keys in all. */
static int rung_fill(pes_t *q, ladder_t *L, rung_t *R, const pes_key_t *ext, blk_t *sb,
                     uint32_t from, size_t c)
{
    if (rung_reserve(q, L, R, R->nb) < 0)
        return -1;
    blk_t *b = R->b;
    memset(b, 0, R->nb * sizeof *b);
    const pes_key_t *src = ext ? ext : L->arena + sb->off + from;
    for (size_t j = 0; j < c; j++)
        if (src[j].t < R->upper)
            b[bucket_of(R, src[j].t)].meta++;
    size_t need = 0;
    for (uint32_t i = 0; i < R->nb; i++)
        if (b[i].meta)
            need += (size_t)1 << ceil_log2(b[i].meta);
    if (arena_room(q, L, need, !ext, sb) < 0)
        return -1;
    for (uint32_t i = 0; i < R->nb; i++)
        if (b[i].meta) {
            unsigned cls = ceil_log2(b[i].meta);
            b[i].off = blk_alloc(q, L, cls, 0); /* cannot fail: reserved */
            b[i].meta = cls_bits(cls);
        }
    src = ext ? ext : L->arena + sb->off + from;
    pes_key_t *a = L->arena;
    for (size_t j = 0; j < c; j++)
        if (src[j].t < R->upper) {
            blk_t *d = &b[bucket_of(R, src[j].t)];
            a[d->off + (d->meta & CNT_MASK)] = src[j];
            d->meta++;
        }
    R->cur = 0;
    R->rcur = R->start;
    return 0;
}

static void note_rungs(ladder_t *L)
{
    if (L->nrung > L->max_rungs)
        L->max_rungs = L->nrung;
}

/* The bucket bk (c > THRES keys, times below upper) of a rung with buckets
 * 2^parent_shift ns wide spawns a child rung below the lowest one. Returns
 * 1, or 0 when it should go to Bottom instead: all its keys share one time
 * (no width separates them; they are already in sequence order) or memory
 * ran out. The child starts at the
 * bucket's earliest key (a later push below that goes to Bottom, which
 * precedes the child) and its width is the paper's span / count. */
static int spawn(pes_t *q, ladder_t *L, blk_t bk, simtime_t upper, unsigned parent_shift)
{
    const pes_key_t *a = L->arena + bk.off;
    uint32_t c = blk_cnt(bk);
    simtime_t lo = a[0].t, hi = a[0].t;
    for (uint32_t j = 1; j < c; j++) {
        lo = a[j].t < lo ? a[j].t : lo;
        hi = a[j].t > hi ? a[j].t : hi;
    }
    if (lo == hi)
        return 0;
    rung_t *R = &L->rung[L->nrung];
    uint64_t span = (uint64_t)upper - (uint64_t)lo;
    R->start = lo;
    R->upper = upper;
    R->shift = width_shift(span, c, SPAWN_WIDTH_LOG2);
    if (R->shift >= parent_shift) /* only with a large SPAWN_WIDTH_LOG2: still split */
        R->shift = parent_shift - 1;
    R->nb = (uint32_t)(((span - 1) >> R->shift) + 1);
    if (rung_fill(q, L, R, NULL, &bk, 0, c) < 0)
        return 0;
    blk_free(L, bk);
    L->nrung++;
    L->spawns++;
    note_rungs(L);
    return 1;
}

/* ---- Bottom -------------------------------------------------------------- */

static void bottom_clear(ladder_t *L)
{
    blk_free(L, L->bot);
    L->bot = (blk_t){0, 0};
    L->bhead = 0;
}

/* Bottom has just been given a block of keys in any order: drop the dead
 * ones (loading their slots, which the pops that follow will read), sort. */
static void bottom_settle(pes_t *q, ladder_t *L)
{
    pes_key_t *a = L->arena + L->bot.off;
    uint32_t w = drop_dead(q, a, blk_cnt(L->bot));
    if (!w) {
        bottom_clear(L);
        return;
    }
    L->bot.meta = (L->bot.meta & ~CNT_MASK) | w;
    L->bhead = 0;
    sort_keys(a, w);
}

/* The paper's Bottom overflow: spread Bottom over a new lowest rung, which
 * covers [Bottom's first time, the lowest rung's rcur or top_start). Best
 * effort: skipped at 8 rungs, without memory, or when one bucket would take
 * every key (no progress). */
static void bottom_spawn(pes_t *q, ladder_t *L)
{
    if (L->nrung >= MAX_RUNGS)
        return;
    simtime_t upper = L->nrung ? L->rung[L->nrung - 1].rcur : L->top_start;
    const pes_key_t *a = L->arena + L->bot.off;
    uint32_t h = L->bhead, c = blk_cnt(L->bot) - h;
    simtime_t lo = a[h].t, hi = a[h + c - 1].t;
    if (hi >= upper) /* only Top's INT64_MAX keys sit at top_start itself */
        return;
    rung_t *R = &L->rung[L->nrung];
    uint64_t span = (uint64_t)upper - (uint64_t)lo;
    unsigned shift = width_shift(span, c, SPAWN_WIDTH_LOG2);
    if ((((uint64_t)hi - (uint64_t)lo) >> shift) == 0)
        return;
    R->start = lo;
    R->upper = upper;
    R->shift = shift;
    R->nb = (uint32_t)(((span - 1) >> shift) + 1);
    if (rung_fill(q, L, R, NULL, &L->bot, h, c) < 0)
        return;
    bottom_clear(L);
    L->nrung++;
    L->bottom_spawns++;
    note_rungs(L);
}

/* Insert k into sorted Bottom (k's sequence is the largest yet, so among
 * equal times it goes last). */
static int bottom_push(pes_t *q, ladder_t *L, pes_key_t k)
{
    uint32_t h = L->bhead, c = blk_cnt(L->bot);
    if (h == c) { /* empty: start a block */
        bottom_clear(L);
        uint32_t off = blk_alloc(q, L, BOTTOM_MIN_CLS, 1);
        if (off == NONE)
            return -1;
        L->arena[off] = k;
        L->bot = (blk_t){off, 1 | cls_bits(BOTTOM_MIN_CLS)};
        return 0;
    }
    pes_key_t *a = L->arena + L->bot.off;
    uint32_t p = c; /* first key after k */
    if (k.t < a[c - 1].t) {
        /* k's sequence number is the largest, so the first key after k is
         * the first with a later time: compare times alone. Branch-free
         * (the halving step compiles to a conditional move): the
         * comparisons are coin flips a predictor cannot learn, and the
         * branching search spent most of push's time mispredicting. */
        const pes_key_t *base = a + h;
        uint32_t len = c - h; /* the answer is in [base, base + len) */
        while (len > 1) {
            uint32_t half = len / 2;
            base = k.t < base[half - 1].t ? base : base + half;
            len -= half;
        }
        p = (uint32_t)(base - a);
    }
    uint32_t moved;
    if (h > 0 && p - h <= c - p) { /* shift the front part left into the gap */
        memmove(a + h - 1, a + h, (p - h) * sizeof *a);
        a[p - 1] = k;
        L->bhead = h - 1;
        moved = p - h;
    } else {
        if (c == blk_cap(L->bot)) {
            if (blk_grow(q, L, &L->bot, h, BOTTOM_MIN_CLS) < 0)
                return -1;
            p -= h;
            c -= h;
            L->bhead = 0;
            a = L->arena + L->bot.off;
        }
        memmove(a + p + 1, a + p, (c - p) * sizeof *a);
        a[p] = k;
        L->bot.meta++;
        moved = c - p;
    }
    if (moved > THRES)
        bottom_spawn(q, L);
    return 0;
}

/* ---- Top ----------------------------------------------------------------- */

/* Double Top, and reserve what moving all of it down needs (see
 * top_to_ladder), so that pop never has to allocate. */
static int top_grow(pes_t *q, ladder_t *L)
{
    size_t nc = L->topcap ? 2 * L->topcap : 64;
    if (nc > PES_MAX_PENDING * 2)
        return -1;
    /* rung 1 gets nb < 2 * ntop / 2^RUNG1_WIDTH_LOG2 + 1 buckets (see
     * width_shift), blocks of at most 2 * ntop keys in all */
    if (rung_reserve(q, L, &L->rung[0], ((2 * nc) >> RUNG1_WIDTH_LOG2) + 2) < 0 ||
        arena_reserve(q, L, 2 * nc) < 0)
        return -1;
    pes_key_t *t = realloc(L->top, nc * sizeof *t);
    if (!t)
        return -1;
    L->top = t;
    L->topcap = nc;
    account(q, L);
    return 0;
}

static inline int top_push(pes_t *q, ladder_t *L, pes_key_t k)
{
    if (L->ntop == L->topcap && top_grow(q, L) < 0)
        return -1;
    L->top[L->ntop++] = k;
    if (k.t < L->top_min)
        L->top_min = k.t;
    if (k.t > L->top_max)
        L->top_max = k.t;
    return 0;
}

/* The rungs and Bottom are empty: start an epoch. Top becomes rung 1,
 * covering [MinTS, MaxTS + 1) with the paper's width (MaxTS - MinTS)/NTop,
 * after which top_start = MaxTS + 1. A small Top (<= THRES keys) or one
 * time only goes straight to Bottom instead. Keys at INT64_MAX (which no
 * exclusive edge can cover) stay in Top for a later epoch, where they are
 * all at one time. Memory for all this was reserved by top_grow. */
static void top_to_ladder(pes_t *q, ladder_t *L)
{
    simtime_t lo = L->top_min, hi = L->top_max;
    size_t c = L->ntop;
    arena_reset(L);
    L->epochs++;
    if (c > THRES && lo < hi) {
        rung_t *R = &L->rung[0];
        simtime_t upper = hi < INT64_MAX ? hi + 1 : INT64_MAX;
        uint64_t span = (uint64_t)upper - (uint64_t)lo;
        R->start = lo;
        R->upper = upper;
        R->shift = width_shift(span, c, RUNG1_WIDTH_LOG2);
        R->nb = (uint32_t)(((span - 1) >> R->shift) + 1);
        if (rung_fill(q, L, R, L->top, NULL, 0, c) == 0) {
            size_t w = 0;
            if (upper == INT64_MAX)
                for (size_t j = 0; j < c; j++)
                    if (L->top[j].t == INT64_MAX)
                        L->top[w++] = L->top[j];
            L->ntop = w;
            L->top_min = INT64_MAX;
            L->top_max = w ? INT64_MAX : INT64_MIN;
            L->top_start = upper;
            L->nrung = 1;
            note_rungs(L);
            return;
        }
    }
    unsigned cls = ceil_log2(c);
    uint32_t off = blk_alloc(q, L, cls, 0); /* cannot fail: reserved */
    memcpy(L->arena + off, L->top, c * sizeof(pes_key_t));
    L->bot = (blk_t){off, (uint32_t)c | cls_bits(cls)};
    L->top_start = hi < INT64_MAX ? hi + 1 : INT64_MAX;
    L->ntop = 0;
    L->top_min = INT64_MAX;
    L->top_max = INT64_MIN;
    bottom_settle(q, L);
}

/* ---- moving keys down ---------------------------------------------------- */

/* The queue holds no key at all: forget the last epoch (its top_start and
 * exhausted rungs), so that the next keys start a fresh one in Top even if
 * they are earlier than the old ones (Up/Down refills from time 0). */
static void reset_empty(ladder_t *L)
{
    L->nrung = 0;
    L->top_start = INT64_MIN;
    L->ntop = 0;
    L->top_min = INT64_MAX;
    L->top_max = INT64_MIN;
    bottom_clear(L);
    arena_reset(L);
}

/* First non-empty bucket of R from i on, looking at most LOOK_SCAN headers;
 * R->nb if none there. */
static inline uint32_t next_full(const rung_t *R, uint32_t i)
{
    uint32_t end = R->nb - i > LOOK_SCAN ? i + LOOK_SCAN : R->nb;
    while (i < end && !blk_cnt(R->b[i]))
        i++;
    return i < end ? i : R->nb;
}

/* Prefetch for the buckets that come down next, a hint only (pushes may
 * still change them): the slots of the next non-empty bucket's keys (its
 * block was prefetched by the previous call), and the block of the one
 * after. Every key costs a slot miss at n = 1e6 (slots are reused LIFO, so
 * their order is random in time); with buckets of one or two keys nothing
 * else hides it. */
PREFETCHER void look_ahead(const pes_t *q, const ladder_t *L, const rung_t *R)
{
    uint32_t j = next_full(R, R->cur);
    if (j == R->nb)
        return;
    const pes_key_t *a = L->arena + R->b[j].off;
    uint32_t c = blk_cnt(R->b[j]);
    for (uint32_t x = 0; x < c && x < LOOK_KEYS; x++)
        PREFETCH(&q->slots[key_slot(a[x])]);
    uint32_t k = next_full(R, j + 1);
    if (k < R->nb) {
        PREFETCH(L->arena + R->b[k].off);
        PREFETCH(L->arena + R->b[k].off + 4);
    }
}

/* Bottom is empty: bring down the lowest rung's next non-empty bucket
 * (spawning a finer rung if it is crowded), or Top when the rungs are
 * exhausted. Returns 1 once Bottom holds a key, 0 if the queue holds none. */
static int refill(pes_t *q, ladder_t *L)
{
    for (;;) {
        if (!L->nrung) {
            if (!L->ntop) {
                reset_empty(L); /* empty: the next keys start a fresh epoch */
                return 0;
            }
            top_to_ladder(q, L);
        } else {
            rung_t *R = &L->rung[L->nrung - 1];
            uint32_t i = R->cur;
            while (i < R->nb && !blk_cnt(R->b[i]))
                i++;
            if (i == R->nb) {
                L->nrung--;
                continue;
            }
            blk_t bk = R->b[i];
            R->b[i] = (blk_t){0, 0};
            R->cur = i + 1;
            R->rcur = i + 1 < R->nb ? bucket_lo(R, i + 1) : R->upper;
            if (blk_cnt(bk) > THRES && R->shift > 0 && L->nrung < MAX_RUNGS &&
                spawn(q, L, bk, R->rcur, R->shift))
                continue;
            if (q->nused > PREFETCH_MIN_SLOTS)
                look_ahead(q, L, R);
            L->bot = bk;
            bottom_settle(q, L);
        }
        if (L->bhead < blk_cnt(L->bot))
            return 1;
    }
}

/* The earliest live key, at Bottom's front (dead keys there are dropped),
 * or NULL if the queue is empty. */
static pes_key_t *front(pes_t *q, ladder_t *L)
{
    for (;;) {
        if (LIKELY(L->bhead < blk_cnt(L->bot))) {
            pes_key_t *k = &L->arena[L->bot.off + L->bhead];
            uint32_t s = key_slot(*k);
            if (LIKELY(q->slots[s].state != SLOT_DEAD))
                return k;
            slot_release(q, s);
            q->dead--;
            q->n--;
            if (++L->bhead == blk_cnt(L->bot))
                bottom_clear(L);
            continue;
        }
        if (!refill(q, L))
            return NULL;
    }
}

/* ---- purge of dead keys -------------------------------------------------- */

static void purge(pes_t *q, ladder_t *L)
{
    L->ntop = drop_dead(q, L->top, (uint32_t)L->ntop);
    if (!L->ntop) {
        L->top_min = INT64_MAX;
        L->top_max = INT64_MIN;
    }
    for (int r = 0; r < L->nrung; r++) {
        rung_t *R = &L->rung[r];
        for (uint32_t i = R->cur; i < R->nb; i++) {
            blk_t *b = &R->b[i];
            uint32_t c = blk_cnt(*b);
            if (!c)
                continue;
            uint32_t w = drop_dead(q, L->arena + b->off, c);
            if (w) {
                b->meta = (b->meta & ~CNT_MASK) | w;
            } else {
                blk_free(L, *b);
                *b = (blk_t){0, 0};
            }
        }
    }
    uint32_t h = L->bhead, c = blk_cnt(L->bot);
    if (h < c) {
        uint32_t w = drop_dead(q, L->arena + L->bot.off + h, c - h);
        if (w)
            L->bot.meta = (L->bot.meta & ~CNT_MASK) | (h + w);
        else
            bottom_clear(L);
    }
    q->compactions++;
}

/* ---- the interface (sim/pes.h) ------------------------------------------- */

int pes_init(pes_t *q, size_t cap_hint)
{
    memset(q, 0, sizeof *q);
    ladder_t *L = calloc(1, sizeof *L);
    if (!L)
        return -1;
    q->heap_mem = L;
    L->top_start = INT64_MIN;
    L->top_min = INT64_MAX;
    L->top_max = INT64_MIN;
    arena_reset(L);
    account(q, L);
    while (L->topcap < cap_hint && L->topcap < PES_MAX_PENDING)
        if (top_grow(q, L) < 0) {
            pes_free(q);
            return -1;
        }
    return 0;
}

void pes_free(pes_t *q)
{
    ladder_t *L = lad(q);
    if (L) {
        for (int r = 0; r < MAX_RUNGS; r++)
            free(L->rung[r].b);
        free(L->top);
        free(L->arena);
        free(L);
    }
    free(q->slots);
    memset(q, 0, sizeof *q);
}

pes_handle_t pes_push(pes_t *q, simtime_t t, const pes_event_t *ev)
{
    ladder_t *L = lad(q);
    uint32_t s;
    if (q->seq >= SEQ_LIMIT)
        return 0;
    if (!q->n && L->top_start != INT64_MIN)
        reset_empty(L);
    if (slot_alloc(q, &s) < 0)
        return 0;
    pes_key_t k = {t, q->seq << PES_SLOT_BITS | s};
    int rc;
    if (t >= L->top_start) {
        rc = top_push(q, L, k);
    } else {
        int r = 0;
        while (r < L->nrung && t < L->rung[r].rcur)
            r++;
        if (r < L->nrung) {
            rung_t *R = &L->rung[r];
            blk_t *b = &R->b[bucket_of(R, t)];
            rc = 0;
            if (blk_cnt(*b) == blk_cap(*b))
                rc = blk_grow(q, L, b, 0, BUCKET_MIN_CLS);
            if (rc == 0) {
                L->arena[b->off + blk_cnt(*b)] = k;
                b->meta++;
            }
        } else {
            rc = bottom_push(q, L, k);
        }
    }
    if (rc < 0) {
        slot_release(q, s);
        return 0;
    }
    pes_slot_t *sl = &q->slots[s];
    sl->ev = *ev;
    sl->state = SLOT_LIVE;
    q->seq++;
    q->live++;
    q->n++;
    return (uint64_t)sl->gen << 32 | (uint64_t)(s + 1);
}

/* After a pop, fetch the slot of the key behind it in Bottom: its
 * handler's context comes from that slot, and a handler's first use of
 * its context (a draw from the stream it names) waits for it, so a miss
 * there is not hidden behind other work. */
PREFETCHER void prefetch_next_slot(const pes_t *q, const pes_key_t *k)
{
    if (q->nused > PREFETCH_MIN_SLOTS)
        PREFETCH(&q->slots[key_slot(k[1])]);
}

int pes_pop_until(pes_t *q, simtime_t until, simtime_t *t, pes_event_t *ev)
{
    ladder_t *L = lad(q);
    pes_key_t *k = front(q, L);
    if (!k || k->t > until) {
        *t = k ? k->t : SIMTIME_NEVER;
        return 0;
    }
    uint32_t s = key_slot(*k);
    *t = k->t;
    *ev = q->slots[s].ev;
    slot_release(q, s);
    q->live--;
    q->n--;
    if (++L->bhead == blk_cnt(L->bot))
        bottom_clear(L);
    else
        prefetch_next_slot(q, k);
    return 1;
}

int pes_pop(pes_t *q, simtime_t *t, pes_event_t *ev)
{
    return pes_pop_until(q, SIMTIME_NEVER, t, ev); /* no key is later than NEVER */
}

simtime_t pes_peek(pes_t *q)
{
    pes_key_t *k = front(q, lad(q));
    return k ? k->t : SIMTIME_NEVER;
}

/* The slot a handle names if its event is pending (live), else UINT32_MAX. */
static uint32_t handle_slot(const pes_t *q, pes_handle_t h)
{
    uint32_t s1 = (uint32_t)h;
    if (s1 == 0 || s1 > q->nused)
        return UINT32_MAX;
    const pes_slot_t *sl = &q->slots[s1 - 1];
    if (sl->gen != (uint32_t)(h >> 32) || sl->state != SLOT_LIVE)
        return UINT32_MAX;
    return s1 - 1;
}

int pes_pending(const pes_t *q, pes_handle_t h) { return handle_slot(q, h) != UINT32_MAX; }

int pes_cancel(pes_t *q, pes_handle_t h)
{
    uint32_t s = handle_slot(q, h);
    if (s == UINT32_MAX)
        return 0;
    q->slots[s].state = SLOT_DEAD;
    q->slots[s].gen++; /* the handle is stale from now on */
    q->live--;
    q->dead++;
    if (q->dead > PURGE_MIN && 4 * q->dead > q->live)
        purge(q, lad(q));
    return 1;
}

const char *pes_design(void) { return "ladder queue (Tang, Goh & Thng 2005), lazy cancel"; }
