/*
 * exec: resolve, run, record. Bad input is separated from run failures so
 * callers can exit 2 with nothing written, or 1 with the failure recorded.
 */
#include "exec.h"
#include "hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int exec_check_db_dir(const char *db, char *err, size_t errlen)
{
    char why[512];
    if (rec_check_dir(db, why, sizeof why) < 0) {
        snprintf(err, errlen, "results database %.400s: %s", db, why);
        return -1;
    }
    return 0;
}

int exec_resolve(const cfg_doc_t *doc, const char *db, run_cfg_t *cfg, char *err, size_t errlen)
{
    if (cfg_apply(doc, cfg, err, errlen) < 0)
        return EXEC_BAD_INPUT;
    if (db)
        snprintf(cfg->output.db, sizeof cfg->output.db, "%s", db);
    if (exec_check_db_dir(cfg->output.db, err, errlen) < 0)
        return EXEC_BAD_INPUT;
    /* the trace file is input too: a missing or malformed one is reported
     * here, before a sweep runs anything */
    if (cfg->arrivals.kind == ARR_TRACE && arrivals_trace_check(cfg->arrivals.trace_path, err, errlen) < 0)
        return EXEC_BAD_INPUT;
    return EXEC_OK;
}

int exec_run(const cfg_doc_t *doc, const run_cfg_t *cfg, const rec_sweep_t *sweep, run_result_t *res,
             int64_t *run_id, char *err, size_t errlen)
{
    rec_param_t *params = NULL;
    int nparams = 0;
    memset(res, 0, sizeof *res);
    if (cfg_params(cfg, &params, &nparams, err, errlen) < 0)
        return EXEC_BAD_INPUT;
    char started[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);

    int rc = EXEC_OK;
    int run_rc = run_execute(cfg, res);
    if (run_rc == RUN_BAD_INPUT) {
        snprintf(err, errlen, "%s", res->message);
        rc = EXEC_BAD_INPUT;
        goto out;
    }
    rec_run_t rr = {.experiment = cfg->output.experiment,
                    .config_text = doc->text,
                    .config_path = doc->path,
                    .params = params,
                    .nparams = nparams,
                    .version = RETRYSIM_VERSION,
                    .started = started,
                    .cfg = cfg,
                    .res = res,
                    .sweep = sweep};
    if (rec_write(cfg->output.db, &rr, run_id, err, errlen) < 0) {
        rc = EXEC_RUN_FAILED;
    } else if (run_rc < 0) {
        snprintf(err, errlen, "run failed: %s (recorded as run %" PRId64 ")", res->message, *run_id);
        rc = EXEC_RUN_FAILED;
    }
out:
    cfg_params_free(params, nparams);
    return rc;
}

void exec_doc_hash(const cfg_doc_t *doc, char out[17])
{
    static const unsigned char sep = 0xff; /* field separator: ("ab","c") != ("a","bc") */
    uint64_t h = HASH_FNV_OFFSET;
    for (int i = 0; i < doc->n; i++) {
        const char *parts[3] = {doc->entries[i].section, doc->entries[i].key, doc->entries[i].value};
        for (int k = 0; k < 3; k++) {
            if (parts[k])
                h = hash_fnv1a(h, parts[k], strlen(parts[k]));
            h = hash_fnv1a(h, &sep, 1);
        }
    }
    snprintf(out, 17, "%016" PRIx64, h);
}
