/*
 * The command line on bad input: every class of configuration error exits
 * with status 2, names the file, line and key, and leaves the results
 * database untouched (not even created). Runs ./retrysim from the
 * repository root (make test runs tests from there), or $RETRYSIM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static char db[128], ini[128], errf[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/retrysim-cli-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof db, "%s/r.db", dir);
    snprintf(ini, sizeof ini, "%s/bad.ini", dir);
    snprintf(errf, sizeof errf, "%s/err.txt", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Run retrysim with args; return its exit status and the stderr text. */
static int run(const char *args, char *err, size_t errlen)
{
    char cmd[1024];
    const char *bin = getenv("RETRYSIM"); /* make test SANITIZE=1 points at the sanitized build */
    snprintf(cmd, sizeof cmd, "%s %s 2>%s >/dev/null", bin ? bin : "./retrysim", args, errf);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    size_t n = fread(err, 1, errlen - 1, f);
    err[n] = 0;
    fclose(f);
    return WEXITSTATUS(st);
}

static void expect_bad(const char *text, const char *extra, const char *want1, const char *want2)
{
    char args[512], err[2048];
    write_file(ini, text);
    snprintf(args, sizeof args, "run %s --db %s %s", ini, db, extra ? extra : "");
    int rc = run(args, err, sizeof err);
    if (rc != 2)
        fail_msg("exit %d (want 2) for:\n%s\nstderr: %s", rc, text, err);
    if (want1 && !strstr(err, want1))
        fail_msg("message lacks '%s': %s", want1, err);
    if (want2 && !strstr(err, want2))
        fail_msg("message lacks '%s': %s", want2, err);
    struct stat sb;
    assert_int_equal(stat(db, &sb), -1); /* nothing written, not even created */
}

static void test_bad_config_classes(void **state)
{
    (void)state;
    expect_bad("[run]\nduration = 10s\n[retyr]\nmax_attempts = 3\n", NULL, "bad.ini:3", "retyr");
    expect_bad("[retry]\nmax_atempts = 3\n", NULL, "bad.ini:2", "max_atempts");
    expect_bad("[retry]\nmax_attempts = three\n", NULL, "bad.ini:2", "max_attempts");
    expect_bad("[retry]\nmax_attempts = 10x\n", NULL, "bad.ini:2", "max_attempts");
    expect_bad("[retry]\nbase = 100 parsecs\n", NULL, "bad.ini:2", "base");
    expect_bad("[retry]\nbase = -5ms\n", NULL, "bad.ini:2", "base");
    expect_bad("[retry]\njitter = fuzzy\n", NULL, "bad.ini:2", "jitter");
    expect_bad("[server]\nservice = gamma(3ms)\n", NULL, "bad.ini:2", "service");
    expect_bad("[retry]\nmax_attempts = 0\n", NULL, "bad.ini:2", "max_attempts");
    expect_bad("[run]\n\n[retry]\nbackoff = exponential\nmultiplier = 0.5\n", NULL, "bad.ini:5", "multiplier");
    expect_bad("[retry]\nbase = 1s\nbase = 2s\n", NULL, "bad.ini:3", "base");
    expect_bad("[retry\nbase = 1s\n", NULL, "bad.ini:1", NULL);
    expect_bad("[retry]\nbase = 1s\n", "--set retry.jitter=sometimes", "--set", "jitter");
    expect_bad("[retry]\nbase = 1s\n", "--set nonsense", "--set", NULL);
    expect_bad("[arrivals]\nkind = trace\ntrace = /nonexistent/trace.txt\n", NULL, "/nonexistent/trace.txt", NULL);
}

static void test_bad_command_line(void **state)
{
    (void)state;
    char err[2048], args[512];
    write_file(ini, "[run]\nduration = 1s\n");
    snprintf(args, sizeof args, "run %s/missing.ini --db %s", dir, db);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "missing.ini"));
    snprintf(args, sizeof args, "run %s --db %s/no/such/dir/r.db", ini, dir);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "does not exist"));
    snprintf(args, sizeof args, "run %s --frobnicate", ini);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_int_equal(run("bogus", err, sizeof err), 2);
    struct stat sb;
    assert_int_equal(stat(db, &sb), -1);
}

