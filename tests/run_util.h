/*
 * run_util: helpers shared by the whole-run tests (include after cmocka.h).
 */
#ifndef RETRYSIM_TESTS_RUN_UTIL_H
#define RETRYSIM_TESTS_RUN_UTIL_H

#include "run.h"

/* Run c; a failed run fails the test with its message. */
static inline run_result_t run_ok(const run_cfg_t *c)
{
    run_result_t res;
    if (run_execute(c, &res) != 0)
        fail_msg("run failed: %s", res.message);
    return res;
}

#endif
