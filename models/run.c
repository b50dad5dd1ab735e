/*
 * run: assemble one run (engine, random streams, arrivals, clients, server),
 * run it, and turn what happened into metrics: the per-bucket series, the
 * per-run scalars (amplification, success rate, latency percentiles, time to
 * recovery, theory-check averages) and the histograms.
 *
 * A run lasts `duration` (calls start in [0, duration)) and then drains:
 * it goes on until no retry loop is left, at most `drain` longer. Time
 * averages (busy fraction, orbit size, P(empty)) cover [0, duration).
 */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist.h"
#include "world.h"

void run_defaults(run_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->run.duration = 60 * SIMTIME_S;
    c->run.drain = 120 * SIMTIME_S;
    c->run.seed = 1;
    c->run.replication = 0;
    snprintf(c->run.generator, sizeof c->run.generator, "mt19937");
    c->run.bucket = SIMTIME_S;
    c->run.max_events = 2000000000ULL;
    c->run.recovery_threshold = 0.99;
    c->run.recovery_hold = 10 * SIMTIME_S;
    arrivals_defaults(&c->arrivals);
    policy_defaults(&c->retry);
    protect_defaults(&c->protect);
    gmp_defaults(&c->gmp);
    server_defaults(&c->server);
    shed_defaults(&c->shed);
    limiter_defaults(&c->limiter);
    network_defaults(&c->network);
    idem_defaults(&c->idem);
    conn_defaults(&c->conn);
    layers_defaults(&c->layers);
    snprintf(c->output.db, sizeof c->output.db, "results/retrysim.db");
}

void network_defaults(network_cfg_t *c)
{
    c->request = (dist_t){.kind = DIST_CONST, .a = 1e6};
    c->response = c->request;
}

static int blame(const char **key, const char *k, char *err, size_t errlen, const char *msg)
{
    if (key)
        *key = k;
    snprintf(err, errlen, "%s", msg);
    return -1;
}

/* 1 if x has at most 3 decimals (gRPC keeps its tokens in thousandths). */
static int three_decimals(double x)
{
    return fabs(x * 1000.0 - (double)llround(x * 1000.0)) < 1e-6;
}

/* Per-client protection state above this is a configuration mistake. */
#define PROTECT_MEMORY_MAX ((size_t)1 << 30)

static int protect_validate(const run_cfg_t *c, const char **key, char *err, size_t errlen)
{
    const protect_cfg_t *pc = &c->protect;
    if (pc->quota.kind == QUOTA_GRPC && !three_decimals(pc->quota.max_tokens))
        return blame(key, "retry_quota.max_tokens", err, errlen,
                     "max_tokens has more than 3 decimals (gRPC counts thousandths of a token)");
    if (pc->quota.kind == QUOTA_GRPC && !three_decimals(pc->quota.token_ratio))
        return blame(key, "retry_quota.token_ratio", err, errlen,
                     "token_ratio has more than 3 decimals (gRPC counts thousandths of a token)");
    struct {
        int on;
        simtime_t window;
        const char *key;
    } win[] = {{pc->budget.enabled, pc->budget.window, "retry_budget.window"},
               {pc->throttle.enabled, pc->throttle.window, "throttle.window"},
               {pc->breaker.enabled, pc->breaker.window, "breaker.window"}};
    for (size_t i = 0; i < sizeof win / sizeof win[0]; i++)
        if (win[i].on && win[i].window % SIMTIME_S != 0)
            return blame(key, win[i].key, err, errlen,
                         "the window must be a whole number of seconds (it is a ring of 1 s buckets)");
    uint32_t clients = c->arrivals.clients > 0 ? (uint32_t)c->arrivals.clients : 1;
    size_t bytes = protect_memory(pc, clients);
    if (bytes > PROTECT_MEMORY_MAX) {
        /* blame the per-client protection with the largest windows */
        const char *k = "arrivals.clients";
        simtime_t most = -1;
        if (pc->throttle.enabled && pc->throttle.scope == PROTECT_SCOPE_CLIENT && pc->throttle.window > most)
            k = "throttle.scope", most = pc->throttle.window;
        if (pc->budget.enabled && pc->budget.scope == PROTECT_SCOPE_CLIENT && pc->budget.window > most)
            k = "retry_budget.scope", most = pc->budget.window;
        if (pc->breaker.enabled && pc->breaker.scope == PROTECT_SCOPE_CLIENT && pc->breaker.window > most)
            k = "breaker.scope", most = pc->breaker.window;
        if (most < 0 && pc->quota.kind != QUOTA_NONE && pc->quota.scope == PROTECT_SCOPE_CLIENT)
            k = "retry_quota.scope";
        char m[200];
        snprintf(m, sizeof m, "per-client protection state would take %zu MiB for %u clients (limit %zu MiB); "
                 "use scope = shared, shorter windows or fewer clients",
                 bytes >> 20, clients, PROTECT_MEMORY_MAX >> 20);
        return blame(key, k, err, errlen, m);
    }
    return 0;
}

