/*
 * fuzz_config: libFuzzer harness of the configuration layer (config/cfg.h).
 * Bytes -> cfg_doc_load_string -> cfg_apply. When the document applies,
 * every resolved value is printed (cfg_params) and applied again as --set
 * entries onto an empty document: that second document must apply, its
 * parameters must equal the first ones, and the two run_cfg_t must be the
 * same bytes (cfg_apply zeroes padding), since a run is recorded with its
 * parameters and must be reproducible from them. Errors must come with a
 * message. Run with fuzz/config.dict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "fuzz_util.h"

/* Longer documents add nothing that shorter ones cannot reach. */
#define FZ_MAX_INPUT 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const run_cfg_t *c1)
{
    char err[1024];
    rec_param_t *p1 = NULL, *p2 = NULL;
    int n1 = 0, n2 = 0;
    if (cfg_params(c1, &p1, &n1, err, sizeof err) != 0) {
        fz_check_err("cfg_params", err, sizeof err);
        fz_fail("cfg_apply accepted a configuration that cfg_params cannot print: %s", err);
    }
    cfg_doc_t d2;
    memset(&d2, 0, sizeof d2);
    for (int i = 0; i < n1; i++) {
        size_t len = strlen(p1[i].key) + strlen(p1[i].value) + 2;
        char *a = malloc(len);
        if (!a)
            abort();
        snprintf(a, len, "%s=%s", p1[i].key, p1[i].value);
        if (cfg_doc_set(&d2, a, err, sizeof err) != 0)
            fz_fail("cfg_doc_set refused the printed parameter '%s': %s", a, err);
        free(a);
    }
    run_cfg_t *c2 = malloc(sizeof *c2);
    if (!c2)
        abort();
    if (cfg_apply(&d2, c2, err, sizeof err) != 0)
        fz_fail("the printed parameters do not apply again: %s", err);
    if (cfg_params(c2, &p2, &n2, err, sizeof err) != 0)
        fz_fail("cfg_params failed on the round trip: %s", err);
    if (n1 != n2)
        fz_fail("cfg_params gave %d parameters, then %d", n1, n2);
    for (int i = 0; i < n1; i++)
        if (strcmp(p1[i].key, p2[i].key) || strcmp(p1[i].value, p2[i].value))
            fz_fail("round trip: %s = '%s' came back as %s = '%s'", p1[i].key, p1[i].value, p2[i].key, p2[i].value);
    if (memcmp(c1, c2, sizeof *c1) != 0) {
        const unsigned char *a = (const void *)c1, *b = (const void *)c2;
        size_t off = 0;
        while (off < sizeof *c1 && a[off] == b[off])
            off++;
        fz_fail("round trip: the parameters print the same but run_cfg_t differs at byte offset %zu", off);
    }
    free(c2);
    cfg_doc_free(&d2);
    cfg_params_free(p1, n1);
    cfg_params_free(p2, n2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    char *text = fz_strndup(data, size);
    char err[1024];
    cfg_doc_t d;
    if (cfg_doc_load_string(&d, "fuzz.ini", text, err, sizeof err) != 0) {
        fz_check_err("cfg_doc_load_string", err, sizeof err);
        if (d.n != 0 || d.entries || d.text)
            fz_fail("cfg_doc_load_string failed but left a non-empty document");
        cfg_doc_free(&d);
        free(text);
        return 0;
    }
    run_cfg_t *c = malloc(sizeof *c);
    if (!c)
        abort();
    if (cfg_apply(&d, c, err, sizeof err) == 0) {
        round_trip(c);
    }
    else
        fz_check_err("cfg_apply", err, sizeof err);
    free(c);
    cfg_doc_free(&d);
    free(text);
    return 0;
}
