/*
 * fuzz_util: helpers shared by the libFuzzer harnesses in fuzz/ (see
 * fuzz/fuzz.mk): turning the fuzzer's bytes into C strings, and failing
 * loudly when an oracle is violated. A harness aborts (so libFuzzer saves
 * the input as a crash) only on a crash, undefined behaviour, or a broken
 * promise of an API; an input the API rejects with a message is fine.
 */
#ifndef RETRYSIM_FUZZ_UTIL_H
#define RETRYSIM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

/* data[0, size) as a new NUL-terminated string (a NUL inside ends it early
 * for string APIs, as it would for any C caller). Never NULL. */
char *fz_strndup(const uint8_t *data, size_t size);

/* Split data at its first NUL byte: *a gets the text before it, *b the text
 * after (empty when there is no NUL). Both are new strings. */
void fz_split(const uint8_t *data, size_t size, char **a, char **b);

/* Print "fuzz oracle: <message>" to stderr and abort(). */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* An API that returned -1 must have written a message: err non-empty and
 * NUL-terminated within errlen. */
void fz_check_err(const char *what, const char *err, size_t errlen);


#endif
