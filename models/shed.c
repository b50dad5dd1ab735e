/*
 * shed: CoDel and in-flight load shedding, [shed], as a model of the
 * server's admission (model.h server_admit, server_dequeue). The rules
 * and their sources are in shed.h. Times in ns.
 */
#include "shed.h"

#include <stdlib.h>
#include <stdio.h>

#include "world.h"

void shed_init(shed_state_t *s)
{
    s->first_above = -1;
}

void shed_observe(shed_state_t *s, const shed_cfg_t *c, simtime_t now, simtime_t sojourn, uint32_t qlen_after)
{
    if (sojourn < c->target || qlen_after == 0) {
        s->first_above = -1; /* a good sojourn, or the queue emptied */
        return;
    }
    if (s->first_above < 0)
        s->first_above = now + c->interval;
}

int shed_codel_overloaded(const shed_state_t *s, const shed_cfg_t *c, simtime_t now)
{
    return c->kind == SHED_CODEL && s->first_above >= 0 && now >= s->first_above;
}

int shed_admit(const shed_state_t *s, const shed_cfg_t *c, simtime_t now, int must_wait, int64_t inflight)
{
    switch (c->kind) {
    case SHED_CODEL: return !(must_wait && shed_codel_overloaded(s, c, now));
    case SHED_INFLIGHT: return inflight < c->max_inflight;
    case SHED_NONE: break;
    }
    return 1;
}


/* ---- the model ---- */

static model_info_t info;

static const key_name_t shed_kinds[] = {
    {"none", SHED_NONE}, {"codel", SHED_CODEL}, {"inflight", SHED_INFLIGHT}, {NULL, 0}};

static const key_row_t keys[] = {
    {"kind", KEY_ENUM, KEY_AT(shed_cfg_t, kind), "", "none", KEY_ANY, shed_kinds,
     "load shedding (503): codel sheds an arrival that must wait while the minimum sojourn over interval "
     "exceeds target; inflight when max_inflight requests are in service or waiting"},
    {"target", KEY_DURATION, KEY_AT(shed_cfg_t, target), "", "5ms", KEY_GT(0), NULL,
     "codel: acceptable standing queue delay"},
    {"interval", KEY_DURATION, KEY_AT(shed_cfg_t, interval), "", "100ms", KEY_GT(0), NULL,
     "codel: window over which the minimum sojourn must exceed target"},
    {"max_inflight", KEY_INT, KEY_AT(shed_cfg_t, max_inflight), "requests", "100", KEY_IN(1, 1000000000), NULL,
     "inflight: requests in service plus waiting at which arrivals are shed"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

static const metrics_def_t series[] = {
    {"shed", STATS_SUM, "requests", "rejected (503) by load shedding ([shed]: CoDel or the in-flight limit)",
     METRIC_SERVER_LOST},
};
static const metrics_scalar_t scalars[] = {
    {"shed", "requests", "requests rejected by load shedding"},
};

typedef struct {
    shed_state_t s;
    const shed_cfg_t *c;
} shed_model_t;

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const shed_cfg_t *)cfg)->kind != SHED_NONE;
}

static int attach(world_t *w, void **state)
{
    shed_model_t *m = malloc(sizeof *m);
    if (!m) {
        snprintf(w->err, sizeof w->err, "out of memory for load shedding");
        return -1;
    }
    shed_init(&m->s);
    m->c = world_cfg(w, &info);
    *state = m;
    return 0;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    free(state);
}

static int server_admit(world_t *w, void *state, uint32_t req, int must_wait, int64_t inflight)
{
    (void)req;
    shed_model_t *m = state;
    return shed_admit(&m->s, m->c, eng_now(&w->eng), must_wait, inflight) ? MODEL_PASS : info.series0;
}

static void server_dequeue(world_t *w, void *state, simtime_t sojourn, uint32_t qlen_after)
{
    shed_model_t *m = state;
    shed_observe(&m->s, m->c, eng_now(&w->eng), sojourn, qlen_after);
}

static void summarise(world_t *w, void *state, run_result_t *res)
{
    (void)state;
    run_set_scalar(res, info.scalar0, (double)world_series_total(w, info.series0));
}

const model_desc_t model_shed = {
    .name = "shed",
    .help = "server load shedding: CoDel or an in-flight limit",
    .info = &info,
    .section = "shed",
    .keys = keys,
    .cfg_size = sizeof(shed_cfg_t),
    .enabled = enabled,
    .series = series,
    .nseries = 1,
    .scalars = scalars,
    .nscalars = 1,
    .attach = attach,
    .detach = detach,
    .summarise = summarise,
    .server_admit = server_admit,
    .server_dequeue = server_dequeue,
};
