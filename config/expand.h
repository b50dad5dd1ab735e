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

#endif
