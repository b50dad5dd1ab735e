/*
 * aws_adaptive: the client-side send-rate limiter of the AWS SDKs'
 * adaptive retry mode ([aws_adaptive]). Each client (AWS clients are per
 * process: one limiter per client id, or one shared) keeps a token bucket
 * that every attempt, the first included, must take a token from before it
 * is sent. The bucket is off until the first throttling response; from
 * then its fill rate follows CUBIC (Ha, Rhee and Xu, "CUBIC: a new
 * TCP-friendly high-speed TCP variant", 2008) over the client's measured
 * attempt rate: cut to beta x the rate at a throttle, then grown along the
 * cubic W(t) back to and past that rate, never above twice the measured
 * rate.
 *
 * Source: aws/aws-sdk-go-v2 v1.43.6, aws/retry/adaptive.go (NewAdaptiveMode,
 * GetAttemptToken, handleResponse: DefaultRequestCost 1),
 * aws/retry/adaptive_ratelimit.go (newAdaptiveRateLimit: smooth 0.8, beta
 * 0.7, scaleConstant 0.4, minFillRate 0.5; AcquireToken, Update,
 * cubicSuccess, cubicThrottle, calculateTimeWindow, tokenBucketUpdateRate,
 * updateMeasuredRate, tokenBucketRefill) and
 * aws/retry/adaptive_token_bucket.go (newAdaptiveTokenBucket(0): empty,
 * capacity 0, minCapacity 1; Retrieve, Refund, Resize); docs/clients.md §2.
 * Cross-checked with boto/botocore 1.43.67, botocore/retries/adaptive.py
 * (ClientRateLimiter, RateClocker), bucket.py (TokenBucket), throttling.py
 * (CubicCalculator): the same constants and rules.
 *
 * The rules, as the Go SDK runs them (times t in s):
 *   - created at the start of the run: off, bucket empty with capacity 0,
 *     fill rate 0, measured rate 0, lastMaxRate 0, the rate's time bucket
 *     floor(t) in whole seconds, lastThrottleTime = t, never refilled.
 *   - before each attempt (acquire): nothing while off; else refill (the
 *     first refill only stamps the time; then + elapsed x fill rate,
 *     capped at the capacity), and take 1 token if the bucket holds at
 *     least 1, else wait (1 - tokens) / fill rate.
 *   - after each attempt (update, when its response or its error came):
 *     the measured rate first: count the attempt; when the half-second
 *     bucket floor(2t)/2 has moved past the last one, rate = count /
 *     (bucket - last), measured = 0.8 rate + 0.2 measured, count = 0.
 *     Then on a throttle: rateToUse = measured (off) or min(measured, fill
 *     rate) (on); lastMaxRate = rateToUse; K = cbrt(lastMaxRate (1 - beta)
 *     / C); lastThrottleTime = t; calculated = beta rateToUse; switch on.
 *     Otherwise K recomputed the same way and calculated = C (t -
 *     lastThrottleTime - K)^3 + lastMaxRate. Then newRate =
 *     min(calculated, 2 measured); refill at the old fill rate; fill rate
 *     = max(newRate, 0.5); capacity = max(newRate, 1); tokens cut to the
 *     capacity. The update runs while the limiter is off too, so the
 *     bucket has been filling (up to a capacity of at least 1) before the
 *     first throttle switches it on: the first throttle finds it empty
 *     only when no attempt ended before it.
 * botocore differs in small ways that are not modelled: its bucket starts
 * at fill rate 1/s and capacity 1 and stamps its refill clock when
 * created, and a waiting thread re-computes its wait when the rate
 * changes.
 *
 * Throttling responses: the SDKs look at the error code (Throttling,
 * ThrottlingException, TooManyRequestsException, SlowDown, ... : the list
 * in aws/retry/throttle_error.go and botocore's ThrottledRetryableChecker),
 * not at the HTTP status. retrysim's outcomes carry a status only, so
 * throttle_on names the outcomes that stand for a throttling error code:
 * 429 by default (TooManyRequestsException, and the [limiter]'s
 * rejections); add 503 for a service that throttles with 503 SlowDown
 * (S3).
 *
 * How the wait is simulated: the SDK's goroutine sleeps (1 - tokens) /
 * fill rate and tries again, and waiters race for the tokens. Here an
 * attempt that finds too few tokens, or others already waiting, is held
 * (on_send answers MODEL_SEND_HELD) in the limiter's queue, first come
 * first served; a wake-up at the time the head's tokens will be there
 * (re-computed whenever the fill rate changes, as botocore's waiters are
 * notified) sends the head on (client_send_held) and the next ones while
 * the bucket pays. An attempt that ends while it waits (the caller's
 * deadline, as the SDK's context; or retrysim's attempt_timeout, which
 * runs from the acquire, whereas the SDK has no per-attempt timer before
 * the send) was never made: it leaves the queue without a token and is
 * not counted in the measured rate (the SDK updates only after an attempt
 * it sent). Hedged copies are attempts to the limiter as well.
 *
 * The adaptive mode's retry quota is the standard one without the +1 a
 * successful attempt returns ([retry_quota] kind = aws, success_refund = 0;
 * docs/clients.md §2); it is not part of this model.
 *
 * Units: times in ns (simtime_t) in the state, s in the formulas; rates in
 * requests (or tokens) per second.
 */
