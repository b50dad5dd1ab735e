/*
 * idem: duplicate executions of non-idempotent calls and the
 * idempotency-key store (docs/failure-modes.md §2.4). Rules and sources: see
 * idem.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idem.h"
#include "world.h"

enum { ST_NONE = 0, ST_INFLIGHT = 1, ST_DONE = 2 };

void idem_defaults(idem_cfg_t *c)
{
    c->non_idempotent = 0;
    c->store = IDEM_STORE_NONE;
    c->ttl = 60 * SIMTIME_S;
    c->claim = IDEM_CLAIM_BEFORE_WORK;
}

int idem_init(idem_t *s, const idem_cfg_t *c)
{
    memset(s, 0, sizeof *s);
    s->cfg = *c;
    s->cap = 1024;
    s->e = malloc((size_t)s->cap * sizeof *s->e);
    return s->e ? 0 : -1;
}

void idem_free(idem_t *s)
{
    free(s->e);
    s->e = NULL;
    s->n = s->cap = 0;
}

uint32_t idem_call_start(idem_t *s, int non_idem)
{
    if (s->n == s->cap) {
        uint32_t ncap = s->cap * 2;
        if (ncap <= s->cap)
            return 0;
        idem_entry_t *p = realloc(s->e, (size_t)ncap * sizeof *p);
        if (!p)
            return 0;
        s->e = p;
        s->cap = ncap;
    }
    idem_entry_t *e = &s->e[s->n++];
    memset(e, 0, sizeof *e);
    e->non_idem = (uint8_t)(non_idem != 0);
    return s->n;
}

idem_verdict_t idem_begin(idem_t *s, uint32_t key, simtime_t now)
{
    if (key == 0 || key > s->n)
        return IDEM_PROCEED;
    idem_entry_t *e = &s->e[key - 1];
    if (s->cfg.store != IDEM_STORE_KEY || !e->non_idem)
        return IDEM_PROCEED;
    if (e->state != ST_NONE && now >= e->expiry)
        e->state = ST_NONE; /* the claim or stored response has expired */
    if (e->state == ST_INFLIGHT) {
        s->refused++;
        return IDEM_CONFLICT;
    }
    if (e->state == ST_DONE) {
        s->stored++;
        return IDEM_STORED;
    }
    if (s->cfg.claim == IDEM_CLAIM_BEFORE_WORK) {
        e->state = ST_INFLIGHT;
        e->expiry = now + s->cfg.ttl;
    }
    return IDEM_PROCEED;
}

int idem_end(idem_t *s, uint32_t key, simtime_t now, int executed)
{
    if (key == 0 || key > s->n)
        return 0;
    idem_entry_t *e = &s->e[key - 1];
    if (s->cfg.store == IDEM_STORE_KEY && e->non_idem && executed) {
        e->state = ST_DONE;
        e->expiry = now + s->cfg.ttl;
    }
    /* failed work: before_work leaves its claim until expiry (the flaw);
     * after_work never claimed */
    if (!executed)
        return 0;
    s->executions++;
    e->executions++;
    if (e->non_idem && e->executions > 1) {
        s->duplicates++;
        return 1;
    }
    return 0;
}

/* ---- world glue ---- */

int idem_attach(world_t *w)
{
    const idem_cfg_t *c = &w->cfg->idem;
    w->idem = NULL;
    if (c->non_idempotent <= 0)
        return 0;
    if (!(w->r_idem = rng_stream(&w->res->rng, "client.idempotency", w->err, sizeof w->err)))
        return -1;
    idem_t *s = malloc(sizeof *s);
    if (!s || idem_init(s, c) < 0) {
        free(s);
        snprintf(w->err, sizeof w->err, "out of memory for the idempotency store");
        return -1;
    }
    w->idem = s;
    return 0;
}

void idem_summarise(world_t *w)
{
    idem_t *s = w->idem;
    if (!s)
        return;
    int64_t nonidem = 0;
    for (uint32_t i = 0; i < s->n; i++)
        nonidem += s->e[i].non_idem;
    run_set_scalar(w->res, S_IDEM_NONIDEM, (double)nonidem);
    run_set_scalar(w->res, S_IDEM_EXEC, (double)s->executions);
    run_set_scalar(w->res, S_IDEM_DUP, (double)s->duplicates);
    run_set_scalar(w->res, S_IDEM_DUP_PER_CALL, nonidem > 0 ? (double)s->duplicates / (double)nonidem : (double)NAN);
    run_set_scalar(w->res, S_IDEM_REFUSED, (double)s->refused);
    run_set_scalar(w->res, S_IDEM_REFUSED_PER_CALL, nonidem > 0 ? (double)s->refused / (double)nonidem : (double)NAN);
    run_set_scalar(w->res, S_IDEM_STORED, (double)s->stored);
}

void idem_detach(world_t *w)
{
    if (w->idem) {
        idem_free(w->idem);
        free(w->idem);
        w->idem = NULL;
    }
}

/* Under [server] contention a request is a read then a conditional write:
 * only the write is the call's work (its key is checked and it executes). */
static int is_work(const world_t *w, uint32_t ri)
{
    return !w->cfg->server.contention || w->reqs[ri].write_phase;
}

int idem_server_begin(world_t *w, uint32_t ri)
{
    if (!is_work(w, ri))
        return 0;
    idem_verdict_t v = idem_begin(w->idem, w->reqs[ri].idem_key, eng_now(&w->eng));
    if (v == IDEM_PROCEED)
        return 0;
    world_count(w, v == IDEM_STORED ? M_IDEM_STORED : M_IDEM_REFUSED, 1);
    server_respond(w, ri, v == IDEM_STORED ? OUT_OK : OUT_409);
    return 1;
}

void idem_server_end(world_t *w, uint32_t ri, int o)
{
    if (!is_work(w, ri))
        return;
    if (idem_end(w->idem, w->reqs[ri].idem_key, eng_now(&w->eng), o == OUT_OK))
        world_count(w, M_IDEM_DUP, 1);
}
