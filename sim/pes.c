/*
 * pes: a d-ary min-heap of 16-byte (time, seq|slot) keys over a pool of
 * event slots. Keeping the payload (handler, context, argument) out of the
 * heap makes every sift move 16 bytes and puts a 4-ary node's children in one
 * 64-byte cache line (the heap array is offset by d - 1 entries so that each
 * sibling group starts on a line boundary). Slots are recycled LIFO, so the
 * event pushed by a handler reuses the slot just popped, which is hot.
 *
 * pop is a bottom-up ("hole") deletion with branch-free child selection and
 * prefetching (see pop_root): in the hold model the comparisons among
 * siblings are coin flips that a branch predictor cannot learn, and once the
 * queue outgrows L2 each lower level is a cache miss; those two costs
 * dominate a hold (bench/bench_hold measured 2x from these changes).
 *
 * Structure and cancellation design were chosen by bench/hold (see README).
 */
#include "pes.h"
#include "pes_slots.h"

#include <stdlib.h>
#include <string.h>

#define SLOT_MASK (((uint64_t)1 << PES_SLOT_BITS) - 1)
#define SEQ_LIMIT ((uint64_t)1 << (64 - PES_SLOT_BITS))
#define OFF (PES_ARITY - 1) /* heap entries of padding before the root */

#if PES_ARITY != 2 && PES_ARITY != 4
#error "PES_ARITY must be 2 or 4"
#endif

/* A hint only: fetch the cache line at p before it is needed. */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif


static inline int key_less(pes_key_t a, pes_key_t b)
{
    return a.t < b.t || (a.t == b.t && a.key < b.key);
}

/* The same order as key_less, computed without branches, for the selection
 * among siblings. With 128-bit integers the key is one unsigned number, time
 * (sign bit flipped: signed order becomes unsigned order) above seq|slot, and
 * the compiler compares with cmp/sbb. */
#if defined(__SIZEOF_INT128__)
static inline int key_less_nb(pes_key_t a, pes_key_t b)
{
    const uint64_t sign = (uint64_t)1 << 63;
    unsigned __int128 x = (unsigned __int128)((uint64_t)a.t ^ sign) << 64 | a.key;
    unsigned __int128 y = (unsigned __int128)((uint64_t)b.t ^ sign) << 64 | b.key;
    return x < y;
}
#else
static inline int key_less_nb(pes_key_t a, pes_key_t b)
{
    return (a.t < b.t) | ((a.t == b.t) & (a.key < b.key));
}
#endif

/* Index of the smaller of h[a] and h[b], selected by a mask, not a branch. */
static inline size_t min_idx(const pes_key_t *h, size_t a, size_t b)
{
    size_t b_less = (size_t)key_less_nb(h[b], h[a]);
    return a ^ ((a ^ b) & (0 - b_less));
}

/* Index of the smallest of the full sibling group h[c .. c + PES_ARITY). */
static inline size_t min_group(const pes_key_t *h, size_t c)
{
#if PES_ARITY == 4
    return min_idx(h, min_idx(h, c, c + 1), min_idx(h, c + 2, c + 3));
#else
    return min_idx(h, c, c + 1);
#endif
}

static inline uint32_t key_slot(pes_key_t k) { return (uint32_t)(k.key & SLOT_MASK); }

/* Write key k at heap index i (and, eagerly, tell its slot where it is). */
static inline void put(pes_t *q, size_t i, pes_key_t k)
{
    q->heap[i] = k;
#if PES_CANCEL_EAGER
    q->slots[key_slot(k)].state = (uint32_t)(i + 1);
#endif
}

static void sift_up(pes_t *q, size_t i, pes_key_t k)
{
    while (i > 0) {
        size_t p = (i - 1) / PES_ARITY;
        if (!key_less(k, q->heap[p]))
            break;
        put(q, i, q->heap[p]);
        i = p;
    }
    put(q, i, k);
}

