/*
 * protect_hooks: what the four client-side protection models (quota.c,
 * budget.c, throttle.c, breaker.c) share: each runs its own instance of
 * the pure state machines of protect.c, with only its own kind on, behind
 * the same hooks. A model passes its configuration as the one part of a
 * protect_cfg_t it owns; the instance is the model's state.
 */
#ifndef RETRYSIM_PROTECT_HOOKS_H
#define RETRYSIM_PROTECT_HOOKS_H

#include "protect.h"
#include "world.h"

/* Which part of protect_cfg_t a model owns. */
typedef enum { PROTECT_PART_QUOTA, PROTECT_PART_BUDGET, PROTECT_PART_THROTTLE, PROTECT_PART_BREAKER } protect_part_t;

/* The names of protect_scope_t, for the models' scope keys. */
extern const key_name_t protect_scope_names[];

/* A protect_cfg_t with only `part` set from cfg (the others off). */
protect_cfg_t protect_only(protect_part_t part, const void *cfg);

/* Bytes of per-client state above which a configuration is refused. */
#define PROTECT_MEMORY_MAX ((size_t)1 << 30)
/* A model's check of its per-client memory; blames "SECTION.scope". */
int protect_check_memory(const protect_cfg_t *only, const run_cfg_t *run, const char *scope_key, const char **key,
                         char *err, size_t errlen);
/* The window of a sliding-window protection must be whole seconds. */
int protect_check_window(simtime_t window, const char *window_key, const char **key, char *err, size_t errlen);

/* Hooks, for the models' descriptors; `info` is the model's own. */
int protect_hook_attach(world_t *w, void **state, const model_info_t *info, protect_part_t part);
void protect_hook_detach(world_t *w, void *state);
int protect_hook_call_start(world_t *w, void *state, uint32_t call);
void protect_hook_attempt_end(world_t *w, void *state, uint32_t call, outcome_t o, unsigned flags);
int protect_hook_may_retry(world_t *w, void *state, uint32_t call, outcome_t o);
void protect_hook_retry_granted(world_t *w, void *state, uint32_t call, outcome_t o);
int protect_hook_before_send(world_t *w, void *state, uint32_t call);
void protect_hook_send_cancelled(world_t *w, void *state, uint32_t call);
/* The instance (for a model's own inspection, e.g. the breaker's state). */
const protect_t *protect_hook_instance(const void *state);
/* The model's first scalar = the total of its first series column. */
void protect_hook_summarise(world_t *w, void *state, run_result_t *res);

#endif