#include "aws_adaptive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "world.h"

/* ---- one limiter: the pure rules --------------------------------------- */

/* ns, the longest wait returned (far beyond any run; now + it cannot overflow) */
#define AWS_WAIT_MAX ((simtime_t)1000000000000000000LL)

static double secs(simtime_t ns)
{
    return (double)ns / (double)SIMTIME_S;
}

void aws_rate_init(aws_rate_t *r, simtime_t now)
{
    *r = (aws_rate_t){0};
    r->last_refill = -1;
    r->last_bucket = now / SIMTIME_S * SIMTIME_S; /* floor(t), whole seconds */
    r->last_throttle = now;
}

/* tokenBucketRefill: the first call only stamps the time. */
static void refill(aws_rate_t *r, simtime_t now)
{
    if (r->last_refill < 0) {
        r->last_refill = now;
        return;
    }
    double t = r->tokens + secs(now - r->last_refill) * r->fill_rate;
    r->tokens = t < r->capacity ? t : r->capacity;
    r->last_refill = now;
}

int aws_rate_take(aws_rate_t *r, const aws_adaptive_cfg_t *c, simtime_t now)
{
    if (!r->on)
        return 1;
    refill(r, now);
    if (r->tokens < c->cost) /* Retrieve: amount > remaining fails */
        return 0;
    r->tokens -= c->cost;
    return 1;
}

simtime_t aws_rate_wait(aws_rate_t *r, const aws_adaptive_cfg_t *c, simtime_t now)
{
    refill(r, now);
    if (r->tokens >= c->cost)
        return 0;
    /* (amount - available) / fillRate; the fill rate is >= min_fill_rate
     * > 0 once the limiter is on */
    double wait = (c->cost - r->tokens) / r->fill_rate * (double)SIMTIME_S;
    return wait >= (double)AWS_WAIT_MAX ? AWS_WAIT_MAX : (simtime_t)ceil(wait);
}

/* updateMeasuredRate: time buckets of c->time_bucket (0.5 s in the SDK). */
static void measure(aws_rate_t *r, const aws_adaptive_cfg_t *c, simtime_t now)
{
    simtime_t b = now / c->time_bucket * c->time_bucket;
    r->count++;
    if (b > r->last_bucket) {
        double rate = (double)r->count / secs(b - r->last_bucket);
        r->measured = rate * c->smooth + r->measured * (1.0 - c->smooth);
        r->count = 0;
        r->last_bucket = b;
    }
}

void aws_rate_update(aws_rate_t *r, const aws_adaptive_cfg_t *c, simtime_t now, int throttled)
{
    measure(r, c, now);
    if (throttled) {
        double use = r->on && r->fill_rate < r->measured ? r->fill_rate : r->measured;
        r->last_max = use;
        r->k = cbrt(r->last_max * (1.0 - c->beta) / c->scale);
        r->last_throttle = now;
        r->calculated = use * c->beta;
        r->on = 1;
    } else {
        r->k = cbrt(r->last_max * (1.0 - c->beta) / c->scale);
        double x = secs(now - r->last_throttle) - r->k;
        r->calculated = c->scale * x * x * x + r->last_max;
    }
    double rate = r->calculated < 2.0 * r->measured ? r->calculated : 2.0 * r->measured;
    refill(r, now); /* at the old fill rate, up to the old capacity */
    r->fill_rate = rate > c->min_fill_rate ? rate : c->min_fill_rate;
    r->capacity = rate > c->min_capacity ? rate : c->min_capacity;
    if (r->tokens > r->capacity)
        r->tokens = r->capacity;
}

