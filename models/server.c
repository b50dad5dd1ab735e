/*
 * server: the service behind the rate limiter. An arriving request meets,
 * in order: a scheduled outage (reject with 503, or drop silently), the
 * limiter (reject with its status and Retry-After, or admit after a delay),
 * then load shedding (shed.c: CoDel or an in-flight limit, 503), the
 * workers and a FIFO (or LIFO) waiting room of K (full: reject with
 * queue_full_status; both 503s carry shed.c's Retry-After). Service time
 * is drawn when service starts, plus
 * load_per_inflight × requests in service (Brooker's collapse model, 2023),
 * fixed at the start. A request whose client has given up is still served
 * (wasted work) unless drop_expired. With contention on, the server holds
 * one versioned row: a read returns the version, a conditional write
 * succeeds only if nobody wrote since (Brooker 2015), else 409.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dist.h"
#include "world.h"

static void on_service_done(eng_t *e, void *ctx, uint64_t ri);

static void series_max(world_t *w, int id, int64_t v)
{
    stats_series_record(&w->res->series, id, eng_now(&w->eng), v);
}

static void on_response_arrives(eng_t *e, void *ctx, uint64_t ri)
{
    (void)e;
    client_on_response(ctx, (uint32_t)ri);
}

/* Send the response for request ri back through the network. */
static void respond(world_t *w, uint32_t ri, outcome_t o, simtime_t retry_after)
{
    req_t *r = &w->reqs[ri];
    r->outcome = (uint8_t)o;
    r->retry_after = retry_after;
    eng_after(&w->eng, dist_draw(&w->cfg->network.response, w->r_net_resp), on_response_arrives, w, ri);
}

static outcome_t status_outcome(int status)
{
    switch (status) {
    case 429: return OUT_429;
    case 504: return OUT_504;
    default: return OUT_503;
    }
}

static int queue_push(world_t *w, uint32_t ri)
{
    if (w->qlen == w->qcap) {
        if (w->cfg->server.queue != SERVER_QUEUE_UNLIMITED)
            return -1;
        uint32_t ncap = w->qcap * 2;
        uint32_t *q = malloc((size_t)ncap * sizeof *q);
        if (!q)
            return -1;
        for (uint32_t i = 0; i < w->qlen; i++)
            q[i] = w->queue[(w->qhead + i) % w->qcap];
        free(w->queue);
        w->queue = q;
        w->qcap = ncap;
        w->qhead = 0;
    }
    w->queue[(w->qhead + w->qlen) % w->qcap] = ri;
    w->qlen++;
    return 0;
}

static uint32_t queue_pop(world_t *w)
{
    if (w->cfg->shed.queue_order == SHED_ORDER_LIFO) /* the newest waiting request (shed.h) */
        return w->queue[(w->qhead + --w->qlen) % w->qcap];
    uint32_t ri = w->queue[w->qhead];
    w->qhead = (w->qhead + 1) % w->qcap;
    w->qlen--;
    return ri;
}

/* Start serving ri; returns 0 if it was discarded as expired instead. */
static int start_service(world_t *w, uint32_t ri)
{
    const server_cfg_t *sc = &w->cfg->server;
    req_t *r = &w->reqs[ri];
    /* drop_expired is omniscient (the server knows the client left);
     * deadline_propagation is what a real server can do: compare the
     * deadline the request carries with its clock. */
    if ((sc->drop_expired && !client_request_alive(w, r)) ||
        (sc->deadline_propagation && eng_now(&w->eng) >= r->deadline_at)) {
        world_count(w, M_EXPIRED, 1);
        world_level(w, &w->lv_system, -1);
        world_req_free(w, ri);
        return 0;
    }
    if (w->idem && idem_server_begin(w, ri)) {
        /* the idempotency-key store answered (stored response or 409): no work */
        world_level(w, &w->lv_system, -1);
        return 0;
    }
    w->busy++;
    w->in_service++;
    world_level(w, &w->lv_busy, +1);
    series_max(w, M_BUSY, w->busy);
    simtime_t svc = dist_draw(&sc->service, w->r_service) + sc->load_ns * w->in_service;
    eng_after(&w->eng, svc, on_service_done, w, ri);
    return 1;
}

