/*
 * server: the service behind the rate limiter. An arriving request meets,
 * in order: a scheduled outage (reject with 503, or drop silently), the
 * limiter (reject with its status and Retry-After, or admit after a delay),
 * then the models' admission (model.h server_admit: load shedding, 503),
 * the workers and a FIFO (or LIFO) waiting room of K (full: reject with
 * queue_full_status; both 503s carry the server's Retry-After). Service time
 * is drawn when service starts, plus
 * load_per_inflight × requests in service (Brooker's collapse model, 2023),
 * fixed at the start. A request whose client has given up is still served
 * (wasted work) unless drop_expired. Models may answer a request before
 * its work (server_begin: an idempotency store), decide a served request's
 * outcome (server_outcome: a versioned row's conflicts) and see its end.
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
void server_respond(world_t *w, uint32_t ri, outcome_t o, simtime_t retry_after)
{
    req_t *r = world_req(w, ri);
    r->where = REQ_BACK;
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

/* Into the waiting room, which holds [server] queue live requests at most;
 * the ring grows when cancelled ones (skipped when popped) fill it. */
static int queue_push(world_t *w, uint32_t ri)
{
    int bounded = w->cfg->server.queue != SERVER_QUEUE_UNLIMITED;
    if (bounded && world_waiting(w) >= (uint32_t)w->cfg->server.queue)
        return -1;
    if (w->qlen == w->qcap) {
        uint32_t ncap = w->qcap * 2;
        uint32_t *q = ncap > w->qcap ? malloc((size_t)ncap * sizeof *q) : NULL;
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
    world_req(w, ri)->where = REQ_QUEUED;
    return 0;
}

/* The next live waiting request (world_waiting(w) > 0); cancelled ones on
 * the way are dropped. */
static uint32_t queue_pop(world_t *w)
{
    for (;;) {
        uint32_t ri;
        if (w->cfg->server.queue_order == SERVER_ORDER_LIFO) { /* the newest waiting request */
            ri = w->queue[(w->qhead + --w->qlen) % w->qcap];
        } else {
            ri = w->queue[w->qhead];
            w->qhead = (w->qhead + 1) % w->qcap;
            w->qlen--;
        }
        if (!world_req(w, ri)->cancelled)
            return ri;
        w->qdead--;
        world_req_free(w, ri);
    }
}

int server_cancel(world_t *w, uint32_t ri)
{
    req_t *r = world_req(w, ri);
    int where = r->where;
    if (r->cancelled)
        return where;
    if (where == REQ_OUT) {
        r->cancelled = 1; /* dropped when it arrives */
    } else if (where == REQ_QUEUED) {
        r->cancelled = 1;
        w->qdead++;
        world_level(w, &w->lv_queue, -1);
        world_level(w, &w->lv_system, -1);
        series_max(w, M_QUEUE, world_waiting(w));
    }
    return where;
}

/* Start serving ri; returns 0 if it was discarded as expired instead. */
static int start_service(world_t *w, uint32_t ri)
{
    const server_cfg_t *sc = &w->cfg->server;
    req_t *r = world_req(w, ri);
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
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->server_begin && w->on[i].d->server_begin(w, w->on[i].state, ri)) {
            /* a model answered (an idempotency store's stored response or 409): no work */
            world_level(w, &w->lv_system, -1);
            return 0;
        }
    r->where = REQ_SERVING;
    w->busy++;
    w->in_service++;
    world_level(w, &w->lv_busy, +1);
    series_max(w, M_BUSY, w->busy);
    /* the draw plus the collapse model's load, kept inside the clock */
    simtime_t svc = dist_draw(&sc->service, w->r_service), room = SIMTIME_NEVER - eng_now(&w->eng);
    if (svc > room)
        svc = room;
    if (sc->load_ns > 0) {
        simtime_t spare = room - svc;
        svc = w->in_service > spare / sc->load_ns ? room : svc + sc->load_ns * w->in_service;
    }
    /* A zero-length service with nobody waiting ends now: the event would
     * only come back at this same instant (events are FIFO at equal times,
     * and none due now can reach this request or draw from its streams
     * before it would fire), so it is folded into this one. With a queue,
     * ending now would start the next request from inside this call; it
     * stays an event. */
    if (svc == 0 && world_waiting(w) == 0) {
        on_service_done(&w->eng, w, ri);
        return 1;
    }
    eng_after(&w->eng, svc, on_service_done, w, ri);
    return 1;
}

static void hooks_dequeue(world_t *w, simtime_t sojourn)
{
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->server_dequeue)
            w->on[i].d->server_dequeue(w, w->on[i].state, sojourn, world_waiting(w));
}

