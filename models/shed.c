/*
 * shed: CoDel and in-flight load shedding, and the load-aware Retry-After.
 * The rules and their sources are in shed.h. Times in ns.
 */
#include "shed.h"

void shed_defaults(shed_cfg_t *c)
{
    c->kind = SHED_NONE;
    c->target = 5 * SIMTIME_MS;
    c->interval = 100 * SIMTIME_MS;
    c->max_inflight = 100;
    c->queue_order = SHED_ORDER_FIFO;
    c->ra_mode = SHED_RA_CONSTANT;
    c->retry_after = 0;
    c->retry_after_cap = 10 * SIMTIME_S;
}

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

simtime_t shed_retry_after(const shed_cfg_t *c, uint32_t qlen, double mean_service_ns, int workers)
{
    if (c->ra_mode == SHED_RA_CONSTANT)
        return c->retry_after > 0 ? c->retry_after : -1;
    double cap = c->retry_after_cap > 0 ? (double)c->retry_after_cap : 1e300;
    if (workers <= 0)
        return c->retry_after_cap > 0 ? c->retry_after_cap : -1; /* nobody serves: no estimate */
    double v = (double)(qlen > 0 ? qlen : 1) * mean_service_ns / (double)workers;
    if (v > cap)
        v = cap;
    return (simtime_t)(v + 0.5);
}