static void dispatch_queue(world_t *w)
{
    while (w->busy < w->workers_now && w->qlen) {
        uint32_t ri = queue_pop(w);
        simtime_t now = eng_now(&w->eng);
        shed_observe(&w->shed, &w->cfg->shed, now, now - w->reqs[ri].queued_at, w->qlen);
        start_service(w, ri);
        series_max(w, M_QUEUE, w->qlen);
        world_level(w, &w->lv_queue, -1);
    }
}

/* The Retry-After of a queue-full or shed 503 (shed.h; the limiter's own
 * rejections keep [limiter] retry_after). */
static simtime_t server_retry_after(const world_t *w)
{
    return shed_retry_after(&w->cfg->shed, w->qlen, dist_mean(&w->cfg->server.service), w->workers_now);
}

/* Past the limiter: load shedding, a worker, the waiting room, or a
 * rejection. */
static void enter(world_t *w, uint32_t ri)
{
    int must_wait = w->busy >= w->workers_now;
    if (!shed_admit(&w->shed, &w->cfg->shed, eng_now(&w->eng), must_wait, w->busy + (int64_t)w->qlen)) {
        world_count(w, M_SHED, 1);
        respond(w, ri, OUT_503, server_retry_after(w));
        return;
    }
    if (!must_wait) {
        shed_observe(&w->shed, &w->cfg->shed, eng_now(&w->eng), 0, w->qlen); /* served at once: sojourn 0 */
        world_count(w, M_ADMITTED, 1);
        world_level(w, &w->lv_system, +1);
        start_service(w, ri);
        return;
    }
    if (queue_push(w, ri) < 0) {
        world_count(w, M_REJ_QUEUE, 1);
        respond(w, ri, status_outcome(w->cfg->server.queue_full_status), server_retry_after(w));
        return;
    }
    w->reqs[ri].queued_at = eng_now(&w->eng);
    world_count(w, M_ADMITTED, 1);
    world_level(w, &w->lv_system, +1);
    world_level(w, &w->lv_queue, +1);
    series_max(w, M_QUEUE, w->qlen);
}

static void on_limiter_delay_done(eng_t *e, void *ctx, uint64_t ri)
{
    (void)e;
    enter(ctx, (uint32_t)ri);
}

void server_on_arrival(eng_t *e, void *ctx, uint64_t arg)
{
    world_t *w = ctx;
    uint32_t ri = (uint32_t)arg;
    world_count(w, M_ARRIVALS, 1);
    if (w->outage_mode == OUTAGE_REJECT) {
        world_count(w, M_REJ_OUTAGE, 1);
        respond(w, ri, OUT_503, -1);
        return;
    }
    if (w->outage_mode == OUTAGE_DROP) {
        world_count(w, M_REJ_OUTAGE, 1);
        world_req_free(w, ri); /* no answer: the client's timeout decides */
        return;
    }
    limiter_verdict_t v = limiter_admit(&w->limiter, eng_now(e));
    if (!v.admit) {
        const limiter_cfg_t *lc = &w->cfg->limiter;
        world_count(w, M_REJ_LIMITER, 1);
        respond(w, ri, status_outcome(lc->reject_status), lc->retry_after > 0 ? lc->retry_after : -1);
        return;
    }
    if (v.delay > 0)
        eng_after(e, v.delay, on_limiter_delay_done, w, ri);
    else
        enter(w, ri);
}

/* The outcome of a served request: contention check, then injected errors. */
static outcome_t served_outcome(world_t *w, req_t *r)
{
    const server_cfg_t *sc = &w->cfg->server;
    if (sc->contention) {
        if (!r->write_phase) {
            r->version = w->row_version;
            return OUT_OK;
        }
        if (r->version != w->row_version)
            return OUT_409;
        w->row_version++;
        return OUT_OK;
    }
    double e500 = sc->error_500, e502 = sc->error_502, edrop = sc->error_drop;
    if (e500 + e502 + edrop <= 0)
        return OUT_OK;
    double u = gsl_rng_uniform(w->r_errors);
    if (u < e500)
        return OUT_500;
    if (u < e500 + e502)
        return OUT_502;
    if (u < e500 + e502 + edrop)
        return OUT_CONNERR;
    return OUT_OK;
}

