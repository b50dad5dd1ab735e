/*
 * fuzz_util: the helpers of fuzz_util.h, linked into every harness.
 */
#include "fuzz_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


char *fz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = 0;
    return s;
}

void fz_split(const uint8_t *data, size_t size, char **a, char **b)
{
    const uint8_t *nul = size ? memchr(data, 0, size) : NULL;
    if (!nul) {
        *a = fz_strndup(data, size);
        *b = fz_strndup(data, 0);
        return;
    }
    size_t na = (size_t)(nul - data);
    *a = fz_strndup(data, na);
    *b = fz_strndup(nul + 1, size - na - 1);
}

void fz_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("fuzz oracle: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void fz_check_err(const char *what, const char *err, size_t errlen)
{
    if (!memchr(err, 0, errlen))
        fz_fail("%s failed with a message that is not NUL-terminated", what);
    if (!err[0])
        fz_fail("%s failed without a message", what);
}


