/*
 * conn: per-client connection pools, keep-alive idle timeouts, HTTP/1.1
 * vs HTTP/2 (docs/failure-modes.md §3.1, §3.3, §4.2). Rules and sources:
 * see conn.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "world.h"

int conn_init(conn_t *p, const conn_cfg_t *c, uint32_t nclients)
{
    memset(p, 0, sizeof *p);
    p->cfg = *c;
    if (p->cfg.pool < 1)
        p->cfg.pool = 1;
    if (p->cfg.max_streams < 1)
        p->cfg.max_streams = 1;
    p->nclients = nclients ? nclients : 1;
    p->slots = calloc((size_t)p->nclients * (size_t)p->cfg.pool, sizeof *p->slots);
    return p->slots ? 0 : -1;
}

void conn_free(conn_t *p)
{
    free(p->slots);
    p->slots = NULL;
}

static void close_slot(conn_t *p, conn_slot_t *s)
{
    s->open = 0;
    s->streams = 0;
    p->open_now--;
}

conn_pick_t conn_acquire(conn_t *p, uint32_t client, simtime_t now)
{
    uint32_t pool = (uint32_t)p->cfg.pool;
    conn_slot_t *base = &p->slots[(size_t)(client % p->nclients) * pool];
    int32_t max = p->cfg.protocol == CONN_HTTP2 ? p->cfg.max_streams : 1;
    for (;;) {
        int64_t idle = -1, busy = -1, unused = -1;
        for (uint32_t i = 0; i < pool; i++) {
            conn_slot_t *s = &base[i];
            if (!s->open) {
                if (unused < 0)
                    unused = i;
            } else if (s->streams > 0) {
                if (s->streams < max && busy < 0)
                    busy = i;
            } else if (idle < 0 || s->last_used > base[idle].last_used) {
                idle = i;
            }
        }
        if (busy >= 0) {
            /* HTTP/2: a connection carrying streams is not idle */
            base[busy].streams++;
            p->reused++;
            return (conn_pick_t){CONN_REUSE, (uint32_t)(base + busy - p->slots) + 1};
        }
        if (idle >= 0) {
            conn_slot_t *s = &base[idle];
            simtime_t gap = now - s->last_used;
            if (gap >= p->cfg.client_idle) {
                /* the client's own idle timer closed it already: look again */
                close_slot(p, s);
                p->closed_client++;
                continue;
            }
            if (gap >= p->cfg.server_idle) {
                /* the server closed it silently: this attempt is reset */
                close_slot(p, s);
                p->resets++;
                return (conn_pick_t){CONN_RESET, 0};
            }
            s->streams = 1;
            p->reused++;
            return (conn_pick_t){CONN_REUSE, (uint32_t)(s - p->slots) + 1};
        }
        p->opened++;
        if (unused < 0)
            return (conn_pick_t){CONN_NEW, 0}; /* pool full: a connection that is not kept */
        conn_slot_t *s = &base[unused];
        s->open = 1;
        s->streams = 1;
        s->last_used = now;
        p->open_now++;
        return (conn_pick_t){CONN_NEW, (uint32_t)(s - p->slots) + 1};
    }
}

void conn_release(conn_t *p, uint32_t slot, simtime_t now, int close)
{
    if (slot == 0)
        return;
    conn_slot_t *s = &p->slots[slot - 1];
    if (!s->open)
        return;
    if (s->streams > 0)
        s->streams--;
    s->last_used = now;
    if (close && s->streams == 0)
        close_slot(p, s);
}

/* ---- the model ---- */

static model_info_t info;