/* ---- the model --------------------------------------------------------- */

static model_info_t info;

static const key_name_t scopes[] = {
    {"client", AWS_ADAPTIVE_SCOPE_CLIENT}, {"shared", AWS_ADAPTIVE_SCOPE_SHARED}, {NULL, 0}};

#define OPEN01 (KEY_R_LO | KEY_R_LOX | KEY_R_HI | KEY_R_HIX), 0.0, 1.0

static const key_row_t keys[] = {
    {"enabled", KEY_BOOL, KEY_AT(aws_adaptive_cfg_t, enabled), "", "false", KEY_ANY, NULL,
     "AWS SDK adaptive retry mode's send-rate limiter: a CUBIC token bucket every attempt takes a token from, "
     "on from the first throttling response"},
    {"beta", KEY_DOUBLE, KEY_AT(aws_adaptive_cfg_t, beta), "", "0.7", OPEN01, NULL,
     "CUBIC decrease: the fill rate becomes beta x the rate at a throttle"},
    {"scale", KEY_DOUBLE, KEY_AT(aws_adaptive_cfg_t, scale), "", "0.4", KEY_GT(0), NULL,
     "CUBIC scale constant C of W(t) = C (t - K)^3 + last_max_rate"},
    {"smooth", KEY_DOUBLE, KEY_AT(aws_adaptive_cfg_t, smooth), "", "0.8", KEY_OC(0, 1), NULL,
     "measured rate = smooth x the last time bucket's rate + (1 - smooth) x the previous measured rate"},
    {"time_bucket", KEY_DURATION, KEY_AT(aws_adaptive_cfg_t, time_bucket), "", "500ms", KEY_GT(0), NULL,
     "width of the time buckets the attempt rate is measured over"},
    {"min_fill_rate", KEY_DOUBLE, KEY_AT(aws_adaptive_cfg_t, min_fill_rate), "tokens/s", "0.5", KEY_GT(0), NULL,
     "floor of the bucket's fill rate"},
    {"min_capacity", KEY_DOUBLE, KEY_AT(aws_adaptive_cfg_t, min_capacity), "tokens", "1", KEY_GT(0), NULL,
     "floor of the bucket's size (its size is the CUBIC rate otherwise)"},
    {"cost", KEY_DOUBLE, KEY_AT(aws_adaptive_cfg_t, cost), "tokens", "1", KEY_GT(0), NULL,
     "tokens an attempt takes; at most min_capacity"},
    {"throttle_on", KEY_RETRY_ON, KEY_AT(aws_adaptive_cfg_t, throttle_on), "", "429", KEY_ANY, NULL,
     "outcomes that count as a throttling error code (the SDKs go by the code, not the status)"},
    {"fail_on_no_token", KEY_BOOL, KEY_AT(aws_adaptive_cfg_t, fail_on_no_token), "", "false", KEY_ANY, NULL,
     "an attempt that finds too few tokens ends the call at once instead of waiting (FailOnNoAttemptTokens)"},
    {"scope", KEY_ENUM, KEY_AT(aws_adaptive_cfg_t, scope), "", "client", KEY_ANY, scopes,
     "one limiter per client id (arrivals.clients), as an SDK client per process, or one shared"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

enum { SER_DELAYED, SER_WAIT_US, SER_HELD, SER_FILL, SER_DENIED, NSER };

static const metrics_def_t series[NSER] = {
    [SER_DELAYED] = {"aws_adaptive_delayed", STATS_SUM, "attempts",
                     "AWS adaptive limiter: attempts held for a send token", 0},
    [SER_WAIT_US] = {"aws_adaptive_wait_us", STATS_SUM, "us",
                     "AWS adaptive limiter: time the attempts released in the bucket waited for their tokens", 0},
    [SER_HELD] = {"aws_adaptive_held", STATS_MAX, "attempts",
                  "AWS adaptive limiter: attempts waiting for a send token, all limiters (max in bucket)", 0},
    [SER_FILL] = {"aws_adaptive_fill_mrps", STATS_MAX, "mtokens/s",
                  "AWS adaptive limiter: fill rate x 1000 of the limiters switched on (max in bucket)", 0},
    [SER_DENIED] = {"calls_denied_aws_adaptive", STATS_SUM, "calls",
                    "calls failed: no send token and fail_on_no_token (AWS adaptive limiter)", METRIC_CALL_FAILURE},
};

enum { SC_DELAYED, SC_WAIT_MEAN, SC_ABANDONED, SC_ON, SC_FILL_END, SC_DENIED, NSC };

static const metrics_scalar_t scalars[NSC] = {
    [SC_DELAYED] = {"aws_adaptive_delayed", "attempts", "attempts held for a send token"},
    [SC_WAIT_MEAN] = {"aws_adaptive_wait_mean_ms", "ms",
                      "mean wait of the held attempts that got their token and left"},
    [SC_ABANDONED] = {"aws_adaptive_wait_abandoned", "attempts",
                      "attempts that ended (deadline, attempt timeout) while waiting for a send token: never sent"},
    [SC_ON] = {"aws_adaptive_limiters_on", "limiters", "limiters switched on by a throttle by the end of the run"},
    [SC_FILL_END] = {"aws_adaptive_fill_rate_end", "tokens/s",
                     "mean fill rate of the limiters switched on, at the end of the run"},
    [SC_DENIED] = {"calls_denied_aws_adaptive", "calls", "calls failed: no send token and fail_on_no_token"},
};

/* Per call: its current attempt's requests (the attempt and any hedged
 * copies) that left and that wait for a token. */
typedef struct {
    uint32_t sent;      /* requests of the attempt that left the client */
    uint32_t held;      /* requests of the attempt waiting for a token */
} aws_call_t;

/* A held request and when it began to wait. */
typedef struct {
    uint32_t req;
    simtime_t since;    /* ns */
} aws_held_t;

/* One limiter and the attempts waiting on it, first come first served. */
typedef struct {
    aws_rate_t r;
    aws_held_t *q;      /* ring */
    uint32_t qcap, qhead, qlen;
    eng_ev_t wake;      /* when the head's tokens will be there; 0 = none */
} aws_lim_t;

typedef struct {
    const aws_adaptive_cfg_t *c;
    aws_lim_t *l;       /* per limiter */
    uint32_t n;         /* limiters: 1 (shared) or the client count */
    int64_t held_now;   /* attempts waiting, all limiters */
    int64_t delayed, released, abandoned;
    double wait_ns;     /* ns, summed over the released attempts */
} aws_t;

static uint32_t instances(const aws_adaptive_cfg_t *c, const run_cfg_t *run)
{
    return c->scope == AWS_ADAPTIVE_SCOPE_SHARED || run->arrivals.clients < 1 ? 1 : (uint32_t)run->arrivals.clients;
}

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const aws_adaptive_cfg_t *)cfg)->enabled;
}