static void on_service_done(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    uint32_t ri = (uint32_t)arg;
    req_t *r = &w->reqs[ri];
    w->busy--;
    w->in_service--;
    world_level(w, &w->lv_busy, -1);
    world_level(w, &w->lv_system, -1);
    w->served_total++;
    outcome_t o = served_outcome(w, r);
    world_count(w, o == OUT_OK ? M_SERVED_OK : M_SERVED_ERR, 1);
    if (w->idem)
        idem_server_end(w, ri, o);
    int alive = client_request_alive(w, r);
    if (!alive || w->calls[r->call].caller_gone) {
        /* Wasted: nobody waits for the answer, or only an orphan retry loop
         * whose caller has already given up (docs/failure-modes.md §2.1). */
        world_count(w, M_WASTED, 1);
        w->served_wasted++;
    }
    if (alive && w->cfg->network.response_loss > 0 && gsl_rng_uniform(w->r_net_resp) < w->cfg->network.response_loss) {
        world_count(w, M_RESP_LOST, 1); /* the response is lost: the client's timeout decides */
        alive = 0;
    }
    if (alive)
        respond(w, ri, o, -1);
    else
        world_req_free(w, ri);
    dispatch_queue(w);
}

/* Outages may overlap: the state is recomputed from all that hold now. */
static void outage_recompute(world_t *w)
{
    const server_cfg_t *sc = &w->cfg->server;
    simtime_t now = eng_now(&w->eng);
    w->outage_mode = -1;
    w->workers_now = sc->workers;
    for (int i = 0; i < sc->noutages; i++) {
        const outage_t *o = &sc->outages[i];
        if (now < o->start || now >= o->end)
            continue;
        if (o->kind == OUTAGE_CAPACITY) {
            int wk = (int)(sc->workers * o->fraction);
            if (wk < w->workers_now)
                w->workers_now = wk;
        } else if (w->outage_mode != OUTAGE_REJECT) {
            w->outage_mode = (int)o->kind;
        }
    }
    dispatch_queue(w);
}

static void on_outage_edge(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e, (void)arg;
    outage_recompute(ctx);
}

int server_setup(world_t *w)
{
    const server_cfg_t *sc = &w->cfg->server;
    limiter_init(&w->limiter, &w->cfg->limiter);
    shed_init(&w->shed);
    w->qcap = sc->queue == SERVER_QUEUE_UNLIMITED ? 1024 : (uint32_t)(sc->queue > 0 ? sc->queue : 1);
    w->queue = malloc((size_t)w->qcap * sizeof *w->queue);
    if (!w->queue) {
        snprintf(w->err, sizeof w->err, "out of memory for the server queue");
        return -1;
    }
    if (sc->queue == 0)
        w->qcap = 0; /* no waiting room: every push fails */
    w->outage_mode = -1;
    w->workers_now = sc->workers;
    for (int i = 0; i < sc->noutages; i++) {
        eng_at(&w->eng, sc->outages[i].start, on_outage_edge, w, (uint64_t)i);
        eng_at(&w->eng, sc->outages[i].end, on_outage_edge, w, (uint64_t)i);
    }
    return 0;
}

void server_free(world_t *w)
{
    free(w->queue);
    w->queue = NULL;
}

void server_defaults(server_cfg_t *c)
{
    c->workers = 10;
    c->queue = 100;
    c->queue_full_status = 503;
    c->service = (dist_t){.kind = DIST_EXP, .a = 10e6};
    c->load_ns = 0;
    c->error_500 = c->error_502 = c->error_drop = 0;
    c->drop_expired = 0;
    c->deadline_propagation = 0;
    c->contention = 0;
    c->noutages = 0;
}

double server_capacity(const server_cfg_t *c)
{
    double m = dist_mean(&c->service);
    if (c->load_ns > 0 || m <= 0)
        return 0;
    return c->workers / (m / 1e9);
}

/* Answer request ri now with outcome o, without serving it (the
 * idempotency-key store's stored response or 409). */
void server_respond(world_t *w, uint32_t ri, outcome_t o)
{
    respond(w, ri, o, -1);
}
