/*
 * exec: what `retrysim run` and `retrysim sweep` share: a configuration
 * document resolved and checked, its identity, and the description of its
 * sweep for the recorder; and `retrysim run` itself (one run, simulated
 * and recorded in-process).
 */
#ifndef RETRYSIM_EXEC_H
#define RETRYSIM_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "rec.h"
#include "run.h"
#include "sweep.h"

#define RETRYSIM_VERSION "0.4.0"

enum { EXEC_OK = 0, EXEC_RUN_FAILED = 1, EXEC_BAD_INPUT = 2 };

/* Resolve a document into a configuration; db (may be NULL) overrides
 * [output] db. Returns EXEC_OK or EXEC_BAD_INPUT with a message. */
int exec_resolve(const cfg_doc_t *doc, const char *db, run_cfg_t *cfg, char *err, size_t errlen);

/* `retrysim run`: simulate cfg and record it as a sweep of one run (sweep
 * run number NULL). Returns EXEC_OK, EXEC_RUN_FAILED (recorded as failed,
 * or the database refused it) or EXEC_BAD_INPUT (nothing written); err
 * says why. res is filled and must be freed with run_result_free. */
int exec_run(const cfg_doc_t *doc, const run_cfg_t *cfg, run_result_t *res, int64_t *run_id, int quiet, char *err,
             size_t errlen);

/* The directory that will hold the database must exist. */
int exec_check_db_dir(const char *db, char *err, size_t errlen);

/* The identity of a sweep (or of a `retrysim run`), as 16 hex digits:
 * FNV-1a over every entry (section, key, value) of the document and of
 * extra (a section a command took out of it, or NULL), then over the
 * content of every input file its runs read (the trace files, at every
 * point of plan; plan may be NULL for a document without ${...}). An edited
 * experiment, or an edited trace, is a new sweep, not a resumed one. */
void exec_identity(const cfg_doc_t *doc, const cfg_doc_t *extra, const sweep_plan_t *plan, char out[17]);

/* The document's command-line entries as "section.key = value" lines, or
 * NULL if none (malloc'ed). */
char *exec_doc_overrides(const cfg_doc_t *doc);

/* A resolved configuration's parameters, for rec_sweep_t.describe: params
 * keeps the last ones formatted (freed by the next call or exec_params_free). */
typedef struct {
    rec_param_t *p;
    int n;
} exec_params_t;

int exec_params(exec_params_t *ps, const run_cfg_t *cfg, char *err, size_t errlen);
void exec_params_free(exec_params_t *ps);

#endif
