/*
 * simtime: simulation time as signed 64-bit nanoseconds, and the helpers that
 * parse and print durations with units ("250ms", "1.5s", "2m").
 *
 * Why integers: event ordering must be exact and reproducible across
 * machines; doubles lose nanoseconds past ~104 days and make equal-time
 * FIFO order fragile. int64 ns covers ±292 years.
 */
#ifndef RETRYSIM_SIMTIME_H
#define RETRYSIM_SIMTIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t simtime_t; /* ns since the start of the run */

#define SIMTIME_NS ((simtime_t)1)
#define SIMTIME_US ((simtime_t)1000)
#define SIMTIME_MS ((simtime_t)1000000)
#define SIMTIME_S ((simtime_t)1000000000)
#define SIMTIME_MIN (60 * SIMTIME_S)
#define SIMTIME_HOUR (3600 * SIMTIME_S)
#define SIMTIME_NEVER INT64_MAX /* "no such time": later than every event */

/* Parse a non-negative duration: a decimal number followed by a unit
 * (ns, us, ms, s, m, h), e.g. "250ms", "1.5s", "0". A bare number is
 * accepted only when it is zero (there is no safe default unit).
 * Returns 0 and sets *out, or -1 and writes a message to err. */
int simtime_parse(const char *text, simtime_t *out, char *err, size_t errlen);

/* Print t with the largest unit that shows it exactly ("1.5s", "250ms",
 * "17ns"); negative values get a leading '-'. Returns buf. */
char *simtime_format(simtime_t t, char *buf, size_t len);

static inline double simtime_to_sec(simtime_t t) { return (double)t / 1e9; }

/* x ns rounded to the nearest integer, halves away from zero: llround's
 * value for 0 <= x < 2^63, without its library call (3% of a sweep of
 * short runs). Exact: the truncation is exact below 2^63, and x - t is
 * exact because t is x with its fraction bits cleared. */
static inline simtime_t simtime_round_ns(double x)
{
    simtime_t t = (simtime_t)x;
    return t + (x - (double)t >= 0.5);
}

/* Seconds to ns, rounded to nearest; saturates at ±SIMTIME_NEVER. */
simtime_t simtime_from_sec(double sec);

#endif
