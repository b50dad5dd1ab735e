/*
 * run_util: helpers shared by the whole-run tests (include after cmocka.h).
 */
#ifndef RETRYSIM_TESTS_RUN_UTIL_H
#define RETRYSIM_TESTS_RUN_UTIL_H

#include "cfg.h"
#include "conn.h"
#include "gmp.h"
#include "idem.h"
#include "layers.h"
#include "model.h"
#include "protect.h"
#include "run.h"
#include "shed.h"

/* The run an empty experiment file describes: every key at its default. */
static inline run_cfg_t test_defaults(void)
{
    run_cfg_t c = {0}; /* fail_msg does not return, but the compiler cannot know */
    char err[256];
    if (cfg_defaults(&c, err, sizeof err) < 0)
        fail_msg("defaults: %s", err);
    return c;
}

/* A model's configuration inside a run's (model_cfg, typed). */
#define QUOTA_CFG(c) ((protect_quota_cfg_t *)model_cfg((c), "quota"))
#define BUDGET_CFG(c) ((protect_budget_cfg_t *)model_cfg((c), "budget"))
#define THROTTLE_CFG(c) ((protect_throttle_cfg_t *)model_cfg((c), "throttle"))
#define BREAKER_CFG(c) ((protect_breaker_cfg_t *)model_cfg((c), "breaker"))
#define GMP_CFG(c) ((gmp_cfg_t *)model_cfg((c), "gmp"))
#define IDEM_CFG(c) ((idem_cfg_t *)model_cfg((c), "idem"))
#define CONN_CFG(c) ((conn_cfg_t *)model_cfg((c), "conn"))
#define LAYERS_CFG(c) ((layers_cfg_t *)model_cfg((c), "layers"))
#define SHED_CFG(c) ((shed_cfg_t *)model_cfg((c), "shed"))
#define CONTENTION_ON(c) (*(int *)model_cfg((c), "contention")) /* [server] contention */

/* The four protections' configurations as one protect_cfg_t (protect.c's
 * pure state machines take them together). */
static inline protect_cfg_t protect_cfg_of(run_cfg_t *c)
{
    protect_cfg_t p = {*QUOTA_CFG(c), *BUDGET_CFG(c), *THROTTLE_CFG(c), *BREAKER_CFG(c)};
    return p;
}

/* Run c; a failed run fails the test with its message. */
static inline run_result_t run_ok(const run_cfg_t *c)
{
    run_result_t res;
    if (run_execute(c, &res) != 0)
        fail_msg("run failed: %s", res.message);
    return res;
}

#endif
