/*
 * hedging: more than one copy of an attempt in flight ([hedging]), the
 * other half of every retry discussion.
 *
 * mode = grpc, gRPC's hedgingPolicy (gRFC A6 "gRPC Retry Design", section
 * "Hedging Policy"): the first copy goes out, and another every `delay`
 * until a response comes or max_copies are out; the first response that
 * is OK or fatal (not in non_fatal) is the attempt's answer and the other
 * copies are cancelled; a non-fatal failure sends the next copy at once
 * (after the server's pushback, Retry-After, when it gives one). Copies
 * count against retry throttling as gRPC's do: a copy goes out only if the
 * retry models (a gRPC retry quota) allow a retry, and each copy's failure
 * is counted by them.
 *
 * mode = tail, the hedged requests of Dean and Barroso, "The Tail at
 * Scale" (CACM 56(2), 2013): a second copy after the `quantile` (p95) of
 * recent response times, the first answer wins, the other is cancelled.
 * The estimate is the quantile of the last `window` answered attempts'
 * latencies as the client sees them (from the first copy's send to the
 * first good answer), refreshed every window / 10 of them; until
 * `window / 10` are in, no copy is sent. At equilibrium a share of
 * 1 - quantile of attempts is hedged.
 *
 * Cancellation reaches the server (server_cancel): a copy still waiting
 * there leaves the queue, one in service is wasted work (served for
 * nobody), one on its way is dropped when it arrives. A copy is part of
 * its attempt: the retry policy counts attempts, not copies (with retries
 * on, a retry re-runs the hedged attempt). Units: times in ns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "world.h"

#define HEDGE_MAX 10 /* copies of one attempt */

static model_info_t info;

enum { HEDGE_GRPC, HEDGE_TAIL };

typedef struct {
    int enabled;
    int mode;             /* HEDGE_GRPC or HEDGE_TAIL */
    int max_copies;       /* copies of an attempt in all, the first included, 2 .. HEDGE_MAX */
    simtime_t delay;      /* ns, grpc: between copies (hedgingDelay); 0 = all at once */
    unsigned non_fatal;   /* grpc: outcomes after which the next copy goes out (POLICY_RETRY_BIT) */
    double quantile;      /* tail: the response-time quantile to hedge after, (0, 1) */
    int window;           /* tail: answered attempts the estimate is taken over, >= 10 */
} hedge_cfg_t;

static const key_name_t modes[] = {{"grpc", HEDGE_GRPC}, {"tail", HEDGE_TAIL}, {NULL, 0}};

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(hedge_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "send copies of an attempt before it is answered; the first good answer wins, the others are cancelled"},
    {"mode", KEY_ENUM, KEY_AT(hedge_cfg_t, mode), "", "grpc", KEY_ANY, modes,
     "grpc: a copy every delay (gRFC A6 hedgingPolicy); tail: one copy after the quantile of recent response "
     "times (The Tail at Scale)"},
    {"max_copies", KEY_INT, KEY_AT(hedge_cfg_t, max_copies), "requests", "2", KEY_IN(2, HEDGE_MAX), NULL,
     "copies of an attempt in all, the first included (gRPC's maxAttempts)"},
    {"delay", KEY_DURATION, KEY_AT(hedge_cfg_t, delay), "", "0", KEY_ANY, NULL,
     "grpc: time between copies (hedgingDelay); 0 = all copies at once"},
    {"non_fatal", KEY_RETRY_ON, KEY_AT(hedge_cfg_t, non_fatal), "", "none", KEY_ANY, NULL,
     "grpc: outcomes after which the next copy goes out at once (nonFatalStatusCodes); any other failure "
     "is the attempt's answer"},
    {"quantile", KEY_DOUBLE, KEY_AT(hedge_cfg_t, quantile), "fraction", "0.95", KEY_OC(0, 0.999), NULL,
     "tail: hedge after this quantile of recent response times"},
    {"window", KEY_INT, KEY_AT(hedge_cfg_t, window), "attempts", "1000", KEY_IN(10, 1000000), NULL,
     "tail: answered attempts whose latencies the quantile is taken over"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

enum { SER_COPIES, SER_CANCELLED };
static const metrics_def_t series[] = {
    {"attempts_hedged", STATS_SUM, "requests", "hedging: copies sent beyond each attempt's first", 0},
    {"hedges_cancelled", STATS_SUM, "requests", "hedging: copies cancelled after another copy's answer", 0},
};
enum { SC_COPIES, SC_PER_CALL, SC_CANCEL_WAITING, SC_CANCEL_SERVING, SC_WON, SC_DELAY };
static const metrics_scalar_t scalars[] = {
    {"attempts_hedged", "requests", "hedging: copies sent beyond each attempt's first"},
    {"hedged_per_call", "requests/call", "hedging: attempts_hedged / calls"},
    {"hedges_cancelled_waiting", "requests", "hedging: cancelled copies taken out of the server's queue (no work)"},
    {"hedges_cancelled_serving", "requests", "hedging: cancelled copies already in service (wasted work)"},
    {"hedge_wins", "calls", "hedging: attempts whose answer came from a copy other than the first"},
    {"hedge_delay_s", "s", "hedging, tail: the last hedging delay (the quantile of response times)"},
};

/* An attempt's copies (per call). */
typedef struct {
    uint32_t seq;                  /* the call's attempt_seq these belong to */
    simtime_t first_at;            /* ns, when the attempt's first copy was sent */
    uint8_t sent;                  /* copies sent for it */
    uint8_t out;                   /* copies not yet answered or cancelled */
    uint32_t req[HEDGE_MAX];       /* the requests of the copies out */
    uint8_t nth[HEDGE_MAX];        /* which copy each is: 0 = the first */
    simtime_t at[HEDGE_MAX];       /* ns, when each was sent */
    eng_ev_t timer;                /* the next copy's send time */
} hedge_call_t;

typedef struct {
    const hedge_cfg_t *c;
    simtime_t *lat;                /* tail: ring of the last window response times */
    int nlat, next, since;         /* tail: samples held, next slot, samples since the last estimate */
    simtime_t delay;               /* tail: the current estimate; < 0 = none yet */
    double *sorted;                /* scratch for the quantile */
    int64_t won, cancel_waiting, cancel_serving;
} hedge_t;

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const hedge_cfg_t *)cfg)->enabled;
}