int run_validate(const run_cfg_t *c, const char **key, char *err, size_t errlen)
{
    const policy_cfg_t *p = &c->retry;
    if (p->backoff == BACKOFF_EXPONENTIAL && p->multiplier < 1)
        return blame(key, "retry.multiplier", err, errlen,
                     "a multiplier below 1 makes exponential backoff shrink; use >= 1 (or backoff = constant)");
    if (p->cap > 0 && p->cap < p->base && p->backoff != BACKOFF_MEMORYLESS)
        return blame(key, "retry.cap", err, errlen, "cap is below base: every delay would be the cap");
    if (c->run.recovery_hold < c->run.bucket)
        return blame(key, "run.recovery_hold", err, errlen, "recovery_hold must be at least one bucket");
    if (c->run.bucket > c->run.duration)
        return blame(key, "run.bucket", err, errlen, "bucket is longer than the run's duration");
    if (c->run.warmup >= c->run.duration)
        return blame(key, "run.warmup", err, errlen, "the warm-up must end before the run's duration");
    if (c->arrivals.kind == ARR_SPIKE && c->arrivals.spike_at >= c->run.duration)
        return blame(key, "arrivals.spike_at", err, errlen, "the spike starts after the run's duration");
    if (protect_validate(c, key, err, errlen) < 0)
        return -1;
    if (gmp_validate(&c->gmp, key, err, errlen) < 0)
        return -1;
    if (c->layers.count > 1) {
        /* an upper tier's call has no caller, client id or goroutine of its
         * own: these models would need one per tier */
        if (c->gmp.enabled)
            return blame(key, "layers.count", err, errlen, "layers (count > 1) cannot be combined with the gmp model");
        if (c->conn.enabled)
            return blame(key, "layers.count", err, errlen, "layers (count > 1) cannot be combined with [connections]");
        if (c->idem.non_idempotent > 0)
            return blame(key, "layers.count", err, errlen,
                         "layers (count > 1) cannot be combined with idempotency.non_idempotent");
        if (c->server.contention)
            return blame(key, "layers.count", err, errlen, "layers (count > 1) cannot be combined with server.contention");
    }
    if (p->attempt_timeout == 0 && p->deadline == 0) {
        for (int i = 0; i < c->server.noutages; i++)
            if (c->server.outages[i].kind == OUTAGE_DROP)
                return blame(key, "server.outages", err, errlen,
                             "a drop outage with no attempt_timeout and no deadline leaves calls waiting for ever; "
                             "set retry.attempt_timeout or retry.deadline");
    }
    return 0;
}

void world_level(world_t *w, level_t *l, int64_t delta)
{
    simtime_t now = eng_now(&w->eng);
    if (now > l->last) {
        double dt = (double)(now - l->last);
        l->area += (double)l->level * dt;
        if (l->level == 0)
            l->zero_ns += dt;
        l->last = now;
    }
    l->level += delta;
}

