/*
 * limiter: the rate limiter in front of the server. Pure: given the time of
 * a request it answers admit (possibly after a delay) or reject.
 *
 *   token bucket: capacity `burst` tokens, refilled continuously at `rate`
 *     tokens/s; a request takes one token or is rejected.
 *   nginx limit_req (ngx_http_limit_req_module.c): a leaky bucket kept as
 *     "excess" in milli-requests at millisecond resolution, exactly as nginx
 *     computes it: excess = max(0, excess - rate*ms + 1000); reject when
 *     excess > burst*1000; otherwise admit, delayed by excess/rate unless
 *     nodelay. With burst 0 at most one request per 1/rate s is admitted.
 */
#ifndef RETRYSIM_LIMITER_H
#define RETRYSIM_LIMITER_H

#include <stdint.h>

#include "simtime.h"

typedef enum { LIMITER_NONE, LIMITER_TOKEN_BUCKET, LIMITER_NGINX } limiter_kind_t;

typedef struct {
    limiter_kind_t kind;
    double rate;          /* requests/s, > 0 */
    double burst;         /* token bucket: capacity in tokens (>= 1); nginx: burst in requests (>= 0, whole) */
    int nodelay;          /* nginx: admit burst requests at once instead of delaying them */
    int reject_status;    /* 429 or 503 */
    simtime_t retry_after; /* ns, Retry-After sent with a rejection; 0 = none */
} limiter_cfg_t;

typedef struct {
    limiter_cfg_t cfg;
    double tokens;        /* token bucket: tokens now, 0..burst */
    simtime_t last;       /* ns, time of the last update */
    int64_t excess;       /* nginx: milli-requests above the rate, >= 0 */
    int64_t last_ms;      /* nginx: ms time of the last accounted request */
    int seen;             /* nginx: a request has been accounted already */
} limiter_t;

typedef struct {
    int admit;            /* 1 admit, 0 reject */
    simtime_t delay;      /* ns the admitted request waits before it enters the server */
} limiter_verdict_t;

void limiter_init(limiter_t *l, const limiter_cfg_t *c);
limiter_verdict_t limiter_admit(limiter_t *l, simtime_t now);

#endif
