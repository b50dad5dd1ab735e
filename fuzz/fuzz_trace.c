/*
 * fuzz_trace: libFuzzer harness of the trace-file reader (models/arrivals.h).
 * The input is written to a temporary file and checked with
 * arrivals_trace_check; when it is accepted, a short run (2 s, trace
 * arrivals) loads it again through run_execute.
 *
 * Oracles: besides crashes, a reference reader of the documented format
 * (README, arrivals.c): one call per line of at most 4096 characters,
 * "seconds [client]" (blanks are spaces, tabs and CRs) with an unsigned
 * decimal time in [0, 9e9] s that never decreases, an optional client id
 * (unsigned integer 0 .. 2^32-1) after blanks or a comma, '#' starts a
 * comment; a file with a NUL byte is not a text file. The reader and the
 * reference must accept the same files, the run must load what the check
 * accepted, and a run that completes must start exactly the calls whose
 * time is before its duration.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrivals.h"
#include "cfg.h"
#include "fuzz_util.h"
#include "run.h"
#include "simtime.h"

#define FZ_MAX_INPUT 16384
#define FZ_DURATION (2 * SIMTIME_S)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_path[64];

static void fz_remove(void)
{
    if (fz_path[0])
        unlink(fz_path);
}

static const char *fz_file(const uint8_t *data, size_t size)
{
    if (!fz_path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(fz_path, sizeof fz_path, "%s/fuzz_trace.XXXXXX", dir && strlen(dir) < 40 ? dir : "/tmp");
        int fd = mkstemp(fz_path);
        if (fd < 0)
            fz_fail("mkstemp: %s", strerror(errno));
        close(fd);
        atexit(fz_remove);
    }
    FILE *f = fopen(fz_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fz_fail("cannot write %s", fz_path);
    return fz_path;
}

static int fz_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The reference reader: -1 if the file is bad, else the number of calls
 * whose time is before `before`. */
static long fz_reference(const uint8_t *data, size_t size, simtime_t before)
{
    if (memchr(data, 0, size))
        return -1;
    long calls = 0;
    simtime_t last = 0;
    size_t i = 0;
    while (i < size) {
        size_t e = i;
        while (e < size && data[e] != '\n')
            e++;
        if (e - i > 4096)
            return -1;
        size_t next = e + 1;
        char *line = fz_strndup(data + i, e - i), *p = line;
        i = next;
        while (fz_blank(*p))
            p++;
        if (!*p || *p == '#') {
            free(line);
            continue;
        }
        const char *t = p;
        int digits = 0;
        while (isdigit((unsigned char)*p))
            p++, digits++;
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                digits++;
        if (digits && (*p == 'e' || *p == 'E')) {
            char *q = p + 1;
            if (*q == '+' || *q == '-')
                q++;
            if (isdigit((unsigned char)*q)) {
                while (isdigit((unsigned char)*q))
                    q++;
                p = q;
            }
        }
        char save = *p;
        *p = 0;
        double sec = digits ? strtod(t, NULL) : -1;
        *p = save;
        if (!(sec >= 0) || sec > 9e9) {
            free(line);
            return -1;
        }
        while (fz_blank(*p) || *p == ',')
            p++;
        if (*p && *p != '#') {
            char *q = p;
            const char *c = q;
            const char *d0 = q;
            while (isdigit((unsigned char)*q))
                q++;
            if (q > d0) {
                errno = 0;
                long long cl = strtoll(c, NULL, 10);
                if (errno != 0 || cl < 0 || cl > (long long)UINT32_MAX) {
                    free(line);
                    return -1;
                }
                p = q;
            }
            while (fz_blank(*p)) /* trailing blanks */
                p++;
            if (*p && *p != '#') {
                free(line);
                return -1;
            }
        }
        free(line);
        simtime_t ns = simtime_from_sec(sec);
        if (ns < last)
            return -1;
        last = ns;
        calls += ns < before;
    }
    return calls;
}

static void fz_run(const char *path, long expect_calls)
{
    run_cfg_t *c = malloc(sizeof *c);
    run_result_t *res = malloc(sizeof *res);
    if (!c || !res)
        abort();
    char derr[256];
    if (cfg_defaults(c, derr, sizeof derr) < 0)
        fz_fail("defaults: %s", derr);
    c->arrivals.kind = ARR_TRACE;
    snprintf(c->arrivals.trace_path, sizeof c->arrivals.trace_path, "%s", path);
    c->run.duration = FZ_DURATION;
    c->run.drain = SIMTIME_S;
    c->run.bucket = 100 * SIMTIME_MS;
    c->run.recovery_hold = SIMTIME_S;
    c->run.max_events = 200000;
    char err[512];
    const char *key = NULL;
    if (run_validate(c, &key, err, sizeof err) != 0)
        fz_fail("the trace run's configuration is invalid: %s", err);
    int rc = run_execute(c, res);
    if (rc == RUN_BAD_INPUT)
        fz_fail("arrivals_trace_check accepted the trace but the run refused it: %s", res->message);
    if (rc == 0) {
        double calls = run_scalar(res, "calls");
        if (expect_calls >= 0 && calls != (double)expect_calls)
            fz_fail("the run started %g calls; the trace has %ld before %gs", calls, expect_calls,
                    simtime_to_sec(FZ_DURATION));
    } else if (rc != -1) {
        fz_fail("run_execute returned %d", rc);
    }
    run_result_free(res);
    free(res);
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    const char *path = fz_file(data, size);
    char err[600];
    err[0] = 0;
    int rc = arrivals_trace_check(path, err, sizeof err);
    long ref = fz_reference(data, size, FZ_DURATION);
    if (rc != 0 && rc != -1)
        fz_fail("arrivals_trace_check returned %d", rc);
    if (rc < 0)
        fz_check_err("arrivals_trace_check", err, sizeof err);
    if (rc == 0 && ref < 0)
        fz_fail("arrivals_trace_check accepted a trace that the documented format refuses");
    if (rc < 0 && ref >= 0)
        fz_fail("arrivals_trace_check refused a trace of the documented format: %s", err);
    if (rc == 0)
        fz_run(path, ref);
    return 0;
}
