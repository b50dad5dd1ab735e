/*
 * dist: parsing and drawing the duration distributions of dist.h.
 * Lognormal from mean m and coefficient of variation cv:
 * sigma^2 = ln(1 + cv^2), mu = ln(m) - sigma^2/2 (moments of the lognormal).
 */
#include "dist.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

static const char *kind_names[] = {"const", "exp", "lognormal", "normal", "uniform"};

static int perr(char *err, size_t errlen, const char *text, const char *why)
{
    snprintf(err, errlen, "bad distribution '%s': %s (use e.g. exp(100ms), const(5ms), "
                          "lognormal(100ms, 0.5), normal(10ms, 2ms), uniform(0s, 20s))",
             text, why);
    return -1;
}

/* Split "name(a, b)" into name and up to two argument strings. */
static int split(const char *text, char *name, size_t nlen, char args[2][64], int *nargs)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    const char *open = strchr(p, '(');
    if (!open) {
        /* a bare duration: const */
        if (strlen(p) >= 64)
            return -1;
        snprintf(name, nlen, "const");
        snprintf(args[0], 64, "%s", p);
        *nargs = 1;
        return 0;
    }
    size_t l = (size_t)(open - p);
    while (l && isspace((unsigned char)p[l - 1]))
        l--;
    if (l == 0 || l >= nlen)
        return -1;
    memcpy(name, p, l);
    name[l] = 0;
    const char *close = strrchr(open, ')');
    if (!close)
        return -1;
    for (const char *q = close + 1; *q; q++)
        if (!isspace((unsigned char)*q))
            return -1;
    *nargs = 0;
    const char *a = open + 1;
    while (a < close) {
        const char *comma = memchr(a, ',', (size_t)(close - a));
        const char *end = comma ? comma : close;
        if (*nargs == 2 || (size_t)(end - a) >= 64)
            return -1;
        memcpy(args[*nargs], a, (size_t)(end - a));
        args[*nargs][end - a] = 0;
        (*nargs)++;
        a = comma ? comma + 1 : close;
    }
    return 0;
}

/* Parameters are kept as doubles: a bound far below 2^63 ns keeps every
 * value exact and every draw and printout inside the clock. */
#define DIST_PARAM_MAX ((simtime_t)1000000000 * 1000000000) /* ns: 1e18, 31.7 years */

static int parse_dur(const char *s, double *out, const char *text, char *err, size_t errlen)
{
    simtime_t t;
    char e2[128];
    if (simtime_parse(s, &t, e2, sizeof e2) < 0)
        return perr(err, errlen, text, e2);
    if (t > DIST_PARAM_MAX)
        return perr(err, errlen, text, "a duration above 1e18 ns (31 years)");
    *out = (double)t;
    return 0;
}

int dist_parse(const char *text, dist_t *out, char *err, size_t errlen)
{
    char name[32], args[2][64];
    int nargs = 0;
    if (!text || split(text, name, sizeof name, args, &nargs) < 0)
        return perr(err, errlen, text ? text : "", "expected kind(arguments), each at most 63 characters");
    dist_t d = {0};
    int k;
    for (k = 0; k < 5 && strcmp(name, kind_names[k]) != 0; k++)
        ;
    if (k == 5)
        return perr(err, errlen, text, "unknown kind");
    d.kind = (dist_kind_t)k;
    int want = (d.kind == DIST_CONST || d.kind == DIST_EXP) ? 1 : 2;
    if (nargs != want)
        return perr(err, errlen, text, want == 1 ? "takes one argument" : "takes two arguments");
    if (parse_dur(args[0], &d.a, text, err, errlen) < 0)
        return -1;
    if (d.kind == DIST_LOGNORMAL) {
        char *end;
        d.b = strtod(args[1], &end);
        while (isspace((unsigned char)*end))
            end++;
        if (end == args[1] || *end || !isfinite(d.b) || d.b < 0)
            return perr(err, errlen, text, "cv must be a number >= 0");
        if (d.a <= 0)
            return perr(err, errlen, text, "lognormal mean must be > 0");
        d.sigma = sqrt(log1p(d.b * d.b));
        d.mu = log(d.a) - d.sigma * d.sigma / 2;
    } else if (want == 2 && parse_dur(args[1], &d.b, text, err, errlen) < 0) {
        return -1;
    }
    if (d.kind == DIST_UNIFORM && d.b < d.a)
        return perr(err, errlen, text, "uniform needs low <= high");
    *out = d;
    return 0;
}

