/*
 * layers: the upper tiers of a chain (layers.h), as a model: with count >
 * 1, hops 0 .. count - 2 are upper tiers and the last hop is the server.
 * A request reaching upper tier i takes a worker (or is answered 503: no
 * waiting room), and the worker makes one call to tier i + 1 through the
 * client (client_start_subcall), so tier i's retries are tier i + 1's
 * arrivals and amplification multiplies down the chain (SRE book ch. 22,
 * "Addressing Cascading Failures"). When the call ends the worker spends
 * the tier's service time and answers: 200 or 503. The worker is held for
 * the whole call, as a thread-per-request server is.
 *
 * With deadline propagation the call inherits the request's deadline (the
 * earlier of the caller's deadline and its attempt timeout), and a request
 * whose deadline has passed is dropped on arrival; without it a tier keeps
 * working for an upper attempt that has already timed out. Units: ns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist.h"
#include "layers.h"
#include "world.h"

#define PACK(i, s) ((uint64_t)(i) << 32 | (uint32_t)(s))

static model_info_t info;

static const key_row_t keys[] = {
    {"count", KEY_INT, KEY_AT(layers_cfg_t, count), "tiers", "1", KEY_IN(1, LAYERS_MAX), NULL,
     "tiers in the chain: callers ([retry]) call tier 0, the last tier is [server], the lists below describe "
     "tiers 0..count-2 (item i: tier i); 1 = off"},
    {"max_attempts", KEY_INT_LIST, KEY_AT(layers_cfg_t, max_attempts), "attempts", "3",
     KEY_F_UNLIMITED | KEY_R_LO | KEY_R_HI, 1, 1000, NULL,
     "per upper tier: attempts of its call to the next tier (its retry loop follows [retry] otherwise); unlimited = "
     "until success or the propagated deadline"},
    {"attempt_timeout", KEY_DURATION_LIST, KEY_AT(layers_cfg_t, attempt_timeout), "", "1s", KEY_ANY, NULL,
     "per upper tier: timeout of each attempt to the next tier; 0 = none"},
    {"workers", KEY_INT_LIST, KEY_AT(layers_cfg_t, workers), "workers", "100", KEY_IN(1, 1000000), NULL,
     "per upper tier: requests held at once (each for its whole call below); one more is answered 503"},
    {"service", KEY_DURATION_LIST, KEY_AT(layers_cfg_t, service), "", "0", KEY_ANY, NULL,
     "per upper tier: its own work per request, after its call to the next tier returns"},
    {"retries_enabled", KEY_BOOL_LIST, KEY_AT(layers_cfg_t, retries_enabled), "", "true", KEY_ANY, NULL,
     "per upper tier: false = retries silently disabled (an interceptor dropped the retryable mark): one "
     "attempt whatever max_attempts says"},
    {"deadline_propagation", KEY_BOOL, KEY_AT(layers_cfg_t, deadline_propagation), "", "false", KEY_ANY, NULL,
     "a tier's call inherits its request's deadline, upper tiers drop requests past it; the bottom tier "
     "drops them with server.deadline_propagation"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

/* Tier i's four scalars are scalar0 + 4 i + 0..3; the last is the bottom's amplification. */
#define TIER(i)                                                                                                   \
    {"attempts_tier" #i, "attempts", "attempts sent to tier " #i},                                                \
    {"amplification_tier" #i, "attempts/call", "attempts sent to tier " #i " per caller's call"},                 \
    {"rejected_tier" #i, "requests", "upper tier " #i ": 503s, every worker busy"},                               \
    {"wasted_tier" #i, "requests", "upper tier " #i ": requests finished after their attempt was over"},
static const metrics_scalar_t scalars[] = {
    TIER(0) TIER(1) TIER(2) TIER(3) TIER(4) TIER(5) TIER(6) TIER(7)
    {"amplification_bottom", "attempts/call", "attempts sent to the bottom tier per caller's call"},
};
#undef TIER
_Static_assert(sizeof scalars / sizeof scalars[0] == 4 * LAYERS_MAX + 1, "a scalar per tier and kind");

typedef struct {
    const layers_cfg_t *c;
    policy_cfg_t pol[LAYERS_MAX];  /* hop i's policy (i >= 1): tier i - 1's call to tier i */
    int busy[LAYERS_MAX];          /* upper tier i: workers holding a request */
    int64_t rejected[LAYERS_MAX];  /* upper tier i: 503s because every worker was busy */
    int64_t wasted[LAYERS_MAX];    /* upper tier i: requests finished after their attempt was over */
} layers_t;

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const layers_cfg_t *)cfg)->count > 1;
}

/* An upper tier's call has no caller, client id or goroutine of its own:
 * these models would need one per tier. */
static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    static const char *const alone[][2] = {{"gmp", "the gmp model"},
                                           {"conn", "[connections]"},
                                           {"idem", "idempotency.non_idempotent"},
                                           {"contention", "server.contention"}};
    if (!enabled(cfg, run))
        return 0;
    for (size_t i = 0; i < sizeof alone / sizeof alone[0]; i++)
        if (model_enabled(run, alone[i][0])) {
            *key = "layers.count";
            snprintf(err, errlen, "layers (count > 1) cannot be combined with %s", alone[i][1]);
            return -1;
        }
    return 0;
}