static const key_name_t conn_protocols[] = {{"http1", CONN_HTTP1}, {"http2", CONN_HTTP2}, {NULL, 0}};

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(conn_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "model connection pools: handshakes, reuse, resets of connections the server closed while idle"},
    {"protocol", KEY_ENUM, KEY_AT(conn_cfg_t, protocol), "", "http1", KEY_ANY, conn_protocols,
     "http1: one attempt per connection; http2: up to max_streams attempts share one"},
    {"max_streams", KEY_INT, KEY_AT(conn_cfg_t, max_streams), "streams", "100", KEY_IN(1, 1000000), NULL,
     "HTTP/2 concurrent streams per connection"},
    {"pool", KEY_INT, KEY_AT(conn_cfg_t, pool), "connections", "64", KEY_IN(1, 100000), NULL,
     "connections kept per client; beyond, a new connection is used once and closed"},
    {"server_idle", KEY_DURATION, KEY_AT(conn_cfg_t, server_idle), "", "60s", KEY_GT(0), NULL,
     "the server (or LB) silently closes a connection idle this long"},
    {"client_idle", KEY_DURATION, KEY_AT(conn_cfg_t, client_idle), "", "90s", KEY_GT(0), NULL,
     "the client closes a connection idle this long; above server_idle, reuses in between are reset"},
    {"handshake", KEY_DURATION, KEY_AT(conn_cfg_t, handshake), "", "0", KEY_ANY, NULL,
     "cost of opening a connection (TCP + TLS), added to the request's network delay"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

enum { SER_RESETS, SER_NEW, SER_OPEN };
static const metrics_def_t series[] = {
    {"conn_resets", STATS_SUM, "attempts", "connections: attempts failed by reusing a connection the server had closed", 0},
    {"conn_new", STATS_SUM, "connections", "connections: new connections opened (= handshakes)", 0},
    {"conn_open", STATS_MAX, "connections", "connections: pooled connections open (max in bucket)", 0},
};
enum { SC_NEW, SC_HANDSHAKE, SC_REUSED, SC_RESETS, SC_RESET_RATE, SC_RESETS_PER_CALL, SC_NEW_PER_CALL, SC_CLOSED_IDLE };
static const metrics_scalar_t scalars[] = {
    {"conn_new", "connections", "connections opened"},
    {"conn_handshake_s", "s", "time spent in handshakes"},
    {"conn_reused", "attempts", "attempts sent on a pooled connection"},
    {"conn_resets", "attempts", "attempts reset: the server had closed the connection"},
    {"conn_reset_rate", "ratio", "resets / attempts sent"},
    {"conn_resets_per_call", "attempts/call", "resets / calls"},
    {"conn_new_per_call", "connections/call", "connections opened / calls"},
    {"conn_closed_client_idle", "connections", "connections the client closed after client_idle"},
};

/* The pooled connection a call's attempt uses, + 1; 0 = none. */
typedef struct {
    uint32_t slot;
} conn_ext_t;

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const conn_cfg_t *)cfg)->enabled;
}

static int attach(world_t *w, void **state)
{
    conn_t *p = malloc(sizeof *p);
    int32_t clients = w->cfg->arrivals.clients;
    if (!p || conn_init(p, world_cfg(w, &info), clients > 0 ? (uint32_t)clients : 1) < 0) {
        free(p);
        snprintf(w->err, sizeof w->err, "out of memory for the connection pools");
        return -1;
    }
    *state = p;
    return 0;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    conn_free(state);
    free(state);
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    const conn_t *p = state;
    double sent = (double)(p->opened + p->reused + p->resets);
    double calls = (double)world_series_total(w, M_CALLS);
    int b = info.scalar0;
    run_set_scalar(res, b + SC_NEW, (double)p->opened);
    run_set_scalar(res, b + SC_HANDSHAKE, (double)p->opened * simtime_to_sec(p->cfg.handshake));
    run_set_scalar(res, b + SC_REUSED, (double)p->reused);
    run_set_scalar(res, b + SC_RESETS, (double)p->resets);
    run_set_scalar(res, b + SC_RESET_RATE, sent > 0 ? (double)p->resets / sent : 0);
    run_set_scalar(res, b + SC_RESETS_PER_CALL, calls > 0 ? (double)p->resets / calls : (double)NAN);
    run_set_scalar(res, b + SC_NEW_PER_CALL, calls > 0 ? (double)p->opened / calls : (double)NAN);
    run_set_scalar(res, b + SC_CLOSED_IDLE, (double)p->closed_client);
}

/* The attempt takes a connection: a handshake on a new one, or a reset
 * (-1) when the pooled one was closed by the server while idle. */
static simtime_t on_send(world_t *w, void *state, uint32_t ci, uint32_t ri)
{
    (void)ri;
    conn_t *p = state;
    conn_pick_t pk = conn_acquire(p, world_call(w, ci)->client, eng_now(&w->eng));
    ((conn_ext_t *)world_call_ext(w, ci, &info))->slot = pk.slot;
    stats_series_record(&w->res->series, info.series0 + SER_OPEN, eng_now(&w->eng), p->open_now);
    switch (pk.kind) {
    case CONN_RESET: world_count(w, info.series0 + SER_RESETS, 1); return -1;
    case CONN_NEW: world_count(w, info.series0 + SER_NEW, 1); return p->cfg.handshake;
    case CONN_REUSE: break;
    }
    return 0;
}

static void attempt_end(world_t *w, void *state, uint32_t ci, outcome_t o, unsigned flags)
{
    conn_t *p = state;
    conn_ext_t *x = world_call_ext(w, ci, &info);
    int http1 = p->cfg.protocol == CONN_HTTP1;
    /* HTTP/1.1: a connection whose response is still due cannot be reused */
    int close = o == OUT_CONNERR || (http1 && ((flags & MODEL_ABANDONED) || o == OUT_TIMEOUT));
    conn_release(p, x->slot, eng_now(&w->eng), close);
    x->slot = 0;
}

const model_desc_t model_conn = {
    .name = "conn",
    .help = "connection pools: handshakes, reuse, resets of connections closed while idle",
    .info = &info,
    .section = "connections",
    .keys = keys,
    .cfg_size = sizeof(conn_cfg_t),
    .enabled = enabled,
    .series = series,
    .nseries = 3,
    .scalars = scalars,
    .nscalars = 8,
    .call_extra = sizeof(conn_ext_t),
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
    .on_send = on_send,
    .attempt_end = attempt_end,
};