double world_level_mean(const world_t *w, const level_t *l, simtime_t until)
{
    (void)w;
    double area = l->area + (double)l->level * (double)(until - l->last);
    return until > l->start ? area / (double)(until - l->start) : (double)NAN;
}

static double level_zero_share(const level_t *l, simtime_t until)
{
    double z = l->zero_ns + (l->level == 0 ? (double)(until - l->last) : 0);
    return until > l->start ? z / (double)(until - l->start) : (double)NAN;
}

/* The warm-up is over: the time averages start afresh from now (the levels
 * themselves carry on). */
static void level_restart(world_t *w, level_t *l)
{
    world_level(w, l, 0);
    l->area = 0;
    l->zero_ns = 0;
    l->start = eng_now(&w->eng);
}

static void on_warmup_end(eng_t *e, void *ctx, uint64_t arg)
{
    (void)e, (void)arg;
    world_t *w = ctx;
    level_restart(w, &w->lv_orbit);
    level_restart(w, &w->lv_busy);
    level_restart(w, &w->lv_system);
    level_restart(w, &w->lv_queue);
}

/* Snapshot of the time averages at the end of the measured window. */
typedef struct {
    double mean_orbit, busy, p_empty, mean_queue;
    int taken;
} horizon_t;

/* The four scalars of tier i are S_ATTEMPTS_TIER0 + TIER_STRIDE * i + 0..3. */
#define TIER_STRIDE (S_ATTEMPTS_TIER1 - S_ATTEMPTS_TIER0)
_Static_assert(TIER_STRIDE == 4 && S_AMP_TIER0 == S_ATTEMPTS_TIER0 + 1 && S_REJ_TIER0 == S_ATTEMPTS_TIER0 + 2 &&
                   S_WASTED_TIER0 == S_ATTEMPTS_TIER0 + 3 && S_ATTEMPTS_TIER7 == S_ATTEMPTS_TIER0 + 7 * TIER_STRIDE,
               "metrics.h: tier scalars out of order");

void run_set_scalar(run_result_t *res, int id, double v)
{
    if (id >= 0 && id < S_COUNT)
        res->scalar[id] = v;
}

double run_scalar(const run_result_t *res, const char *name)
{
    int id = metrics_scalar_find(name);
    return id >= 0 ? res->scalar[id] : (double)NAN;
}

/* Levels are recorded at each change; this event records them at every
 * bucket start too, so a bucket in which nothing changed still shows the
 * level it held. After the arrival window it also ends the run once no
 * retry loop is left. */
static void on_bucket(eng_t *e, void *ctx, uint64_t arg)
{
    world_t *w = ctx;
    simtime_t now = eng_now(e);
    stats_series_t *s = &w->res->series;
    stats_series_record(s, M_INFLIGHT, now, w->n_in_flight);
    stats_series_record(s, M_ORPHANS, now, w->n_orphans);
    stats_series_record(s, M_QUEUE, now, w->qlen);
    stats_series_record(s, M_BUSY, now, w->busy);
    if (w->prot_breaker)
        stats_series_record(s, M_BREAKER, now, protect_breaker_level(&w->prot));
    if (now >= w->end_arrivals && w->n_active == 0) {
        eng_stop(e);
        return;
    }
    eng_after(e, w->cfg->run.bucket, on_bucket, w, arg + 1);
}

typedef struct {
    world_t *w;
    horizon_t *h;
} horizon_ctx_t;