/* A good run writes the database and exits 0; the event budget makes a
 * run fail: exit 1, recorded as failed. */
static void test_good_and_failed_run(void **state)
{
    (void)state;
    char err[2048], args[512];
    write_file(ini, "[run]\nduration = 5s\n[arrivals]\nrate = 100\n");
    snprintf(args, sizeof args, "run %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 0);
    snprintf(args, sizeof args, "run %s --db %s --set run.max_events=100", ini, db);
    assert_int_equal(run(args, err, sizeof err), 1);
    assert_non_null(strstr(err, "max_events"));
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"SELECT group_concat(status) FROM run\" > %s", db, errf);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    char line[64] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "ok,failed\n");
    unlink(db);
}

static int64_t query_int(const char *sql)
{
    char cmd[768];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"%s\" > %s", db, sql, errf);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    long long v = -1;
    assert_int_equal(fscanf(f, "%lld", &v), 1);
    fclose(f);
    return v;
}

/* A sweep of 2 points x 2 replications where one point spends its event
 * budget: exit 1, 2 ok and 2 failed runs, summaries for the ok point; the
 * same command again runs nothing (resume); bad sweep syntax: exit 2. */
static void test_sweep(void **state)
{
    (void)state;
    char err[4096], args[512];
    write_file(ini, "[sweep]\nrepeat = 2\n[run]\nduration = 5s\nmax_events = ${budget=0, 50}\n");
    snprintf(args, sizeof args, "sweep %s --db %s -j 2 --quiet", ini, db);
    assert_int_equal(run(args, err, sizeof err), 1);
    assert_non_null(strstr(err, "run 2 failed"));
    assert_int_equal(query_int("SELECT count(*) FROM run WHERE status = 'ok'"), 2);
    assert_int_equal(query_int("SELECT count(*) FROM run WHERE status = 'failed'"), 2);
    assert_int_equal(query_int("SELECT count(*) FROM runvar WHERE name = 'budget'"), 4);
    assert_int_equal(query_int("SELECT n FROM summary WHERE point = 0 AND name = 'calls'"), 2);
    /* resume: nothing left to run, nothing added */
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_int_equal(query_int("SELECT count(*) FROM run"), 4);
    /* -r selects; --list runs nothing */
    snprintf(args, sizeof args, "sweep %s --db %s --list", ini, db);
    assert_int_equal(run(args, err, sizeof err), 0);
    unlink(db);
    write_file(ini, "[sweep]\nrepeat = 2\n[retry]\nbase = ${b=10ms, oops}\n");
    snprintf(args, sizeof args, "sweep %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "bad.ini:4"));
    struct stat sb;
    assert_int_equal(stat(db, &sb), -1);
    write_file(ini, "[sweep]\nrepeat = 2\n[retry]\nbase = ${b=10ms, 20ms\n");
    assert_int_equal(run(args, err, sizeof err), 2);
    /* a malformed trace file is bad input before any run: file:line, exit 2 */
    char trace[160], text[256];
    snprintf(trace, sizeof trace, "%s/trace.txt", dir);
    write_file(trace, "0.5\n1.0 3\n0.7\n");
    snprintf(text, sizeof text, "[sweep]\nrepeat = 2\n[arrivals]\nkind = trace\ntrace = %s\n", trace);
    write_file(ini, text);
    snprintf(args, sizeof args, "sweep %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "trace.txt:3"));
    assert_int_equal(stat(db, &sb), -1);
    snprintf(args, sizeof args, "sweep %s --db %s -r 7", ini, db);
    write_file(ini, "[retry]\nbase = ${b=10ms, 20ms}\n");
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_int_equal(stat(db, &sb), -1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_config_classes),
        cmocka_unit_test(test_bad_command_line),
        cmocka_unit_test(test_good_and_failed_run),
        cmocka_unit_test(test_sweep),
    };
    return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
