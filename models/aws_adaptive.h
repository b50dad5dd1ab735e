/*
 * aws_adaptive: the client-side send-rate limiter of the AWS SDKs'
 * adaptive retry mode ([aws_adaptive]), as a pure state machine over one
 * limiter (its rules and sources are in aws_adaptive.c). The model keeps
 * one per client id, or one shared; tests drive one directly with
 * hand-worked times.
 */
#ifndef RETRYSIM_AWS_ADAPTIVE_H
#define RETRYSIM_AWS_ADAPTIVE_H

#include <stdint.h>

#include "simtime.h"

enum { AWS_ADAPTIVE_SCOPE_CLIENT, AWS_ADAPTIVE_SCOPE_SHARED };

typedef struct {
    int enabled;              /* the model is on */
    double beta;              /* CUBIC multiplicative decrease on a throttle, (0, 1) */
    double scale;             /* CUBIC scale constant C, requests/s^4, > 0 */
    double smooth;            /* weight of the newest time bucket in the measured rate, (0, 1] */
    simtime_t time_bucket;    /* ns, the measured rate's time bucket, > 0 */
    double min_fill_rate;     /* tokens/s, the fill rate's floor, > 0 */
    double min_capacity;      /* tokens, the bucket size's floor, > 0 */
    double cost;              /* tokens an attempt takes, > 0 */
    unsigned throttle_on;     /* bit set of POLICY_RETRY_BIT(outcome): the throttling responses */
    int fail_on_no_token;     /* 1: an attempt finding too few tokens fails at once instead of waiting */
    int scope;                /* AWS_ADAPTIVE_SCOPE_* */
} aws_adaptive_cfg_t;

/* One limiter: the SDK's adaptiveRateLimit with its token bucket. */
typedef struct {
    int on;                   /* 1 once a throttling response was seen: attempts take tokens */
    double tokens;            /* tokens in the bucket, 0..capacity */
    double capacity;          /* tokens, the bucket size (0 until the first update) */
    double fill_rate;         /* tokens/s (0 until the first update) */
    double calculated;        /* requests/s, CUBIC's last rate */
    double measured;          /* requests/s, the smoothed measured rate of attempts */
    double last_max;          /* requests/s, the rate at the last throttle (W_max) */
    double k;                 /* s, CUBIC's time to climb back to last_max */
    simtime_t last_refill;    /* ns, -1 = never refilled */
    simtime_t last_bucket;    /* ns, start of the measured rate's current time bucket */
    int64_t count;            /* attempts ended in the current time bucket */
    simtime_t last_throttle;  /* ns, time of the last throttle (the limiter's creation before one) */
} aws_rate_t;

/* A limiter created at now (the start of the run). */
void aws_rate_init(aws_rate_t *r, simtime_t now);

/* An attempt asks for its tokens at now: 1 if it may go (the limiter is
 * off, or it took them), 0 if the bucket holds too few (nothing taken). */
int aws_rate_take(aws_rate_t *r, const aws_adaptive_cfg_t *c, simtime_t now);

/* ns from now until the bucket holds an attempt's tokens at the current
 * fill rate (0 if it does already); the limiter must be on. */
simtime_t aws_rate_wait(aws_rate_t *r, const aws_adaptive_cfg_t *c, simtime_t now);

/* An attempt ended at now; throttled: its response was a throttle. */
void aws_rate_update(aws_rate_t *r, const aws_adaptive_cfg_t *c, simtime_t now, int throttled);

#endif