#define AWS_MEMORY_MAX ((size_t)1 << 30) /* bytes of limiters refused beyond */

static int validate(const void *cfg, const run_cfg_t *run, const char **key, char *err, size_t errlen)
{
    const aws_adaptive_cfg_t *c = cfg;
    if (!c->enabled)
        return 0;
    size_t bytes = (size_t)instances(c, run) * sizeof(aws_lim_t);
    if (bytes > AWS_MEMORY_MAX) {
        *key = "aws_adaptive.scope";
        snprintf(err, errlen, "per-client limiters would take %zu MiB (limit %zu MiB); use scope = shared",
                 bytes >> 20, AWS_MEMORY_MAX >> 20);
        return -1;
    }
    if (c->cost > c->min_capacity) {
        *key = "aws_adaptive.cost";
        snprintf(err, errlen, "cost (%g tokens) is above min_capacity (%g tokens): a bucket that small could never "
                              "pay for an attempt", c->cost, c->min_capacity);
        return -1;
    }
    return 0;
}

static int attach(world_t *w, void **state)
{
    aws_t *m = calloc(1, sizeof *m);
    if (m) {
        m->c = world_cfg(w, &info);
        m->n = instances(m->c, w->cfg);
        m->l = calloc(m->n, sizeof *m->l);
    }
    if (!m || !m->l) {
        free(m);
        snprintf(w->err, sizeof w->err, "out of memory for the AWS adaptive limiters");
        return -1;
    }
    for (uint32_t i = 0; i < m->n; i++)
        aws_rate_init(&m->l[i].r, eng_now(&w->eng));
    *state = m;
    return 0;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    aws_t *m = state;
    for (uint32_t i = 0; i < m->n; i++)
        free(m->l[i].q);
    free(m->l);
    free(m);
}

