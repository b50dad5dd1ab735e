/*
 * model: how an optional model plugs into a run. Each optional model (a
 * protection, load shedding, the Go runtime, idempotency, connections,
 * layers, contention, ...) is one file exporting one descriptor: its
 * configuration rows (section, keys, defaults and ranges, stated once), its
 * series and scalars (name, unit, meaning), the bytes of per-call and
 * per-request state it needs, and hooks at the points the core already has.
 * models/models.def lists the descriptors: adding a model is its file and
 * one line there.
 *
 * The shape follows ROSS's LP types (tw_lptype: init, event, commit and
 * final handlers plus the state size; Carothers et al., "ROSS: A
 * high-performance, low-memory, modular Time Warp system", JPDC 2002) and
 * Redis's config table (standardConfig in src/config.c: one row holds a
 * name, its default and its bounds).
 *
 * A model that is off in a run (enabled() false) is never attached and
 * none of its hooks is called: it costs nothing per event. The core calls
 * the hooks of the models that are on, in the order of models.def.
 */
#ifndef RETRYSIM_MODEL_H
#define RETRYSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "simtime.h"

/* ---- configuration rows ------------------------------------------------ */

typedef enum {
    KEY_DURATION,  /* simtime_t ns, simtime_parse syntax */
    KEY_DOUBLE,    /* double, strtod on the whole text, finite */
    KEY_INT,       /* int or int64_t (by the field's size), strtoll base 10 */
    KEY_UINT,      /* uint32_t or uint64_t (by size), strtoull base 10, no sign */
    KEY_BOOL,      /* int 0/1: true/false, yes/no, on/off, 1/0 */
    KEY_ENUM,      /* an enum (int-sized) by name, names in key_row_t.names */
    KEY_STATUS,    /* an int HTTP status from a fixed list, in key_row_t.names */
    KEY_STRING,    /* char[size] */
    KEY_GENERATOR, /* char[size] holding a GSL generator name */
    KEY_DIST,      /* dist_t, dist_parse syntax */
    KEY_QUEUE,     /* int >= 0, or "unlimited" = SERVER_QUEUE_UNLIMITED */
    KEY_RETRY_ON,  /* unsigned bit set of POLICY_RETRY_BIT(outcome) */
    KEY_SCHEDULE,  /* the whole arrivals_cfg_t: nsteps + steps */
    KEY_OUTAGES,   /* the whole server_cfg_t: noutages + outages */
    /* comma-separated lists filling an array field one item per element;
     * the last item repeats to the end, so "3" sets every element */
    KEY_INT_LIST,      /* int[] */
    KEY_DURATION_LIST, /* simtime_t[] */
    KEY_BOOL_LIST      /* int[] of 0/1 */
} key_type_t;

/* Range flags: KEY_R_LO value >= lo (KEY_R_LOX: > lo), KEY_R_HI value <= hi
 * (KEY_R_HIX: < hi); KEY_F_NONEMPTY: a string must not be empty;
 * KEY_F_UNLIMITED: a KEY_INT (or each item of a KEY_INT_LIST) also takes
 * "unlimited", stored as the type's largest value (INT_MAX, INT64_MAX) and
 * written back as "unlimited"; the range applies to the numbers only. */
enum { KEY_R_LO = 1u, KEY_R_LOX = 2u, KEY_R_HI = 4u, KEY_R_HIX = 8u, KEY_F_NONEMPTY = 16u, KEY_F_UNLIMITED = 32u };

typedef struct {
    const char *name;
    int value;
} key_name_t;

/* One configuration key. off is relative to the structure the rows
 * describe: run_cfg_t for the core's rows, the model's own configuration
 * for a model's. */
typedef struct {
    const char *name;       /* the key, e.g. "window" */
    key_type_t type;
    size_t off, size;       /* where the value lives, and its size */
    const char *unit;       /* "" when the type says it all */
    const char *def;        /* the default as text (stated here only); NULL = zero */
    unsigned flags;         /* KEY_R_* and KEY_F_* */
    double lo, hi;          /* range; durations in ns */
    const key_name_t *names; /* KEY_ENUM, KEY_STATUS: NULL-terminated */
    const char *help;
} key_row_t;

#define KEY_AT(type, field) offsetof(type, field), sizeof(((type *)0)->field)
#define KEY_ANY 0u, 0.0, 0.0
#define KEY_GE(a) KEY_R_LO, (double)(a), 0.0
#define KEY_GT(a) (KEY_R_LO | KEY_R_LOX), (double)(a), 0.0
#define KEY_IN(a, b) (KEY_R_LO | KEY_R_HI), (double)(a), (double)(b)
#define KEY_OC(a, b) (KEY_R_LO | KEY_R_LOX | KEY_R_HI), (double)(a), (double)(b)
#define KEY_NONEMPTY KEY_F_NONEMPTY, 0.0, 0.0

/* ---- metrics ------------------------------------------------------------ */

/* What a series counter counts, for the core's summaries: a way for a call
 * to fail (recovery time counts these against the calls that succeeded),
 * or server work lost to overload (a rejection, wasted work). */
enum { METRIC_CALL_FAILURE = 1, METRIC_SERVER_LOST = 2 };

typedef struct {
    const char *name;  /* column name in the series table */
    int kind;          /* STATS_SUM or STATS_MAX */
    const char *unit;
    const char *help;
    unsigned flags;    /* METRIC_CALL_FAILURE, METRIC_SERVER_LOST */
} metrics_def_t;

