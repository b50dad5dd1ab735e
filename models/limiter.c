/*
 * limiter: the rate limiter in front of the server (see limiter.h).
 *
 *   token bucket: the textbook bucket (capacity `burst` tokens, continuous
 *     refill at `rate` tokens/s, starts full; a request takes one token).
 *   nginx limit_req: a transcription of the arithmetic of nginx's
 *     src/http/modules/ngx_http_limit_req_module.c (nginx >= 1.15.x, as in
 *     nginx/nginx on GitHub): ngx_http_limit_req_lookup() for admission and
 *     ngx_http_limit_req_account() for the delay, for one zone with one key.
 *     Units as in nginx: rate and excess in milli-requests (1000 = one
 *     request; rate in milli-requests/s), time in whole milliseconds.
 *
 * Not modelled from nginx: the shared-memory node table and its expiry
 * (one key, never evicted), several limits per location, `delay=N`
 * (only nodelay or full delay), dry_run.
 */
#include "limiter.h"

void limiter_init(limiter_t *l, const limiter_cfg_t *c)
{
    l->cfg = *c;
    l->tokens = c->burst > 0.0 ? c->burst : 0.0; /* the bucket starts full */
    l->last = 0;
    l->excess = 0;
    l->last_ms = 0;
    l->seen = 0;
}

/* ---- token bucket ---------------------------------------------------- */

/* Tokens below 1 by at most this much still pay for a request: the refill
 * adds rate * dt in floating point, and a run of 0.1-token increments may
 * land a hair under 1.0 where exact arithmetic gives 1.0. 1e-9 token is far
 * below anything a run can observe. */
static const double TOKEN_SLACK = 1e-9;

/* Refill for the ns elapsed since the last update, never above capacity.
 * Time going backwards (an out-of-order call) refills nothing. */
static void bucket_refill(limiter_t *l, simtime_t now)
{
    if (now <= l->last)
        return;
    double cap = l->cfg.burst > 0.0 ? l->cfg.burst : 0.0;
    double rate = l->cfg.rate > 0.0 ? l->cfg.rate : 0.0;
    l->tokens += rate * ((double)(now - l->last) / 1e9); /* tokens/s * s */
    if (l->tokens > cap)
        l->tokens = cap;
    l->last = now;
}

static limiter_verdict_t bucket_admit(limiter_t *l, simtime_t now)
{
    limiter_verdict_t v = {0, 0};
    bucket_refill(l, now);
    if (l->tokens >= 1.0 - TOKEN_SLACK) {
        l->tokens -= 1.0;
        if (l->tokens < 0.0)
            l->tokens = 0.0; /* the slack never leaves a negative balance */
        v.admit = 1;
    }
    return v;
}

/* ---- nginx limit_req -------------------------------------------------- */

/* nginx's ctx->rate: requests/s times 1000, an integer. nginx computes it
 * as rate * 1000 / scale with integer division (scale 60 for r/m), so we
 * truncate too; the 1e-6 absorbs binary representation error
 * (0.29 * 1000 = 289.99999999999997) without changing any true fraction.
 * At least 1, so the divisions below are defined (nginx rejects rate 0). */
static int64_t nginx_rate_milli(const limiter_cfg_t *c)
{
    double m = c->rate * 1000.0 + 1e-6;
    if (!(m >= 1.0))
        return 1;
    if (m > 9.0e15)
        return (int64_t)9.0e15;
    return (int64_t)m;
}

/* nginx's limit->burst: whole requests times 1000. */
static int64_t nginx_burst_milli(const limiter_cfg_t *c)
{
    if (!(c->burst > 0.0))
        return 0;
    if (c->burst > 9.0e12)
        return (int64_t)9.0e15;
    return (int64_t)c->burst * 1000;
}

/* ms elapsed since the last accounted request, as nginx clamps it: a jump
 * back of more than 60 s counts as 1 ms, a smaller one as 0 ms. */
static int64_t nginx_elapsed_ms(const limiter_t *l, int64_t now_ms)
{
    int64_t ms = now_ms - l->last_ms;
    if (ms < -60000)
        return 1;
    return ms < 0 ? 0 : ms;
}

/* excess - rate * ms / 1000 + 1000, floored at 0, in nginx's integer
 * arithmetic. rate * ms is guarded: past INT64_MAX the drain certainly
 * empties the bucket, so it saturates instead of overflowing. */
static int64_t nginx_new_excess(int64_t excess, int64_t rate_milli, int64_t ms)
{
    int64_t drain = ms > INT64_MAX / rate_milli ? INT64_MAX : rate_milli * ms / 1000;
    int64_t e = excess + 1000 - drain; /* excess + 1000 is small: no overflow */
    return e < 0 ? 0 : e;
}

/* ngx_http_limit_req_account(): an admitted request waits
 * excess * 1000 / rate ms (integer division), returned in ns. excess is at
 * most 9e15 here, so excess * 1000 fits; the delay saturates at 10^12 ms
 * (~31.7 years) so that now + delay cannot overflow either. */
static simtime_t nginx_delay(int64_t excess, int64_t rate_milli)
{
    const int64_t max_ms = 1000000000000LL;
    int64_t ms = excess * 1000 / rate_milli;
    return (ms > max_ms ? max_ms : ms) * SIMTIME_MS;
}

static limiter_verdict_t nginx_admit(limiter_t *l, simtime_t now)
{
    limiter_verdict_t v = {0, 0};
    int64_t now_ms = now / SIMTIME_MS; /* nginx keeps whole ms; truncated */
    int64_t rate_milli = nginx_rate_milli(&l->cfg);

    if (!l->seen) { /* a new node: excess 0, admitted, no delay */
        l->seen = 1;
        l->excess = 0;
        l->last_ms = now_ms;
        l->last = now;
        v.admit = 1;
        return v;
    }
    int64_t ms = nginx_elapsed_ms(l, now_ms);
    int64_t excess = nginx_new_excess(l->excess, rate_milli, ms);
    if (excess > nginx_burst_milli(&l->cfg))
        return v; /* NGX_BUSY: rejected, the node is left as it was */
    l->excess = excess;
    if (ms != 0) { /* nginx moves `last` only when time advanced */
        l->last_ms = now_ms;
        l->last = now;
    }
    v.admit = 1;
    if (!l->cfg.nodelay)
        v.delay = nginx_delay(excess, rate_milli);
    return v;
}

limiter_verdict_t limiter_admit(limiter_t *l, simtime_t now)
{
    limiter_verdict_t v = {1, 0};
    switch (l->cfg.kind) {
    case LIMITER_NONE:
        return v;
    case LIMITER_TOKEN_BUCKET:
        return bucket_admit(l, now);
    case LIMITER_NGINX:
        return nginx_admit(l, now);
    }
    return v; /* unknown kind: no limiter */
}
