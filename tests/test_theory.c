/*
 * Validation of the models against queueing theory, with retries off or in
 * the retrial-queue regime, through the whole engine and models.
 *
 * How tolerances are set: each check runs R independent replications
 * (different seeds) of a long run and forms a Student-t interval for the
 * mean. The exact value must lie within the 99.9% interval, AND that
 * interval's half-width must be below a stated fraction of the exact value,
 * so the check has the power to catch a model that is off by more than that
 * fraction. Everything is seeded, so the outcome is reproducible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "run.h"

#define R 8

/* A queue with Poisson arrivals and no retries, network delay 0. */
static void base_cfg(run_cfg_t *c, double lambda, int workers, int queue, dist_t svc, simtime_t duration)
{
    *c = test_defaults();
    c->run.duration = duration;
    c->run.drain = 600 * SIMTIME_S;
    c->run.bucket = 10 * SIMTIME_S;
    c->run.recovery_hold = 10 * SIMTIME_S;
    c->arrivals.kind = ARR_POISSON;
    c->arrivals.rate = lambda;
    c->server.workers = workers;
    c->server.queue = queue;
    c->server.service = svc;
    c->retry.max_attempts = 1;
    c->retry.attempt_timeout = 0;
    c->network.request = (dist_t){.kind = DIST_CONST, .a = 0};
    c->network.response = c->network.request;
}

static dist_t expo(double mean_s) { return (dist_t){.kind = DIST_EXP, .a = mean_s * 1e9}; }

/* Run R replications; check that `exact` lies in the 99.9% t-interval of the
 * scalar and that the interval is tighter than rel_power × exact. */
static void check_scalar(run_cfg_t *c, const char *scalar, double scale, double exact, double rel_power,
                         const char *what)
{
    double x[R], sum = 0, ss = 0;
    for (int r = 0; r < R; r++) {
        run_result_t res;
        c->run.seed = 1000 + (uint64_t)r;
        c->run.replication = 0;
        assert_int_equal(run_execute(c, &res), 0);
        x[r] = run_scalar(&res, scalar) * scale;
        assert_false(isnan(x[r]));
        run_result_free(&res);
        sum += x[r];
    }
    double mean = sum / R;
    for (int r = 0; r < R; r++)
        ss += (x[r] - mean) * (x[r] - mean);
    double sd = sqrt(ss / (R - 1));
    double hw = gsl_cdf_tdist_Pinv(0.9995, R - 1) * sd / sqrt(R);
    printf("  %-34s simulated %.5g ± %.2g (99.9%%, %d reps)  exact %.5g  (%+.2f%%)\n", what, mean, hw, R, exact,
           100 * (mean - exact) / exact);
    if (fabs(mean - exact) > hw)
        fail_msg("%s: exact %.6g outside %.6g ± %.3g", what, exact, mean, hw);
    if (hw > rel_power * fabs(exact))
        fail_msg("%s: interval ±%.3g too wide to test to %.1f%%", what, hw, 100 * rel_power);
}

/* M/M/1: mean response time 1/(mu - lambda). */
static void test_mm1(void **state)
{
    (void)state;
    run_cfg_t c;
    base_cfg(&c, 50, 1, SERVER_QUEUE_UNLIMITED, expo(0.01), 4000 * SIMTIME_S);
    check_scalar(&c, "latency_mean_s", 1, 1.0 / (100 - 50), 0.03, "M/M/1 rho=.5 mean response (s)");
}

/* Erlang C probability of waiting for c servers at offered load a = lambda/mu. */
static double erlang_c(int c, double a)
{
    double term = 1, sum = 1; /* a^k/k! for k = 0..c-1 */
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / c; /* a^c / c! */
    double rho = a / c;
    double top = last / (1 - rho);
    return top / (sum + top);
}

/* M/M/c: T = C(c, a) / (c mu - lambda) + 1/mu. */
static void test_mmc(void **state)
{
    (void)state;
    run_cfg_t c;
    double lambda = 300, mu = 100;
    int servers = 4;
    base_cfg(&c, lambda, servers, SERVER_QUEUE_UNLIMITED, expo(1 / mu), 1000 * SIMTIME_S);
    double t = erlang_c(servers, lambda / mu) / (servers * mu - lambda) + 1 / mu;
    check_scalar(&c, "latency_mean_s", 1, t, 0.03, "M/M/4 rho=.75 mean response (s)");
}

