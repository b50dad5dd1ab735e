/*
 * client: the life of a logical call, as events. The caller makes a call;
 * the retry loop sends attempt 1 and arms its timeout; a response or the
 * timeout ends the attempt; the pure policy (policy.c) says retry after d or
 * give up; the backoff wake-up sends the next attempt. The caller's deadline
 * ends the call as "deadline"; with ignore_deadline the loop goes on as an
 * orphan (docs/failure-modes.md §2.1: a retry goroutine that ignores
 * ctx.Done()).
 *
 * Optional models (model.h) hook in at fixed points of a caller's call,
 * each a loop over the models that are on (none: the loop is empty):
 * call_start; before_send (a protection may reject the attempt locally,
 * which ends the call); on_send (a connection's handshake delay, or a reset
 * of a stale one); attempt_end; may_retry, then retry_granted when every
 * model allowed it (a retry quota or budget may deny it, which ends the
 * call); response (a model may consume a response and send on, as the
 * contention model's read then write). An on_send hook may also hold the
 * request (MODEL_SEND_HELD: a client-side rate limiter's wait for a
 * token) and send it on later with client_send_held, which runs the later
 * models' on_send then. A runtime model (the Go runtime)
 * may carry the call's CPU work and sleeps (world_runtime_t).
 *
 * Event arguments pack (call index << 32 | attempt sequence or generation),
 * so a stale timer (its attempt already answered, its call already reused)
 * is recognised and ignored even where cancellation was not needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "world.h"

#define PACK(i, s) ((uint64_t)(i) << 32 | (uint32_t)(s))
#define IDX(a) ((uint32_t)((a) >> 32))
#define SEQ(a) ((uint32_t)(a))

static void on_timeout(eng_t *e, void *ctx, uint64_t arg);
static void on_backoff_done(eng_t *e, void *ctx, uint64_t arg);
static void on_deadline(eng_t *e, void *ctx, uint64_t arg);
static void on_reset(eng_t *e, void *ctx, uint64_t ri);
static void decide(world_t *w, uint32_t ci, outcome_t o, simtime_t retry_after);

/* ---- pools ------------------------------------------------------------------ */

static int grow(unsigned char **pool, uint32_t *cap, size_t elem)
{
    uint32_t ncap = *cap ? *cap * 2 : 1024;
    if (ncap <= *cap)
        return -1;
    void *p = realloc(*pool, (size_t)ncap * elem);
    if (!p)
        return -1;
    *pool = p;
    *cap = ncap;
    return 0;
}

/* A call record with every field, its models' state included, at zero;
 * its generation survives reuse (stale events compare it). */
static uint32_t call_alloc(world_t *w)
{
    uint32_t i;
    if (w->calls_free) {
        i = w->calls_free - 1;
        w->calls_free = world_call(w, i)->next_free;
    } else {
        if (w->calls_used == w->ncalls_cap && grow(&w->calls, &w->ncalls_cap, w->call_size) < 0)
            return UINT32_MAX;
        i = w->calls_used++;
        world_call(w, i)->gen = 0;
    }
    call_t *c = world_call(w, i);
    uint32_t gen = c->gen;
    memset(c, 0, w->call_size);
    c->gen = gen;
    return i;
}

static void call_free(world_t *w, uint32_t i)
{
    call_t *c = world_call(w, i);
    c->gen++;
    c->active = 0;
    c->next_free = w->calls_free;
    w->calls_free = i + 1;
}

uint32_t world_req_alloc(world_t *w)
{
    uint32_t i;
    if (w->reqs_free) {
        i = w->reqs_free - 1;
        w->reqs_free = world_req(w, i)->next_free;
    } else {
        if (w->reqs_used == w->nreqs_cap && grow(&w->reqs, &w->nreqs_cap, w->req_size) < 0)
            return UINT32_MAX;
        i = w->reqs_used++;
    }
    if (w->req_size > sizeof(req_t)) /* the models' state starts at zero */
        memset(w->reqs + (size_t)i * w->req_size + sizeof(req_t), 0, w->req_size - sizeof(req_t));
    return i;
}

