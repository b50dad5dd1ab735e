/*
 * protect: the client-side protections (see protect.h), as pure state
 * machines over counters. Sources of the rules:
 *
 *   - AWS retry quota (kind = aws): the AWS SDKs' standard retry mode
 *     (AWS SDKs and Tools Reference Guide, "Retry behavior"; aws-sdk-js-v3
 *     middleware-retry defaultRetryQuota.ts and StandardRetryStrategy;
 *     botocore retries/quota.py and standard.py). A bucket of 500 tokens
 *     per client; a retry is allowed only if the bucket holds at least its
 *     cost (5, or 10 after a timeout), which is then withdrawn; when a call
 *     succeeds the bucket gets back the cost of its latest retry, or 1
 *     (NO_RETRY_INCREMENT) if it succeeded at its first attempt, capped at
 *     the capacity. The simplest form of the rule refunds first-try
 *     successes only; the SDKs also return a successful retry's cost, so
 *     that is the default here (refund_retry = false gives the simpler
 *     bucket; docs/retry-policies.md has both).
 *   - gRPC retry throttling (kind = grpc): gRFC A6 "gRPC Retry Design",
 *     section "Throttling Retry Attempts and Hedged RPCs", as grpc-core's
 *     RetryThrottler implements it (src/core/client_channel/
 *     retry_throttle.cc): tokens start at max_tokens; an attempt that fails
 *     with a retryable status takes 1 token, a successful attempt adds
 *     token_ratio, clamped to [0, max_tokens]; a retry is allowed only if,
 *     after the failure was counted, tokens > max_tokens / 2. Tokens are
 *     kept in integer thousandths as grpc-core does (token_ratio has 3
 *     decimals there), so the arithmetic is exact.
 *   - Retry budget: Finagle's RetryBudget (a ttl window, a percentage of
 *     requests that may be retried, plus a minimum number of retries per
 *     second), Envoy's retry budgets, and the SRE book's per-client budget
 *     ("retries under 10% of requests"). Requests are calls (first
 *     attempts); a retry is allowed while
 *         retries in window + 1 <= ratio x requests in window + min_retries_per_s x window.
 *     Since every retry it grants passes this test, the retries of a whole
 *     run never exceed ratio x requests + min_retries_per_s x window x
 *     ceil(T / window) (cover the grants by disjoint windows, each ending
 *     at the last grant before the previous one's start).
 *   - Adaptive client throttling: Google SRE book, chapter 21 "Handling
 *     Overload": a request is rejected locally with probability
 *         max(0, (requests - K x accepts) / (requests + 1))
 *     over the last two minutes; requests counts every attempt the client
 *     asked to send (rejected ones too), accepts those the server accepted.
 *     Here an attempt is accepted unless it came back 429, 503, timed out
 *     or lost its connection. The probability uses the counts before the
 *     attempt being decided, which is then counted as a request.
 *   - Circuit breaker: Nygard, "Release It!" (2007), with Resilience4j's
 *     semantics: closed -> open when, over the window, at least min_calls
 *     attempts ended and the failure share is >= failure_threshold (every
 *     outcome but success is a failure); open rejects every attempt
 *     locally for open_for; the first attempt after that half-opens it
 *     (Resilience4j without automatic transition: the state changes when
 *     someone asks); half-open lets `probes` attempts through and rejects
 *     the rest: all succeed -> closed (fresh window), any fails -> open
 *     again. Each state change bumps an epoch; an attempt admitted in an
 *     earlier epoch does not count when it ends (a slow attempt sent
 *     before the breaker opened is not a probe).
 *
 * The order of checks: before an attempt is sent, breaker then throttle
 * (an attempt the breaker rejects is not a request for the throttle);
 * before a retry is scheduled, quota then budget, and nothing is withdrawn
 * unless both allow it.
 */
#include "protect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int protect_any(const protect_cfg_t *c)
{
    return c->quota.kind != QUOTA_NONE || c->budget.enabled || c->throttle.enabled || c->breaker.enabled;
}

