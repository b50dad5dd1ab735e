/*
 * fuzz_run: libFuzzer harness of a whole simulation run (models/run.h).
 * Bytes -> cfg_doc_load_string -> cfg_apply -> run_execute. The work of one
 * input is bounded by shrinking the configuration before the run (fz_bound):
 * an event budget of 200000, at most 5 s of arrivals and 5 s of drain, at
 * most 1000 series buckets, arrival rates, spikes, client populations,
 * workers and goroutines capped; everything else is as the input says. A
 * configuration that run_validate then refuses is skipped. A failed run
 * (its budget, for example) is fine; a crash, undefined behaviour, or a
 * result that breaks the metrics' definitions (calls_ok <= calls, rates in
 * [0, 1], no infinite scalar) is a bug.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "fuzz_util.h"
#include "gmp.h"
#include "layers.h"
#include "metrics.h"
#include "model.h"
#include "run.h"

#define FZ_MAX_INPUT 8192
#define FZ_MAX_EVENTS 200000
#define FZ_MAX_TIME (5 * SIMTIME_S)
#define FZ_MAX_BUCKETS 1000
#define FZ_MAX_RATE 2000.0
#define FZ_MAX_COUNT 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cap_int(int *x, int hi)
{
    if (*x > hi)
        *x = hi;
}

/* Shrink c so that the run takes milliseconds. 0, or -1 to skip it. */
static int fz_bound(run_cfg_t *c)
{
    run_params_t *r = &c->run;
    if (c->arrivals.kind == ARR_TRACE)
        return -1; /* files are fuzz_trace's */
    r->max_events = FZ_MAX_EVENTS;
    if (r->duration > FZ_MAX_TIME)
        r->duration = FZ_MAX_TIME;
    if (r->drain > FZ_MAX_TIME)
        r->drain = FZ_MAX_TIME;
    simtime_t min_bucket = (r->duration + r->drain) / FZ_MAX_BUCKETS + 1;
    if (r->bucket < min_bucket)
        r->bucket = min_bucket;
    if (r->bucket > r->duration)
        r->bucket = r->duration;
    if (r->recovery_hold < r->bucket)
        r->recovery_hold = r->bucket;
    arrivals_cfg_t *a = &c->arrivals;
    if (a->rate > FZ_MAX_RATE)
        a->rate = FZ_MAX_RATE;
    for (int i = 0; i < a->nsteps && i < ARRIVALS_MAX_STEPS; i++)
        if (a->steps[i].rate > FZ_MAX_RATE)
            a->steps[i].rate = FZ_MAX_RATE;
    if (a->spike_calls > 2000)
        a->spike_calls = 2000;
    cap_int(&a->clients, FZ_MAX_COUNT);
    cap_int(&c->server.workers, 4096);
    layers_cfg_t *l = model_cfg(c, "layers");
    for (int i = 0; i < LAYERS_MAX; i++)
        cap_int(&l->workers[i], 4096);
    gmp_cfg_t *g = model_cfg(c, "gmp");
    cap_int(&g->sleepers, FZ_MAX_COUNT);
    cap_int(&g->cpu_goroutines, FZ_MAX_COUNT);
    return 0;
}

static void check_result(const run_result_t *res)
{
    if (!res->has_scalars)
        fz_fail("a completed run has no scalars");
    for (int i = 0; i < res->nscalars; i++)
        if (isinf(res->scalar[i]))
            fz_fail("scalar %d is infinite", i);
    double calls = run_scalar(res, "calls"), ok = run_scalar(res, "calls_ok");
    if (!(calls >= 0) || !(ok >= 0) || ok > calls)
        fz_fail("calls = %g, calls_ok = %g", calls, ok);
    static const char *const ratios[] = {"success_rate", "blocking_fraction", "wasted_fraction", "busy_fraction",
                                         "p_empty"};
    for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
        double x = run_scalar(res, ratios[i]);
        if (!isnan(x) && !(x >= 0 && x <= 1 + 1e-9))
            fz_fail("%s = %g is outside [0, 1]", ratios[i], x);
    }
    if (!memchr(res->message, 0, sizeof res->message))
        fz_fail("the result's message is not NUL-terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    char *text = fz_strndup(data, size);
    char err[1024];
    cfg_doc_t d;
    run_cfg_t *c = malloc(sizeof *c);
    if (!c)
        abort();
    if (cfg_doc_load_string(&d, "fuzz.ini", text, err, sizeof err) == 0 && cfg_apply(&d, c, err, sizeof err) == 0 &&
        fz_bound(c) == 0) {
        const char *key = NULL;
        if (run_validate(c, &key, err, sizeof err) == 0) {
            run_result_t *res = malloc(sizeof *res);
            if (!res)
                abort();
            int rc = run_execute(c, res);
            if (rc == 0)
                check_result(res);
            else if (rc == -1)
                fz_check_err("run_execute", res->message, sizeof res->message);
            else
                fz_fail("run_execute returned %d", rc);
            run_result_free(res);
            free(res);
        }
    }
    cfg_doc_free(&d);
    free(c);
    free(text);
    return 0;
}
