/*
 * expand: the list of entries a preset or a client's configuration file
 * expands into (see expand.h).
 */
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "clientconf.h"
#include "presets.h"

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

int cfg_xlist_add(cfg_xlist_t *l, const char *section, const char *key, const char *value, const char *origin)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        cfg_xentry_t *e = realloc(l->e, (size_t)cap * sizeof *e);
        if (!e)
            return -1;
        l->e = e;
        l->cap = cap;
    }
    cfg_xentry_t *x = &l->e[l->n];
    x->section = dup(section);
    x->key = dup(key);
    x->value = dup(value);
    x->origin = dup(origin);
    if (!x->section || !x->key || !x->value || !x->origin) {
        free(x->section);
        free(x->key);
        free(x->value);
        free(x->origin);
        return -1;
    }
    l->n++;
    return 0;
}

/* The expanding keys. A new preset source or client file format adds one
 * row here and one key row (a KEY_STRING that records the value). */
const cfg_expander_t cfg_expanders[] = {
    {"retry", "preset", presets_expand},
    {"retry", "grpc_service_config", clientconf_grpc_expand},
    {"retry", "envoy_retry_policy", clientconf_envoy_expand},
    {NULL, NULL, NULL}};

void cfg_xlist_free(cfg_xlist_t *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->e[i].section);
        free(l->e[i].key);
        free(l->e[i].value);
        free(l->e[i].origin);
    }
    free(l->e);
    l->e = NULL;
    l->n = l->cap = 0;
}
