/*
 * fuzz_expr: libFuzzer harness of the constraint language (config/expr.h).
 * The input is an expression, then after a NUL byte the texts of its
 * variables, one per line: a, b, c, ... h are variables 0..7 (also as
 * ${a}); a variable without a line is "1". The expression is parsed and,
 * if it parses, evaluated. Oracles: a failure has a message starting with
 * "at position "; a number result is finite (expr.h promises errors rather
 * than NaN or infinity); a string result is readable.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "fuzz_util.h"

#define FZ_MAX_INPUT 4096
#define FZ_NVARS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    if (len == 1 && name[0] >= 'a' && name[0] < 'a' + FZ_NVARS)
        return name[0] - 'a';
    return -1;
}

static void check_msg(const char *what, const char *err)
{
    fz_check_err(what, err, 512);
    if (strncmp(err, "at position ", 12) != 0)
        fz_fail("%s: message '%s' does not start with 'at position '", what, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    char *text, *rest;
    fz_split(data, size, &text, &rest);
    expr_value_t vars[FZ_NVARS];
    const char *vtext[FZ_NVARS];
    char *p = rest;
    for (int i = 0; i < FZ_NVARS; i++) {
        vtext[i] = "1";
        if (p && *p) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = 0;
            vtext[i] = p;
            p = nl ? nl + 1 : NULL;
        }
        expr_value_from_text(vtext[i], &vars[i]);
        if (vars[i].kind == EXPR_NUM && !isfinite(vars[i].num))
            fz_fail("expr_value_from_text('%s') gave a number that is not finite", vtext[i]);
        if (vars[i].kind == EXPR_STR && vars[i].str != vtext[i])
            fz_fail("expr_value_from_text('%s') did not borrow its text", vtext[i]);
    }
    char err[512];
    expr_t *e = NULL;
    if (expr_parse(text, lookup, NULL, &e, err, sizeof err) != 0) {
        check_msg("expr_parse", err);
        if (e)
            fz_fail("expr_parse failed but set *out");
    } else {
        expr_value_t r;
        if (expr_eval(e, vars, &r, err, sizeof err) != 0) {
            check_msg("expr_eval", err);
        } else if (r.kind == EXPR_NUM) {
            if (!isfinite(r.num))
                fz_fail("expr_eval('%s') gave %g", text, r.num);
        } else if (r.kind == EXPR_STR) {
            if (!r.str)
                fz_fail("expr_eval('%s') gave a NULL string", text);
            volatile size_t n = strlen(r.str); /* ASan: the string must be readable */
            (void)n;
        } else {
            fz_fail("expr_eval('%s') gave a value of kind %d", text, (int)r.kind);
        }
        expr_free(e);
    }
    free(text);
    free(rest);
    return 0;
}