typedef struct {
    const char *name;  /* column name in the scalars table */
    const char *unit;
    const char *help;
} metrics_scalar_t;

/* ---- hooks -------------------------------------------------------------- */

struct world;
struct run_cfg;
struct run_result;

/* What a hook before an attempt (before_send) or a retry (may_retry)
 * answers: MODEL_PASS, or the series id of the call failure that ends the
 * call (a model's own, from its series base). */
#define MODEL_PASS (-1)

/* What on_send answers when the model holds the request (a send-rate
 * limiter's wait for a token): the models after it are not called until
 * it sends the request on (client_send_held, world.h). */
#define MODEL_SEND_HELD SIMTIME_NEVER

/* Flags of attempt_end. */
enum {
    MODEL_RETRYABLE = 1, /* the outcome is in the policy's retry_on set */
    MODEL_ABANDONED = 2, /* abandoned at the caller's deadline, not answered */
    MODEL_COPY = 4       /* one copy of a hedged attempt ended; the attempt goes on */
};

typedef struct model_desc model_desc_t;

/* What the registry fills in for each model (ids it owns, where its
 * configuration lives); the model reads it. Where its per-call and
 * per-request state lives depends on which models a run has on: the world
 * holds that (world_call_ext). */
typedef struct {
    int index;           /* its place in models.def */
    size_t cfg_off;      /* its configuration's offset in run_cfg_t */
    int series0;         /* id of its first series column */
    int scalar0;         /* id of its first scalar */
} model_info_t;

struct model_desc {
    const char *name;            /* "breaker": also the name tools use */
    const char *help;            /* one line: what it models */
    model_info_t *info;          /* the model's own static, filled by the registry */

    /* configuration: a section of the experiment file */
    const char *section;         /* NULL: no keys */
    const key_row_t *keys;       /* ending with a row whose name is NULL */
    size_t cfg_size;             /* bytes of its configuration structure */
    /* on in this run? cfg is its own configuration */
    int (*enabled)(const void *cfg, const struct run_cfg *run);
    /* checks across keys, its own and others'; -1 with a message and the
     * "section.key" to blame */
    int (*validate)(const void *cfg, const struct run_cfg *run, const char **key, char *err, size_t errlen);

    /* metrics, appended to the core's */
    const metrics_def_t *series;
    int nseries;
    const metrics_scalar_t *scalars;
    int nscalars;

    /* state */
    size_t call_extra;           /* bytes per call (zeroed at call start) */
    size_t req_extra;            /* bytes per request (zeroed when the request is made) */

    /* hooks; NULL = not interested. state is what attach set. */
    int (*attach)(struct world *w, void **state);            /* -1: w->err says why */
    void (*detach)(struct world *w, void *state);
    void (*summarise)(struct world *w, void *state, struct run_result *res);
    void (*bucket)(struct world *w, void *state, simtime_t now); /* a series bucket starts */
    /* client side, for the callers' calls (not a tier's calls to the next) */
    int (*call_start)(struct world *w, void *state, uint32_t call);      /* -1: out of memory */
    int (*before_send)(struct world *w, void *state, uint32_t call);     /* MODEL_PASS or a failure */
    void (*send_cancelled)(struct world *w, void *state, uint32_t call); /* passed, but a later model refused */
    /* extra ns before the request leaves; < 0: reset; MODEL_SEND_HELD: the
     * model keeps it and sends it on later (client_send_held) */
    simtime_t (*on_send)(struct world *w, void *state, uint32_t call, uint32_t req);
    void (*attempt_end)(struct world *w, void *state, uint32_t call, outcome_t o, unsigned flags);
    void (*call_end)(struct world *w, void *state, uint32_t call);      /* the retry loop is over */
    int (*may_retry)(struct world *w, void *state, uint32_t call, outcome_t o); /* MODEL_PASS or a failure */
    void (*retry_granted)(struct world *w, void *state, uint32_t call, outcome_t o);
    int (*response)(struct world *w, void *state, uint32_t req);         /* 1: consumed (sent on) */
    /* server side */
    /* past the limiter: MODEL_PASS, or the series id to count when the
     * request is refused (503 with the server's Retry-After). must_wait: no
     * worker is free; inflight: requests in service and waiting. */
    int (*server_admit)(struct world *w, void *state, uint32_t req, int must_wait, int64_t inflight);
    /* a request left the waiting room after sojourn ns (0: served at once) */
    void (*server_dequeue)(struct world *w, void *state, simtime_t sojourn, uint32_t qlen_after);
    int (*server_begin)(struct world *w, void *state, uint32_t req);     /* 1: answered without work */
    void (*server_outcome)(struct world *w, void *state, uint32_t req, outcome_t *o); /* served: may change o */
    void (*server_end)(struct world *w, void *state, uint32_t req, outcome_t o);
};

/* ---- the registry ------------------------------------------------------- */

/* Fills every descriptor's info (once; later calls return at once). */
void model_registry_init(void);

int model_count(void);
const model_desc_t *model_at(int i);
const model_desc_t *model_find(const char *name); /* NULL if none */

/* A model's configuration inside a run's (or NULL if no such model). */
void *model_cfg(struct run_cfg *c, const char *name);
const void *model_cfg_const(const struct run_cfg *c, const char *name);
/* 1 if the model called name is on in c. */
int model_enabled(const struct run_cfg *c, const char *name);

/* Bytes of configuration all models take (run_cfg_t.ext must hold them). */
size_t model_cfg_bytes(void);

#endif