void world_req_free(world_t *w, uint32_t i)
{
    world_req(w, i)->next_free = w->reqs_free;
    w->reqs_free = i + 1;
}

void world_fail(world_t *w, const char *msg)
{
    if (!w->failed)
        snprintf(w->err, sizeof w->err, "%s", msg);
    w->failed = 1;
    eng_stop(&w->eng);
}

static void out_of_memory(world_t *w)
{
    world_fail(w, "out of memory for calls or requests");
}

int client_request_alive(const world_t *w, const req_t *r)
{
    const call_t *c = world_call(w, r->call);
    return c->active && c->gen == r->call_gen && c->attempt_seq == r->attempt_seq && c->waiting;
}

/* ---- the models' hooks ------------------------------------------------------ */

static int hooks_call_start(world_t *w, uint32_t ci)
{
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->call_start && w->on[i].d->call_start(w, w->on[i].state, ci) < 0)
            return -1;
    return 0;
}

/* MODEL_PASS, or the failure a model ended the call with; the models that
 * had let the attempt through hear that it is not sent after all. */
static int hooks_before_send(world_t *w, uint32_t ci)
{
    for (int i = 0; i < w->non; i++) {
        if (!w->on[i].d->before_send)
            continue;
        int r = w->on[i].d->before_send(w, w->on[i].state, ci);
        if (r == MODEL_PASS)
            continue;
        for (int j = 0; j < i; j++)
            if (w->on[j].d->send_cancelled)
                w->on[j].d->send_cancelled(w, w->on[j].state, ci);
        return r;
    }
    return MODEL_PASS;
}

/* The on_send hooks of the models from the on-list index `from` on: the
 * extra ns before the request leaves, < 0 when the attempt is reset, or
 * MODEL_SEND_HELD when a model holds the request (the models after it hear
 * of it when that model sends it on, client_send_held). */
static simtime_t hooks_on_send(world_t *w, int from, uint32_t ci, uint32_t ri)
{
    simtime_t extra = 0;
    for (int i = from; i < w->non; i++) {
        if (!w->on[i].d->on_send)
            continue;
        simtime_t d = w->on[i].d->on_send(w, w->on[i].state, ci, ri);
        if (d < 0 || d == MODEL_SEND_HELD)
            return d;
        extra += d;
    }
    return extra;
}

static void hooks_attempt_end(world_t *w, uint32_t ci, outcome_t o, unsigned flags)
{
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->attempt_end)
            w->on[i].d->attempt_end(w, w->on[i].state, ci, o, flags);
}

/* Every model must allow the retry before any of them counts it. */
static int hooks_retry(world_t *w, uint32_t ci, outcome_t o)
{
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->may_retry) {
            int r = w->on[i].d->may_retry(w, w->on[i].state, ci, o);
            if (r != MODEL_PASS)
                return r;
        }
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->retry_granted)
            w->on[i].d->retry_granted(w, w->on[i].state, ci, o);
    return MODEL_PASS;
}

static int hooks_response(world_t *w, uint32_t ri)
{
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->response && w->on[i].d->response(w, w->on[i].state, ri))
            return 1;
    return 0;
}

/* ---- the runtime (direct when no runtime model is on) ----------------------- */

static eng_ev_t rt_sleep(world_t *w, uint32_t ci, simtime_t d, eng_fn fn, uint64_t arg)
{
    if (!w->rt)
        return eng_after(&w->eng, d, fn, w, arg);
    return w->rt->sleep(w, w->rt_state, ci, d, fn, arg);
}

static int rt_cancel(world_t *w, uint32_t ci, eng_ev_t ev)
{
    if (!w->rt)
        return eng_cancel(&w->eng, ev);
    return w->rt->cancel(w, w->rt_state, ci, ev);
}

/* ---- the retry loop --------------------------------------------------------- */