/* Index of the smallest child of i, or 0 if i has none. */
static inline size_t min_child(const pes_t *q, size_t i)
{
    size_t c = PES_ARITY * i + 1;
    if (c >= q->n)
        return 0;
    if (c + PES_ARITY <= q->n)
        return min_group(q->heap, c);
    size_t m = c;
    for (size_t j = c + 1; j < q->n; j++)
        m = min_idx(q->heap, m, j);
    return m;
}

static void sift_down(pes_t *q, size_t i, pes_key_t k)
{
    for (;;) {
        size_t m = min_child(q, i);
        if (!m || !key_less(q->heap[m], k))
            break;
        put(q, i, q->heap[m]);
        i = m;
    }
    put(q, i, k);
}

static int heap_grow(pes_t *q)
{
    size_t ncap = q->cap ? q->cap * 2 : 1024;
    size_t bytes = (ncap + OFF) * sizeof(pes_key_t);
    bytes = (bytes + 63) / 64 * 64; /* aligned_alloc wants a multiple */
    pes_key_t *mem = aligned_alloc(64, bytes);
    if (!mem)
        return -1;
    if (q->n)
        memcpy(mem + OFF, q->heap, q->n * sizeof(pes_key_t));
    free(q->heap_mem);
    q->heap_mem = mem;
    q->heap = mem + OFF;
    q->cap = ncap;
    return 0;
}


int pes_init(pes_t *q, size_t cap_hint)
{
    memset(q, 0, sizeof *q);
    while (q->cap < cap_hint)
        if (heap_grow(q) < 0) {
            pes_free(q);
            return -1;
        }
    return 0;
}

void pes_free(pes_t *q)
{
    free(q->heap_mem);
    free(q->slots);
    memset(q, 0, sizeof *q);
}

pes_handle_t pes_push(pes_t *q, simtime_t t, const pes_event_t *ev)
{
    uint32_t s;
    if (q->seq >= SEQ_LIMIT)
        return 0;
    if (q->n == q->cap && heap_grow(q) < 0)
        return 0;
    if (slot_alloc(q, &s) < 0)
        return 0;
    pes_slot_t *sl = &q->slots[s];
    sl->ev = *ev;
    sl->state = SLOT_LIVE;
    pes_key_t k = {t, q->seq++ << PES_SLOT_BITS | s};
    sift_up(q, q->n++, k);
    q->live++;
    return (uint64_t)sl->gen << 32 | (uint64_t)(s + 1);
}

/* Remove the root key (live or dead) and return it. Heap must be non-empty.
 *
 * Bottom-up ("hole") deletion: the hole left by the root walks down to a
 * leaf, each step moving the smallest child up, without comparing against
 * the key that will refill it; that key (the old last leaf, usually among
 * the largest) then sifts up from the hole, rarely more than a step. This
 * saves a comparison per level, and the ones left are branch-free.
 *
 * Prefetching, for queues larger than the caches: at each level the child
 * groups of all children (the next level's candidates, one cache line each
 * in a 4-ary heap) are requested while the current group is compared; at the
 * end the slots of the new root and of its children are requested, since one
 * of them is the next event to fire and pop reads its payload. */
static pes_key_t pop_root(pes_t *q)
{
    pes_key_t *h = q->heap;
    pes_key_t top = h[0];
    size_t n = --q->n;
    if (!n)
        return top;
    pes_key_t last = h[n];
    size_t i = 0, c = 1; /* the hole, and its first child */
    while (c + PES_ARITY <= n) { /* a full group of children */
        for (size_t j = 0; j < PES_ARITY; j++) {
            size_t g = PES_ARITY * (c + j) + 1;
            if (g < n)
                PREFETCH(&h[g]);
        }
        size_t m = min_group(h, c);
        put(q, i, h[m]);
        i = m;
        c = PES_ARITY * i + 1;
    }
    if (c < n) { /* the last, partial group */
        size_t m = c;
        for (size_t j = c + 1; j < n; j++)
            m = min_idx(h, m, j);
        put(q, i, h[m]);
        i = m;
    }
    sift_up(q, i, last);
    for (size_t j = 0; j <= PES_ARITY && j < n; j++)
        PREFETCH(&q->slots[key_slot(h[j])]);
    return top;
}