static aws_lim_t *limiter_of(const aws_t *m, const world_t *w, uint32_t call)
{
    return &m->l[m->n == 1 ? 0 : world_call(w, call)->client % m->n];
}

static void record_fill(world_t *w, const aws_rate_t *r)
{
    if (r->on)
        world_count(w, info.series0 + SER_FILL, llround(r->fill_rate * 1000.0));
}

static int push(aws_lim_t *l, uint32_t req, simtime_t now)
{
    if (l->qlen == l->qcap) {
        uint32_t ncap = l->qcap ? 2 * l->qcap : 64;
        aws_held_t *q = ncap > l->qcap ? malloc((size_t)ncap * sizeof *q) : NULL;
        if (!q)
            return -1;
        for (uint32_t i = 0; i < l->qlen; i++)
            q[i] = l->q[(l->qhead + i) % l->qcap];
        free(l->q);
        l->q = q;
        l->qcap = ncap;
        l->qhead = 0;
    }
    l->q[(l->qhead + l->qlen) % l->qcap] = (aws_held_t){req, now};
    l->qlen++;
    return 0;
}

static aws_held_t pop(aws_lim_t *l)
{
    aws_held_t h = l->q[l->qhead];
    l->qhead = (l->qhead + 1) % l->qcap;
    l->qlen--;
    return h;
}

static void on_wake(eng_t *e, void *ctx, uint64_t arg);

/* The next wake-up of limiter idx: when the head of its queue will find
 * its tokens at the current fill rate (re-armed after every rate change,
 * as botocore notifies its waiters). */
static void arm(world_t *w, aws_t *m, uint32_t idx)
{
    aws_lim_t *l = &m->l[idx];
    if (l->wake)
        eng_cancel(&w->eng, l->wake);
    l->wake = l->qlen ? eng_after(&w->eng, aws_rate_wait(&l->r, m->c, eng_now(&w->eng)), on_wake, w, idx) : 0;
}

/* Limiter idx's queue, head first, while the bucket pays: an attempt
 * that has ended meanwhile is dropped (never sent, nothing taken). */
static void serve(world_t *w, aws_t *m, uint32_t idx)
{
    aws_lim_t *l = &m->l[idx];
    simtime_t now = eng_now(&w->eng);
    while (l->qlen) {
        uint32_t ri = l->q[l->qhead].req;
        req_t *r = world_req(w, ri);
        if (!client_request_alive(w, r)) {
            pop(l);
            m->held_now--;
            world_req_free(w, ri);
            continue;
        }
        if (!aws_rate_take(&l->r, m->c, now))
            break;
        aws_held_t h = pop(l);
        m->held_now--;
        aws_call_t *x = world_call_ext(w, r->call, &info);
        x->held--;
        x->sent++;
        m->released++;
        m->wait_ns += (double)(now - h.since);
        world_count(w, info.series0 + SER_WAIT_US, (now - h.since) / 1000);
        client_send_held(w, ri, &info);
    }
    arm(w, m, idx);
}

static aws_t *state_of(const world_t *w)
{
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->info == &info)
            return w->on[i].state;
    return NULL;
}

static void on_wake(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e;
    world_t *w = ctx;
    aws_t *m = state_of(w);
    if (!m)
        return;
    m->l[arg].wake = 0;
    serve(w, m, (uint32_t)arg);
}

