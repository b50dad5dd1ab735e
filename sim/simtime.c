/*
 * simtime: duration parsing and printing. The parser works on the decimal
 * text itself (integer part and fraction digits) rather than through strtod,
 * so "0.1s" is exactly 100000000 ns and overflow is detected, not rounded.
 */
#include "simtime.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    simtime_t ns; /* ns per unit */
} units[] = {
    {"ns", SIMTIME_NS}, {"us", SIMTIME_US}, {"ms", SIMTIME_MS},
    {"s", SIMTIME_S},   {"m", SIMTIME_MIN}, {"h", SIMTIME_HOUR},
};
#define NUNITS (sizeof units / sizeof units[0])

static int fail(char *err, size_t errlen, const char *text, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "bad duration '%s': %s", text, why);
    return -1;
}

static simtime_t unit_ns(const char *u, size_t len)
{
    for (size_t i = 0; i < NUNITS; i++)
        if (strlen(units[i].name) == len && strncmp(units[i].name, u, len) == 0)
            return units[i].ns;
    return 0;
}

int simtime_parse(const char *text, simtime_t *out, char *err, size_t errlen)
{
    if (!text)
        return fail(err, errlen, "(null)", "missing value");
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '-')
        return fail(err, errlen, text, "durations cannot be negative");
    if (*p == '+')
        p++;

    uint64_t whole = 0; /* integer part, in units */
    int ndigits = 0;
    while (isdigit((unsigned char)*p)) {
        if (whole > (UINT64_MAX - 9) / 10)
            return fail(err, errlen, text, "number too large");
        whole = whole * 10 + (uint64_t)(*p - '0');
        p++, ndigits++;
    }
    const char *frac = NULL; /* first fraction digit */
    int nfrac = 0;
    if (*p == '.') {
        p++;
        frac = p;
        while (isdigit((unsigned char)*p))
            p++, nfrac++;
    }
    if (ndigits + nfrac == 0)
        return fail(err, errlen, text, "expected a number such as 250ms or 1.5s");

    const char *u = p;
    while (isalpha((unsigned char)*p))
        p++;
    size_t ulen = (size_t)(p - u);
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return fail(err, errlen, text, "unexpected characters after the unit");

    int is_zero = whole == 0;
    for (int i = 0; i < nfrac; i++)
        if (frac[i] != '0')
            is_zero = 0;
    simtime_t per;
    if (ulen == 0) {
        if (!is_zero)
            return fail(err, errlen, text, "missing unit (ns, us, ms, s, m, h)");
        *out = 0;
        return 0;
    }
    per = unit_ns(u, ulen);
    if (!per)
        return fail(err, errlen, text, "unknown unit (use ns, us, ms, s, m, h)");

    if (whole > (uint64_t)INT64_MAX / (uint64_t)per)
        return fail(err, errlen, text, "out of range");
    uint64_t ns = whole * (uint64_t)per;
    /* Fraction: accumulate digit by digit; a digit finer than 1 ns must be
     * zero, so no precision is silently dropped. */
    uint64_t scale = (uint64_t)per;
    for (int i = 0; i < nfrac; i++) {
        int d = frac[i] - '0';
        if (scale % 10 != 0) {
            if (d != 0)
                return fail(err, errlen, text, "finer than 1ns");
            continue;
        }
        scale /= 10;
        ns += (uint64_t)d * scale;
    }
    if (ns > (uint64_t)INT64_MAX)
        return fail(err, errlen, text, "out of range");
    *out = (simtime_t)ns;
    return 0;
}

char *simtime_format(simtime_t t, char *buf, size_t len)
{
    if (!buf || !len)
        return buf;
    if (t == 0) {
        snprintf(buf, len, "0s");
        return buf;
    }
    const char *sign = t < 0 ? "-" : "";
    uint64_t a = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    /* Prefer s, ms, us, ns: the largest unit whose representation has at most
     * three decimals (so 1500ms prints as 1.5s, 1234567ns as 1.234567ms). */
    static const struct {
        const char *name;
        uint64_t ns;
    } pr[] = {{"s", 1000000000u}, {"ms", 1000000u}, {"us", 1000u}, {"ns", 1u}};
    for (size_t i = 0; i < sizeof pr / sizeof pr[0]; i++) {
        uint64_t q = a / pr[i].ns, r = a % pr[i].ns;
        if (q == 0 && pr[i].ns > 1)
            continue;
        if (r == 0) {
            snprintf(buf, len, "%s%" PRIu64 "%s", sign, q, pr[i].name);
            return buf;
        }
        if (pr[i].ns >= 1000 && r % (pr[i].ns / 1000) == 0) {
            char fr[24];
            snprintf(fr, sizeof fr, "%03" PRIu64, r / (pr[i].ns / 1000));
            for (int k = 2; k > 0 && fr[k] == '0'; k--)
                fr[k] = 0;
            snprintf(buf, len, "%s%" PRIu64 ".%s%s", sign, q, fr, pr[i].name);
            return buf;
        }
    }
    snprintf(buf, len, "%s%" PRIu64 "ns", sign, a);
    return buf;
}

simtime_t simtime_from_sec(double sec)
{
    double ns = nearbyint(sec * 1e9);
    if (!(ns < 9.2e18))
        return isnan(ns) ? 0 : SIMTIME_NEVER;
    if (ns < -9.2e18)
        return -SIMTIME_NEVER;
    return (simtime_t)ns;
}