static void dispatch_queue(world_t *w)
{
    while (w->busy < w->workers_now && world_waiting(w)) {
        uint32_t ri = queue_pop(w);
        hooks_dequeue(w, eng_now(&w->eng) - world_req(w, ri)->queued_at);
        start_service(w, ri);
        series_max(w, M_QUEUE, world_waiting(w));
        world_level(w, &w->lv_queue, -1);
    }
}

simtime_t server_retry_after(const server_cfg_t *c, uint32_t qlen, int workers)
{
    if (c->ra_mode == SERVER_RA_CONSTANT)
        return c->retry_after > 0 ? c->retry_after : -1;
    double cap = c->retry_after_cap > 0 ? (double)c->retry_after_cap : 1e300;
    if (workers <= 0)
        return c->retry_after_cap > 0 ? c->retry_after_cap : -1; /* nobody serves: no estimate */
    double v = (double)(qlen > 0 ? qlen : 1) * dist_mean(&c->service) / (double)workers;
    if (v > cap)
        v = cap;
    return (simtime_t)(v + 0.5);
}

/* The Retry-After of a queue-full or shed 503 now (the limiter's own
 * rejections keep [limiter] retry_after). */
static simtime_t retry_after_now(const world_t *w)
{
    return server_retry_after(&w->cfg->server, world_waiting(w), w->workers_now);
}

/* Past the limiter: the models' admission, a worker, the waiting room, or
 * a rejection. */
static void enter(world_t *w, uint32_t ri)
{
    if (world_req(w, ri)->cancelled) { /* cancelled while the limiter held it */
        world_req_free(w, ri);
        return;
    }
    int must_wait = w->busy >= w->workers_now;
    for (int i = 0; i < w->non; i++) {
        if (!w->on[i].d->server_admit)
            continue;
        int r = w->on[i].d->server_admit(w, w->on[i].state, ri, must_wait, w->busy + (int64_t)world_waiting(w));
        if (r != MODEL_PASS) {
            world_count(w, r, 1);
            server_respond(w, ri, OUT_503, retry_after_now(w));
            return;
        }
    }
    if (!must_wait) {
        hooks_dequeue(w, 0); /* served at once: sojourn 0 */
        world_count(w, M_ADMITTED, 1);
        world_level(w, &w->lv_system, +1);
        start_service(w, ri);
        return;
    }
    if (queue_push(w, ri) < 0) {
        world_count(w, M_REJ_QUEUE, 1);
        server_respond(w, ri, status_outcome(w->cfg->server.queue_full_status), retry_after_now(w));
        return;
    }
    world_req(w, ri)->queued_at = eng_now(&w->eng);
    world_count(w, M_ADMITTED, 1);
    world_level(w, &w->lv_system, +1);
    world_level(w, &w->lv_queue, +1);
    series_max(w, M_QUEUE, world_waiting(w));
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
    if (world_req(w, ri)->cancelled) { /* its cancellation came first: the server never sees it */
        world_req_free(w, ri);
        return;
    }
    world_count(w, M_ARRIVALS, 1);
    if (w->outage_mode == OUTAGE_REJECT) {
        world_count(w, M_REJ_OUTAGE, 1);
        server_respond(w, ri, OUT_503, retry_after_now(w));
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
        server_respond(w, ri, status_outcome(lc->reject_status), lc->retry_after > 0 ? lc->retry_after : -1);
        return;
    }
    if (v.delay > 0)
        eng_after(e, v.delay, on_limiter_delay_done, w, ri);
    else
        enter(w, ri);
}

/* An injected error ([server] error_500, error_502, error_drop) or OK. */
static outcome_t injected_error(world_t *w)
{
    const server_cfg_t *sc = &w->cfg->server;
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

/* The outcome of a served request: an injected error, then the models'
 * say (a versioned row's read or conflicting write). */
static outcome_t served_outcome(world_t *w, uint32_t ri)
{
    outcome_t o = injected_error(w);
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->server_outcome)
            w->on[i].d->server_outcome(w, w->on[i].state, ri, &o);
    return o;
}

static void on_service_done(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    uint32_t ri = (uint32_t)arg;
    req_t *r = world_req(w, ri);
    w->busy--;
    w->in_service--;
    world_level(w, &w->lv_busy, -1);
    world_level(w, &w->lv_system, -1);
    w->served_total++;
    outcome_t o = served_outcome(w, ri);
    world_count(w, o == OUT_OK ? M_SERVED_OK : M_SERVED_ERR, 1);
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->server_end)
            w->on[i].d->server_end(w, w->on[i].state, ri, o);
    int alive = client_request_alive(w, r);
    if (!alive || world_call(w, r->call)->caller_gone) {
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
        server_respond(w, ri, o, -1);
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

double server_capacity(const server_cfg_t *c)
{
    double m = dist_mean(&c->service);
    if (c->load_ns > 0 || m <= 0)
        return 0;
    return c->workers / (m / 1e9);
}