/* ------------------------------------------------------------------ */
/* Sizes                                                                */
/* ------------------------------------------------------------------ */

static uint32_t instances(int on, protect_scope_t scope, uint32_t nclients)
{
    if (!on)
        return 0;
    return scope == PROTECT_SCOPE_SHARED || nclients == 0 ? 1 : nclients;
}

/* Buckets of a window: its length in whole seconds, at least 1. */
static int window_slots(simtime_t window)
{
    int64_t n = window / SIMTIME_S;
    return n < 1 ? 1 : (int)n;
}

size_t protect_memory(const protect_cfg_t *c, uint32_t nclients)
{
    size_t nq = instances(c->quota.kind != QUOTA_NONE, c->quota.scope, nclients);
    size_t nb = instances(c->budget.enabled, c->budget.scope, nclients);
    size_t nt = instances(c->throttle.enabled, c->throttle.scope, nclients);
    size_t nk = instances(c->breaker.enabled, c->breaker.scope, nclients);
    size_t slots = nb * (size_t)window_slots(c->budget.window) + nt * (size_t)window_slots(c->throttle.window) +
                   nk * (size_t)window_slots(c->breaker.window);
    return nq * sizeof(int64_t) + (nb + nt) * sizeof(protect_win_t) + nk * sizeof(protect_breaker_t) +
           2 * slots * sizeof(uint32_t);
}

/* ------------------------------------------------------------------ */
/* Sliding windows                                                      */
/* ------------------------------------------------------------------ */

static void win_clear(protect_win_t *w, int n)
{
    memset(w->slot, 0, 2 * (size_t)n * sizeof *w->slot);
    w->sum_a = w->sum_b = 0;
}

/* Move the ring forward to the second of `now`, emptying the buckets that
 * fell out of the window. Amortised O(1): each bucket is emptied once per
 * second of simulated time at most, and a jump of a whole window or more
 * clears the ring at once. Time never goes backwards in a run. */
static void win_advance(protect_win_t *w, int n, simtime_t now)
{
    int64_t s = now / SIMTIME_S;
    if (s <= w->head)
        return;
    if (s - w->head >= n) {
        win_clear(w, n);
    } else {
        for (int64_t k = w->head + 1; k <= s; k++) {
            uint32_t *b = &w->slot[2 * (size_t)(k % n)];
            w->sum_a -= b[0];
            w->sum_b -= b[1];
            b[0] = b[1] = 0;
        }
    }
    w->head = s;
}

static void win_add(protect_win_t *w, int n, int which)
{
    w->slot[2 * (size_t)(w->head % n) + (size_t)which]++;
    if (which)
        w->sum_b++;
    else
        w->sum_a++;
}

/* ------------------------------------------------------------------ */
/* Setup                                                                */
/* ------------------------------------------------------------------ */