static void on_horizon(eng_t *e, void *ctx, uint64_t arg)
{
    (void)arg;
    horizon_ctx_t *hc = ctx;
    world_t *w = hc->w;
    simtime_t now = eng_now(e);
    world_level(w, &w->lv_orbit, 0);
    world_level(w, &w->lv_busy, 0);
    world_level(w, &w->lv_system, 0);
    world_level(w, &w->lv_queue, 0);
    hc->h->mean_orbit = world_level_mean(w, &w->lv_orbit, now);
    hc->h->busy = world_level_mean(w, &w->lv_busy, now) / w->cfg->server.workers;
    hc->h->p_empty = level_zero_share(&w->lv_system, now);
    hc->h->mean_queue = world_level_mean(w, &w->lv_queue, now);
    hc->h->taken = 1;
}

static int open_streams(world_t *w, run_result_t *res)
{
    struct {
        gsl_rng **r;
        const char *name;
    } s[] = {
        {&w->r_arrivals, "arrivals"},         {&w->r_jitter, "client.jitter"},
        {&w->r_nonreplay, "client.nonreplayable"}, {&w->r_think, "client.think"},
        {&w->r_service, "server.service"},    {&w->r_errors, "server.errors"},
        {&w->r_net_req, "network.request"},   {&w->r_net_resp, "network.response"},
        {&w->r_throttle, "client.throttle"},
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (!(*s[i].r = rng_stream(&res->rng, s[i].name, w->err, sizeof w->err)))
            return -1;
    return 0;
}

static int64_t series_total(const stats_series_t *s, int id)
{
    int64_t t = 0;
    for (int b = 0; b < stats_series_nbuckets(s); b++)
        t += stats_series_get(s, id, b);
    return t;
}

/* Every way a call can fail (series ids). */
static const int call_failures[] = {M_FAIL_EXHAUSTED, M_FAIL_DEADLINE, M_FAIL_NOTRETRY, M_FAIL_NONREPLAY,
                                    M_DENIED_QUOTA,   M_DENIED_BUDGET, M_FAIL_THROTTLED, M_FAIL_BREAKER};

/* First time after the last outage from which, for `hold`, every bucket
 * has a success rate of the calls ending there >= threshold AND at most a
 * (1 - threshold) share of its server arrivals rejected or served for
 * nobody; NaN if no outage or never within the arrival window. A bucket
 * where no call ended counts as recovered (on the client side) only if no
 * call started in it either. */
static double recovery_time(const run_cfg_t *c, const stats_series_t *s)
{
    simtime_t last_end = -1;
    for (int i = 0; i < c->server.noutages; i++)
        if (c->server.outages[i].end > last_end)
            last_end = c->server.outages[i].end;
    if (last_end < 0)
        return NAN;
    simtime_t bw = c->run.bucket;
    int64_t hold = (c->run.recovery_hold + bw - 1) / bw;
    int64_t first = (last_end + bw - 1) / bw;
    int64_t nb = c->run.duration / bw; /* whole buckets inside the arrival window */
    int64_t have = stats_series_nbuckets(s);
    if (nb > have)
        nb = have;
    int64_t run_len = 0;
    for (int64_t b = first; b < nb; b++) {
        int64_t ok = stats_series_get(s, M_SUCCEEDED, (int)b);
        int64_t bad = 0;
        for (size_t i = 0; i < sizeof call_failures / sizeof call_failures[0]; i++)
            bad += stats_series_get(s, call_failures[i], (int)b);
        int good = ok + bad > 0 ? (double)ok >= c->run.recovery_threshold * (double)(ok + bad)
                                : stats_series_get(s, M_CALLS, (int)b) == 0;
        /* The server's side too: calls whose retries are still pending end
         * (and fail) long after the bucket, so rejected and wasted work
         * there says the storm is not over. */
        int64_t arr = stats_series_get(s, M_ARRIVALS, (int)b);
        int64_t lost = stats_series_get(s, M_REJ_QUEUE, (int)b) + stats_series_get(s, M_REJ_LIMITER, (int)b) +
                       stats_series_get(s, M_REJ_OUTAGE, (int)b) + stats_series_get(s, M_WASTED, (int)b) +
                       stats_series_get(s, M_SHED, (int)b);
        if ((double)lost > (1 - c->run.recovery_threshold) * (double)arr)
            good = 0;
        run_len = good ? run_len + 1 : 0;
        if (run_len == hold)
            return simtime_to_sec((b - hold + 1) * bw - last_end);
    }
    return NAN;
}

static void summarise(const world_t *w, run_result_t *res, const horizon_t *hz, int64_t unfinished)
{
    const run_cfg_t *c = w->cfg;
    const stats_series_t *s = &res->series;
    double calls = (double)series_total(s, M_CALLS);
    double first = (double)series_total(s, M_ATTEMPTS_FIRST), retries = (double)series_total(s, M_ATTEMPTS_RETRY);
    double arrivals = (double)series_total(s, M_ARRIVALS);
    double ok = (double)series_total(s, M_SUCCEEDED);
    int64_t peak = 0; /* over the buckets after the warm-up */
    for (int b = (int)((c->run.warmup + c->run.bucket - 1) / c->run.bucket); b < stats_series_nbuckets(s); b++)
        if (stats_series_get(s, M_ARRIVALS, b) > peak)
            peak = stats_series_get(s, M_ARRIVALS, b);
    double cap_bucket = server_capacity(&c->server) * simtime_to_sec(c->run.bucket);
    const stats_hist_t *lat = w->h_latency;
    int have_lat = stats_hist_count(lat) > 0;
#define Q(q) (have_lat ? simtime_to_sec(stats_hist_quantile(lat, q)) : (double)NAN)
    run_set_scalar(res, S_CALLS, calls);
    run_set_scalar(res, S_ATTEMPTS, first + retries);
    run_set_scalar(res, S_ATTEMPTS_FIRST, first);
    run_set_scalar(res, S_RETRIES, retries);
    run_set_scalar(res, S_ATTEMPTS_PER_CALL, calls > 0 ? (first + retries) / calls : (double)NAN);
    run_set_scalar(res, S_SERVER_ARRIVALS, arrivals);
    run_set_scalar(res, S_AMPLIFICATION, calls > 0 ? arrivals / calls : (double)NAN);
    run_set_scalar(res, S_PEAK_ARRIVALS, (double)peak);
    run_set_scalar(res, S_PEAK_OVER_CAPACITY, cap_bucket > 0 ? (double)peak / cap_bucket : (double)NAN);
    run_set_scalar(res, S_CALLS_OK, ok);
    run_set_scalar(res, S_SUCCESS_RATE, calls > 0 ? ok / calls : (double)NAN);
    run_set_scalar(res, S_GOODPUT, ok / simtime_to_sec(c->run.duration));
    run_set_scalar(res, S_CALLS_EXHAUSTED, (double)series_total(s, M_FAIL_EXHAUSTED));
    run_set_scalar(res, S_CALLS_DEADLINE, (double)series_total(s, M_FAIL_DEADLINE));
    run_set_scalar(res, S_CALLS_DEADLINE_CUT, (double)w->deadline_cut);
    run_set_scalar(res, S_CALLS_NOTRETRY, (double)series_total(s, M_FAIL_NOTRETRY));
    run_set_scalar(res, S_CALLS_NONREPLAY, (double)series_total(s, M_FAIL_NONREPLAY));
    run_set_scalar(res, S_CALLS_DENIED_QUOTA, (double)series_total(s, M_DENIED_QUOTA));
    run_set_scalar(res, S_CALLS_DENIED_BUDGET, (double)series_total(s, M_DENIED_BUDGET));
    run_set_scalar(res, S_CALLS_THROTTLED, (double)series_total(s, M_FAIL_THROTTLED));
    run_set_scalar(res, S_CALLS_BREAKER, (double)series_total(s, M_FAIL_BREAKER));
    run_set_scalar(res, S_REJ_LOCAL, (double)series_total(s, M_REJ_LOCAL));
    run_set_scalar(res, S_CALLS_UNFINISHED, (double)unfinished);
    /* work the server still held when the run ended (drain stops when no
     * call is left; requests of abandoned attempts may still be queued or
     * in service, and are in neither served nor served_wasted) */
    run_set_scalar(res, S_SERVER_UNFINISHED, (double)(w->busy + (int64_t)w->qlen));
    run_set_scalar(res, S_LAT_MEAN, have_lat ? stats_hist_mean(lat) / 1e9 : (double)NAN);
    run_set_scalar(res, S_LAT_P50, Q(0.5));
    run_set_scalar(res, S_LAT_P90, Q(0.9));
    run_set_scalar(res, S_LAT_P99, Q(0.99));
    run_set_scalar(res, S_LAT_P999, Q(0.999));
    run_set_scalar(res, S_LAT_MAX, have_lat ? simtime_to_sec(stats_hist_max(lat)) : (double)NAN);
#undef Q
    run_set_scalar(res, S_REJ_LIMITER, (double)series_total(s, M_REJ_LIMITER));
    run_set_scalar(res, S_REJ_QUEUE, (double)series_total(s, M_REJ_QUEUE));
    run_set_scalar(res, S_SHED, (double)series_total(s, M_SHED));
    run_set_scalar(res, S_BLOCKING, arrivals > 0 ? (double)series_total(s, M_REJ_QUEUE) / arrivals : (double)NAN);
    run_set_scalar(res, S_SERVED, (double)w->served_total);
    run_set_scalar(res, S_SERVED_WASTED, (double)w->served_wasted);
    run_set_scalar(res, S_WASTED_FRACTION,
               w->served_total > 0 ? (double)w->served_wasted / (double)w->served_total : (double)NAN);
    run_set_scalar(res, S_ORPHAN_ATTEMPTS, (double)series_total(s, M_ORPHAN_ATTEMPTS));
    run_set_scalar(res, S_RECOVERY, recovery_time(c, s));
    run_set_scalar(res, S_BUSY_FRACTION, hz->taken ? hz->busy : (double)NAN);
    run_set_scalar(res, S_MEAN_ORBIT, hz->taken ? hz->mean_orbit : (double)NAN);
    run_set_scalar(res, S_P_EMPTY, hz->taken ? hz->p_empty : (double)NAN);
    run_set_scalar(res, S_MEAN_QUEUE, hz->taken ? hz->mean_queue : (double)NAN);
    run_set_scalar(res, S_EVENTS, (double)res->events);
    if (w->nlayers > 1) {
        /* per tier: attempts sent to it, and per caller's call (the product
         * of the attempts above it when every attempt fails); metrics.h
         * declares each tier's four scalars consecutively */
        for (int i = 0; i < w->nlayers; i++) {
            int base = S_ATTEMPTS_TIER0 + TIER_STRIDE * i;
            double a = (double)w->tier_attempts[i];
            run_set_scalar(res, base, a);
            run_set_scalar(res, base + 1, calls > 0 ? a / calls : (double)NAN);
            if (i + 1 < w->nlayers) {
                run_set_scalar(res, base + 2, (double)w->tier_rejected[i]);
                run_set_scalar(res, base + 3, (double)w->tier_wasted[i]);
            }
        }
        run_set_scalar(res, S_AMP_BOTTOM,
                   calls > 0 ? (double)w->tier_attempts[w->nlayers - 1] / calls : (double)NAN);
    }
}

static int setup(world_t *w, const run_cfg_t *c, run_result_t *res)
{
    char err[256];
    if (rng_set_init(&res->rng, c->run.generator, c->run.seed, c->run.replication, err, sizeof err) < 0) {
        snprintf(w->err, sizeof w->err, "%s", err);
        return -1;
    }
    if (open_streams(w, res) < 0)
        return -1;
    int kinds[M_COUNT];
    for (int i = 0; i < M_COUNT; i++)
        kinds[i] = metrics_series[i].kind;
    if (stats_series_init(&res->series, M_COUNT, kinds, c->run.bucket, c->run.duration + c->run.drain) < 0) {
        snprintf(w->err, sizeof w->err, "cannot allocate the series");
        return -1;
    }
    res->hists[0].name = "latency";
    res->hists[0].unit = "ns";
    res->hists[1].name = "attempts_per_call";
    res->hists[1].unit = "attempts";
    for (int i = 0; i < 2; i++)
        if (stats_hist_init(&res->hists[i].h, 7) < 0) {
            snprintf(w->err, sizeof w->err, "cannot allocate a histogram");
            return -1;
        }
    res->nhists = 2;
    w->h_latency = &res->hists[0].h;
    w->h_attempts = &res->hists[1].h;
    if (eng_init(&w->eng, 1024, c->run.max_events) < 0) {
        snprintf(w->err, sizeof w->err, "cannot allocate the engine");
        return -1;
    }
    if (protect_init(&w->prot, &c->protect, c->arrivals.clients > 0 ? (uint32_t)c->arrivals.clients : 1, w->err,
                     sizeof w->err) < 0)
        return -1;
    w->prot_on = protect_any(&c->protect);
    w->prot_breaker = c->protect.breaker.enabled;
    layers_setup(w);
    if (server_setup(w) < 0)
        return -1;
    int rc = arrivals_setup(w);
    if (rc < 0)
        return rc;
    if (gmp_attach(w) < 0)
        return -1;
    if (idem_attach(w) < 0 || conn_attach(w) < 0)
        return -1;
    eng_at(&w->eng, 0, on_bucket, w, 0);
    if (c->run.warmup > 0)
        eng_at(&w->eng, c->run.warmup, on_warmup_end, w, 0);
    return 0;
}

int run_execute(const run_cfg_t *c, run_result_t *res)
{
    memset(res, 0, sizeof *res);
    for (int i = 0; i < S_COUNT; i++)
        res->scalar[i] = NAN;
    world_t w;
    memset(&w, 0, sizeof w);
    w.cfg = c;
    w.res = res;
    w.end_arrivals = c->run.duration;
    horizon_t hz = {0};
    horizon_ctx_t hc = {&w, &hz};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = setup(&w, c, res);
    if (rc == 0) {
        eng_at(&w.eng, c->run.duration, on_horizon, &hc, 0);
        eng_status_t st = eng_run(&w.eng, c->run.duration + c->run.drain);
        if (w.failed) {
            rc = -1;
        } else if (st == ENG_BUDGET || st == ENG_ERROR) {
            snprintf(w.err, sizeof w.err, "%s", eng_error(&w.eng));
            rc = -1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->events = eng_events(&w.eng);
    res->peak_active = w.peak_active;
    res->pool_bytes = (size_t)w.ncalls_cap * sizeof(call_t) + (size_t)w.nreqs_cap * sizeof(req_t) +
                      (size_t)w.qcap * sizeof(uint32_t) + eng_memory(&w.eng);
    res->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc == 0 || (rc == -1 && res->nhists >= 2)) {
        summarise(&w, res, &hz, w.n_active);
        gmp_summarise(&w);
        idem_summarise(&w);
        conn_summarise(&w);
        res->has_scalars = 1;
    }
    if (rc < 0) {
        res->failed = 1;
        snprintf(res->message, sizeof res->message, "%s", w.err);
    }
    arrivals_free(&w);
    server_free(&w);
    protect_free(&w.prot);
    gmp_detach(&w);
    idem_detach(&w);
    conn_detach(&w);
    eng_free(&w.eng);
    free(w.calls);
    free(w.reqs);
    return rc;
}

void run_result_free(run_result_t *res)
{
    stats_series_free(&res->series);
    for (int i = 0; i < res->nhists; i++)
        stats_hist_free(&res->hists[i].h);
    rng_set_free(&res->rng);
    res->nhists = 0;
}
