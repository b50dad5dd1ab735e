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

void conn_defaults(conn_cfg_t *c)
{
    c->enabled = 0;
    c->protocol = CONN_HTTP1;
    c->max_streams = 100;
    c->pool = 64;
    c->server_idle = 60 * SIMTIME_S;
    c->client_idle = 90 * SIMTIME_S;
    c->handshake = 0;
}

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

/* ---- world glue ---- */

int conn_attach(world_t *w)
{
    const conn_cfg_t *c = &w->cfg->conn;
    w->conn = NULL;
    if (!c->enabled)
        return 0;
    conn_t *p = malloc(sizeof *p);
    int32_t clients = w->cfg->arrivals.clients;
    if (!p || conn_init(p, c, clients > 0 ? (uint32_t)clients : 1) < 0) {
        free(p);
        snprintf(w->err, sizeof w->err, "out of memory for the connection pools");
        return -1;
    }
    w->conn = p;
    return 0;
}

void conn_summarise(world_t *w)
{
    conn_t *p = w->conn;
    if (!p)
        return;
    double sent = (double)(p->opened + p->reused + p->resets);
    run_set_scalar(w->res, S_CONN_NEW, (double)p->opened);
    run_set_scalar(w->res, S_CONN_HANDSHAKE, (double)p->opened * simtime_to_sec(p->cfg.handshake));
    run_set_scalar(w->res, S_CONN_REUSED, (double)p->reused);
    run_set_scalar(w->res, S_CONN_RESETS, (double)p->resets);
    run_set_scalar(w->res, S_CONN_RESET_RATE, sent > 0 ? (double)p->resets / sent : 0);
    int64_t calls = 0;
    for (int b = 0; b < stats_series_nbuckets(&w->res->series); b++)
        calls += stats_series_get(&w->res->series, M_CALLS, b);
    run_set_scalar(w->res, S_CONN_RESETS_PER_CALL, calls > 0 ? (double)p->resets / (double)calls : (double)NAN);
    run_set_scalar(w->res, S_CONN_NEW_PER_CALL, calls > 0 ? (double)p->opened / (double)calls : (double)NAN);
    run_set_scalar(w->res, S_CONN_CLOSED_IDLE, (double)p->closed_client);
}

void conn_detach(world_t *w)
{
    if (w->conn) {
        conn_free(w->conn);
        free(w->conn);
        w->conn = NULL;
    }
}

simtime_t conn_on_send(world_t *w, uint32_t ci)
{
    call_t *c = &w->calls[ci];
    conn_pick_t pk = conn_acquire(w->conn, c->client, eng_now(&w->eng));
    c->conn_slot = pk.slot;
    stats_series_record(&w->res->series, M_CONN_OPEN, eng_now(&w->eng), w->conn->open_now);
    switch (pk.kind) {
    case CONN_RESET: world_count(w, M_CONN_RESETS, 1); return -1;
    case CONN_NEW: world_count(w, M_CONN_NEW, 1); return w->conn->cfg.handshake;
    case CONN_REUSE: break;
    }
    return 0;
}

void conn_on_attempt_end(world_t *w, uint32_t ci, int o, int abandoned)
{
    call_t *c = &w->calls[ci];
    int http1 = w->conn->cfg.protocol == CONN_HTTP1;
    /* HTTP/1.1: a connection whose response is still due cannot be reused */
    int close = o == OUT_CONNERR || (http1 && (abandoned || o == OUT_TIMEOUT));
    conn_release(w->conn, c->conn_slot, eng_now(&w->eng), close);
    c->conn_slot = 0;
}