/* The retry loop is over: count why (unless its caller already left),
 * release the call. `reason` is a series id of a call outcome. */
static void end_loop(world_t *w, uint32_t ci, int reason)
{
    call_t *c = world_call(w, ci);
    simtime_t now = eng_now(&w->eng);
    if (c->hop) {
        /* a tier's call to the next: the tier's worker answers its request */
        uint32_t parent = c->parent;
        eng_cancel(&w->eng, c->deadline_ev);
        eng_cancel(&w->eng, c->timeout_ev);
        w->n_active--;
        call_free(w, ci);
        w->subcall_done(w, w->subcall_ctx, parent, reason == M_SUCCEEDED);
        return;
    }
    if (c->caller_gone) {
        w->n_orphans--;
        stats_series_record(&w->res->series, M_ORPHANS, now, w->n_orphans);
    } else {
        world_count(w, reason, 1);
        w->n_in_flight--;
        stats_series_record(&w->res->series, M_INFLIGHT, now, w->n_in_flight);
        if (reason == M_SUCCEEDED)
            stats_hist_add(w->h_latency, now - c->start);
    }
    stats_hist_add(w->h_attempts, c->pol.attempts);
    eng_cancel(&w->eng, c->deadline_ev);
    eng_cancel(&w->eng, c->timeout_ev);
    uint32_t client = c->client;
    int caller_was_waiting = !c->caller_gone;
    w->n_active--;
    if (w->rt)
        w->rt->call_end(w, w->rt_state, ci);
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->call_end)
            w->on[i].d->call_end(w, w->on[i].state, ci);
    call_free(w, ci);
    if (caller_was_waiting)
        arrivals_on_call_end(w, client);
}

void client_send_to_hop(world_t *w, uint32_t ri, int hop, simtime_t d)
{
    world_req(w, ri)->where = REQ_OUT;
    eng_after(&w->eng, d, w->hop_arrive[hop], w, ri);
}

/* A new request for call ci's current attempt, or UINT32_MAX (out of memory). */
static uint32_t new_request(world_t *w, uint32_t ci)
{
    uint32_t ri = world_req_alloc(w);
    if (ri == UINT32_MAX) {
        out_of_memory(w);
        return ri;
    }
    const call_t *c = world_call(w, ci);
    const policy_cfg_t *pc = w->hop_policy[c->hop];
    req_t *r = world_req(w, ri);
    r->call = ci;
    r->call_gen = c->gen;
    r->attempt_seq = c->attempt_seq;
    r->outcome = OUT_OK;
    r->retry_after = -1;
    r->hop = c->hop;
    r->where = REQ_OUT;
    r->cancelled = 0;
    /* what a gRPC-style client propagates: the earlier of the caller's
     * deadline and this attempt's timeout */
    r->deadline_at = c->deadline_at;
    if (pc->attempt_timeout > 0 && eng_now(&w->eng) + pc->attempt_timeout < r->deadline_at)
        r->deadline_at = eng_now(&w->eng) + pc->attempt_timeout;
    return ri;
}

/* Request ri of call ci leaves the client: the on_send hooks of the
 * models from the on-list index `from` on, then the network; unless a
 * model holds it, or resets the attempt (a pooled connection the server
 * had closed: the RST comes back after a round trip, nothing reaches the
 * server). */
static void dispatch(world_t *w, uint32_t ci, uint32_t ri, int from)
{
    const call_t *c = world_call(w, ci);
    simtime_t extra = !c->hop && w->non ? hooks_on_send(w, from, ci, ri) : 0;
    if (extra == MODEL_SEND_HELD)
        return;
    if (extra < 0) {
        world_req(w, ri)->outcome = OUT_CONNERR;
        eng_after(&w->eng,
                  dist_draw(&w->cfg->network.request, w->r_net_req) + dist_draw(&w->cfg->network.response, w->r_net_resp),
                  on_reset, w, ri);
        return;
    }
    client_send_to_hop(w, ri, c->hop, extra + dist_draw(&w->cfg->network.request, w->r_net_req));
}