#if !PES_CANCEL_EAGER
/* Drop dead keys at the root so heap[0], if any, is live. */
static void prune_root(pes_t *q)
{
    while (q->n && q->slots[key_slot(q->heap[0])].state == SLOT_DEAD) {
        slot_release(q, key_slot(pop_root(q)));
        q->dead--;
    }
}
#endif

int pes_pop_until(pes_t *q, simtime_t until, simtime_t *t, pes_event_t *ev)
{
#if !PES_CANCEL_EAGER
    prune_root(q);
#endif
    if (!q->n || q->heap[0].t > until) {
        *t = q->n ? q->heap[0].t : SIMTIME_NEVER;
        return 0;
    }
    pes_key_t top = pop_root(q);
    uint32_t s = key_slot(top);
    *t = top.t;
    *ev = q->slots[s].ev;
    slot_release(q, s);
    q->live--;
    return 1;
}

int pes_pop(pes_t *q, simtime_t *t, pes_event_t *ev)
{
    return pes_pop_until(q, SIMTIME_NEVER, t, ev); /* no key is later than NEVER */
}

simtime_t pes_peek(pes_t *q)
{
#if !PES_CANCEL_EAGER
    prune_root(q);
#endif
    return q->n ? q->heap[0].t : SIMTIME_NEVER;
}

/* The slot a handle names if the handle is current, else UINT32_MAX. */
static uint32_t handle_slot(const pes_t *q, pes_handle_t h)
{
    uint32_t s1 = (uint32_t)h;
    if (s1 == 0 || s1 > q->nused)
        return UINT32_MAX;
    const pes_slot_t *sl = &q->slots[s1 - 1];
    if (sl->gen != (uint32_t)(h >> 32) || sl->state == SLOT_FREE)
        return UINT32_MAX;
#if !PES_CANCEL_EAGER
    if (sl->state != SLOT_LIVE)
        return UINT32_MAX;
#endif
    return s1 - 1;
}

int pes_pending(const pes_t *q, pes_handle_t h) { return handle_slot(q, h) != UINT32_MAX; }

#if PES_CANCEL_EAGER
int pes_cancel(pes_t *q, pes_handle_t h)
{
    uint32_t s = handle_slot(q, h);
    if (s == UINT32_MAX)
        return 0;
    size_t i = q->slots[s].state - 1;
    pes_key_t last = q->heap[--q->n];
    if (i < q->n) {
        if (i > 0 && key_less(last, q->heap[(i - 1) / PES_ARITY]))
            sift_up(q, i, last);
        else
            sift_down(q, i, last);
    }
    slot_release(q, s);
    q->live--;
    return 1;
}
#else
/* Rebuild the heap without its dead keys (Floyd's bottom-up heapify): keeps
 * memory and depth bounded when most armed timeouts are cancelled. */
static void compact(pes_t *q)
{
    size_t w = 0;
    for (size_t r = 0; r < q->n; r++) {
        uint32_t s = key_slot(q->heap[r]);
        if (q->slots[s].state == SLOT_DEAD)
            slot_release(q, s);
        else
            q->heap[w++] = q->heap[r];
    }
    q->n = w;
    q->dead = 0;
    for (size_t i = q->n / PES_ARITY + 1; i-- > 0;)
        if (i < q->n)
            sift_down(q, i, q->heap[i]);
    q->compactions++;
}

int pes_cancel(pes_t *q, pes_handle_t h)
{
    uint32_t s = handle_slot(q, h);
    if (s == UINT32_MAX)
        return 0;
    q->slots[s].state = SLOT_DEAD;
    q->slots[s].gen++; /* the handle is stale from now on */
    q->live--;
    q->dead++;
    if (q->dead > 4096 && q->dead > q->live)
        compact(q);
    return 1;
}
#endif

const char *pes_design(void)
{
#if PES_CANCEL_EAGER
    return PES_ARITY == 4 ? "4-ary heap, eager cancel" : "binary heap, eager cancel";
#else
    return PES_ARITY == 4 ? "4-ary heap, lazy cancel" : "binary heap, lazy cancel";
#endif
}
