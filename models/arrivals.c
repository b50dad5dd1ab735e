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

/* now + dt (ns, double), or SIMTIME_NEVER when that is beyond the clock
 * (a rate so low that the next call would come after 292 years). */
static simtime_t later(simtime_t now, double dt)
{
    /* the margin: doubles are 1024 ns apart near the end of the clock */
    if (!(dt < (double)(SIMTIME_NEVER - now) - 2048.0))
        return SIMTIME_NEVER;
    return now + (dt < 1 ? 1 : (simtime_t)dt); /* at least 1 ns: keeps time moving */
}

/* The next arrival after now at `rate` calls/s. */
static simtime_t after_gap(world_t *w, simtime_t now, double rate, int poisson)
{
    double mean_ns = 1e9 / rate;
    return later(now, poisson ? dist_exponential(w->r_arrivals, mean_ns, 0.0) : mean_ns);
}

/* Time of the next open-loop arrival after now, or SIMTIME_NEVER. */
static simtime_t next_time(world_t *w, simtime_t now)
{
    const arrivals_cfg_t *a = &w->cfg->arrivals;
    switch (a->kind) {
    case ARR_POISSON: return after_gap(w, now, a->rate, 1);
    case ARR_CONSTANT: return after_gap(w, now, a->rate, 0);
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
            simtime_t n = after_gap(w, t, r, a->schedule_poisson);
            if (n < end)
                return n;
            if (end == SIMTIME_NEVER)
                return SIMTIME_NEVER;
            t = end; /* crossed into the next step: restart there */
        }
    }
    case ARR_SPIKE: {
        if (w->arr.spike_done >= a->spike_calls)
            return SIMTIME_NEVER;
        /* spread evenly over the window: ns after spike_at; past the end of
         * the clock (a window of centuries) the call never comes */
        double off = (double)a->spike_window * (double)w->arr.spike_done / (double)a->spike_calls;
        if (!(off < (double)(SIMTIME_NEVER - a->spike_at) - 2048.0))
            return SIMTIME_NEVER;
        return a->spike_at + (simtime_t)off;
    }
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

/* Trace file: one call per line, "seconds [client]"; blanks are spaces,
 * tabs and CRs (so CRLF files read as LF ones); the client id follows
 * blanks or a comma; '#' starts a comment; blank lines are skipped. Times
 * are decimal seconds (no sign, hex, inf or nan) in [0, 9e9], not
 * decreasing; a line holds at most TRACE_LINE_MAX characters and no NUL.
 * Errors name the file and line. */
#define TRACE_LINE_MAX 4096 /* characters per line, the newline excluded */

/* One line into buf without its end of line (\n, \r\n): 1, or 0 at the end
 * of the file, or -1 with a message for a NUL byte or an overlong line (so
 * a binary file or /dev/zero is refused, not read for ever). */
static int read_line(FILE *f, char *buf, const char *path, int lineno, char *err, size_t errlen)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (c == 0) {
            snprintf(err, errlen, "%s:%d: a NUL byte: not a text file of call times", path, lineno);
            return -1;
        }
        if (n == TRACE_LINE_MAX) {
            snprintf(err, errlen, "%s:%d: line longer than %d characters", path, lineno, TRACE_LINE_MAX);
            return -1;
        }
        buf[n++] = (char)c;
    }
    if (c == EOF && n == 0)
        return 0;
    buf[n] = 0;
    return 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* A decimal number of seconds: digits, an optional fraction and exponent
 * (what strtod reads, minus hex, inf and nan). Returns its end, or NULL. */
static const char *decimal(const char *p)
{
    const char *q = p;
    int digits = 0;
    while (*q >= '0' && *q <= '9')
        q++, digits++;
    if (*q == '.')
        for (q++; *q >= '0' && *q <= '9'; q++)
            digits++;
    if (!digits)
        return NULL;
    if (*q == 'e' || *q == 'E') {
        const char *e = q + 1;
        if (*e == '+' || *e == '-')
            e++;
        if (*e < '0' || *e > '9')
            return q;
        while (*e >= '0' && *e <= '9')
            e++;
        q = e;
    }
    return q;
}

static int load_trace(arrivals_state_t *st, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open trace file: %s", path, strerror(errno));
        return -1;
    }
    char *line = malloc(TRACE_LINE_MAX + 1);
    size_t cap = 0;
    int lineno = 0, rc = 0, got;
    simtime_t last = 0;
    if (!line) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    while ((got = read_line(f, line, path, lineno + 1, err, errlen)) > 0) {
        lineno++;
        char *p = line;
        while (is_blank(*p))
            p++;
        if (*p == '#' || *p == 0)
            continue;
        const char *num_end = decimal(p);
        char *end;
        double sec = num_end ? strtod(p, &end) : -1;
        long cl = 0;
        if (!num_end || end != num_end || !(sec >= 0) || sec > 9e9) {
            snprintf(err, errlen, "%s:%d: expected a time in seconds >= 0 (decimal, at most 9e9)", path, lineno);
            rc = -1;
            break;
        }
        p = end;
        while (is_blank(*p) || *p == ',')
            p++;
        if (*p && *p != '#') {
            errno = 0;
            cl = (*p >= '0' && *p <= '9') ? strtol(p, &end, 10) : -1;
            while (cl >= 0 && is_blank(*end))
                end++;
            if (cl < 0 || errno || cl > UINT32_MAX || (*end && *end != '#')) {
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
    if (got < 0)
        rc = -1;
    free(line);
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

