/*
 * pes_slots: the slot pool behind every pending-event-set implementation
 * (sim/pes.c, sim/ladder/pes_ladder.c). A slot holds an event's payload and
 * a generation; keys in the structure name slots, handles name (slot, gen).
 * Slots are recycled LIFO so a handler's new event reuses the slot just
 * popped (hot in cache). Private to those files: included by them only.
 */
#ifndef RETRYSIM_PES_SLOTS_H
#define RETRYSIM_PES_SLOTS_H

#include <stdlib.h>
#include <string.h>

#include "pes.h"

/* Slot states of the lazy-cancel designs; eager ones store heap index + 1,
 * where 0 is also "free". */
enum { SLOT_FREE = 0, SLOT_LIVE = 1, SLOT_DEAD = 2 };

static int slots_grow(pes_t *q)
{
    if (q->nslots >= PES_MAX_PENDING)
        return -1;
    size_t ns = q->nslots ? (size_t)q->nslots * 2 : 1024;
    if (ns > PES_MAX_PENDING)
        ns = PES_MAX_PENDING;
    pes_slot_t *s = realloc(q->slots, ns * sizeof *s);
    if (!s)
        return -1;
    memset(s + q->nslots, 0, (ns - q->nslots) * sizeof *s);
    q->slots = s;
    q->nslots = (uint32_t)ns;
    return 0;
}

static int slot_alloc(pes_t *q, uint32_t *out)
{
    if (q->free_head) {
        *out = q->free_head - 1;
        q->free_head = (uint32_t)q->slots[*out].ev.arg;
        return 0;
    }
    if (q->nused == q->nslots && slots_grow(q) < 0)
        return -1;
    *out = q->nused++;
    return 0;
}

/* Free a slot; its gen moves on, so every handle naming it goes stale. */
static void slot_release(pes_t *q, uint32_t s)
{
    pes_slot_t *sl = &q->slots[s];
    sl->gen++;
    sl->state = SLOT_FREE;
    sl->ev.arg = q->free_head;
    q->free_head = s + 1;
}

#endif
