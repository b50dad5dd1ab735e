/*
 * layers: the upper tiers of a chain (layers.h). A request reaching upper
 * tier i takes a worker (or is answered 503: no waiting room), and the
 * worker makes one call to tier i+1 through the client code (client.c),
 * so tier i's retries are tier i+1's arrivals and amplification
 * multiplies down the chain (SRE book ch. 22). When the call ends the
 * worker spends the tier's service time and answers: 200 or 503. The
 * worker is held for the whole call, as a thread-per-request server is.
 *
 * With deadline propagation the call inherits the request's deadline (the
 * earlier of the caller's deadline and its attempt timeout), and a request
 * whose deadline has passed is dropped on arrival; without it a tier keeps
 * working for an upper attempt that has already timed out. Units: ns.
 */
#include "dist.h"
#include "world.h"

#define PACK(i, s) ((uint64_t)(i) << 32 | (uint32_t)(s))

void layers_defaults(layers_cfg_t *c)
{
    c->count = 1;
    for (int i = 0; i < LAYERS_MAX; i++) {
        c->max_attempts[i] = 3;
        c->attempt_timeout[i] = SIMTIME_S;
        c->workers[i] = 100;
        c->service[i] = 0;
        c->retries_enabled[i] = 1;
    }
    c->deadline_propagation = 0;
}

/* Each upper tier's policy: [retry] with the tier's attempts and timeout;
 * no overall deadline of its own (a propagated one comes per call). */
void layers_setup(world_t *w)
{
    const layers_cfg_t *lc = &w->cfg->layers;
    w->nlayers = lc->count;
    for (int i = 0; i + 1 < lc->count; i++) {
        policy_cfg_t *p = &w->tier_pol[i];
        *p = w->cfg->retry;
        p->max_attempts = lc->retries_enabled[i] ? lc->max_attempts[i] : 1;
        p->attempt_timeout = lc->attempt_timeout[i];
        p->deadline = 0;
        p->ignore_deadline = 0;
        p->nonreplayable = 0;
    }
}

static void on_response_arrives(eng_t *e, void *ctx, uint64_t ri)
{
    (void)e;
    client_on_response(ctx, (uint32_t)ri);
}

static void respond(world_t *w, uint32_t ri, outcome_t o)
{
    req_t *r = &w->reqs[ri];
    r->outcome = (uint8_t)o;
    r->retry_after = -1;
    eng_after(&w->eng, dist_draw(&w->cfg->network.response, w->r_net_resp), on_response_arrives, w, ri);
}

void layers_on_arrival(eng_t *e, void *ctx, uint64_t arg)
{
    world_t *w = ctx;
    uint32_t ri = (uint32_t)arg;
    req_t *r = &w->reqs[ri];
    int t = r->tier;
    if (w->cfg->layers.deadline_propagation && eng_now(e) >= r->deadline_at) {
        world_count(w, M_EXPIRED, 1);
        world_req_free(w, ri);
        return;
    }
    if (w->tier_busy[t] >= w->cfg->layers.workers[t]) {
        w->tier_rejected[t]++;
        respond(w, ri, OUT_503);
        return;
    }
    w->tier_busy[t]++;
    client_start_subcall(w, t + 1, ri, w->cfg->layers.deadline_propagation ? r->deadline_at : SIMTIME_NEVER);
}

/* The tier's own work is done: free the worker, answer if anyone waits. */
static void on_tier_work_done(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    uint32_t ri = (uint32_t)(arg >> 32);
    req_t *r = &w->reqs[ri];
    w->tier_busy[r->tier]--;
    if (client_request_alive(w, r)) {
        respond(w, ri, (uint32_t)arg ? OUT_OK : OUT_503);
        return;
    }
    /* the upper attempt timed out or its call ended: the tier worked for
     * nobody. Counted per tier, not in served_wasted, which stays the
     * bottom's share of its own served requests. */
    w->tier_wasted[r->tier]++;
    world_req_free(w, ri);
}

void layers_call_done(world_t *w, uint32_t parent_req, int ok)
{
    const req_t *r = &w->reqs[parent_req];
    eng_after(&w->eng, w->cfg->layers.service[r->tier], on_tier_work_done, w, PACK(parent_req, ok != 0));
}
