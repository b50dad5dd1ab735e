/*
 * seqtest: decisions from replications that arrive in batches, for a
 * driver that adds replications only where the answer is still uncertain
 * (retrysim search).
 *
 *   seq_share  does a condition hold in at least a share p of replications?
 *              Wald's sequential probability ratio test (Wald, "Sequential
 *              tests of statistical hypotheses", Ann. Math. Statist. 16(2),
 *              1945) between share p + d ("pass") and p - d ("fail"), d the
 *              indifference half-width, both error rates 1 - confidence.
 *   seq_mean   does the mean of a scalar lie below (or above) a threshold?
 *              The Student-t interval of the mean at the confidence: pass
 *              when all of it satisfies the goal, fail when none of it does.
 * Both answer SEQ_UNDECIDED while more replications are needed.
 */
#ifndef RETRYSIM_SEQTEST_H
#define RETRYSIM_SEQTEST_H

#include <stdint.h>

typedef enum { SEQ_FAIL = -1, SEQ_UNDECIDED = 0, SEQ_PASS = 1 } seq_verdict_t;

/* k of n replications met the condition; share p in (0, 1); tolerance d
 * in (0, 0.5) (the test's hypotheses are clamped into [0.001, 0.999]);
 * confidence in (0.5, 1). */
seq_verdict_t seq_share(int64_t k, int64_t n, double p, double d, double confidence);

/* The Wilson score interval of the share k/n at the confidence (two-sided). */
void seq_wilson(int64_t k, int64_t n, double confidence, double *lo, double *hi);

/* n values with this mean and sample standard deviation sd; the goal is
 * mean <= threshold (below = 1) or mean >= threshold (below = 0). Fills the
 * t interval [lo, hi] (NaN for n < 2: then undecided). */
seq_verdict_t seq_mean(double mean, double sd, int64_t n, double confidence, int below, double threshold, double *lo,
                       double *hi);

#endif
