/* Tests of duration parsing and printing (sim/simtime). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "simtime.h"

static simtime_t parse_ok(const char *s)
{
    simtime_t t = -1;
    char err[128] = "";
    int rc = simtime_parse(s, &t, err, sizeof err);
    if (rc != 0)
        fail_msg("'%s' rejected: %s", s, err);
    return t;
}

static void test_parse_good(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("250ms"), 250 * SIMTIME_MS);
    assert_int_equal(parse_ok("1.5s"), 1500 * SIMTIME_MS);
    assert_int_equal(parse_ok("0.1s"), 100 * SIMTIME_MS);
    assert_int_equal(parse_ok("17ns"), 17);
    assert_int_equal(parse_ok("3us"), 3000);
    assert_int_equal(parse_ok("2m"), 120 * SIMTIME_S);
    assert_int_equal(parse_ok("1h"), 3600 * SIMTIME_S);
    assert_int_equal(parse_ok(" 10s "), 10 * SIMTIME_S);
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("0.0"), 0);
    assert_int_equal(parse_ok(".5ms"), 500 * SIMTIME_US);
    assert_int_equal(parse_ok("1.000000001s"), SIMTIME_S + 1);
    assert_int_equal(parse_ok("1.2500us"), 1250);
    assert_int_equal(parse_ok("9223372036s"), 9223372036LL * SIMTIME_S);
}

static void test_parse_bad(void **state)
{
    (void)state;
    const char *bad[] = {"", "   ", "-1s", "-0s", "10", "1.5", "ms", "1.5 parsecs", "5x",
                         "1s2", "1..5s", "1.0001ns", "1.5ns", "9999999999999999999s",
                         "9223372037s", "1e3ms", "0x10s", "1,5s", "s1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        simtime_t t = 12345;
        char err[128] = "";
        if (simtime_parse(bad[i], &t, err, sizeof err) == 0)
            fail_msg("'%s' accepted as %lld", bad[i], (long long)t);
        assert_int_equal(t, 12345); /* untouched on error */
        assert_true(strstr(err, "bad duration") != NULL);
    }
    simtime_t t;
    assert_int_equal(simtime_parse(NULL, &t, NULL, 0), -1);
}

static void test_format(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(simtime_format(0, b, sizeof b), "0s");
    assert_string_equal(simtime_format(1500 * SIMTIME_MS, b, sizeof b), "1.5s");
    assert_string_equal(simtime_format(250 * SIMTIME_MS, b, sizeof b), "250ms");
    assert_string_equal(simtime_format(17, b, sizeof b), "17ns");
    assert_string_equal(simtime_format(1234567, b, sizeof b), "1234.567us");
    assert_string_equal(simtime_format(-2 * SIMTIME_S, b, sizeof b), "-2s");
    assert_string_equal(simtime_format(120 * SIMTIME_S, b, sizeof b), "120s");
}

/* Every printed duration parses back to the same value. */
static void test_roundtrip(void **state)
{
    (void)state;
    simtime_t vals[] = {1, 999, 1000, 1001, 123456789, 5 * SIMTIME_S, 90 * SIMTIME_MIN,
                        SIMTIME_S + 1, INT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char b[32];
        simtime_format(vals[i], b, sizeof b);
        assert_int_equal(parse_ok(b), vals[i]);
    }
}

static void test_from_sec(void **state)
{
    (void)state;
    assert_int_equal(simtime_from_sec(1.5), 1500 * SIMTIME_MS);
    assert_int_equal(simtime_from_sec(1e-9), 1);
    assert_int_equal(simtime_from_sec(1e30), SIMTIME_NEVER);
    assert_true(simtime_to_sec(2 * SIMTIME_S) == 2.0);
}

/* simtime_round_ns must be llround exactly: on the halves and their
 * neighbours (where x + 0.5 would round wrongly), near 2^52 and 2^63, and
 * on a million values spread over every binade from 2^-10 to 2^62. */
static void test_round_ns(void **state)
{
    (void)state;
    const double edge[] = {0.0, 0.25, 0.5, 0.49999999999999994, 0.5000000000000001, 1.5, 2.5,
                           4503599627370495.5, 4503599627370496.0, 4503599627370497.0,
                           9007199254740993.0, 1e18, 9.2e18, 9223372036854774784.0};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        double x = edge[i];
        for (int d = -2; d <= 2; d++) {
            double y = x;
            for (int k = 0; k < (d < 0 ? -d : d); k++)
                y = nextafter(y, d < 0 ? 0.0 : HUGE_VAL);
            if (y < 0 || y >= 9223372036854775808.0)
                continue;
            if (simtime_round_ns(y) != (simtime_t)llround(y))
                fail_msg("round_ns(%.17g) = %lld, llround %lld", y, (long long)simtime_round_ns(y),
                         (long long)llround(y));
        }
    }
    uint64_t z = 88172645463325252ULL; /* xorshift64 */
    for (int i = 0; i < 1000000; i++) {
        z ^= z << 13, z ^= z >> 7, z ^= z << 17;
        double x = ldexp((double)(z >> 11) / 9007199254740992.0, (int)(z % 73) - 10);
        assert_int_equal(simtime_round_ns(x), (simtime_t)llround(x));
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's stdout and stderr lines in order */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_format),     cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_from_sec),   cmocka_unit_test(test_round_ns),
    };
    return cmocka_run_group_tests_name("simtime", tests, NULL, NULL);
}
