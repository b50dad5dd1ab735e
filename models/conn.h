/*
 * conn: per-client connection pools and keep-alive idle timeouts
 * (docs/failure-modes.md §3.1, §3.3, §4.2). Each client id (call_t.client) has a pool of
 * up to `pool` connections. An idle connection is closed by the client
 * after client_idle (Go's http.Transport IdleConnTimeout) and by the
 * server or a load balancer after server_idle (nginx keepalive_timeout,
 * an AWS ALB/NLB idle timeout), silently: the client learns it only when
 * it reuses the connection, and the attempt fails with a connection error
 * (reset, retryable as "connection"). So resets happen iff client_idle >
 * server_idle and a connection sits idle for a time in
 * [server_idle, client_idle).
 *
 * HTTP/1.1: one attempt per connection; a concurrent attempt takes another
 * idle connection or opens a new one. HTTP/2: up to max_streams attempts
 * share a connection. A new connection costs `handshake` (TCP + TLS),
 * added to the request's network delay. An HTTP/1.1 connection whose
 * attempt timed out or was abandoned is closed (its response is still
 * due); HTTP/2 resets the stream and keeps the connection.
 *
 * Idle time is modelled lazily: a connection stores when it was last
 * used, and at reuse now - last_used is compared with both timeouts; no
 * timer events. The idle connection reused is the most recently used one
 * (Go's idle list is LIFO). Pools are one array allocated at setup.
 */
#ifndef RETRYSIM_CONN_H
#define RETRYSIM_CONN_H

#include <stdint.h>

#include "simtime.h"

typedef enum { CONN_HTTP1 = 0, CONN_HTTP2 } conn_protocol_t;

typedef struct {
    int enabled;           /* 0 = model off: no connections, no handshakes */
    int protocol;          /* conn_protocol_t */
    int max_streams;       /* HTTP/2 concurrent streams per connection, >= 1 */
    int pool;              /* connections kept per client, >= 1; more are opened but not kept */
    simtime_t server_idle; /* ns, the server (or LB) closes a connection idle this long */
    simtime_t client_idle; /* ns, the client closes a connection idle this long */
    simtime_t handshake;   /* ns, cost of opening a connection, added to the request delay */
} conn_cfg_t;

typedef struct {
    simtime_t last_used;   /* ns, when its last stream ended (or it opened) */
    int32_t streams;       /* attempts using it now */
    uint8_t open;          /* 1 if open (as far as the client knows) */
} conn_slot_t;

typedef enum { CONN_REUSE = 0, CONN_NEW, CONN_RESET } conn_kind_t;

typedef struct {
    conn_kind_t kind;
    uint32_t slot;         /* pooled connection + 1; 0 = not pooled (or reset) */
} conn_pick_t;

typedef struct {
    conn_cfg_t cfg;
    conn_slot_t *slots;    /* nclients x pool */
    uint32_t nclients;
    int64_t open_now;      /* pooled connections open now */
    int64_t resets;        /* reuses of a connection the server had closed */
    int64_t opened;        /* new connections (= handshakes) */
    int64_t reused;        /* attempts sent on an existing connection */
    int64_t closed_client; /* connections the client's idle timeout closed */
} conn_t;

/* Pure pool (no engine): tests drive it directly. */
int conn_init(conn_t *p, const conn_cfg_t *c, uint32_t nclients);
void conn_free(conn_t *p);
/* An attempt of client `client` is sent at `now`: which connection. */
conn_pick_t conn_acquire(conn_t *p, uint32_t client, simtime_t now);
/* Its attempt ended at `now`; close = 1 drops the connection. */
void conn_release(conn_t *p, uint32_t slot, simtime_t now, int close);

/* The model ([connections], models.def) is conn.c's descriptor. */

#endif
