/*
 * fuzz_clientconf: libFuzzer harness of the client configuration files
 * (config/clientconf.h). The first byte picks the reader and the mapping
 * (bit 0: YAML instead of JSON; bit 1: the Envoy retry_policy mapping
 * instead of the gRPC service config; bit 2: a grpc_method is named); the
 * rest is the file. Oracles: a failure leaves a readable message naming
 * the file; a success gives entries that each name their origin, and that
 * cfg_apply either takes or refuses with a message (never a crash).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "clientconf.h"
#include "fuzz_util.h"

#define FZ_MAX_INPUT 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The entries as an experiment document, applied. */
static void apply(const cfg_xlist_t *l)
{
    size_t cap = 64;
    for (int i = 0; i < l->n; i++)
        cap += strlen(l->e[i].section) + strlen(l->e[i].key) + strlen(l->e[i].value) + 8;
    char *text = malloc(cap), *p = text;
    if (!text)
        return;
    for (int i = 0; i < l->n; i++)
        p += sprintf(p, "[%s]\n%s = %s\n", l->e[i].section, l->e[i].key, l->e[i].value);
    *p = 0;
    cfg_doc_t d;
    run_cfg_t c;
    char err[1024];
    memset(&d, 0, sizeof d);
    if (cfg_doc_load_string(&d, "fz.ini", text, err, sizeof err) == 0 && cfg_apply(&d, &c, err, sizeof err) < 0)
        fz_check_err("cfg_apply", err, sizeof err);
    cfg_doc_free(&d);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FZ_MAX_INPUT)
        return 0;
    int mode = data[0];
    char err[1024];
    clientconf_tree_t *t;
    if (clientconf_parse("fz.conf", (const char *)data + 1, size - 1, mode & 1, &t, err, sizeof err) < 0) {
        fz_check_err("parse", err, sizeof err);
        if (!strstr(err, "fz.conf"))
            fz_fail("parse: message '%s' does not name the file", err);
        return 0;
    }
    cfg_xlist_t l;
    memset(&l, 0, sizeof l);
    int rc = (mode & 2) ? clientconf_envoy_map("fz.conf", t, &l, err, sizeof err)
                        : clientconf_grpc_map("fz.conf", t, (mode & 4) ? "s.S/M" : NULL, &l, err, sizeof err);
    if (rc < 0) {
        fz_check_err("map", err, sizeof err);
        if (strncmp(err, "fz.conf: ", 9) && strcmp(err, "out of memory"))
            fz_fail("map: message '%s' does not start with the file", err);
    } else {
        for (int i = 0; i < l.n; i++)
            if (strncmp(l.e[i].origin, "fz.conf: ", 9))
                fz_fail("entry %s.%s: origin '%s' does not name the file", l.e[i].section, l.e[i].key,
                        l.e[i].origin);
        apply(&l);
    }
    cfg_xlist_free(&l);
    clientconf_free(t);
    return 0;
}
