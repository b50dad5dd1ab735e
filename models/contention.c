/*
 * contention: optimistic concurrency on one row at the server ([server]
 * contention), the workload of Brooker's "Exponential Backoff And Jitter"
 * (AWS Architecture Blog, 2015; his simulator, aws-samples/
 * aws-arch-backoff-simulator, src/backoff_simulator.py). An attempt is a
 * read, which returns the row's version, then a conditional write carrying
 * it, within the same attempt and timeout: the write succeeds only if
 * nobody wrote since the read, else it is answered 409 (and retried by
 * the policy like any conflict). A request that failed for another reason
 * (an injected error) does not reach the row.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dist.h"
#include "world.h"

static model_info_t info;

typedef struct {
    int contention;            /* 1: read, then conditional write */
} contention_cfg_t;

static const key_row_t keys[] = {
    {"contention", KEY_BOOL, KEY_AT(contention_cfg_t, contention), "", "false", KEY_ANY, NULL,
     "optimistic concurrency on one row: read, then conditional write (409 on conflict)"},
    {NULL, 0, 0, 0, NULL, NULL, KEY_ANY, NULL, NULL}};

typedef struct {
    uint64_t version;          /* the row's version: writes so far */
} contention_t;

/* What a request carries: which phase, and the version its read saw. */
typedef struct {
    uint64_t version;
    uint8_t write_phase;       /* 0 read, 1 conditional write */
} contention_req_t;

static int enabled(const void *cfg, const run_cfg_t *run)
{
    (void)run;
    return ((const contention_cfg_t *)cfg)->contention;
}

static int attach(world_t *w, void **state)
{
    contention_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(w->err, sizeof w->err, "out of memory for the contended row");
        return -1;
    }
    *state = c;
    return 0;
}

static void detach(world_t *w, void *state)
{
    (void)w;
    free(state);
}

/* The read came back: send the conditional write in the same attempt. */
static int response(world_t *w, void *state, uint32_t ri)
{
    (void)state;
    req_t *r = world_req(w, ri);
    contention_req_t *x = world_req_ext(w, ri, &info);
    if (x->write_phase || r->outcome != OUT_OK)
        return 0;
    x->write_phase = 1;
    client_send_to_hop(w, ri, r->hop, dist_draw(&w->cfg->network.request, w->r_net_req));
    return 1;
}

static void server_outcome(world_t *w, void *state, uint32_t ri, outcome_t *o)
{
    contention_t *c = state;
    contention_req_t *x = world_req_ext(w, ri, &info);
    if (*o != OUT_OK)
        return;
    if (!x->write_phase) {
        x->version = c->version;
        return;
    }
    if (x->version != c->version) {
        *o = OUT_409;
        return;
    }
    c->version++;
}

const model_desc_t model_contention = {
    .name = "contention",
    .help = "optimistic concurrency on one row: read, then conditional write (Brooker 2015)",
    .info = &info,
    .section = "server",
    .keys = keys,
    .cfg_size = sizeof(contention_cfg_t),
    .enabled = enabled,
    .req_extra = sizeof(contention_req_t),
    .attach = attach,
    .detach = detach,
    .response = response,
    .server_outcome = server_outcome,
};