/* A copy is a whole request of the call: the models that keep one piece of
 * state per call or per connection cannot follow several at once. */
static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    static const char *const alone[][2] = {
        {"conn", "[connections]"}, {"contention", "server.contention"}, {"layers", "layers (count > 1)"}};
    if (!enabled(cfg, run))
        return 0;
    for (size_t i = 0; i < sizeof alone / sizeof alone[0]; i++)
        if (model_enabled(run, alone[i][0])) {
            *key = "hedging.enabled";
            snprintf(err, errlen, "hedging cannot be combined with %s", alone[i][1]);
            return -1;
        }
    return 0;
}

static int attach(world_t *w, void **state)
{
    hedge_t *h = calloc(1, sizeof *h);
    if (!h)
        goto oom;
    h->c = world_cfg(w, &info);
    h->delay = -1;
    if (h->c->mode == HEDGE_TAIL &&
        (!(h->lat = malloc((size_t)h->c->window * sizeof *h->lat)) ||
         !(h->sorted = malloc((size_t)h->c->window * sizeof *h->sorted))))
        goto oom;
    *state = h;
    return 0;
oom:
    if (h) {
        free(h->lat);
        free(h->sorted);
    }
    free(h);
    snprintf(w->err, sizeof w->err, "out of memory for hedging");
    return -1;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    hedge_t *h = state;
    free(h->lat);
    free(h->sorted);
    free(h);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* tail: one more answered attempt's latency; the estimate is taken again
 * every window / 10 of them. */
static void add_latency(hedge_t *h, simtime_t d)
{
    int w = h->c->window;
    h->lat[h->next] = d;
    h->next = (h->next + 1) % w;
    if (h->nlat < w)
        h->nlat++;
    if (++h->since < (w / 10 > 0 ? w / 10 : 1))
        return;
    h->since = 0;
    for (int i = 0; i < h->nlat; i++)
        h->sorted[i] = (double)h->lat[i];
    qsort(h->sorted, (size_t)h->nlat, sizeof *h->sorted, cmp_double);
    int k = (int)(h->c->quantile * (double)(h->nlat - 1) + 0.5);
    h->delay = (simtime_t)h->sorted[k];
}

/* The time until the next copy, or -1 for none. */
static simtime_t next_gap(const hedge_t *h, const hedge_call_t *x)
{
    if (x->sent >= h->c->max_copies)
        return -1;
    if (h->c->mode == HEDGE_TAIL)
        return x->sent == 1 ? h->delay : -1;
    return h->c->delay;
}

#define PACK(i, s) ((uint64_t)(i) << 32 | (uint32_t)(s))

static void arm(world_t *w, hedge_t *h, uint32_t ci, hedge_call_t *x, simtime_t gap);

/* Time for the next copy of call ci's attempt seq, if it is still waiting. */
static void on_timer(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    uint32_t ci = (uint32_t)(arg >> 32), seq = (uint32_t)arg;
    const call_t *c = world_call(w, ci);
    hedge_call_t *x = world_call_ext(w, ci, &info);
    if (!c->active || !c->waiting || c->attempt_seq != seq || x->seq != seq)
        return;
    x->timer = 0;
    hedge_t *h = NULL; /* the model's state: the event carries only the world */
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->info == &info)
            h = w->on[i].state;
    if (!h || x->sent >= h->c->max_copies || !client_retry_allowed(w, ci, OUT_503))
        return;
    client_send_copy(w, ci, info.series0 + SER_COPIES); /* on_send records it and arms the next */
}

static void arm(world_t *w, hedge_t *h, uint32_t ci, hedge_call_t *x, simtime_t gap)
{
    (void)h;
    if (gap < 0)
        return;
    if (x->timer)
        eng_cancel(&w->eng, x->timer);
    x->timer = eng_after(&w->eng, gap, on_timer, w, PACK(ci, x->seq));
}