/* FailOnNoAttemptTokens: no token now (or others wait first): the call ends. */
static int before_send(world_t *w, void *state, uint32_t call)
{
    aws_t *m = state;
    if (!m->c->fail_on_no_token)
        return MODEL_PASS;
    aws_lim_t *l = limiter_of(m, w, call);
    if (!l->r.on || (l->qlen == 0 && aws_rate_wait(&l->r, m->c, eng_now(&w->eng)) == 0))
        return MODEL_PASS;
    return info.series0 + SER_DENIED;
}

/* GetAttemptToken: while the limiter is off, or nobody waits and the
 * bucket pays, the request leaves at once; else it waits its turn. */
static simtime_t on_send(world_t *w, void *state, uint32_t call, uint32_t req)
{
    aws_t *m = state;
    simtime_t now = eng_now(&w->eng);
    aws_lim_t *l = limiter_of(m, w, call);
    aws_call_t *x = world_call_ext(w, call, &info);
    if (l->qlen == 0 && aws_rate_take(&l->r, m->c, now)) {
        x->sent++;
        return 0;
    }
    if (push(l, req, now) < 0) {
        world_fail(w, "out of memory for the attempts waiting on the AWS adaptive limiter");
        return 0;
    }
    x->held++;
    m->delayed++;
    m->held_now++;
    world_count(w, info.series0 + SER_DELAYED, 1);
    stats_series_record(&w->res->series, info.series0 + SER_HELD, now, m->held_now);
    if (l->qlen == 1)
        arm(w, m, (uint32_t)(l - m->l));
    return MODEL_SEND_HELD;
}

/* The update after each attempt that was sent (handleResponse). An
 * attempt that ended before any of its requests left was never made: no
 * update (its held requests are dropped when their turn comes). */
static void attempt_end(world_t *w, void *state, uint32_t call, outcome_t o, unsigned flags)
{
    aws_t *m = state;
    aws_lim_t *l = limiter_of(m, w, call);
    aws_call_t *x = world_call_ext(w, call, &info);
    if (!(flags & MODEL_COPY)) {
        int never_sent = x->sent == 0 && x->held > 0;
        x->sent = x->held = 0;
        if (never_sent) {
            m->abandoned++;
            return;
        }
    }
    aws_rate_update(&l->r, m->c, eng_now(&w->eng), (m->c->throttle_on & POLICY_RETRY_BIT(o)) != 0);
    record_fill(w, &l->r);
    if (l->qlen)
        arm(w, m, (uint32_t)(l - m->l)); /* the fill rate has changed */
}

static void bucket(world_t *w, void *state, simtime_t now)
{
    aws_t *m = state;
    for (uint32_t i = 0; i < m->n; i++)
        record_fill(w, &m->l[i].r);
    stats_series_record(&w->res->series, info.series0 + SER_HELD, now, m->held_now);
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    aws_t *m = state;
    int64_t on = 0;
    double fill = 0;
    for (uint32_t i = 0; i < m->n; i++)
        if (m->l[i].r.on) {
            on++;
            fill += m->l[i].r.fill_rate;
        }
    run_set_scalar(res, info.scalar0 + SC_DELAYED, (double)m->delayed);
    run_set_scalar(res, info.scalar0 + SC_WAIT_MEAN,
                   m->released ? m->wait_ns / (double)m->released / 1e6 : (double)NAN);
    run_set_scalar(res, info.scalar0 + SC_ABANDONED, (double)m->abandoned);
    run_set_scalar(res, info.scalar0 + SC_ON, (double)on);
    run_set_scalar(res, info.scalar0 + SC_FILL_END, on ? fill / (double)on : (double)NAN);
    run_set_scalar(res, info.scalar0 + SC_DENIED, (double)world_series_total(w, info.series0 + SER_DENIED));
}

const model_desc_t model_aws_adaptive = {
    .name = "aws_adaptive",
    .help = "AWS SDK adaptive retry mode's client-side send-rate limiter (CUBIC token bucket, on after a throttle)",
    .info = &info,
    .section = "aws_adaptive",
    .keys = keys,
    .cfg_size = sizeof(aws_adaptive_cfg_t),
    .enabled = enabled,
    .validate = validate,
    .series = series,
    .nseries = NSER,
    .scalars = scalars,
    .nscalars = NSC,
    .call_extra = sizeof(aws_call_t),
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
    .bucket = bucket,
    .before_send = before_send,
    .on_send = on_send,
    .attempt_end = attempt_end,
};