/* The shortest %g text that reads back as exactly x (0.1, not 0.1000000000000001). */
static char *shortest(double x, char *buf, size_t len)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

char *dist_format(const dist_t *d, char *buf, size_t len)
{
    char a[32], b[32];
    simtime_format((simtime_t)d->a, a, sizeof a);
    switch (d->kind) {
    case DIST_CONST:
    case DIST_EXP:
        snprintf(buf, len, "%s(%s)", kind_names[d->kind], a);
        break;
    case DIST_LOGNORMAL:
        snprintf(buf, len, "lognormal(%s, %s)", a, shortest(d->b, b, sizeof b));
        break;
    case DIST_NORMAL_ABS:
    case DIST_UNIFORM:
        snprintf(buf, len, "%s(%s, %s)", kind_names[d->kind], a, simtime_format((simtime_t)d->b, b, sizeof b));
        break;
    }
    return buf;
}

static simtime_t to_ns(double x)
{
    if (!(x > 0))
        return 0;
    if (x > 9.2e18)
        return SIMTIME_NEVER;
    return simtime_round_ns(x);
}

/* GSL draws an exponential as -mu log1p(-u), u = gsl_rng_uniform(r)
 * (gsl-2.7, randist/exponential.c). glibc's log1p is the old fdlibm code,
 * about twice the time of its log (21 against 12 ns here, with the
 * uniform 7 ns), and it was a fifth of a capacity-plan search. log(1 - u)
 * is the same number to within an absolute error of 2^-53 from forming
 * 1 - u (exact for the 32-bit generators) and a few ulps of the result
 * from the two functions' own rounding (each within 1 ulp). So when
 * -mu log(1 - u) lies farther than that from the rounding boundary `at`
 * (and from the integers, for at = 0), GSL's value rounds the same way;
 * otherwise, about once in 10^6 draws for a 1 s mean, compute GSL's. */
double dist_exponential(gsl_rng *r, double mu, double at)
{
    double u = gsl_rng_uniform(r);
    double x = -mu * log(1.0 - u);
    if (x >= 1.0 && x < 0x1p52) {
        double f = x - floor(x) - at; /* in [-at, 1 - at) */
        double margin = mu * 0x1p-50 + x * 0x1p-46;
        if (fabs(f) > margin && (at > 0.0 || 1.0 - f > margin))
            return x;
    }
    return -mu * log1p(-u);
}

simtime_t dist_draw(const dist_t *d, gsl_rng *r)
{
    switch (d->kind) {
    case DIST_CONST: return (simtime_t)d->a;
    case DIST_EXP: return to_ns(dist_exponential(r, d->a, 0.5));
    case DIST_LOGNORMAL: return to_ns(gsl_ran_lognormal(r, d->mu, d->sigma));
    case DIST_NORMAL_ABS: return to_ns(fabs(d->a + gsl_ran_gaussian_ziggurat(r, d->b)));
    case DIST_UNIFORM: return to_ns(d->a + (d->b - d->a) * gsl_rng_uniform(r));
    }
    return 0;
}

double dist_mean(const dist_t *d)
{
    switch (d->kind) {
    case DIST_CONST:
    case DIST_EXP:
    case DIST_LOGNORMAL: return d->a;
    case DIST_NORMAL_ABS: {
        /* folded normal: sd*sqrt(2/pi)*exp(-mu^2/2sd^2) + mu*(1 - 2*Phi(-mu/sd)) */
        double mu = d->a, s = d->b;
        if (s == 0)
            return fabs(mu);
        return s * sqrt(2 / 3.14159265358979323846) * exp(-mu * mu / (2 * s * s)) +
               mu * erf(mu / (s * sqrt(2)));
    }
    case DIST_UNIFORM: return (d->a + d->b) / 2;
    }
    return 0;
}

double dist_second_moment(const dist_t *d)
{
    switch (d->kind) {
    case DIST_CONST: return d->a * d->a;
    case DIST_EXP: return 2 * d->a * d->a;
    case DIST_LOGNORMAL: return d->a * d->a * (1 + d->b * d->b);
    case DIST_NORMAL_ABS: return d->a * d->a + d->b * d->b;
    case DIST_UNIFORM: return (d->a * d->a + d->a * d->b + d->b * d->b) / 3;
    }
    return 0;
}