static void on_response_arrives(eng_t *e, void *ctx, uint64_t ri)
{
    (void)e;
    client_on_response(ctx, (uint32_t)ri);
}

static void respond(world_t *w, uint32_t ri, outcome_t o)
{
    req_t *r = world_req(w, ri);
    r->outcome = (uint8_t)o;
    r->retry_after = -1;
    eng_after(&w->eng, dist_draw(&w->cfg->network.response, w->r_net_resp), on_response_arrives, w, ri);
}

/* A request reaches upper tier t = its hop. */
static void on_arrival(eng_t *e, void *ctx, uint64_t arg)
{
    world_t *w = ctx;
    layers_t *l = w->subcall_ctx;
    uint32_t ri = (uint32_t)arg;
    req_t *r = world_req(w, ri);
    int t = r->hop;
    if (l->c->deadline_propagation && eng_now(e) >= r->deadline_at) {
        world_count(w, M_EXPIRED, 1);
        world_req_free(w, ri);
        return;
    }
    if (l->busy[t] >= l->c->workers[t]) {
        l->rejected[t]++;
        respond(w, ri, OUT_503);
        return;
    }
    l->busy[t]++;
    client_start_subcall(w, t + 1, ri, l->c->deadline_propagation ? r->deadline_at : SIMTIME_NEVER);
}

/* The tier's own work is done: free the worker, answer if anyone waits. */
static void on_tier_work_done(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    layers_t *l = w->subcall_ctx;
    uint32_t ri = (uint32_t)(arg >> 32);
    req_t *r = world_req(w, ri);
    l->busy[r->hop]--;
    if (client_request_alive(w, r)) {
        respond(w, ri, (uint32_t)arg ? OUT_OK : OUT_503);
        return;
    }
    /* the upper attempt timed out or its call ended: the tier worked for
     * nobody. Counted per tier, not in served_wasted, which stays the
     * bottom's share of its own served requests. */
    l->wasted[r->hop]++;
    world_req_free(w, ri);
}

/* A tier's call to the next ended: the tier's own work, then the answer. */
static void subcall_done(world_t *w, void *ctx, uint32_t parent, int ok)
{
    layers_t *l = ctx;
    eng_after(&w->eng, l->c->service[world_req(w, parent)->hop], on_tier_work_done, w, PACK(parent, ok != 0));
}

/* Each upper tier's policy: [retry] with the tier's attempts and timeout;
 * no overall deadline of its own (a propagated one comes per call). */
static int attach(world_t *w, void **state)
{
    layers_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(w->err, sizeof w->err, "out of memory for the tiers");
        return -1;
    }
    l->c = world_cfg(w, &info);
    w->nhops = l->c->count;
    for (int i = 0; i + 1 < l->c->count; i++) {
        policy_cfg_t *p = &l->pol[i + 1];
        *p = w->cfg->retry;
        p->max_attempts = l->c->retries_enabled[i] ? l->c->max_attempts[i] : 1;
        p->attempt_timeout = l->c->attempt_timeout[i];
        p->deadline = 0;
        p->ignore_deadline = 0;
        p->nonreplayable = 0;
        w->hop_policy[i + 1] = p;
        w->hop_arrive[i] = on_arrival;
    }
    w->hop_arrive[l->c->count - 1] = server_on_arrival;
    w->subcall_done = subcall_done;
    w->subcall_ctx = l;
    *state = l;
    return 0;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    free(state);
}

/* Per tier: attempts sent to it, and per caller's call (the product of the
 * attempts above it when every attempt fails). */
static void summarise(world_t *w, void *state, run_result_t *res)
{
    const layers_t *l = state;
    double calls = (double)world_series_total(w, M_CALLS);
    for (int i = 0; i < l->c->count; i++) {
        int base = info.scalar0 + 4 * i;
        double a = (double)w->hop_attempts[i];
        run_set_scalar(res, base, a);
        run_set_scalar(res, base + 1, calls > 0 ? a / calls : (double)NAN);
        if (i + 1 < l->c->count) {
            run_set_scalar(res, base + 2, (double)l->rejected[i]);
            run_set_scalar(res, base + 3, (double)l->wasted[i]);
        }
    }
    run_set_scalar(res, info.scalar0 + 4 * LAYERS_MAX,
                   calls > 0 ? (double)w->hop_attempts[l->c->count - 1] / calls : (double)NAN);
}

const model_desc_t model_layers = {
    .name = "layers",
    .help = "a chain of tiers above the server, each retrying its calls to the next",
    .info = &info,
    .section = "layers",
    .keys = keys,
    .cfg_size = sizeof(layers_cfg_t),
    .enabled = enabled,
    .validate = validate,
    .scalars = scalars,
    .nscalars = 4 * LAYERS_MAX + 1,
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
};