/* M/M/1/K: blocking (1 - rho) rho^N / (1 - rho^(N+1)), N = places in the system. */
static void test_mm1k(void **state)
{
    (void)state;
    run_cfg_t c;
    double rho = 0.9;
    int waiting = 4, n = waiting + 1;
    base_cfg(&c, 90, 1, waiting, expo(0.01), 2000 * SIMTIME_S);
    double pb = (1 - rho) * pow(rho, n) / (1 - pow(rho, n + 1));
    check_scalar(&c, "blocking_fraction", 1, pb, 0.03, "M/M/1/5 rho=.9 blocking");
}

/* M/D/1: Wq = lambda E[S^2] / (2 (1 - rho)) (Pollaczek-Khinchine), T = Wq + S. */
static void test_md1(void **state)
{
    (void)state;
    run_cfg_t c;
    double lambda = 60, s = 0.01, rho = lambda * s;
    base_cfg(&c, lambda, 1, SERVER_QUEUE_UNLIMITED, (dist_t){.kind = DIST_CONST, .a = s * 1e9}, 3000 * SIMTIME_S);
    double t = lambda * s * s / (2 * (1 - rho)) + s;
    check_scalar(&c, "latency_mean_s", 1, t, 0.02, "M/D/1 rho=.6 mean response (s)");
}

/* Retrial queue (Falin & Templeton 1997): M/M/1, no waiting room, blocked
 * calls retry after Exp(1/theta) for ever. Server busy = rho; P(empty) =
 * (1 - rho)^(lambda/theta + 1); mean orbit (rho^2 + lambda rho / theta)/(1 - rho). */
static void test_retrial(void **state)
{
    (void)state;
    run_cfg_t c;
    double lambda = 40, mu = 100, theta = 20, rho = lambda / mu;
    base_cfg(&c, lambda, 1, 0, expo(1 / mu), 8000 * SIMTIME_S);
    c.server.queue_full_status = 503;
    c.retry.max_attempts = 1000;
    c.retry.backoff = BACKOFF_MEMORYLESS;
    c.retry.base = (simtime_t)(1e9 / theta);
    c.retry.cap = 0;
    c.retry.retry_on = POLICY_RETRY_BIT(OUT_503);
    check_scalar(&c, "busy_fraction", 1, rho, 0.02, "retrial M/M/1 busy fraction");
    check_scalar(&c, "p_empty", 1, pow(1 - rho, lambda / theta + 1), 0.03, "retrial M/M/1 P(empty)");
    check_scalar(&c, "mean_orbit", 1, (rho * rho + lambda * rho / theta) / (1 - rho), 0.03,
                 "retrial M/M/1 mean orbit size");
}

/* Independent failures with probability p and N retries: attempts per call
 * (1 - p^(N+1)) / (1 - p), success 1 - p^(N+1). */
static void test_independent_failures(void **state)
{
    (void)state;
    double ps[] = {0.1, 0.3, 0.5, 0.75};
    for (int i = 0; i < 4; i++) {
        double p = ps[i];
        int retries = 3;
        run_cfg_t c;
        base_cfg(&c, 100, 1000, SERVER_QUEUE_UNLIMITED, (dist_t){.kind = DIST_CONST, .a = 1e6}, 500 * SIMTIME_S);
        c.server.error_500 = p;
        c.retry.max_attempts = retries + 1;
        c.retry.retry_on = POLICY_RETRY_BIT(OUT_500);
        c.retry.base = 10 * SIMTIME_MS;
        double q = pow(p, retries + 1);
        char what[64];
        snprintf(what, sizeof what, "p=%.2f N=3 attempts per call", p);
        check_scalar(&c, "attempts_per_call", 1, (1 - q) / (1 - p), 0.02, what);
        snprintf(what, sizeof what, "p=%.2f N=3 success rate", p);
        check_scalar(&c, "success_rate", 1, 1 - q, 0.02, what);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mm1),     cmocka_unit_test(test_mmc),     cmocka_unit_test(test_mm1k),
        cmocka_unit_test(test_md1),     cmocka_unit_test(test_retrial), cmocka_unit_test(test_independent_failures),
    };
    return cmocka_run_group_tests_name("theory", tests, NULL, NULL);
}
