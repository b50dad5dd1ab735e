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

/* ---- the model ---- */

static model_info_t info;

static const key_name_t idem_stores[] = {{"none", IDEM_STORE_NONE}, {"key", IDEM_STORE_KEY}, {NULL, 0}};
static const key_name_t idem_claims[] = {
    {"before_work", IDEM_CLAIM_BEFORE_WORK}, {"after_work", IDEM_CLAIM_AFTER_WORK}, {NULL, 0}};

static const key_row_t keys[] = {
    {"non_idempotent", KEY_DOUBLE, KEY_AT(idem_cfg_t, non_idempotent), "fraction", "0", KEY_IN(0, 1), NULL,
     "fraction of calls that are not idempotent (carry an idempotency key); 0 = model off"},
    {"store", KEY_ENUM, KEY_AT(idem_cfg_t, store), "", "none", KEY_ANY, idem_stores,
     "server-side idempotency-key store: none, or key (stored response / 409 while in flight)"},
    {"ttl", KEY_DURATION, KEY_AT(idem_cfg_t, ttl), "", "60s", KEY_GT(0), NULL,
     "lifetime of a claimed key or a stored response"},
    {"claim", KEY_ENUM, KEY_AT(idem_cfg_t, claim), "", "before_work", KEY_ANY, idem_claims,
     "before_work: claim as work starts (failed work keeps the key until ttl); after_work: store successes only"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

enum { SER_DUP, SER_REFUSED, SER_STORED };
static const metrics_def_t series[] = {
    {"idem_duplicates", STATS_SUM, "requests", "idempotency: executions beyond the first of a non-idempotent call", 0},
    {"idem_refused", STATS_SUM, "requests", "idempotency: requests refused with 409 by the key store (key claimed, in flight)", 0},
    {"idem_stored", STATS_SUM, "requests", "idempotency: stored responses served by the key store (no work)", 0},
};
enum { SC_NONIDEM, SC_EXEC, SC_DUP, SC_DUP_PER_CALL, SC_REFUSED, SC_REFUSED_PER_CALL, SC_STORED };
static const metrics_scalar_t scalars[] = {
    {"idem_calls_non_idempotent", "calls", "idempotency: non-idempotent calls"},
    {"idem_executions", "requests", "idempotency: executions of non-idempotent calls"},
    {"idem_duplicates", "requests", "idempotency: executions beyond the first"},
    {"idem_duplicates_per_call", "requests/call", "idempotency: duplicates / non-idempotent calls"},
    {"idem_refused", "requests", "idempotency: 409s from the key store"},
    {"idem_refused_per_call", "requests/call", "idempotency: 409s / non-idempotent calls"},
    {"idem_stored_served", "requests", "idempotency: stored responses served"},
};

typedef struct {
    idem_t s;
    gsl_rng *r;            /* "client.idempotency": which calls are non-idempotent */
} idem_model_t;

/* A call's key and a request's: 0 = none. */
typedef struct {
    uint32_t key;
} idem_ext_t;

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const idem_cfg_t *)cfg)->non_idempotent > 0;
}

/* Under [server] contention a request is a read then a conditional write,
 * of which only the write is the call's work: the key store does not model
 * that, so the two are not combined. */
static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    if (!enabled(cfg, run) || !model_enabled(run, "contention"))
        return 0;
    *key = "idempotency.non_idempotent";
    snprintf(err, errlen, "non-idempotent calls cannot be combined with server.contention");
    return -1;
}

static int attach(world_t *w, void **state)
{
    idem_model_t *m = malloc(sizeof *m);
    if (!m || idem_init(&m->s, world_cfg(w, &info)) < 0) {
        free(m);
        snprintf(w->err, sizeof w->err, "out of memory for the idempotency store");
        return -1;
    }
    if (!(m->r = rng_stream(&w->res->rng, "client.idempotency", w->err, sizeof w->err))) {
        idem_free(&m->s);
        free(m);
        return -1;
    }
    *state = m;
    return 0;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    idem_model_t *m = state;
    idem_free(&m->s);
    free(m);
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    (void)w;
    const idem_t *s = &((idem_model_t *)state)->s;
    int64_t nonidem = 0;
    for (uint32_t i = 0; i < s->n; i++)
        nonidem += s->e[i].non_idem;
    int b = info.scalar0;
    run_set_scalar(res, b + SC_NONIDEM, (double)nonidem);
    run_set_scalar(res, b + SC_EXEC, (double)s->executions);
    run_set_scalar(res, b + SC_DUP, (double)s->duplicates);
    run_set_scalar(res, b + SC_DUP_PER_CALL, nonidem > 0 ? (double)s->duplicates / (double)nonidem : (double)NAN);
    run_set_scalar(res, b + SC_REFUSED, (double)s->refused);
    run_set_scalar(res, b + SC_REFUSED_PER_CALL, nonidem > 0 ? (double)s->refused / (double)nonidem : (double)NAN);
    run_set_scalar(res, b + SC_STORED, (double)s->stored);
}

static int call_start(world_t *w, void *state, uint32_t ci)
{
    idem_model_t *m = state;
    const idem_cfg_t *c = world_cfg(w, &info);
    idem_ext_t *x = world_call_ext(w, ci, &info);
    x->key = idem_call_start(&m->s, gsl_rng_uniform(m->r) < c->non_idempotent);
    return x->key ? 0 : -1;
}

/* The request carries its call's key. */
static simtime_t on_send(world_t *w, void *state, uint32_t ci, uint32_t ri)
{
    (void)state;
    ((idem_ext_t *)world_req_ext(w, ri, &info))->key = ((idem_ext_t *)world_call_ext(w, ci, &info))->key;
    return 0;
}

static int server_begin(world_t *w, void *state, uint32_t ri)
{
    idem_model_t *m = state;
    idem_verdict_t v = idem_begin(&m->s, ((idem_ext_t *)world_req_ext(w, ri, &info))->key, eng_now(&w->eng));
    if (v == IDEM_PROCEED)
        return 0;
    world_count(w, info.series0 + (v == IDEM_STORED ? SER_STORED : SER_REFUSED), 1);
    server_respond(w, ri, v == IDEM_STORED ? OUT_OK : OUT_409, -1);
    return 1;
}

static void server_end(world_t *w, void *state, uint32_t ri, outcome_t o)
{
    idem_model_t *m = state;
    if (idem_end(&m->s, ((idem_ext_t *)world_req_ext(w, ri, &info))->key, eng_now(&w->eng), o == OUT_OK))
        world_count(w, info.series0 + SER_DUP, 1);
}

const model_desc_t model_idem = {
    .name = "idem",
    .help = "non-idempotent calls (duplicate side effects) and an idempotency-key store",
    .info = &info,
    .section = "idempotency",
    .keys = keys,
    .cfg_size = sizeof(idem_cfg_t),
    .enabled = enabled,
    .validate = validate,
    .series = series,
    .nseries = 3,
    .scalars = scalars,
    .nscalars = 7,
    .call_extra = sizeof(idem_ext_t),
    .req_extra = sizeof(idem_ext_t),
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
    .call_start = call_start,
    .on_send = on_send,
    .server_begin = server_begin,
    .server_end = server_end,
};
