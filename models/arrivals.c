/*
 * arrivals: the sources of logical calls. Open-loop sources keep exactly one
 * pending "next arrival" event, so the pending set stays small whatever the
 * rate. Poisson under a piecewise-constant schedule uses the memorylessness
 * of the exponential: a gap that crosses a step boundary is redrawn from
 * the boundary at the new rate. The closed loop has N clients, each making
 * one call at a time with a think time in between.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "dist.h"
#include "world.h"

static void on_arrival(eng_t *e, void *ctx, uint64_t arg);

/* Rate in force at t, and the end of its step (schedule only). */
static double step_rate(const arrivals_cfg_t *a, simtime_t t, simtime_t *step_end)
{
    int i = 0;
    while (i + 1 < a->nsteps && a->steps[i + 1].t <= t)
        i++;
    *step_end = i + 1 < a->nsteps ? a->steps[i + 1].t : SIMTIME_NEVER;
    return a->steps[i].rate;
}

static simtime_t gap(world_t *w, double rate, int poisson)
{
    double mean_ns = 1e9 / rate;
    double g = poisson ? gsl_ran_exponential(w->r_arrivals, mean_ns) : mean_ns;
    return g < 1 ? 1 : (simtime_t)g; /* at least 1 ns: keeps time moving */
}

/* Time of the next open-loop arrival after now, or SIMTIME_NEVER. */
static simtime_t next_time(world_t *w, simtime_t now)
{
    const arrivals_cfg_t *a = &w->cfg->arrivals;
    switch (a->kind) {
    case ARR_POISSON: return now + gap(w, a->rate, 1);
    case ARR_CONSTANT: return now + gap(w, a->rate, 0);
    case ARR_SCHEDULE: {
        simtime_t t = now;
        for (;;) {
            simtime_t end;
            double r = step_rate(a, t, &end);
            if (r <= 0) {
                if (end == SIMTIME_NEVER)
                    return SIMTIME_NEVER;
                t = end;
                continue;
            }
            simtime_t n = t + gap(w, r, a->schedule_poisson);
            if (n < end)
                return n;
            t = end; /* crossed into the next step: restart there */
        }
    }
    case ARR_SPIKE:
        if (w->arr.spike_done >= a->spike_calls)
            return SIMTIME_NEVER;
        return a->spike_at + (simtime_t)((double)a->spike_window * (double)w->arr.spike_done / (double)a->spike_calls);
    case ARR_TRACE: return w->arr.next < w->arr.n ? w->arr.times[w->arr.next] : SIMTIME_NEVER;
    case ARR_CLOSED: return SIMTIME_NEVER;
    }
    return SIMTIME_NEVER;
}

static void schedule_next(world_t *w, simtime_t now)
{
    simtime_t t = next_time(w, now);
    if (t < w->end_arrivals)
        eng_at(&w->eng, t, on_arrival, w, 0);
}

static void on_arrival(eng_t *e, void *ctx, uint64_t arg)
{
    (void)arg;
    world_t *w = ctx;
    const arrivals_cfg_t *a = &w->cfg->arrivals;
    uint32_t client;
    if (a->kind == ARR_TRACE) {
        client = w->arr.client[w->arr.next++];
    } else {
        client = (uint32_t)(w->arr.ncalls % (uint64_t)a->clients);
        if (a->kind == ARR_SPIKE)
            w->arr.spike_done++;
    }
    w->arr.ncalls++;
    client_start_call(w, client);
    schedule_next(w, eng_now(e));
}

static void on_think_done(eng_t *e, void *ctx, uint64_t client)
{
    world_t *w = ctx;
    if (eng_now(e) < w->end_arrivals)
        client_start_call(w, (uint32_t)client);
}

void arrivals_on_call_end(world_t *w, uint32_t client)
{
    if (w->cfg->arrivals.kind != ARR_CLOSED)
        return;
    eng_after(&w->eng, dist_draw(&w->cfg->arrivals.think, w->r_think), on_think_done, w, client);
}

/* Trace file: one call per line, "seconds [client]"; '#' starts a comment.
 * Errors name the file and line. */
static int load_trace(arrivals_state_t *st, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open trace file: %s", path, strerror(errno));
        return -1;
    }
    char line[256];
    size_t cap = 0;
    int lineno = 0, rc = 0;
    simtime_t last = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == 0)
            continue;
        char *end;
        double sec = strtod(p, &end);
        long cl = 0;
        if (end == p || !(sec >= 0) || sec > 9e9) {
            snprintf(err, errlen, "%s:%d: expected a time in seconds >= 0", path, lineno);
            rc = -1;
            break;
        }
        p = end;
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p && *p != '\n' && *p != '#') {
            cl = strtol(p, &end, 10);
            while (*end == ' ' || *end == '\t' || *end == '\r')
                end++;
            if (end == p || cl < 0 || cl > UINT32_MAX || (*end && *end != '\n' && *end != '#')) {
                snprintf(err, errlen, "%s:%d: expected an optional client id (integer >= 0) after the time", path, lineno);
                rc = -1;
                break;
            }
        }
        simtime_t t = simtime_from_sec(sec);
        if (t < last) {
            snprintf(err, errlen, "%s:%d: times must not decrease", path, lineno);
            rc = -1;
            break;
        }
        last = t;
        if (st->n == cap) {
            cap = cap ? cap * 2 : 1024;
            simtime_t *nt = realloc(st->times, cap * sizeof *nt);
            uint32_t *nc = nt ? realloc(st->client, cap * sizeof *nc) : NULL;
            if (nt)
                st->times = nt;
            if (!nc) {
                snprintf(err, errlen, "%s: out of memory", path);
                rc = -1;
                break;
            }
            st->client = nc;
        }
        st->times[st->n] = t;
        st->client[st->n++] = (uint32_t)cl;
    }
    fclose(f);
    return rc;
}

int arrivals_trace_check(const char *path, char *err, size_t errlen)
{
    arrivals_state_t st;
    memset(&st, 0, sizeof st);
    int rc = load_trace(&st, path, err, errlen);
    free(st.times);
    free(st.client);
    return rc;
}

int arrivals_setup(world_t *w)
{
    const arrivals_cfg_t *a = &w->cfg->arrivals;
    memset(&w->arr, 0, sizeof w->arr);
    if (a->kind == ARR_TRACE && load_trace(&w->arr, a->trace_path, w->err, sizeof w->err) < 0)
        return RUN_BAD_INPUT; /* the trace file is input: the user's to fix */
    if (a->kind == ARR_CLOSED) {
        /* Each client starts after one think time, so they are not in step. */
        for (int c = 0; c < a->clients; c++)
            eng_after(&w->eng, dist_draw(&a->think, w->r_think), on_think_done, w, (uint64_t)c);
        return 0;
    }
    /* A constant rate starts at t = 0, so a run sees exactly rate x duration
     * calls; a Poisson process's first arrival is one gap after 0; spikes
     * and traces start at their own times. */
    if (a->kind == ARR_CONSTANT && w->end_arrivals > 0)
        eng_at(&w->eng, 0, on_arrival, w, 0);
    else
        schedule_next(w, 0);
    return 0;
}

void arrivals_free(world_t *w)
{
    free(w->arr.times);
    free(w->arr.client);
    memset(&w->arr, 0, sizeof w->arr);
}

