/*
 * expand: keys that stand for other keys. A preset ([retry] preset = NAME)
 * or a client's own configuration file ([retry] grpc_service_config,
 * [retry] envoy_retry_policy) expands into ordinary (section, key, value)
 * entries. cfg_apply applies every expansion before the document's own
 * entries, so a key written in the experiment always wins over one a
 * preset or a file supplied, wherever it stands in the file.
 *
 * Each expanded entry keeps where it came from ("preset aws-standard",
 * "svc.json: methodConfig[0].retryPolicy.maxAttempts"), so an error in it
 * names that origin as well as the key.
 */
#ifndef RETRYSIM_EXPAND_H
#define RETRYSIM_EXPAND_H

#include <stddef.h>

#include "cfg.h"

typedef struct {
    char *section;  /* e.g. "retry" */
    char *key;      /* e.g. "max_attempts" */
    char *value;    /* in the syntax cfg_apply accepts */
    char *origin;   /* where it came from, for messages */
} cfg_xentry_t;

typedef struct {
    cfg_xentry_t *e;
    int n, cap;
} cfg_xlist_t;

/* Append a copy of the strings; -1 when out of memory. A zeroed
 * cfg_xlist_t is an empty list. */
int cfg_xlist_add(cfg_xlist_t *l, const char *section, const char *key, const char *value, const char *origin);
void cfg_xlist_free(cfg_xlist_t *l);

/* An expander turns the value of one key into entries. doc is the whole
 * document (an expander may read a companion key, e.g. [retry] grpc_method
 * next to grpc_service_config); e is the key's own entry, and a relative
 * file name in its value resolves against the directory of e->file.
 * Returns 0 with the entries appended to out, or -1 with err holding a
 * message; the caller prefixes it with the key's file, line and name. */
typedef int (*cfg_expander_fn)(const cfg_doc_t *doc, const cfg_entry_t *e, cfg_xlist_t *out, char *err,
                               size_t errlen);

typedef struct {
    const char *section, *key; /* the key that expands */
    cfg_expander_fn fn;
} cfg_expander_t;

/* Every expanding key, one row each, ended by a row of NULLs (expand.c).
 * At most one of them may be set per section: two would each claim the
 * whole policy, and which one wins would be an accident of order. */
extern const cfg_expander_t cfg_expanders[];

#endif