int protect_init(protect_t *p, const protect_cfg_t *c, uint32_t nclients, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->cfg = *c;
    p->nq = instances(c->quota.kind != QUOTA_NONE, c->quota.scope, nclients);
    p->nb = instances(c->budget.enabled, c->budget.scope, nclients);
    p->nt = instances(c->throttle.enabled, c->throttle.scope, nclients);
    p->nk = instances(c->breaker.enabled, c->breaker.scope, nclients);
    p->nslots_b = window_slots(c->budget.window);
    p->nslots_t = window_slots(c->throttle.window);
    p->nslots_k = window_slots(c->breaker.window);
    p->budget_floor = c->budget.min_retries_per_s * (double)p->nslots_b;
    if (c->quota.kind == QUOTA_AWS) {
        p->q_max = c->quota.capacity;
    } else if (c->quota.kind == QUOTA_GRPC) {
        p->q_max = llround(c->quota.max_tokens * 1000.0);
        p->q_ratio = llround(c->quota.token_ratio * 1000.0);
    }
    size_t slots = (size_t)p->nb * (size_t)p->nslots_b + (size_t)p->nt * (size_t)p->nslots_t +
                   (size_t)p->nk * (size_t)p->nslots_k;
    if (p->nq && !(p->tokens = malloc(p->nq * sizeof *p->tokens)))
        goto oom;
    if (p->nb && !(p->budget = calloc(p->nb, sizeof *p->budget)))
        goto oom;
    if (p->nt && !(p->throttle = calloc(p->nt, sizeof *p->throttle)))
        goto oom;
    if (p->nk && !(p->breaker = calloc(p->nk, sizeof *p->breaker)))
        goto oom;
    if (slots && !(p->slots = calloc(2 * slots, sizeof *p->slots)))
        goto oom;
    for (uint32_t i = 0; i < p->nq; i++)
        p->tokens[i] = p->q_max;
    uint32_t *at = p->slots;
    for (uint32_t i = 0; i < p->nb; i++, at += 2 * (size_t)p->nslots_b)
        p->budget[i].slot = at;
    for (uint32_t i = 0; i < p->nt; i++, at += 2 * (size_t)p->nslots_t)
        p->throttle[i].slot = at;
    for (uint32_t i = 0; i < p->nk; i++, at += 2 * (size_t)p->nslots_k) {
        p->breaker[i].win.slot = at;
        p->breaker[i].state = BREAKER_CLOSED;
    }
    return 0;
oom:
    protect_free(p);
    snprintf(err, errlen, "out of memory for the client protections (%zu bytes; use scope = shared or fewer clients)",
             protect_memory(c, nclients));
    return -1;
}

void protect_free(protect_t *p)
{
    free(p->tokens);
    free(p->budget);
    free(p->throttle);
    free(p->breaker);
    free(p->slots);
    p->tokens = NULL;
    p->budget = p->throttle = NULL;
    p->breaker = NULL;
    p->slots = NULL;
    p->nq = p->nb = p->nt = p->nk = 0;
}

/* The instance of client among n (n >= 1): shared scope has n = 1. */
static uint32_t inst(uint32_t n, uint32_t client)
{
    return n == 1 ? 0 : client % n;
}

/* ------------------------------------------------------------------ */
/* Circuit breaker                                                      */
/* ------------------------------------------------------------------ */

static void brk_set(protect_t *p, protect_breaker_t *b, breaker_state_t s, simtime_t now)
{
    if (b->state == BREAKER_OPEN)
        p->n_open--;
    else if (b->state == BREAKER_HALF_OPEN)
        p->n_half--;
    if (s == BREAKER_OPEN)
        p->n_open++;
    else if (s == BREAKER_HALF_OPEN)
        p->n_half++;
    b->state = s;
    b->epoch++;
    b->probes_sent = b->probes_ok = 0;
    if (s == BREAKER_OPEN)
        b->opened_at = now;
    if (s == BREAKER_CLOSED) {
        win_clear(&b->win, p->nslots_k);
        b->win.head = now / SIMTIME_S;
    }
}

static protect_verdict_t brk_admit(protect_t *p, protect_breaker_t *b, simtime_t now, protect_call_t *pc)
{
    const protect_breaker_cfg_t *c = &p->cfg.breaker;
    if (b->state == BREAKER_OPEN) {
        if (now - b->opened_at < c->open_for)
            return PROTECT_REJECT_BREAKER;
        brk_set(p, b, BREAKER_HALF_OPEN, now);
    }
    pc->brk_epoch = b->epoch;
    pc->brk_probe = 0;
    if (b->state == BREAKER_HALF_OPEN) {
        if (b->probes_sent >= c->probes)
            return PROTECT_REJECT_BREAKER;
        b->probes_sent++;
        pc->brk_probe = 1;
    }
    return PROTECT_PASS;
}

