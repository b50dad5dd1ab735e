/*
 * seqtest: sequential decisions on a share and on a mean (see seqtest.h).
 */
#include "seqtest.h"

#include <math.h>

#include <gsl/gsl_cdf.h>

static double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

seq_verdict_t seq_share(int64_t k, int64_t n, double p, double d, double confidence)
{
    if (n <= 0)
        return SEQ_UNDECIDED;
    double alpha = 1 - confidence, beta = alpha;
    double pp = clamp(p + d, 0.001, 0.999), pf = clamp(p - d, 0.001, 0.999);
    /* log likelihood ratio of "pass" (share pp) against "fail" (share pf) */
    double llr = (double)k * log(pp / pf) + (double)(n - k) * log((1 - pp) / (1 - pf));
    if (llr >= log((1 - beta) / alpha))
        return SEQ_PASS;
    if (llr <= log(beta / (1 - alpha)))
        return SEQ_FAIL;
    return SEQ_UNDECIDED;
}

void seq_wilson(int64_t k, int64_t n, double confidence, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - confidence) / 2), nn = (double)n, ph = (double)k / nn;
    double centre = (ph + z * z / (2 * nn)) / (1 + z * z / nn);
    double half = z / (1 + z * z / nn) * sqrt(ph * (1 - ph) / nn + z * z / (4 * nn * nn));
    *lo = clamp(centre - half, 0, 1);
    *hi = clamp(centre + half, 0, 1);
}

seq_verdict_t seq_mean(double mean, double sd, int64_t n, double confidence, int below, double threshold, double *lo,
                       double *hi)
{
    if (n < 2 || isnan(mean) || isnan(sd)) {
        *lo = *hi = NAN;
        return SEQ_UNDECIDED;
    }
    double half = gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, (double)(n - 1)) * sd / sqrt((double)n);
    *lo = mean - half;
    *hi = mean + half;
    if (below)
        return *hi <= threshold ? SEQ_PASS : *lo > threshold ? SEQ_FAIL : SEQ_UNDECIDED;
    return *lo >= threshold ? SEQ_PASS : *hi < threshold ? SEQ_FAIL : SEQ_UNDECIDED;
}
