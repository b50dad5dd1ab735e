/*
 * client: the life of a logical call, as events. The caller makes a call;
 * the retry loop sends attempt 1 and arms its timeout; a response or the
 * timeout ends the attempt; the pure policy (policy.c) says retry after d or
 * give up; the backoff wake-up sends the next attempt. The caller's deadline
 * ends the call as "deadline"; with ignore_deadline the loop goes on as an
 * orphan (docs/failure-modes.md §2.1: a retry goroutine that ignores
 * ctx.Done()).
 *
 * Client-side protections (protect.c) hook in at three points, each behind
 * one branch on w->prot_on: before any attempt is sent (circuit breaker,
 * adaptive throttling: a local rejection ends the call as breaker_open or
 * throttled, nothing is sent), when an attempt ends (the outcome feeds the
 * token buckets, the throttle and the breaker), and before a retry is
 * scheduled (retry quota, retry budget: a denial ends the call as
 * denied_quota or denied_budget).
 *
 * With the GMP model on (gmp.c, w->gmp != NULL) each call is a goroutine:
 * sending an attempt and handling its outcome cost CPU on a simulated P,
 * and the backoff sleep is a Go timer that fires at a scheduling point.
 * The hooks are gmp_go / gmp_cpu / gmp_sleep / gmp_cancel / gmp_exit, each
 * one branch (or eng_after / eng_cancel) when the model is off.
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

/* The policy a call's retry loop follows: [retry] for a caller's call, the
 * calling tier's (layers.c) for a tier's call to the next. */
static const policy_cfg_t *call_policy(const world_t *w, const call_t *c)
{
    return c->tier ? &w->tier_pol[c->tier - 1] : &w->cfg->retry;
}

static int grow(void **pool, uint32_t *cap, size_t elem)
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

static uint32_t call_alloc(world_t *w)
{
    if (w->calls_free) {
        uint32_t i = w->calls_free - 1;
        w->calls_free = w->calls[i].next_free;
        return i;
    }
    if (w->calls_used == w->ncalls_cap && grow((void **)&w->calls, &w->ncalls_cap, sizeof(call_t)) < 0)
        return UINT32_MAX;
    memset(&w->calls[w->calls_used], 0, sizeof(call_t));
    return w->calls_used++;
}

static void call_free(world_t *w, uint32_t i)
{
    call_t *c = &w->calls[i];
    c->gen++;
    c->active = 0;
    c->next_free = w->calls_free;
    w->calls_free = i + 1;
}

uint32_t world_req_alloc(world_t *w)
{
    if (w->reqs_free) {
        uint32_t i = w->reqs_free - 1;
        w->reqs_free = w->reqs[i].next_free;
        return i;
    }
    if (w->reqs_used == w->nreqs_cap && grow((void **)&w->reqs, &w->nreqs_cap, sizeof(req_t)) < 0)
        return UINT32_MAX;
    return w->reqs_used++;
}

void world_req_free(world_t *w, uint32_t i)
{
    w->reqs[i].next_free = w->reqs_free;
    w->reqs_free = i + 1;
}

static void out_of_memory(world_t *w)
{
    if (!w->failed)
        snprintf(w->err, sizeof w->err, "out of memory for calls or requests");
    w->failed = 1;
    eng_stop(&w->eng);
}

int client_request_alive(const world_t *w, const req_t *r)
{
    const call_t *c = &w->calls[r->call];
    return c->active && c->gen == r->call_gen && c->attempt_seq == r->attempt_seq && c->waiting;
}

/* The retry loop is over: count why (unless its caller already left),
 * release the call. `reason` is a metrics id of a call outcome. */
