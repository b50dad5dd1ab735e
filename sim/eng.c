/*
 * eng: clock, dispatch loop and run control over the pending event set.
 */
#include "eng.h"
#include "hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>


int eng_init(eng_t *e, size_t cap_hint, uint64_t max_events)
{
    memset(e, 0, sizeof *e);
    e->max_events = max_events;
    e->trace_hash = HASH_FNV_OFFSET;
    return pes_init(&e->pes, cap_hint);
}

void eng_free(eng_t *e) { pes_free(&e->pes); }

static void fail(eng_t *e, const char *msg)
{
    if (!e->failed)
        snprintf(e->errmsg, sizeof e->errmsg, "%s", msg);
    e->failed = 1;
}

eng_ev_t eng_at(eng_t *e, simtime_t t, eng_fn fn, void *ctx, uint64_t arg)
{
    if (t < e->now) {
        char b1[32], b2[32], msg[128];
        snprintf(msg, sizeof msg, "event scheduled in the past (%s < now %s)",
                 simtime_format(t, b1, sizeof b1), simtime_format(e->now, b2, sizeof b2));
        fail(e, msg);
        return 0;
    }
    pes_event_t ev = {(pes_fnptr_t)fn, ctx, arg};
    pes_handle_t h = pes_push(&e->pes, t, &ev);
    if (!h)
        fail(e, "pending event set full (out of memory or more than 16.7M pending events)");
    return h;
}

eng_ev_t eng_after(eng_t *e, simtime_t dt, eng_fn fn, void *ctx, uint64_t arg)
{
    if (dt < 0 || dt > SIMTIME_NEVER - e->now) {
        fail(e, "event delay negative or beyond the end of time");
        return 0;
    }
    return eng_at(e, e->now + dt, fn, ctx, arg);
}

int eng_cancel(eng_t *e, eng_ev_t h) { return h ? pes_cancel(&e->pes, h) : 0; }

int eng_pending(const eng_t *e, eng_ev_t h) { return h ? pes_pending(&e->pes, h) : 0; }

void eng_stop(eng_t *e) { e->stop = 1; }

void eng_trace(eng_t *e, int on) { e->trace = on; }

static void trace_mix(eng_t *e, simtime_t t, pes_fnptr_t fn, uint64_t arg)
{
    /* The handler's address is stable within one binary, which is what a
     * determinism check compares (same binary, same seed). */
    uint64_t words[3] = {(uint64_t)t, (uint64_t)(uintptr_t)fn, arg};
    e->trace_hash = hash_fnv1a(e->trace_hash, words, sizeof words);
}

eng_status_t eng_run(eng_t *e, simtime_t until)
{
    e->stop = 0;
    for (;;) {
        if (e->failed | e->stop)
            return e->failed ? ENG_ERROR : ENG_STOPPED;
        if (e->max_events && e->events >= e->max_events) {
            simtime_t next = pes_peek(&e->pes);
            if (next != SIMTIME_NEVER && next <= until) {
                snprintf(e->errmsg, sizeof e->errmsg,
                         "event budget of %" PRIu64 " events spent at t=%.3fs "
                         "(raise run.max_events if this load is intended)",
                         e->max_events, simtime_to_sec(e->now));
                return ENG_BUDGET;
            }
        }
        simtime_t t;
        pes_event_t ev;
        if (!pes_pop_until(&e->pes, until, &t, &ev)) {
            if (until != SIMTIME_NEVER && until > e->now)
                e->now = until;
            return t == SIMTIME_NEVER ? ENG_EMPTY : ENG_OK;
        }
        e->now = t;
        e->events++;
        if (e->trace)
            trace_mix(e, t, ev.fn, ev.arg);
        ((eng_fn)ev.fn)(e, ev.ctx, ev.arg);
    }
}

const char *eng_error(const eng_t *e) { return e->errmsg; }

size_t eng_memory(const eng_t *e)
{
    return e->pes.cap * sizeof(pes_key_t) + (size_t)e->pes.nslots * sizeof(pes_slot_t);
}

const char *eng_status_name(eng_status_t s)
{
    switch (s) {
    case ENG_OK: return "ok";
    case ENG_EMPTY: return "empty";
    case ENG_STOPPED: return "stopped";
    case ENG_BUDGET: return "event budget spent";
    case ENG_ERROR: return "error";
    }
    return "?";
}