static void send_attempt(world_t *w, uint32_t ci)
{
    call_t *c = world_call(w, ci);
    const policy_cfg_t *pc = w->hop_policy[c->hop];
    int first = c->pol.attempts == 0;
    if (!first && c->nonreplayable) {
        /* The body was consumed by attempt 1: the retry fails inside the
         * client before anything is sent (docs/failure-modes.md §1.1). */
        end_loop(w, ci, M_FAIL_NONREPLAY);
        return;
    }
    if (!c->hop && w->non) {
        int r = hooks_before_send(w, ci);
        if (r != MODEL_PASS) {
            /* rejected locally (breaker, throttling): the protection's
             * answer, not retried; the attempt was never sent */
            world_count(w, M_REJ_LOCAL, 1);
            end_loop(w, ci, r);
            return;
        }
    }
    uint32_t ri = new_request(w, ci);
    if (ri == UINT32_MAX)
        return;
    c->pol.attempts++;
    c->waiting = 1;
    w->hop_attempts[c->hop]++;
    if (!c->hop) /* the series count the callers' calls; tiers have their scalars */
        world_count(w, first ? M_ATTEMPTS_FIRST : M_ATTEMPTS_RETRY, 1);
    if (c->caller_gone)
        world_count(w, M_ORPHAN_ATTEMPTS, 1);
    c->timeout_ev = pc->attempt_timeout > 0
                        ? eng_after(&w->eng, pc->attempt_timeout, on_timeout, w, PACK(ci, c->attempt_seq))
                        : 0;
    dispatch(w, ci, ri, 0);
}

void client_send_copy(world_t *w, uint32_t ci, int series)
{
    call_t *c = world_call(w, ci);
    uint32_t ri = new_request(w, ci);
    if (ri == UINT32_MAX)
        return;
    w->hop_attempts[c->hop]++;
    world_count(w, series, 1);
    if (c->caller_gone)
        world_count(w, M_ORPHAN_ATTEMPTS, 1);
    dispatch(w, ci, ri, 0);
}

void client_send_held(world_t *w, uint32_t ri, const model_info_t *m)
{
    int from = 0;
    while (from < w->non && w->on[from].d->info != m)
        from++;
    dispatch(w, world_req(w, ri)->call, ri, from + 1);
}

int client_retry_allowed(world_t *w, uint32_t ci, outcome_t o)
{
    return hooks_retry(w, ci, o) == MODEL_PASS;
}

void client_copy_ended(world_t *w, uint32_t ci, outcome_t o)
{
    if (!world_call(w, ci)->hop)
        hooks_attempt_end(w, ci, o, MODEL_COPY | ((w->cfg->retry.retry_on & POLICY_RETRY_BIT(o)) ? MODEL_RETRYABLE : 0));
}

/* A reset connection's RST reaches the client. */
static void on_reset(eng_t *e, void *ctx, uint64_t ri)
{
    (void)e;
    client_on_response(ctx, (uint32_t)ri);
}

/* Runtime model: the call's goroutine has spent the send's CPU; send. */
static void on_send_ready(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    call_t *c = world_call(w, IDX(arg));
    if (!c->active || c->waiting || c->attempt_seq != SEQ(arg))
        return;
    send_attempt(w, IDX(arg));
}

/* Send the next attempt, through the call's goroutine when a runtime model is on. */
static void send_on_g(world_t *w, uint32_t ci)
{
    if (!w->rt) {
        send_attempt(w, ci);
        return;
    }
    w->rt->cpu(w, w->rt_state, ci, WORLD_COST_SEND, on_send_ready, PACK(ci, world_call(w, ci)->attempt_seq), 0, 0);
}