static void brk_end(protect_t *p, protect_breaker_t *b, simtime_t now, const protect_call_t *pc, int failed)
{
    const protect_breaker_cfg_t *c = &p->cfg.breaker;
    if (pc->brk_epoch != b->epoch)
        return; /* admitted under an earlier state */
    if (b->state == BREAKER_CLOSED) {
        win_advance(&b->win, p->nslots_k, now);
        win_add(&b->win, p->nslots_k, 0);
        if (failed)
            win_add(&b->win, p->nslots_k, 1);
        /* failures / ended >= threshold, with room for the rounding of
         * threshold x ended (0.3 x 10 is 3.0000000000000004 in binary) */
        if (b->win.sum_a >= (uint64_t)c->min_calls &&
            (double)b->win.sum_b >= c->failure_threshold * (double)b->win.sum_a - 1e-9)
            brk_set(p, b, BREAKER_OPEN, now);
    } else if (b->state == BREAKER_HALF_OPEN && pc->brk_probe) {
        if (failed) {
            brk_set(p, b, BREAKER_OPEN, now);
        } else if (++b->probes_ok >= c->probes) {
            brk_set(p, b, BREAKER_CLOSED, now);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Adaptive throttling                                                  */
/* ------------------------------------------------------------------ */

static double thr_prob(const protect_t *p, const protect_win_t *w)
{
    double req = (double)w->sum_a, acc = (double)w->sum_b;
    double x = (req - p->cfg.throttle.k * acc) / (req + 1.0);
    return x > 0 ? x : 0;
}

/* Accepted by the server: anything but a rejection for overload (429,
 * 503), a timeout or a lost connection. */
static int accepted(outcome_t o)
{
    return o != OUT_429 && o != OUT_503 && o != OUT_TIMEOUT && o != OUT_CONNERR;
}

/* ------------------------------------------------------------------ */
/* The hooks                                                            */
/* ------------------------------------------------------------------ */

void protect_call_start(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc)
{
    memset(pc, 0, sizeof *pc);
    if (p->nb) {
        protect_win_t *w = &p->budget[inst(p->nb, client)];
        win_advance(w, p->nslots_b, now);
        win_add(w, p->nslots_b, 0);
    }
}

void protect_admit_cancelled(protect_t *p, uint32_t client, protect_call_t *pc)
{
    /* A probe slot taken by an attempt that never goes out is given back,
     * or the half-open breaker would wait for ever. */
    if (p->nk && pc->brk_probe) {
        protect_breaker_t *b = &p->breaker[inst(p->nk, client)];
        if (b->epoch == pc->brk_epoch)
            b->probes_sent--;
        pc->brk_probe = 0;
    }
}

protect_verdict_t protect_admit(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, gsl_rng *r)
{
    if (p->nk) {
        protect_verdict_t v = brk_admit(p, &p->breaker[inst(p->nk, client)], now, pc);
        if (v != PROTECT_PASS)
            return v;
    }
    if (p->nt) {
        protect_win_t *w = &p->throttle[inst(p->nt, client)];
        win_advance(w, p->nslots_t, now);
        double pr = thr_prob(p, w);
        win_add(w, p->nslots_t, 0);
        if (pr > 0 && gsl_rng_uniform(r) < pr) {
            protect_admit_cancelled(p, client, pc);
            return PROTECT_REJECT_THROTTLE;
        }
    }
    return PROTECT_PASS;
}

/* aws: what a retry after outcome o costs. */
static int64_t aws_cost(const protect_quota_cfg_t *q, outcome_t o)
{
    if (o == OUT_TIMEOUT)
        return q->timeout_cost;
    if (o == OUT_429 && q->throttle_cost >= 0)
        return q->throttle_cost;
    return q->retry_cost;
}

void protect_attempt_end(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, outcome_t o,
                         int retryable)
{
    if (p->nq) {
        int64_t *t = &p->tokens[inst(p->nq, client)];
        if (p->cfg.quota.kind == QUOTA_AWS) {
            if (o == OUT_OK) {
                const protect_quota_cfg_t *q = &p->cfg.quota;
                int64_t refund = pc->quota_cost == 0 ? q->success_refund
                                                     : (q->refund_retry ? (int64_t)pc->quota_cost : 0) +
                                                           (q->increment_retried ? q->success_refund : 0);
                *t = *t + refund > p->q_max ? p->q_max : *t + refund;
            }
        } else if (o == OUT_OK) {
            *t = *t + p->q_ratio > p->q_max ? p->q_max : *t + p->q_ratio;
        } else if (retryable) {
            *t = *t > 1000 ? *t - 1000 : 0;
        }
    }
    if (p->nt && accepted(o)) {
        protect_win_t *w = &p->throttle[inst(p->nt, client)];
        win_advance(w, p->nslots_t, now);
        win_add(w, p->nslots_t, 1);
    }
    if (p->nk)
        brk_end(p, &p->breaker[inst(p->nk, client)], now, pc, o != OUT_OK);
}

protect_verdict_t protect_may_retry(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, outcome_t o)
{
    (void)pc;
    if (p->nq) {
        int64_t t = p->tokens[inst(p->nq, client)];
        if (p->cfg.quota.kind == QUOTA_AWS) {
            if (t < aws_cost(&p->cfg.quota, o))
                return PROTECT_DENY_QUOTA;
        } else if (!(2 * t > p->q_max)) { /* tokens > max_tokens / 2, exactly */
            return PROTECT_DENY_QUOTA;
        }
    }
    if (p->nb) {
        protect_win_t *w = &p->budget[inst(p->nb, client)];
        win_advance(w, p->nslots_b, now);
        double limit = p->cfg.budget.ratio * (double)w->sum_a + p->budget_floor;
        if ((double)(w->sum_b + 1) > limit + 1e-9)
            return PROTECT_DENY_BUDGET;
    }
    return PROTECT_PASS;
}

void protect_retry_granted(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, outcome_t o)
{
    if (p->nq && p->cfg.quota.kind == QUOTA_AWS) {
        int64_t cost = aws_cost(&p->cfg.quota, o);
        p->tokens[inst(p->nq, client)] -= cost;
        pc->quota_cost = (uint32_t)cost;
    }
    if (p->nb) {
        protect_win_t *w = &p->budget[inst(p->nb, client)];
        win_advance(w, p->nslots_b, now);
        win_add(w, p->nslots_b, 1);
    }
}

protect_verdict_t protect_retry(protect_t *p, uint32_t client, simtime_t now, protect_call_t *pc, outcome_t o)
{
    protect_verdict_t v = protect_may_retry(p, client, now, pc, o);
    if (v == PROTECT_PASS)
        protect_retry_granted(p, client, now, pc, o);
    return v;
}

/* ------------------------------------------------------------------ */
/* Inspection                                                           */
/* ------------------------------------------------------------------ */

breaker_state_t protect_breaker_level(const protect_t *p)
{
    return p->n_half > 0 ? BREAKER_HALF_OPEN : p->n_open > 0 ? BREAKER_OPEN : BREAKER_CLOSED;
}

breaker_state_t protect_breaker_state(const protect_t *p, uint32_t client)
{
    return p->nk ? p->breaker[inst(p->nk, client)].state : BREAKER_CLOSED;
}

double protect_quota_tokens(const protect_t *p, uint32_t client)
{
    if (!p->nq)
        return NAN;
    int64_t t = p->tokens[inst(p->nq, client)];
    return p->cfg.quota.kind == QUOTA_GRPC ? (double)t / 1000.0 : (double)t;
}

double protect_throttle_prob(protect_t *p, uint32_t client, simtime_t now)
{
    if (!p->nt)
        return 0;
    protect_win_t *w = &p->throttle[inst(p->nt, client)];
    win_advance(w, p->nslots_t, now);
    return thr_prob(p, w);
}

void protect_budget_counts(protect_t *p, uint32_t client, simtime_t now, uint64_t *requests, uint64_t *retries)
{
    *requests = *retries = 0;
    if (!p->nb)
        return;
    protect_win_t *w = &p->budget[inst(p->nb, client)];
    win_advance(w, p->nslots_b, now);
    *requests = w->sum_a;
    *retries = w->sum_b;
}
