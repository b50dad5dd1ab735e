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

static int blame(const char **key, const char *k, char *err, size_t errlen, const char *msg)
{
    if (key)
        *key = k;
    snprintf(err, errlen, "%s", msg);
    return -1;
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
    /* each model's own checks, on (its keys may be set while it is off) */
    for (int i = 0; i < model_count(); i++) {
        const model_desc_t *d = model_at(i);
        const void *mc = (const char *)c + d->info->cfg_off;
        if (d->validate && d->validate(mc, c, key, err, errlen) < 0)
            return -1;
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

void run_set_scalar(run_result_t *res, int id, double v)
{
    if (id >= 0 && id < res->nscalars)
        res->scalar[id] = v;
}

double run_scalar(const run_result_t *res, const char *name)
{
    int id = metrics_scalar_find(name);
    return id >= 0 && id < res->nscalars ? res->scalar[id] : (double)NAN;
}

int64_t world_series_total(const world_t *w, int id)
{
    const stats_series_t *s = &w->res->series;
    int64_t t = 0;
    for (int b = 0; b < stats_series_nbuckets(s); b++)
        t += stats_series_get(s, id, b);
    return t;
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
    stats_series_record(s, M_QUEUE, now, world_waiting(w));
    stats_series_record(s, M_BUSY, now, w->busy);
    for (int i = 0; i < w->non; i++)
        if (w->on[i].d->bucket)
            w->on[i].d->bucket(w, w->on[i].state, now);
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

/* The series columns with a flag (METRIC_CALL_FAILURE, METRIC_SERVER_LOST),
 * the core's and the models'; returns how many (at most max). */
static int flagged(unsigned flag, int *ids, int max)
{
    int n = 0;
    for (int i = 0; i < metrics_nseries() && n < max; i++)
        if (metrics_series_def(i)->flags & flag)
            ids[n++] = i;
    return n;
}

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
    int fails[64], lost_ids[64];
    int nfails = flagged(METRIC_CALL_FAILURE, fails, 64), nlost = flagged(METRIC_SERVER_LOST, lost_ids, 64);
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
        for (int i = 0; i < nfails; i++)
            bad += stats_series_get(s, fails[i], (int)b);
        int good = ok + bad > 0 ? (double)ok >= c->run.recovery_threshold * (double)(ok + bad)
                                : stats_series_get(s, M_CALLS, (int)b) == 0;
        /* The server's side too: calls whose retries are still pending end
         * (and fail) long after the bucket, so rejected and wasted work
         * there says the storm is not over. */
        int64_t arr = stats_series_get(s, M_ARRIVALS, (int)b);
        int64_t lost = 0;
        for (int i = 0; i < nlost; i++)
            lost += stats_series_get(s, lost_ids[i], (int)b);
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
    run_set_scalar(res, S_REJ_LOCAL, (double)series_total(s, M_REJ_LOCAL));
    run_set_scalar(res, S_CALLS_UNFINISHED, (double)unfinished);
    /* work the server still held when the run ended (drain stops when no
     * call is left; requests of abandoned attempts may still be queued or
     * in service, and are in neither served nor served_wasted) */
    run_set_scalar(res, S_SERVER_UNFINISHED, (double)(w->busy + (int64_t)world_waiting(w)));
    run_set_scalar(res, S_LAT_MEAN, have_lat ? stats_hist_mean(lat) / 1e9 : (double)NAN);
    run_set_scalar(res, S_LAT_P50, Q(0.5));
    run_set_scalar(res, S_LAT_P90, Q(0.9));
    run_set_scalar(res, S_LAT_P99, Q(0.99));
    run_set_scalar(res, S_LAT_P999, Q(0.999));
    run_set_scalar(res, S_LAT_MAX, have_lat ? simtime_to_sec(stats_hist_max(lat)) : (double)NAN);
#undef Q
    run_set_scalar(res, S_REJ_LIMITER, (double)series_total(s, M_REJ_LIMITER));
    run_set_scalar(res, S_REJ_QUEUE, (double)series_total(s, M_REJ_QUEUE));
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
}

/* The hops before any model changes them: the server alone, called with
 * [retry]. */
static void hops_init(world_t *w)
{
    w->nhops = 1;
    w->hop_arrive[0] = server_on_arrival;
    w->hop_policy[0] = &w->cfg->retry;
}

/* Each model that is on gets its extension slots after the core records
 * (and the slots of the models before it); an off model takes none. */
static int place_extensions(world_t *w)
{
    w->call_size = (sizeof(call_t) + 7) / 8 * 8;
    w->req_size = (sizeof(req_t) + 7) / 8 * 8;
    for (int i = 0; i < model_count(); i++) {
        const model_desc_t *d = model_at(i);
        if (d->info->index >= WORLD_MAX_MODELS) {
            snprintf(w->err, sizeof w->err, "more than %d models in models.def", WORLD_MAX_MODELS);
            return -1;
        }
        if (!d->enabled(world_cfg(w, d->info), w->cfg))
            continue;
        w->call_off[d->info->index] = w->call_size;
        w->call_size += (d->call_extra + 7) / 8 * 8;
        w->req_off[d->info->index] = w->req_size;
        w->req_size += (d->req_extra + 7) / 8 * 8;
    }
    return 0;
}

/* Attach the models that are on, in models.def order. */
static int attach_models(world_t *w)
{
    for (int i = 0; i < model_count(); i++) {
        const model_desc_t *d = model_at(i);
        if (!d->enabled(world_cfg(w, d->info), w->cfg))
            continue;
        void *state = NULL;
        if (d->attach && d->attach(w, &state) < 0)
            return -1;
        w->on[w->non].d = d;
        w->on[w->non].state = state;
        w->non++;
    }
    return 0;
}

static void detach_models(world_t *w)
{
    for (int i = w->non - 1; i >= 0; i--)
        if (w->on[i].d->detach)
            w->on[i].d->detach(w, w->on[i].state);
    w->non = 0;
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
    int nseries = metrics_nseries();
    int *kinds = malloc((size_t)nseries * sizeof *kinds);
    if (!kinds) {
        snprintf(w->err, sizeof w->err, "cannot allocate the series");
        return -1;
    }
    for (int i = 0; i < nseries; i++)
        kinds[i] = metrics_series_def(i)->kind;
    int bad = stats_series_init(&res->series, nseries, kinds, c->run.bucket, c->run.duration + c->run.drain) < 0;
    free(kinds);
    if (bad) {
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
    if (place_extensions(w) < 0 || server_setup(w) < 0)
        return -1;
    int rc = arrivals_setup(w);
    if (rc < 0)
        return rc;
    /* after the arrivals: a model's first events (the Go runtime's) come
     * after theirs at equal times */
    if (attach_models(w) < 0)
        return -1;
    eng_at(&w->eng, 0, on_bucket, w, 0);
    if (c->run.warmup > 0)
        eng_at(&w->eng, c->run.warmup, on_warmup_end, w, 0);
    return 0;
}

/* Run the engine to the horizon in slices of 1/100 of it, reporting
 * between slices. Slicing changes nothing simulated: no handler runs at a
 * slice's end, and the clock ends where one call would have left it. */
static eng_status_t run_sliced(world_t *w, simtime_t horizon, run_progress_fn progress, void *ctx)
{
    if (!progress)
        return eng_run(&w->eng, horizon);
    simtime_t step = horizon / 100 > 0 ? horizon / 100 : 1;
    for (simtime_t t = step;; t = t > horizon - step ? horizon : t + step) {
        eng_status_t st = eng_run(&w->eng, t < horizon ? t : horizon);
        if (st == ENG_EMPTY && t < horizon)
            return eng_run(&w->eng, horizon); /* the clock to the horizon, as one call leaves it */
        if (st != ENG_OK || t >= horizon)
            return st;
        progress(ctx, eng_now(&w->eng), horizon, eng_events(&w->eng));
    }
}

int run_execute(const run_cfg_t *c, run_result_t *res)
{
    return run_execute_progress(c, res, NULL, NULL);
}

int run_execute_progress(const run_cfg_t *c, run_result_t *res, run_progress_fn progress, void *ctx)
{
    memset(res, 0, sizeof *res);
    model_registry_init();
    world_t w;
    memset(&w, 0, sizeof w);
    w.cfg = c;
    w.res = res;
    w.end_arrivals = c->run.duration;
    hops_init(&w);
    res->nscalars = metrics_nscalars();
    res->scalar = malloc((size_t)res->nscalars * sizeof *res->scalar);
    if (!res->scalar) {
        res->nscalars = 0;
        res->failed = 1;
        snprintf(res->message, sizeof res->message, "out of memory for the scalars");
        return -1;
    }
    for (int i = 0; i < res->nscalars; i++)
        res->scalar[i] = NAN;
    horizon_t hz = {0};
    horizon_ctx_t hc = {&w, &hz};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = setup(&w, c, res);
    if (rc == 0) {
        eng_at(&w.eng, c->run.duration, on_horizon, &hc, 0);
        eng_status_t st = run_sliced(&w, c->run.duration + c->run.drain, progress, ctx);
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
    res->pool_bytes = (size_t)w.ncalls_cap * w.call_size + (size_t)w.nreqs_cap * w.req_size +
                      (size_t)w.qcap * sizeof(uint32_t) + eng_memory(&w.eng);
    res->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc == 0 || (rc == -1 && res->nhists >= 2)) {
        summarise(&w, res, &hz, w.n_active);
        for (int i = 0; i < w.non; i++)
            if (w.on[i].d->summarise)
                w.on[i].d->summarise(&w, w.on[i].state, res);
        res->has_scalars = 1;
    }
    if (rc < 0) {
        res->failed = 1;
        snprintf(res->message, sizeof res->message, "%s", w.err);
    }
    detach_models(&w);
    arrivals_free(&w);
    server_free(&w);
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
    free(res->scalar);
    res->scalar = NULL;
    res->nscalars = 0;
}