/* Runtime model: the goroutine has handled the outcome (its CPU spent); decide. */
static void on_outcome_handled(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    call_t *c = world_call(w, IDX(arg));
    if (!c->active || c->waiting || c->attempt_seq != SEQ(arg))
        return;
    const int64_t *aux = w->rt->aux(w, w->rt_state, IDX(arg));
    decide(w, IDX(arg), (outcome_t)aux[0], aux[1]);
}

/* An attempt ended with outcome o: ask the policy what next. */
static void attempt_ended(world_t *w, uint32_t ci, outcome_t o, simtime_t retry_after)
{
    call_t *c = world_call(w, ci);
    c->waiting = 0;
    c->attempt_seq++; /* whatever still travels for this attempt is stale now */
    if (!c->hop && w->non)
        hooks_attempt_end(w, ci, o, (w->cfg->retry.retry_on & POLICY_RETRY_BIT(o)) ? MODEL_RETRYABLE : 0);
    if (w->rt) {
        /* the goroutine handles the outcome on a P first (CPU), then decides */
        w->rt->cpu(w, w->rt_state, ci, WORLD_COST_RESPONSE, on_outcome_handled, PACK(ci, c->attempt_seq), o,
                   retry_after);
        return;
    }
    decide(w, ci, o, retry_after);
}

/* The policy's verdict on outcome o, acted on: end the loop or back off. */
static void decide(world_t *w, uint32_t ci, outcome_t o, simtime_t retry_after)
{
    call_t *c = world_call(w, ci);
    policy_decision_t d = policy_decide(w->hop_policy[c->hop], &c->pol, o, retry_after, w->r_jitter);
    switch (d.verdict) {
    case POLICY_DONE_OK: end_loop(w, ci, M_SUCCEEDED); return;
    case POLICY_GIVEUP_NOT_RETRYABLE: end_loop(w, ci, M_FAIL_NOTRETRY); return;
    case POLICY_GIVEUP_EXHAUSTED: end_loop(w, ci, M_FAIL_EXHAUSTED); return;
    case POLICY_RETRY: break;
    }
    if (!c->hop && w->non) {
        int r = hooks_retry(w, ci, o);
        if (r != MODEL_PASS) {
            end_loop(w, ci, r);
            return;
        }
    }
    world_level(w, &w->lv_orbit, +1);
    world_level(w, &w->lv_system, +1);
    c->backoff_ev = rt_sleep(w, ci, d.delay, on_backoff_done, PACK(ci, c->attempt_seq));
}

static void on_timeout(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    call_t *c = world_call(w, IDX(arg));
    if (!c->active || !c->waiting || c->attempt_seq != SEQ(arg))
        return;
    c->timeout_ev = 0;
    attempt_ended(w, IDX(arg), OUT_TIMEOUT, -1);
}

static void on_backoff_done(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    call_t *c = world_call(w, IDX(arg));
    if (!c->active || c->waiting || c->attempt_seq != SEQ(arg))
        return;
    c->backoff_ev = 0;
    world_level(w, &w->lv_orbit, -1);
    world_level(w, &w->lv_system, -1);
    send_on_g(w, IDX(arg));
}

static void on_deadline(eng_t *e, void *ctx, uint64_t arg)
{
    world_t *w = ctx;
    uint32_t ci = IDX(arg);
    call_t *c = world_call(w, ci);
    if (!c->active || c->gen != SEQ(arg) || c->caller_gone)
        return;
    c->deadline_ev = 0;
    if (w->cfg->retry.ignore_deadline && !c->hop) {
        /* The caller has gone, the loop has not: an orphan from now on. */
        if (c->pol.attempts < w->cfg->retry.max_attempts)
            w->deadline_cut++;
        world_count(w, M_FAIL_DEADLINE, 1);
        w->n_in_flight--;
        stats_series_record(&w->res->series, M_INFLIGHT, eng_now(e), w->n_in_flight);
        c->caller_gone = 1;
        w->n_orphans++;
        stats_series_record(&w->res->series, M_ORPHANS, eng_now(e), w->n_orphans);
        arrivals_on_call_end(w, c->client);
        return;
    }
    /* The context is done: abandon the attempt in flight or the backoff. */
    if (!c->waiting && rt_cancel(w, ci, c->backoff_ev)) {
        world_level(w, &w->lv_orbit, -1);
        world_level(w, &w->lv_system, -1);
    }
    if (c->waiting && !c->hop && w->non) {
        /* The abandoned attempt ends for the models as a timeout that is
         * not retried (a breaker's half-open probe must come back). */
        hooks_attempt_end(w, ci, OUT_TIMEOUT, MODEL_ABANDONED);
    }
    c->attempt_seq++;
    c->waiting = 0;
    if (!c->hop && c->pol.attempts < w->cfg->retry.max_attempts)
        w->deadline_cut++; /* the deadline ended the call before its retry schedule did */
    end_loop(w, ci, M_FAIL_DEADLINE);
}