/* Every copy (the first included) leaves: remember it; after the first,
 * arm the next. A new attempt starts afresh. */
static simtime_t on_send(world_t *w, void *state, uint32_t ci, uint32_t ri)
{
    hedge_t *h = state;
    const call_t *c = world_call(w, ci);
    hedge_call_t *x = world_call_ext(w, ci, &info);
    if (x->sent == 0 || x->seq != c->attempt_seq) {
        if (x->timer)
            eng_cancel(&w->eng, x->timer);
        memset(x, 0, sizeof *x);
        x->seq = c->attempt_seq;
        x->first_at = eng_now(&w->eng);
    }
    if (x->out < HEDGE_MAX) {
        x->req[x->out] = ri;
        x->nth[x->out] = x->sent;
        x->at[x->out] = eng_now(&w->eng);
        x->out++;
    }
    x->sent++;
    arm(w, h, ci, x, next_gap(h, x));
    return 0;
}

/* Forget copy ri of x; its index among the copies (0 = first), or -1. */
static int forget(hedge_call_t *x, uint32_t ri, simtime_t *sent_at)
{
    for (int i = 0; i < x->out; i++)
        if (x->req[i] == ri) {
            int nth = x->nth[i];
            *sent_at = x->at[i];
            x->out--;
            x->req[i] = x->req[x->out];
            x->nth[i] = x->nth[x->out];
            x->at[i] = x->at[x->out];
            return nth;
        }
    return -1;
}

/* A copy's answer: a non-fatal failure while copies remain is not the
 * attempt's answer (the next copy goes out now, or after the pushback);
 * anything else is, and the attempt ends (attempt_end cancels the rest). */
static int response(world_t *w, void *state, uint32_t ri)
{
    hedge_t *h = state;
    const req_t *r = world_req(w, ri);
    uint32_t ci = r->call;
    hedge_call_t *x = world_call_ext(w, ci, &info);
    if (x->seq != r->attempt_seq)
        return 0;
    simtime_t at = 0;
    int nth = forget(x, ri, &at);
    outcome_t o = (outcome_t)r->outcome;
    if (o == OUT_OK) {
        if (h->c->mode == HEDGE_TAIL)
            add_latency(h, eng_now(&w->eng) - x->first_at);
        h->won += nth > 0;
        return 0;
    }
    int more = x->out > 0 || x->sent < h->c->max_copies;
    if (!(h->c->non_fatal & POLICY_RETRY_BIT(o)) || !more)
        return 0;
    simtime_t pushback = r->retry_after;
    world_req_free(w, ri);
    client_copy_ended(w, ci, o);
    if (x->sent < h->c->max_copies)
        arm(w, h, ci, x, pushback >= 0 ? pushback : 0);
    return 1;
}

/* The attempt is over (answered, timed out, abandoned): cancel the copies
 * still out and the next one's timer. */
static void attempt_end(world_t *w, void *state, uint32_t ci, outcome_t o, unsigned flags)
{
    (void)o;
    if (flags & MODEL_COPY)
        return; /* one of its own copies, already accounted for */
    hedge_t *h = state;
    hedge_call_t *x = world_call_ext(w, ci, &info);
    if (x->timer) {
        eng_cancel(&w->eng, x->timer);
        x->timer = 0;
    }
    for (int i = 0; i < x->out; i++) {
        int where = server_cancel(w, x->req[i]);
        world_count(w, info.series0 + SER_CANCELLED, 1);
        h->cancel_waiting += where == REQ_QUEUED;
        h->cancel_serving += where == REQ_SERVING;
    }
    x->out = 0;
    x->sent = 0;
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    const hedge_t *h = state;
    double copies = (double)world_series_total(w, info.series0 + SER_COPIES);
    double calls = (double)world_series_total(w, M_CALLS);
    int b = info.scalar0;
    run_set_scalar(res, b + SC_COPIES, copies);
    run_set_scalar(res, b + SC_PER_CALL, calls > 0 ? copies / calls : (double)NAN);
    run_set_scalar(res, b + SC_CANCEL_WAITING, (double)h->cancel_waiting);
    run_set_scalar(res, b + SC_CANCEL_SERVING, (double)h->cancel_serving);
    run_set_scalar(res, b + SC_WON, (double)h->won);
    if (h->c->mode == HEDGE_TAIL && h->delay >= 0)
        run_set_scalar(res, b + SC_DELAY, simtime_to_sec(h->delay));
}

const model_desc_t model_hedging = {
    .name = "hedging",
    .help = "copies of an attempt before it is answered: gRPC hedgingPolicy, or The Tail at Scale's hedged requests",
    .info = &info,
    .section = "hedging",
    .keys = keys,
    .cfg_size = sizeof(hedge_cfg_t),
    .enabled = enabled,
    .validate = validate,
    .series = series,
    .nseries = 2,
    .scalars = scalars,
    .nscalars = 6,
    .call_extra = sizeof(hedge_call_t),
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
    .on_send = on_send,
    .response = response,
    .attempt_end = attempt_end,
};
