/*
 * dist: the few duration distributions the models draw from (service times,
 * network delays, think times), parsed from text such as "exp(100ms)".
 *
 *   const(5ms) or 5ms      always 5 ms
 *   exp(100ms)             exponential with mean 100 ms
 *   lognormal(100ms, 0.5)  lognormal with mean 100 ms and coefficient of variation 0.5
 *   normal(10ms, 2ms)      |Normal(10 ms, 2 ms)|, the absolute value (Brooker 2015's hops)
 *   uniform(0s, 20s)       uniform on [0 s, 20 s)
 */
#ifndef RETRYSIM_DIST_H
#define RETRYSIM_DIST_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "simtime.h"

typedef enum { DIST_CONST, DIST_EXP, DIST_LOGNORMAL, DIST_NORMAL_ABS, DIST_UNIFORM } dist_kind_t;

typedef struct {
    dist_kind_t kind;
    double a;  /* ns: the value (const), mean (exp, lognormal, normal), low end (uniform) */
    double b;  /* lognormal: cv >= 0; normal: sd in ns >= 0; uniform: high end in ns */
    double mu, sigma; /* lognormal's log-space parameters, derived by dist_parse */
} dist_t;

/* Parse a distribution; -1 and a message on error (unknown kind, bad
 * duration, negative or inverted parameters). */
int dist_parse(const char *text, dist_t *out, char *err, size_t errlen);

/* Format back to the canonical text accepted by dist_parse. */
char *dist_format(const dist_t *d, char *buf, size_t len);

/* A draw, rounded to ns and never negative. Draws a fixed number of
 * uniforms per call for const (0), exp, uniform (1) and normal (GSL's
 * ziggurat); lognormal uses GSL's polar method (variable). */
simtime_t dist_draw(const dist_t *d, gsl_rng *r);

/* An exponential draw of mean mu for a caller that only uses it rounded
 * to an integer: to nearest (at = 0.5, llround) or down (at = 0, a cast).
 * The rounded value always equals that of gsl_ran_exponential(r, mu) from
 * the same stream (one uniform), in about half the time; the double
 * itself may differ from GSL's in its last bits. */
double dist_exponential(gsl_rng *r, double mu, double at);

/* Exact mean and second moment in ns and ns^2 (for the theory checks). */
double dist_mean(const dist_t *d);
double dist_second_moment(const dist_t *d);

#endif