void client_start_call(world_t *w, uint32_t client)
{
    uint32_t ci = call_alloc(w);
    if (ci == UINT32_MAX) {
        out_of_memory(w);
        return;
    }
    call_t *c = world_call(w, ci);
    const policy_cfg_t *pc = &w->cfg->retry;
    simtime_t now = eng_now(&w->eng);
    c->start = now;
    c->client = client;
    c->active = 1;
    c->nonreplayable = pc->nonreplayable > 0 && gsl_rng_uniform(w->r_nonreplay) < pc->nonreplayable;
    policy_start(pc, &c->pol);
    c->deadline_at = pc->deadline > 0 ? now + pc->deadline : SIMTIME_NEVER;
    if (pc->deadline > 0)
        c->deadline_ev = eng_after(&w->eng, pc->deadline, on_deadline, w, PACK(ci, c->gen));
    w->n_in_flight++;
    if (++w->n_active > w->peak_active)
        w->peak_active = w->n_active;
    world_count(w, M_CALLS, 1);
    stats_series_record(&w->res->series, M_INFLIGHT, now, w->n_in_flight);
    if (w->non && hooks_call_start(w, ci) < 0) {
        out_of_memory(w);
        return;
    }
    send_on_g(w, ci);
}

void client_on_response(world_t *w, uint32_t ri)
{
    req_t *r = world_req(w, ri);
    if (!client_request_alive(w, r)) {
        world_req_free(w, ri);
        return;
    }
    if (w->non && hooks_response(w, ri))
        return; /* a model sent it on within the same attempt */
    uint32_t ci = r->call;
    call_t *c = world_call(w, ci);
    outcome_t o = (outcome_t)r->outcome;
    simtime_t ra = r->retry_after;
    world_req_free(w, ri);
    eng_cancel(&w->eng, c->timeout_ev);
    c->timeout_ev = 0;
    attempt_ended(w, ci, o, ra);
}

/* A tier's call to the next hop: the retry loop is the callers' one with
 * the hop's policy; it has no caller of its own to count (no series, no
 * latency), and no model hooks (the models that would need per-tier state
 * refuse to run with tiers). deadline_at: the propagated deadline,
 * SIMTIME_NEVER = none. */
void client_start_subcall(world_t *w, int hop, uint32_t parent, simtime_t deadline_at)
{
    uint32_t ci = call_alloc(w);
    if (ci == UINT32_MAX) {
        out_of_memory(w);
        return;
    }
    call_t *c = world_call(w, ci);
    simtime_t now = eng_now(&w->eng);
    c->start = now;
    c->active = 1;
    c->hop = (uint8_t)hop;
    c->parent = parent;
    policy_start(w->hop_policy[hop], &c->pol);
    c->deadline_at = deadline_at;
    if (deadline_at != SIMTIME_NEVER)
        c->deadline_ev = eng_at(&w->eng, deadline_at > now ? deadline_at : now, on_deadline, w, PACK(ci, c->gen));
    if (++w->n_active > w->peak_active)
        w->peak_active = w->n_active;
    send_attempt(w, ci);
}