static void end_loop(world_t *w, uint32_t ci, int reason)
{
    call_t *c = &w->calls[ci];
    simtime_t now = eng_now(&w->eng);
    if (c->tier) {
        /* a tier's call to the next: its worker answers the upper request */
        uint32_t parent = c->parent_req;
        eng_cancel(&w->eng, c->deadline_ev);
        eng_cancel(&w->eng, c->timeout_ev);
        w->n_active--;
        call_free(w, ci);
        layers_call_done(w, parent, reason == M_SUCCEEDED);
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
    gmp_exit(w->gmp, c->g);
    call_free(w, ci);
    if (caller_was_waiting)
        arrivals_on_call_end(w, client);
}

static void record_breaker(world_t *w)
{
    if (w->prot_breaker)
        stats_series_record(&w->res->series, M_BREAKER, eng_now(&w->eng), protect_breaker_level(&w->prot));
}

/* Breaker and throttle before an attempt goes out. Returns 1 to send it;
 * 0 when it was rejected locally, which ends the call (fail fast: the
 * rejection is the protection's answer, so the retry loop does not retry
 * it). The attempt is not sent, so it is not counted as one. */
static int admit_attempt(world_t *w, uint32_t ci)
{
    call_t *c = &w->calls[ci];
    protect_verdict_t v = protect_admit(&w->prot, c->client, eng_now(&w->eng), &c->prot, w->r_throttle);
    record_breaker(w);
    if (v == PROTECT_PASS)
        return 1;
    world_count(w, M_REJ_LOCAL, 1);
    end_loop(w, ci, v == PROTECT_REJECT_BREAKER ? M_FAIL_BREAKER : M_FAIL_THROTTLED);
    return 0;
}

static void send_attempt(world_t *w, uint32_t ci)
{
    call_t *c = &w->calls[ci];
    const policy_cfg_t *pc = call_policy(w, c);
    int first = c->pol.attempts == 0;
    if (!first && c->nonreplayable) {
        /* The body was consumed by attempt 1: the retry fails inside the
         * client before anything is sent (docs/failure-modes.md §1.1). */
        end_loop(w, ci, M_FAIL_NONREPLAY);
        return;
    }
    if (w->prot_on && !c->tier && !admit_attempt(w, ci))
        return;
    uint32_t ri = world_req_alloc(w);
    if (ri == UINT32_MAX) {
        out_of_memory(w);
        return;
    }
    c = &w->calls[ci]; /* unchanged pool, but keep the pattern uniform */
    c->pol.attempts++;
    c->waiting = 1;
    w->tier_attempts[c->tier]++;
    if (!c->tier) /* the series count the callers' calls; tiers have their scalars */
        world_count(w, first ? M_ATTEMPTS_FIRST : M_ATTEMPTS_RETRY, 1);
    if (c->caller_gone)
        world_count(w, M_ORPHAN_ATTEMPTS, 1);
    req_t *r = &w->reqs[ri];
    r->call = ci;
    r->call_gen = c->gen;
    r->attempt_seq = c->attempt_seq;
    r->write_phase = 0;
    r->outcome = OUT_OK;
    r->version = 0;
    r->retry_after = -1;
    r->idem_key = c->idem_key;
    r->tier = c->tier;
    /* what a gRPC-style client propagates: the earlier of the caller's
     * deadline and this attempt's timeout */
    r->deadline_at = c->deadline_at;
    if (pc->attempt_timeout > 0 && eng_now(&w->eng) + pc->attempt_timeout < r->deadline_at)
        r->deadline_at = eng_now(&w->eng) + pc->attempt_timeout;
    c->timeout_ev = pc->attempt_timeout > 0
                        ? eng_after(&w->eng, pc->attempt_timeout, on_timeout, w, PACK(ci, c->attempt_seq))
                        : 0;
    simtime_t handshake = w->conn ? conn_on_send(w, ci) : 0;
    if (handshake < 0) {
        /* a pooled connection the server had closed: the attempt is reset
         * (the RST comes back after a round trip), nothing reaches the server */
        r->outcome = OUT_CONNERR;
        eng_after(&w->eng,
                  dist_draw(&w->cfg->network.request, w->r_net_req) + dist_draw(&w->cfg->network.response, w->r_net_resp),
                  on_reset, w, ri);
        return;
    }
    eng_after(&w->eng, handshake + dist_draw(&w->cfg->network.request, w->r_net_req),
              c->tier + 1 < w->nlayers ? layers_on_arrival : server_on_arrival, w, ri);
}

/* Connection model: the reset of a reused connection reaches the client. */
static void on_reset(eng_t *e, void *ctx, uint64_t ri)
{
    (void)e;
    client_on_response(ctx, (uint32_t)ri);
}

/* GMP model: the call's goroutine has spent the send's CPU; send. */
static void on_send_ready(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    call_t *c = &w->calls[IDX(arg)];
    if (!c->active || c->waiting || c->attempt_seq != SEQ(arg))
        return;
    send_attempt(w, IDX(arg));
}

/* Send the next attempt, through the call's goroutine when the GMP model is on. */
static void send_on_g(world_t *w, uint32_t ci)
{
    call_t *c = &w->calls[ci];
    if (!w->gmp) {
        send_attempt(w, ci);
        return;
    }
    gmp_cpu(w->gmp, &w->eng, c->g, GMP_COST_SEND, on_send_ready, w, PACK(ci, c->attempt_seq), 0, 0);
}

/* GMP model: the goroutine has handled the outcome (its CPU spent); decide. */
static void on_outcome_handled(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    call_t *c = &w->calls[IDX(arg)];
    if (!c->active || c->waiting || c->attempt_seq != SEQ(arg))
        return;
    const int64_t *aux = gmp_aux(w->gmp, c->g);
    decide(w, IDX(arg), (outcome_t)aux[0], aux[1]);
}

/* An attempt ended with outcome o: ask the policy what next. */
static void attempt_ended(world_t *w, uint32_t ci, outcome_t o, simtime_t retry_after)
{
    call_t *c = &w->calls[ci];
    c->waiting = 0;
    c->attempt_seq++; /* whatever still travels for this attempt is stale now */
    if (w->conn)
        conn_on_attempt_end(w, ci, o, 0);
    if (w->prot_on && !c->tier) {
        protect_attempt_end(&w->prot, c->client, eng_now(&w->eng), &c->prot, o,
                            (w->cfg->retry.retry_on & POLICY_RETRY_BIT(o)) != 0);
        record_breaker(w);
    }
    if (w->gmp) {
        /* the goroutine handles the outcome on a P first (CPU), then decides */
        gmp_cpu(w->gmp, &w->eng, c->g, GMP_COST_RESPONSE, on_outcome_handled, w, PACK(ci, c->attempt_seq), o,
                retry_after);
        return;
    }
    decide(w, ci, o, retry_after);
}

/* The policy's verdict on outcome o, acted on: end the loop or back off. */
static void decide(world_t *w, uint32_t ci, outcome_t o, simtime_t retry_after)
{
    call_t *c = &w->calls[ci];
    policy_decision_t d = policy_decide(call_policy(w, c), &c->pol, o, retry_after, w->r_jitter);
    switch (d.verdict) {
    case POLICY_DONE_OK: end_loop(w, ci, M_SUCCEEDED); return;
    case POLICY_GIVEUP_NOT_RETRYABLE: end_loop(w, ci, M_FAIL_NOTRETRY); return;
    case POLICY_GIVEUP_EXHAUSTED: end_loop(w, ci, M_FAIL_EXHAUSTED); return;
    case POLICY_RETRY: break;
    }
    if (w->prot_on && !c->tier) {
        protect_verdict_t v = protect_retry(&w->prot, c->client, eng_now(&w->eng), &c->prot, o);
        if (v != PROTECT_PASS) {
            end_loop(w, ci, v == PROTECT_DENY_QUOTA ? M_DENIED_QUOTA : M_DENIED_BUDGET);
            return;
        }
    }
    world_level(w, &w->lv_orbit, +1);
    world_level(w, &w->lv_system, +1);
    c->backoff_ev = gmp_sleep(w->gmp, &w->eng, c->g, d.delay, on_backoff_done, w, PACK(ci, c->attempt_seq));
}

static void on_timeout(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    call_t *c = &w->calls[IDX(arg)];
    if (!c->active || !c->waiting || c->attempt_seq != SEQ(arg))
        return;
    c->timeout_ev = 0;
    attempt_ended(w, IDX(arg), OUT_TIMEOUT, -1);
}

static void on_backoff_done(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    call_t *c = &w->calls[IDX(arg)];
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
    call_t *c = &w->calls[ci];
    if (!c->active || c->gen != SEQ(arg) || c->caller_gone)
        return;
    c->deadline_ev = 0;
    if (w->cfg->retry.ignore_deadline && !c->tier) {
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
    if (!c->waiting && gmp_cancel(w->gmp, e, c->g, c->backoff_ev)) {
        world_level(w, &w->lv_orbit, -1);
        world_level(w, &w->lv_system, -1);
    }
    if (c->waiting && w->prot_on && !c->tier) {
        /* The abandoned attempt ends for the protections as a timeout that
         * is not retried: a failure for the breaker (a half-open probe must
         * come back), not accepted for the throttle, no token change. */
        protect_attempt_end(&w->prot, c->client, eng_now(e), &c->prot, OUT_TIMEOUT, 0);
        record_breaker(w);
    }
    if (c->waiting && w->conn)
        conn_on_attempt_end(w, ci, OUT_TIMEOUT, 1);
    c->attempt_seq++;
    c->waiting = 0;
    if (!c->tier && c->pol.attempts < w->cfg->retry.max_attempts)
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
    call_t *c = &w->calls[ci];
    const policy_cfg_t *pc = &w->cfg->retry;
    simtime_t now = eng_now(&w->eng);
    c->start = now;
    c->client = client;
    c->active = 1;
    c->caller_gone = 0;
    c->waiting = 0;
    c->timeout_ev = c->backoff_ev = c->deadline_ev = 0;
    c->nonreplayable = pc->nonreplayable > 0 && gsl_rng_uniform(w->r_nonreplay) < pc->nonreplayable;
    c->conn_slot = 0;
    c->idem_key = 0;
    c->tier = 0;
    if (w->idem &&
        !(c->idem_key = idem_call_start(w->idem, gsl_rng_uniform(w->r_idem) < w->cfg->idem.non_idempotent))) {
        out_of_memory(w);
        return;
    }
    policy_start(pc, &c->pol);
    c->deadline_at = pc->deadline > 0 ? now + pc->deadline : SIMTIME_NEVER;
    if (pc->deadline > 0)
        c->deadline_ev = eng_after(&w->eng, pc->deadline, on_deadline, w, PACK(ci, c->gen));
    w->n_in_flight++;
    if (++w->n_active > w->peak_active)
        w->peak_active = w->n_active;
    world_count(w, M_CALLS, 1);
    stats_series_record(&w->res->series, M_INFLIGHT, now, w->n_in_flight);
    if (w->prot_on)
        protect_call_start(&w->prot, client, now, &c->prot);
    if (w->gmp && !(c->g = gmp_go(w->gmp))) {
        out_of_memory(w);
        return;
    }
    send_on_g(w, ci);
}

void client_on_response(world_t *w, uint32_t ri)
{
    req_t *r = &w->reqs[ri];
    if (!client_request_alive(w, r)) {
        world_req_free(w, ri);
        return;
    }
    uint32_t ci = r->call;
    call_t *c = &w->calls[ci];
    if (w->cfg->server.contention && !r->write_phase && r->outcome == OUT_OK) {
        /* Read done: send the conditional write with the version read,
         * within the same attempt and its timeout (Brooker 2015). */
        r->write_phase = 1;
        eng_after(&w->eng, dist_draw(&w->cfg->network.request, w->r_net_req), server_on_arrival, w, ri);
        return;
    }
    outcome_t o = (outcome_t)r->outcome;
    simtime_t ra = r->retry_after;
    world_req_free(w, ri);
    eng_cancel(&w->eng, c->timeout_ev);
    c->timeout_ev = 0;
    attempt_ended(w, ci, o, ra);
}

/* Layers: upper tier `tier - 1` calls tier `tier` for its request
 * parent_req. The retry loop is the callers' one with the tier's policy;
 * it has no caller of its own to count (no series, no latency), no
 * protections and no goroutine, connection or idempotency key (run_validate
 * keeps those models off with layers). deadline_at: the propagated
 * deadline, SIMTIME_NEVER = none. */
void client_start_subcall(world_t *w, int tier, uint32_t parent_req, simtime_t deadline_at)
{
    uint32_t ci = call_alloc(w);
    if (ci == UINT32_MAX) {
        out_of_memory(w);
        return;
    }
    call_t *c = &w->calls[ci];
    simtime_t now = eng_now(&w->eng);
    c->start = now;
    c->client = 0;
    c->active = 1;
    c->caller_gone = 0;
    c->waiting = 0;
    c->nonreplayable = 0;
    c->timeout_ev = c->backoff_ev = c->deadline_ev = 0;
    c->conn_slot = 0;
    c->idem_key = 0;
    c->g = 0;
    c->tier = (uint8_t)tier;
    c->parent_req = parent_req;
    policy_start(call_policy(w, c), &c->pol);
    c->deadline_at = deadline_at;
    if (deadline_at != SIMTIME_NEVER)
        c->deadline_ev = eng_at(&w->eng, deadline_at > now ? deadline_at : now, on_deadline, w, PACK(ci, c->gen));
    if (++w->n_active > w->peak_active)
        w->peak_active = w->n_active;
    send_attempt(w, ci);
}
