/*
 * exec: one run from a configuration document to a recorded result; shared
 * by `retrysim run` and the workers of `retrysim sweep`.
 */
#ifndef RETRYSIM_EXEC_H
#define RETRYSIM_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "rec.h"
#include "run.h"

#define RETRYSIM_VERSION "0.3.0"

enum { EXEC_OK = 0, EXEC_RUN_FAILED = 1, EXEC_BAD_INPUT = 2 };

/* Resolve a document into a configuration; db (may be NULL) overrides
 * [output] db. Returns EXEC_OK or EXEC_BAD_INPUT with a message. */
int exec_resolve(const cfg_doc_t *doc, const char *db, run_cfg_t *cfg, char *err, size_t errlen);

/* Run a resolved configuration and record it (with its sweep identity, or
 * NULL). Returns EXEC_OK, EXEC_RUN_FAILED (recorded as failed, or the
 * database refused it) or EXEC_BAD_INPUT (nothing written); err says why.
 * res is filled and must be freed with run_result_free unless the result is
 * EXEC_BAD_INPUT before the run started (res->nhists == 0 then, and freeing
 * is still safe). */
int exec_run(const cfg_doc_t *doc, const run_cfg_t *cfg, const rec_sweep_t *sweep, run_result_t *res,
             int64_t *run_id, char *err, size_t errlen);

/* The directory that will hold the database must exist. */
int exec_check_db_dir(const char *db, char *err, size_t errlen);

/* FNV-1a over every entry (section, key, value) of the document: the
 * identity of an experiment file's effective text, as 16 hex digits. */
void exec_doc_hash(const cfg_doc_t *doc, char out[17]);

#endif
